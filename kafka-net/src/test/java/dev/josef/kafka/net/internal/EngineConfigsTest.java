package dev.josef.kafka.net.internal;

import dev.josef.kafka.net.NetworkConfig;
import dev.josef.kafka.net.SecurityProtocol;
import dev.josef.kafka.net.TestCertificates;
import dev.josef.kafka.net.spi.SaslMechanism;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLHandshakeException;
import javax.net.ssl.SSLServerSocket;
import javax.net.ssl.SSLSocket;
import java.io.OutputStream;
import java.net.InetAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyFactory;
import java.security.KeyStore;
import java.security.PrivateKey;
import java.security.cert.Certificate;
import java.security.spec.PKCS8EncodedKeySpec;
import java.time.Duration;
import java.util.Base64;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.catchThrowable;

class EngineConfigsTest {
    private static final String STORE_PASSWORD = "st0re-Secret-42";
    private static final String KEY_PASSWORD = "k3y-Secret-43";

    @TempDir
    static Path dir;
    static Path trustP12;
    static Path trustJks;
    static Path keyP12;

    @BeforeAll
    static void writeStores() throws Exception {
        Certificate certificate = certificate();
        trustP12 = dir.resolve("trust.p12");
        trustJks = dir.resolve("trust.jks");
        keyP12 = dir.resolve("key.p12");
        for (Map.Entry<Path, String> e : Map.of(trustP12, "PKCS12", trustJks, "JKS").entrySet()) {
            KeyStore trust = KeyStore.getInstance(e.getValue());
            trust.load(null, null);
            trust.setCertificateEntry("ca", certificate);
            try (OutputStream out = Files.newOutputStream(e.getKey())) {
                trust.store(out, STORE_PASSWORD.toCharArray());
            }
        }
        PrivateKey key = KeyFactory.getInstance("EC").generatePrivate(
                new PKCS8EncodedKeySpec(Base64.getMimeDecoder().decode(TestCertificates.UNRELATED_PRIVATE_KEY_PKCS8)));
        KeyStore keys = KeyStore.getInstance("PKCS12");
        keys.load(null, null);
        keys.setKeyEntry("server", key, KEY_PASSWORD.toCharArray(), new Certificate[] {certificate});
        try (OutputStream out = Files.newOutputStream(keyP12)) {
            keys.store(out, STORE_PASSWORD.toCharArray());
        }
    }

    static Certificate certificate() {
        return TestCertificates.unrelatedCertificate();
    }

    private static Map<String, Object> ssl(Object... kv) {
        Map<String, Object> p = new HashMap<>();
        p.put("bootstrap.servers", "127.0.0.1:9093");
        p.put("security.protocol", "SSL");
        for (int i = 0; i < kv.length; i += 2) {
            p.put((String) kv[i], kv[i + 1]);
        }
        return p;
    }

    private static SSLContext serverContext() {
        return EngineConfigs.sslContext(NetworkConfig.fromProperties(ssl(
                "ssl.keystore.location", keyP12.toString(), "ssl.keystore.type", "PKCS12",
                "ssl.keystore.password", STORE_PASSWORD, "ssl.key.password", KEY_PASSWORD)));
    }

    /** A TLS handshake over loopback between the key store's server and a client with this context. */
    private static void handshake(SSLContext client) throws Exception {
        try (SSLServerSocket server = (SSLServerSocket) serverContext().getServerSocketFactory()
                .createServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            CompletableFuture<Void> serverSide = CompletableFuture.runAsync(() -> {
                try (SSLSocket s = (SSLSocket) server.accept()) {
                    s.setSoTimeout(10_000);
                    s.startHandshake();
                } catch (Exception ignored) {
                    // The client side reports what went wrong.
                }
            });
            try (SSLSocket socket = (SSLSocket) client.getSocketFactory()
                    .createSocket(InetAddress.getLoopbackAddress(), server.getLocalPort())) {
                socket.setSoTimeout(10_000);
                socket.startHandshake();
            } finally {
                serverSide.get(10, TimeUnit.SECONDS);
            }
        }
    }

