package dev.josef.kafka.net;

import dev.josef.kafka.net.internal.EngineConfigs;
import dev.josef.kafka.net.internal.Security;
import dev.josef.kafka.testkit.KafkaCluster;
import dev.josef.kafka.testkit.Listener;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLHandshakeException;
import javax.net.ssl.SSLParameters;
import javax.net.ssl.SSLSession;
import javax.net.ssl.SSLSocket;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyStore;
import java.security.cert.Certificate;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * SSL contexts that {@link EngineConfigs} makes from kafka-clients properties, in a
 * real TLS handshake with a broker's SSL listener: the broker's own trust store, a
 * PKCS12 copy of its certificate, and a trust store that does not hold it.
 */
class NetworkConfigTlsIT {
    private static final String COPY_PASSWORD = "copy-Store-pw-7";

    private static KafkaCluster cluster;
    private static String host;
    private static int port;

    @TempDir
    static Path dir;

    @BeforeAll
    static void startBroker() {
        cluster = KafkaCluster.builder().listeners(Listener.SSL).start();
        String bootstrap = cluster.bootstrapServers(Listener.SSL).split(",")[0];
        host = bootstrap.substring(0, bootstrap.lastIndexOf(':'));
        port = Integer.parseInt(bootstrap.substring(bootstrap.lastIndexOf(':') + 1));
    }

    @AfterAll
    static void stopBroker() {
        if (cluster != null) {
            cluster.close();
        }
    }

    /** Handshakes as the engine will: checking the host name when the security settings say so. */
    private static SSLSession handshake(Security security) throws Exception {
        try (SSLSocket socket = (SSLSocket) security.sslContext().getSocketFactory().createSocket(host, port)) {
            socket.setSoTimeout(15_000);
            if (security.verifyHostname()) {
                SSLParameters parameters = socket.getSSLParameters();
                parameters.setEndpointIdentificationAlgorithm("HTTPS");
                socket.setSSLParameters(parameters);
            }
            socket.startHandshake();
            return socket.getSession();
        }
    }

    private static Security securityFrom(Map<String, String> properties) {
        return EngineConfigs.from(NetworkConfig.fromProperties(properties)).security();
    }

    @Test
    void handshakesWithTheClustersOwnClientProperties() throws Exception {
        Security security = securityFrom(cluster.clientProperties(Listener.SSL));
        assertThat(security.protocol()).isEqualTo(SecurityProtocol.SSL);
        assertThat(security.verifyHostname()).isTrue();
        SSLSession session = handshake(security);
        assertThat(session.getProtocol()).startsWith("TLSv1.");
        assertThat(session.getPeerCertificates()).isNotEmpty();
    }

    @Test
    void handshakesWithAPkcs12CopyOfTheBrokersCertificate() throws Exception {
        KeyStore original = KeyStore.getInstance("PKCS12");
        try (InputStream in = Files.newInputStream(cluster.truststore())) {
            original.load(in, cluster.truststorePassword().toCharArray());
        }
        KeyStore copy = KeyStore.getInstance("PKCS12");
        copy.load(null, null);
        for (String alias : Collections.list(original.aliases())) {
            Certificate c = original.getCertificate(alias);
            if (c != null) {
                copy.setCertificateEntry(alias, c);
            }
        }
        Path copyFile = dir.resolve("copy.p12");
        try (OutputStream out = Files.newOutputStream(copyFile)) {
            copy.store(out, COPY_PASSWORD.toCharArray());
        }

        Map<String, String> p = new LinkedHashMap<>();
        p.put("bootstrap.servers", cluster.bootstrapServers(Listener.SSL));
        p.put("security.protocol", "SSL");
        p.put("ssl.truststore.location", copyFile.toString());
        p.put("ssl.truststore.type", "PKCS12");
        p.put("ssl.truststore.password", COPY_PASSWORD);
        p.put("ssl.enabled.protocols", "TLSv1.3");
        SSLSession session = handshake(securityFrom(p));
        assertThat(session.getProtocol()).isEqualTo("TLSv1.3");
    }

    @Test
    void aTrustStoreWithoutTheBrokersCertificateFailsTheHandshake() throws Exception {
        KeyStore wrong = KeyStore.getInstance("PKCS12");
        wrong.load(null, null);
        wrong.setCertificateEntry("unrelated", TestCertificates.unrelatedCertificate());
        Path wrongFile = dir.resolve("wrong.p12");
        try (OutputStream out = Files.newOutputStream(wrongFile)) {
            wrong.store(out, COPY_PASSWORD.toCharArray());
        }
        Map<String, String> p = new LinkedHashMap<>(cluster.clientProperties(Listener.SSL));
        p.put("ssl.truststore.location", wrongFile.toString());
        p.put("ssl.truststore.password", COPY_PASSWORD);
        Security security = securityFrom(p);

        assertThatThrownBy(() -> handshake(security)).isInstanceOf(SSLHandshakeException.class)
                .hasMessageContaining("unable to find valid certification path");
    }

    @Test
    void theJdkDefaultTrustDoesNotTrustTheTestBroker() {
        Map<String, String> p = new LinkedHashMap<>();
        p.put("bootstrap.servers", cluster.bootstrapServers(Listener.SSL));
        p.put("security.protocol", "SSL");
        Security security = securityFrom(p);
        SSLContext context = security.sslContext();
        assertThat(context).isNotNull();

        assertThatThrownBy(() -> handshake(security)).isInstanceOf(SSLHandshakeException.class)
                .hasMessageContaining("unable to find valid certification path");
    }
}