    @Test
    void mapsTheSettingsTheEngineUses() {
        NetworkConfig config = NetworkConfig.builder().bootstrapServers("a:1,[::1]:2").clientId("me")
                .requestTimeout(Duration.ofSeconds(3)).connectTimeout(Duration.ofSeconds(2))
                .maxInFlightPerConnection(1).build();
        NetworkClientConfig engine = EngineConfigs.from(config);
        assertThat(engine.bootstrap()).containsExactly(new HostPort("a", 1), new HostPort("::1", 2));
        assertThat(engine.clientId()).isEqualTo("me");
        assertThat(engine.requestTimeout()).isEqualTo(Duration.ofSeconds(3));
        assertThat(engine.connectTimeout()).isEqualTo(Duration.ofSeconds(2));
        assertThat(engine.maxInFlightPerConnection()).isEqualTo(1);
        assertThat(engine.maxResponseBytes()).isEqualTo(NetworkClientConfig.DEFAULT_MAX_RESPONSE_BYTES);
        assertThat(engine.security().protocol()).isEqualTo(SecurityProtocol.PLAINTEXT);
        assertThat(engine.security().sslContext()).isNull();
        assertThat(engine.security().saslMechanism()).isNull();
    }

    @Test
    void mapsSasl() {
        NetworkConfig config = NetworkConfig.fromProperties(Map.of("bootstrap.servers", "a:1",
                "security.protocol", "SASL_PLAINTEXT", "sasl.mechanism", "SCRAM-SHA-256", "sasl.jaas.config",
                JaasConfig.SCRAM_LOGIN_MODULE + " required username=\"u\" password=\"" + STORE_PASSWORD + "\";"));
        Security security = EngineConfigs.from(config).security();
        assertThat(security.protocol()).isEqualTo(SecurityProtocol.SASL_PLAINTEXT);
        assertThat(security.saslMechanism()).isSameAs(SaslMechanism.scramSha256());
        assertThat(security.saslCredentials().username()).isEqualTo("u");
        assertThat(security.sslContext()).isNull();
    }

    @Test
    void buildsTheContextFromAPkcs12TrustStoreThatTrustsTheServer() throws Exception {
        NetworkConfig config = NetworkConfig.fromProperties(ssl("ssl.truststore.location", trustP12.toString(),
                "ssl.truststore.type", "PKCS12", "ssl.truststore.password", STORE_PASSWORD,
                "ssl.endpoint.identification.algorithm", ""));
        Security security = EngineConfigs.from(config).security();
        assertThat(security.verifyHostname()).isFalse();
        assertThat(security.sslContext().getProtocol()).isEqualTo("TLSv1.3");
        handshake(security.sslContext());
    }

    @Test
    void buildsTheContextFromJksAndPemTrust() throws Exception {
        handshake(EngineConfigs.sslContext(NetworkConfig.fromProperties(ssl("ssl.truststore.location",
                trustJks.toString(), "ssl.truststore.password", STORE_PASSWORD))));
        handshake(EngineConfigs.sslContext(NetworkConfig.fromProperties(ssl("ssl.truststore.type", "PEM",
                "ssl.truststore.certificates", TestCertificates.UNRELATED_CERTIFICATE_PEM))));
        Path pemFile = Files.writeString(dir.resolve("ca.pem"), TestCertificates.UNRELATED_CERTIFICATE_PEM);
        handshake(EngineConfigs.sslContext(NetworkConfig.fromProperties(ssl("ssl.truststore.type", "PEM",
                "ssl.truststore.location", pemFile.toString()))));
    }

    @Test
    void aTrustStoreWhoseCertificatesCannotBeReadIsRefused() {
        // The JDK encrypts the certificates of a PKCS12 store; without the password none can be read.
        assertThatThrownBy(() -> EngineConfigs.sslContext(NetworkConfig.fromProperties(ssl("ssl.truststore.location",
                trustP12.toString(), "ssl.truststore.type", "PKCS12"))))
                .hasMessage("ssl.truststore.location " + trustP12 + " holds no trusted certificate that can be read"
                        + " without a password: set ssl.truststore.password");
    }

    @Test
    void theJdkDefaultTrustDoesNotTrustASelfSignedServer() {
        SSLContext context = EngineConfigs.sslContext(NetworkConfig.fromProperties(ssl()));
        assertThatThrownBy(() -> handshake(context)).isInstanceOf(SSLHandshakeException.class);
    }

    @Test
    void usesTheApplicationsOwnContext() throws Exception {
        SSLContext own = SSLContext.getInstance("TLS");
        own.init(null, null, null);
        NetworkConfig config = NetworkConfig.builder().bootstrapServers("a:1").securityProtocol(SecurityProtocol.SSL)
                .sslContext(own).build();
        assertThat(EngineConfigs.sslContext(config)).isSameAs(own);
    }

    @Test
    void enabledProtocolsLimitEnginesAndSockets() throws Exception {
        SSLContext context = EngineConfigs.sslContext(NetworkConfig.fromProperties(ssl("ssl.truststore.location",
                trustP12.toString(), "ssl.truststore.type", "PKCS12", "ssl.truststore.password", STORE_PASSWORD,
                "ssl.protocol", "TLSv1.2", "ssl.enabled.protocols", "TLSv1.2")));
        assertThat(context.getProtocol()).isEqualTo("TLSv1.2");
        assertThat(context.createSSLEngine("a", 1).getEnabledProtocols()).containsExactly("TLSv1.2");
        assertThat(context.createSSLEngine().getEnabledProtocols()).containsExactly("TLSv1.2");
        assertThat(context.getDefaultSSLParameters().getProtocols()).containsExactly("TLSv1.2");
        try (SSLSocket socket = (SSLSocket) context.getSocketFactory().createSocket()) {
            assertThat(socket.getEnabledProtocols()).containsExactly("TLSv1.2");
        }
        handshake(context);
        assertThatThrownBy(() -> EngineConfigs.sslContext(NetworkConfig.fromProperties(ssl(
                "ssl.enabled.protocols", "TLSv1.3,SSLv9"))))
                .hasMessageStartingWith("ssl.enabled.protocols: 'SSLv9' is not supported by the SSL context");
    }

    @Test
    void aWrongStorePasswordNamesTheSettingNotThePassword() {
        String wrong = "not-the-" + STORE_PASSWORD;
        Throwable t = catchThrowable(() -> EngineConfigs.from(NetworkConfig.fromProperties(ssl(
                "ssl.truststore.location", trustP12.toString(), "ssl.truststore.type", "PKCS12",
                "ssl.truststore.password", wrong))));
        assertThat(t).isInstanceOf(IllegalArgumentException.class)
                .hasMessage("ssl.truststore.password: wrong password for ssl.truststore.location " + trustP12);
        for (Throwable c = t; c != null; c = c.getCause()) {
            assertThat(String.valueOf(c.getMessage())).doesNotContain(wrong).doesNotContain(STORE_PASSWORD);
        }
        Throwable k = catchThrowable(() -> EngineConfigs.from(NetworkConfig.fromProperties(ssl(
                "ssl.keystore.location", keyP12.toString(), "ssl.keystore.type", "PKCS12",
                "ssl.keystore.password", STORE_PASSWORD, "ssl.key.password", wrong))));
        assertThat(k).isInstanceOf(IllegalArgumentException.class).hasMessageStartingWith("ssl.key.password: ");
        for (Throwable c = k; c != null; c = c.getCause()) {
            assertThat(String.valueOf(c.getMessage())).doesNotContain(wrong).doesNotContain(KEY_PASSWORD);
        }
    }

    @Test
    void anUnreadableStoreNamesTheSettingAndFile() {
        Path missing = dir.resolve("missing.p12");
        assertThatThrownBy(() -> EngineConfigs.from(NetworkConfig.fromProperties(ssl(
                "ssl.truststore.location", missing.toString(), "ssl.truststore.type", "PKCS12"))))
                .hasMessage("ssl.truststore.location " + missing + ": cannot read it as ssl.truststore.type PKCS12:"
                        + " no such file");
        assertThatThrownBy(() -> EngineConfigs.from(NetworkConfig.fromProperties(ssl(
                "ssl.truststore.location", keyP12.toString(), "ssl.truststore.type", "PEM"))))
                .hasMessageStartingWith("ssl.truststore.location " + keyP12);
        assertThatThrownBy(() -> EngineConfigs.from(NetworkConfig.fromProperties(ssl(
                "ssl.truststore.certificates", "-----BEGIN CERTIFICATE-----\nnot base64\n-----END CERTIFICATE-----\n"))))
                .hasMessageStartingWith("ssl.truststore.certificates: ");
    }
}
