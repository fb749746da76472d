package dev.josef.kafka.net;

import dev.josef.kafka.net.spi.SaslCredentials;
import dev.josef.kafka.net.spi.SaslMechanism;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import javax.net.ssl.SSLContext;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.catchThrowable;

class NetworkConfigTest {
    private static final String SECRET = "Sup3r-s3cret-PW";
    private static final String JAAS_PLAIN = "org.apache.kafka.common.security.plain.PlainLoginModule required"
            + " username=\"alice\" password=\"" + SECRET + "\";";

    private static NetworkConfig.Builder base() {
        return NetworkConfig.builder().bootstrapServers("localhost:9092");
    }

    private static Map<String, Object> props(Object... kv) {
        Map<String, Object> map = new LinkedHashMap<>();
        map.put("bootstrap.servers", "localhost:9092");
        for (int i = 0; i < kv.length; i += 2) {
            map.put((String) kv[i], kv[i + 1]);
        }
        return map;
    }

    /** Neither the message of the exception nor that of any cause holds the secret. */
    private static void assertNoSecret(Throwable t, String secret) {
        for (Throwable c = t; c != null; c = c.getCause()) {
            assertThat(String.valueOf(c.getMessage())).doesNotContain(secret);
            assertThat(c.toString()).doesNotContain(secret);
        }
    }

    @Test
    void defaultsAreKafkaClientsDefaults() {
        NetworkConfig c = base().build();
        assertThat(c.bootstrapServers()).containsExactly("localhost:9092");
        assertThat(c.clientId()).isEqualTo(NetworkConfig.DEFAULT_CLIENT_ID);
        assertThat(c.requestTimeout()).isEqualTo(Duration.ofSeconds(30));
        assertThat(c.connectTimeout()).isEqualTo(Duration.ofSeconds(10));
        assertThat(c.maxInFlightPerConnection()).isEqualTo(5);
        assertThat(c.reconnectBackoff()).isEqualTo(Duration.ofMillis(50));
        assertThat(c.reconnectBackoffMax()).isEqualTo(Duration.ofSeconds(1));
        assertThat(c.retryBackoff()).isEqualTo(Duration.ofMillis(100));
        assertThat(c.retryBackoffMax()).isEqualTo(Duration.ofSeconds(1));
        assertThat(c.connectionsMaxIdle()).isEqualTo(Duration.ofMillis(540_000));
        assertThat(c.metadataMaxAge()).isEqualTo(Duration.ofMillis(300_000));
        assertThat(c.securityProtocol()).isEqualTo(SecurityProtocol.PLAINTEXT);
        assertThat(c.saslMechanism()).isEmpty();
        assertThat(c.saslCredentials()).isEmpty();
        assertThat(c.sslVerifyHostname()).isTrue();
        assertThat(c.sslProtocol()).isEqualTo("TLSv1.3");
        assertThat(c.sslEnabledProtocols()).isEmpty();
    }

    @Test
    void builderRefusesBadValuesAsTheyAreSet() {
        NetworkConfig.Builder b = NetworkConfig.builder();
        assertThatThrownBy(() -> b.requestTimeout(Duration.ZERO)).isInstanceOf(IllegalArgumentException.class)
                .hasMessage("requestTimeout must be positive, was PT0S");
        assertThatThrownBy(() -> b.connectTimeout(Duration.ofMillis(-1))).hasMessageContaining("connectTimeout must be positive");
        assertThatThrownBy(() -> b.maxInFlightPerConnection(0))
                .hasMessage("maxInFlightPerConnection must be at least 1, was 0");
        assertThatThrownBy(() -> b.reconnectBackoff(Duration.ofMillis(-5)))
                .hasMessage("reconnectBackoff must not be negative, was PT-0.005S");
        assertThatThrownBy(() -> b.retryBackoffMax(Duration.ofMillis(-1))).hasMessageContaining("retryBackoffMax");
        assertThatThrownBy(() -> b.connectionsMaxIdle(Duration.ZERO)).hasMessageContaining("connectionsMaxIdle");
        assertThatThrownBy(() -> b.metadataMaxAge(Duration.ofSeconds(-1))).hasMessageContaining("metadataMaxAge");
        assertThatThrownBy(() -> b.bootstrapServers("localhost")).hasMessageContaining("not a host:port address");
        assertThatThrownBy(() -> b.bootstrapServers(" , ")).hasMessageContaining("no addresses");
        assertThatThrownBy(() -> b.bootstrapServers(List.of())).hasMessageContaining("at least one address");
        assertThatThrownBy(() -> b.saslMechanism(" ")).hasMessageContaining("must not be blank");
        assertThatThrownBy(() -> b.sslProtocol("TLSv9")).hasMessageContaining("sslProtocol 'TLSv9' is not supported");
        assertThatThrownBy(() -> b.sslEnabledProtocols(List.of(""))).hasMessageContaining("blank");
        assertThatThrownBy(() -> b.clientId("x".repeat(32768))).hasMessageContaining("at most 32767");
    }

    @Test
    void builderRefusesNullsNamingTheArgument() {
        NetworkConfig.Builder b = NetworkConfig.builder();
        assertThatThrownBy(() -> b.requestTimeout(null)).isInstanceOf(NullPointerException.class).hasMessage("requestTimeout");
        assertThatThrownBy(() -> b.clientId(null)).hasMessage("clientId");
        assertThatThrownBy(() -> b.securityProtocol(null)).hasMessage("protocol");
        assertThatThrownBy(() -> b.saslCredentials(null)).hasMessage("credentials");
        assertThatThrownBy(() -> b.sslTrustStore(null)).hasMessage("trustStore");
        assertThatThrownBy(() -> b.sslContext(null)).hasMessage("context");
        assertThatThrownBy(() -> b.properties(null)).hasMessage("properties");
    }

    @Test
    void buildNeedsBootstrapServers() {
        assertThatThrownBy(() -> NetworkConfig.builder().build())
                .hasMessage("bootstrapServers (bootstrap.servers) must be set");
    }

    @Test
    void bootstrapServersAreNormalized() {
        NetworkConfig c = NetworkConfig.builder().bootstrapServers(" a:1 , [::1]:2,").build();
        assertThat(c.bootstrapServers()).containsExactly("a:1", "[::1]:2");
        assertThat(NetworkConfig.builder().bootstrapServers(List.of("b:3")).build().bootstrapServers()).containsExactly("b:3");
    }

    @Test
    void backoffMaximumBelowTheBaseMeansAConstantBackoff() {
        NetworkConfig c = base().retryBackoff(Duration.ofSeconds(2)).reconnectBackoff(Duration.ofSeconds(3)).build();
        assertThat(c.retryBackoffMax()).isEqualTo(Duration.ofSeconds(2));
        assertThat(c.reconnectBackoffMax()).isEqualTo(Duration.ofSeconds(3));
    }

    @Test
    void saslProtocolNeedsAMechanismAndCredentials() {
        assertThatThrownBy(() -> base().securityProtocol(SecurityProtocol.SASL_SSL).sslTrustJdkDefault().build())
                .hasMessageContaining("SASL_SSL needs a SASL mechanism");
        assertThatThrownBy(() -> base().securityProtocol(SecurityProtocol.SASL_PLAINTEXT).saslMechanism("PLAIN").build())
                .hasMessageContaining("SASL_PLAINTEXT needs SASL credentials");
        assertThatThrownBy(() -> base().securityProtocol(SecurityProtocol.SASL_PLAINTEXT).saslMechanism("OAUTHBEARER").build())
                .hasMessageContaining("SaslCredentials.oauthBearer(tokenProvider)");
        assertThatThrownBy(() -> base().securityProtocol(SecurityProtocol.SASL_PLAINTEXT).saslMechanism("GSSAPI")
                .saslCredentials(SaslCredentials.password("a", SECRET)).build())
                .hasMessageContaining("sasl.mechanism 'GSSAPI' is not installed");
    }

    @Test
    void saslMechanismMustMatchTheKindOfCredentials() {
        Throwable t = catchThrowable(() -> base().securityProtocol(SecurityProtocol.SASL_PLAINTEXT)
                .saslMechanism(SaslMechanism.oauthBearer()).saslCredentials(SaslCredentials.password("a", SECRET)).build());
        assertThat(t).isInstanceOf(IllegalArgumentException.class);
        assertNoSecret(t, SECRET);
    }

    @Test
    void saslSettingsWithoutASaslProtocolAreRefused() {
        assertThatThrownBy(() -> base().saslMechanism("PLAIN").build())
                .hasMessageContaining("security protocol PLAINTEXT does not use SASL");
        assertThatThrownBy(() -> base().saslCredentials(SaslCredentials.password("a", SECRET)).build())
                .hasMessageContaining("does not use SASL");
    }

    @Test
    void saslConfigIsKept() {
        SaslCredentials credentials = SaslCredentials.password("alice", SECRET);
        NetworkConfig c = base().securityProtocol(SecurityProtocol.SASL_PLAINTEXT).saslMechanism("scram-sha-512")
                .saslCredentials(credentials).build();
        assertThat(c.saslMechanism()).containsSame(SaslMechanism.scramSha512());
        assertThat(c.saslCredentials()).containsSame(credentials);
        assertThat(c.toString()).contains("SCRAM-SHA-512", "alice").doesNotContain(SECRET);
    }

    @Test
    void tlsNeedsATrustSource() {
        assertThatThrownBy(() -> base().securityProtocol(SecurityProtocol.SSL).build())
                .hasMessage("security protocol SSL needs a trust source: sslTrustStore(...), sslTrustJdkDefault()"
                        + " or sslContext(...)");
        assertThat(base().securityProtocol(SecurityProtocol.SSL).sslTrustJdkDefault().build().sslTrustJdkDefault()).isTrue();
    }

    @Test
    void theLastTrustSourceGivenWins() throws Exception {
        SSLContext context = SSLContext.getDefault();
        NetworkConfig c = base().securityProtocol(SecurityProtocol.SSL)
                .sslTrustStore(SslStore.file(Path.of("t.p12"), "PKCS12", SECRET.toCharArray()))
                .sslKeyStore(SslStore.file(Path.of("k.p12"), "PKCS12", SECRET.toCharArray()))
                .sslContext(context).build();
        assertThat(c.sslContext()).containsSame(context);
        assertThat(c.sslTrustStore()).isEmpty();
        assertThat(c.sslKeyStore()).isEmpty();
        assertThat(c.sslTrustJdkDefault()).isFalse();
        NetworkConfig d = c.toBuilder().sslTrustJdkDefault().build();
        assertThat(d.sslContext()).isEmpty();
        assertThat(d.sslTrustJdkDefault()).isTrue();
    }

    @Test
    void tlsSettingsWithoutATlsProtocolAreRefused() {
        assertThatThrownBy(() -> base().sslTrustJdkDefault().build())
                .hasMessageContaining("security protocol PLAINTEXT does not use TLS");
        assertThatThrownBy(() -> base().securityProtocol(SecurityProtocol.SASL_PLAINTEXT).saslMechanism("PLAIN")
                .saslCredentials(SaslCredentials.password("a", SECRET))
                .sslTrustStore(SslStore.pemCertificates("-----BEGIN CERTIFICATE-----")).build())
                .hasMessageContaining("SASL_PLAINTEXT does not use TLS");
    }

    @Test
    void keyStoresMustBeReadableKinds() {
        assertThatThrownBy(() -> base().sslKeyStore(SslStore.file(Path.of("k.pem"), "PEM", null)))
                .hasMessageContaining("a PEM key store is not supported yet");
        assertThatThrownBy(() -> base().sslKeyStore(SslStore.file(Path.of("k.jks"), "JKS", null)))
                .hasMessage("a key store needs its store password");
        assertThatThrownBy(() -> SslStore.file(Path.of("k.jks"), "BKS", null))
                .hasMessage("store type 'BKS' is not one of JKS, PKCS12, PEM");
        assertThatThrownBy(() -> SslStore.file(Path.of("t.pem"), "pem", SECRET.toCharArray()))
                .hasMessageContaining("a PEM store has no store password");
        assertThatThrownBy(() -> SslStore.pemCertificates("nothing"))
                .hasMessageContaining("-----BEGIN CERTIFICATE-----");
        assertThatThrownBy(() -> base().sslTrustStore(SslStore.file(Path.of("t.p12"), "PKCS12", null)
                .withKeyPassword(SECRET.toCharArray()))).hasMessageContaining("a trust store has no key password");
    }

    @Test
    void sslStoreNeverShowsItsPasswords() {
        SslStore store = SslStore.file(Path.of("/k.p12"), "pkcs12", SECRET.toCharArray())
                .withKeyPassword((SECRET + "-key").toCharArray());
        assertThat(store.toString()).isEqualTo("SslStore[location=/k.p12, type=PKCS12, password=<redacted>,"
                + " keyPassword=<redacted>]");
        assertThat(store.password()).containsExactly(SECRET.toCharArray());
        store.password()[0] = 'X';
        assertThat(store.password()).containsExactly(SECRET.toCharArray());
    }

    @Test
    void fromPropertiesReadsEveryNetworkSetting(@org.junit.jupiter.api.io.TempDir Path dir) {
        Map<String, Object> p = new LinkedHashMap<>();
        p.put("bootstrap.servers", "b1:9093,b2:9093");
        p.put("client.id", "orders");
        p.put("request.timeout.ms", "15000");
        p.put("socket.connection.setup.timeout.ms", 7000);
        p.put("max.in.flight.requests.per.connection", "3");
        p.put("reconnect.backoff.ms", "20");
        p.put("reconnect.backoff.max.ms", 2000L);
        p.put("retry.backoff.ms", "150");
        p.put("retry.backoff.max.ms", "3000");
        p.put("connections.max.idle.ms", "60000");
        p.put("metadata.max.age.ms", "0");
        p.put("security.protocol", "sasl_ssl");
        p.put("sasl.mechanism", "PLAIN");
        p.put("sasl.jaas.config", JAAS_PLAIN);
        p.put("ssl.truststore.location", dir.resolve("trust.p12").toString());
        p.put("ssl.truststore.password", SECRET);
        p.put("ssl.truststore.type", "PKCS12");
        p.put("ssl.keystore.location", dir.resolve("key.jks").toString());
        p.put("ssl.keystore.password", SECRET + "-store");
        p.put("ssl.keystore.type", "jks");
        p.put("ssl.key.password", SECRET + "-key");
        p.put("ssl.endpoint.identification.algorithm", "");
        p.put("ssl.protocol", "TLSv1.2");
        p.put("ssl.enabled.protocols", "TLSv1.2, TLSv1.3");

        assertThat(p.keySet()).containsExactlyInAnyOrderElementsOf(NetworkConfig.PROPERTY_NAMES
                .stream().filter(k -> !k.equals("ssl.truststore.certificates")).toList());

        NetworkConfig c = NetworkConfig.fromProperties(p);

        assertThat(c.bootstrapServers()).containsExactly("b1:9093", "b2:9093");
        assertThat(c.clientId()).isEqualTo("orders");
        assertThat(c.requestTimeout()).isEqualTo(Duration.ofSeconds(15));
        assertThat(c.connectTimeout()).isEqualTo(Duration.ofSeconds(7));
        assertThat(c.maxInFlightPerConnection()).isEqualTo(3);
        assertThat(c.reconnectBackoff()).isEqualTo(Duration.ofMillis(20));
        assertThat(c.reconnectBackoffMax()).isEqualTo(Duration.ofSeconds(2));
        assertThat(c.retryBackoff()).isEqualTo(Duration.ofMillis(150));
        assertThat(c.retryBackoffMax()).isEqualTo(Duration.ofSeconds(3));
        assertThat(c.connectionsMaxIdle()).isEqualTo(Duration.ofMinutes(1));
        assertThat(c.metadataMaxAge()).isEqualTo(Duration.ZERO);
        assertThat(c.securityProtocol()).isEqualTo(SecurityProtocol.SASL_SSL);
        assertThat(c.saslMechanism()).containsSame(SaslMechanism.plain());
        assertThat(c.saslCredentials().orElseThrow().username()).isEqualTo("alice");
        assertThat(c.saslCredentials().orElseThrow().password()).containsExactly(SECRET.toCharArray());
        SslStore trust = c.sslTrustStore().orElseThrow();
        assertThat(trust.location()).contains(dir.resolve("trust.p12"));
        assertThat(trust.type()).isEqualTo("PKCS12");
        assertThat(trust.password()).containsExactly(SECRET.toCharArray());
        assertThat(c.sslTrustJdkDefault()).isFalse();
        SslStore key = c.sslKeyStore().orElseThrow();
        assertThat(key.location()).contains(dir.resolve("key.jks"));
        assertThat(key.type()).isEqualTo("JKS");
        assertThat(key.password()).containsExactly((SECRET + "-store").toCharArray());
        assertThat(key.keyPassword()).containsExactly((SECRET + "-key").toCharArray());
        assertThat(c.sslVerifyHostname()).isFalse();
        assertThat(c.sslProtocol()).isEqualTo("TLSv1.2");
        assertThat(c.sslEnabledProtocols()).containsExactly("TLSv1.2", "TLSv1.3");

        assertThat(c.toString()).doesNotContain(SECRET).contains("orders", "SASL_SSL", "PLAIN", "<redacted>");
    }

    @Test
    void fromPropertiesTakesListsAndCharArrays() {
        NetworkConfig c = NetworkConfig.fromProperties(Map.of("bootstrap.servers", List.of("a:1", "b:2"),
                "security.protocol", "SSL", "ssl.enabled.protocols", List.of("TLSv1.3"),
                "ssl.truststore.location", "/t.p12", "ssl.truststore.password", SECRET.toCharArray()));
        assertThat(c.bootstrapServers()).containsExactly("a:1", "b:2");
        assertThat(c.sslEnabledProtocols()).containsExactly("TLSv1.3");
        assertThat(c.sslTrustStore().orElseThrow().type()).isEqualTo("JKS");
        assertThat(c.sslTrustStore().orElseThrow().password()).containsExactly(SECRET.toCharArray());
    }

    @Test
    void fromPropertiesTrustsTheJdkWhenNoTrustStoreIsNamed() {
        NetworkConfig c = NetworkConfig.fromProperties(props("security.protocol", "SSL",
                "ssl.endpoint.identification.algorithm", "HTTPS"));
        assertThat(c.sslTrustJdkDefault()).isTrue();
        assertThat(c.sslVerifyHostname()).isTrue();
        // An explicit trust source given after the properties replaces that default.
        NetworkConfig d = NetworkConfig.builder().properties(props("security.protocol", "SSL"))
                .sslTrustStore(SslStore.pemCertificates("-----BEGIN CERTIFICATE-----")).build();
        assertThat(d.sslTrustJdkDefault()).isFalse();
        assertThat(d.sslTrustStore()).isPresent();
    }

    @Test
    void fromPropertiesReadsPemTrust() {
        String pem = "-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n";
        NetworkConfig c = NetworkConfig.fromProperties(props("security.protocol", "SSL",
                "ssl.truststore.type", "PEM", "ssl.truststore.certificates", pem));
        assertThat(c.sslTrustStore().orElseThrow().certificates()).contains(pem);
        NetworkConfig d = NetworkConfig.fromProperties(props("security.protocol", "SSL",
                "ssl.truststore.type", "PEM", "ssl.truststore.location", "/ca.pem"));
        assertThat(d.sslTrustStore().orElseThrow().location()).contains(Path.of("/ca.pem"));
        assertThatThrownBy(() -> NetworkConfig.fromProperties(props("security.protocol", "SSL",
                "ssl.truststore.type", "JKS", "ssl.truststore.certificates", pem)))
                .hasMessage("ssl.truststore.certificates needs ssl.truststore.type PEM, was 'JKS'");
        assertThatThrownBy(() -> NetworkConfig.fromProperties(props("security.protocol", "SSL",
                "ssl.truststore.type", "PEM", "ssl.truststore.location", "/ca.pem", "ssl.truststore.password", SECRET)))
                .hasMessage("ssl.truststore.password must not be set for a PEM store");
        assertThatThrownBy(() -> NetworkConfig.fromProperties(props("security.protocol", "SSL",
                "ssl.truststore.certificates", pem, "ssl.truststore.location", "/ca.pem")))
                .hasMessageContaining("both name a trust store");
    }

    @Test
    void unknownPropertiesAreNamed() {
        assertThatThrownBy(() -> NetworkConfig.fromProperties(props("acks", "all")))
                .isInstanceOf(IllegalArgumentException.class).hasMessage("unknown property 'acks'");
        assertThatThrownBy(() -> NetworkConfig.fromProperties(props("ssl.cipher.suites", "x")))
                .hasMessage("'ssl.cipher.suites' is a kafka-clients setting that Josef does not support yet");
    }

    @ParameterizedTest
    @ValueSource(strings = {"request.timeout.ms", "socket.connection.setup.timeout.ms",
            "max.in.flight.requests.per.connection", "reconnect.backoff.ms", "reconnect.backoff.max.ms",
            "retry.backoff.ms", "retry.backoff.max.ms", "connections.max.idle.ms", "metadata.max.age.ms"})
    void badNumbersAreNamedWithTheirValue(String key) {
        assertThatThrownBy(() -> NetworkConfig.fromProperties(props(key, "12s")))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage(key + " = '12s': not a whole number");
        assertThatThrownBy(() -> NetworkConfig.fromProperties(props(key, "-1")))
                .hasMessageStartingWith(key + " = '-1': ");
    }

    @Test
    void badValuesAreNamedWithTheirValue() {
        assertThatThrownBy(() -> NetworkConfig.fromProperties(props("security.protocol", "TLS")))
                .hasMessage("security.protocol = 'TLS': not one of [PLAINTEXT, SSL, SASL_PLAINTEXT, SASL_SSL]");
        assertThatThrownBy(() -> NetworkConfig.fromProperties(props("ssl.endpoint.identification.algorithm", "ldaps")))
                .hasMessageStartingWith("ssl.endpoint.identification.algorithm = 'ldaps': not 'https'");
        assertThatThrownBy(() -> NetworkConfig.fromProperties(props("ssl.truststore.type", "BKS")))
                .hasMessage("ssl.truststore.type = 'BKS': not one of JKS, PKCS12, PEM");
        assertThatThrownBy(() -> NetworkConfig.fromProperties(Map.of("bootstrap.servers", "nohost")))
                .hasMessageStartingWith("bootstrap.servers = 'nohost': not a host:port address");
        assertThatThrownBy(() -> NetworkConfig.fromProperties(props("max.in.flight.requests.per.connection", "9999999999")))
                .hasMessage("max.in.flight.requests.per.connection = '9999999999': out of range for an int");
        assertThatThrownBy(() -> NetworkConfig.fromProperties(props("request.timeout.ms", 1.5)))
                .hasMessage("request.timeout.ms = '1.5': not a whole number");
        assertThatThrownBy(() -> NetworkConfig.fromProperties(props("client.id", new Object() {
            @Override
            public String toString() {
                return "obj";
            }
        }))).hasMessageStartingWith("client.id = 'obj': a ").hasMessageEndingWith("is not a value this setting takes");
        Map<String, Object> withNull = new HashMap<>(props());
        withNull.put("client.id", null);
        assertThatThrownBy(() -> NetworkConfig.fromProperties(withNull)).hasMessage("client.id: the value is null");
    }

    @Test
    void crossFieldRulesApplyToProperties() {
        assertThatThrownBy(() -> NetworkConfig.fromProperties(props("security.protocol", "SASL_PLAINTEXT",
                "sasl.jaas.config", JAAS_PLAIN))).hasMessageContaining("needs a SASL mechanism");
        assertThatThrownBy(() -> NetworkConfig.fromProperties(props("sasl.mechanism", "PLAIN")))
                .hasMessageContaining("does not use SASL");
        assertThatThrownBy(() -> NetworkConfig.fromProperties(props("ssl.truststore.location", "/t.jks")))
                .hasMessageContaining("does not use TLS");
        assertThatThrownBy(() -> NetworkConfig.fromProperties(props("security.protocol", "SSL",
                "ssl.truststore.password", SECRET))).hasMessage("ssl.truststore.password is set but"
                + " ssl.truststore.location is not");
        assertThatThrownBy(() -> NetworkConfig.fromProperties(props("security.protocol", "SSL",
                "ssl.key.password", SECRET))).hasMessage("ssl.key.password is set but ssl.keystore.location is not");
        assertThatThrownBy(() -> NetworkConfig.fromProperties(props("security.protocol", "SSL",
                "ssl.keystore.location", "/k.jks"))).hasMessageContaining("ssl.keystore: a key store needs its store password");
        assertThatThrownBy(() -> NetworkConfig.fromProperties(props("security.protocol", "SSL",
                "ssl.keystore.location", "/k.pem", "ssl.keystore.type", "PEM")))
                .hasMessageContaining("a PEM key store is not supported yet");
    }

    @Test
    void oauthBearerWithoutATokenProviderSaysHowToGiveOne() {
        Map<String, Object> p = props("security.protocol", "SASL_PLAINTEXT", "sasl.mechanism", "OAUTHBEARER");
        assertThatThrownBy(() -> NetworkConfig.fromProperties(p))
                .hasMessageContaining("saslCredentials(SaslCredentials.oauthBearer(tokenProvider))");
        p.put("sasl.jaas.config", "org.apache.kafka.common.security.oauthbearer.OAuthBearerLoginModule required;");
        assertThatThrownBy(() -> NetworkConfig.fromProperties(p))
                .hasMessageStartingWith("sasl.jaas.config (value not shown): ")
                .hasMessageContaining("SaslCredentials.oauthBearer(provider)");
        p.remove("sasl.jaas.config");
        NetworkConfig c = NetworkConfig.builder().properties(p)
                .saslCredentials(SaslCredentials.oauthBearer(() -> { throw new UnsupportedOperationException(); }))
                .build();
        assertThat(c.saslMechanism()).containsSame(SaslMechanism.oauthBearer());
    }

    @Test
    void secretsAreAbsentFromEveryMessage() {
        String[] badJaas = {
                "org.apache.kafka.common.security.plain.PlainLoginModule required password=\"" + SECRET + "\";",
                "org.apache.kafka.common.security.plain.PlainLoginModule required username=\"a\" password=\""
                        + SECRET + "\"",
                "org.apache.kafka.common.security.plain.PlainLoginModule required username=\"a\" password=" + SECRET
                        + " extra;",
                "org.apache.kafka.common.security.plain.PlainLoginModule required username=\"a\" password=\""
                        + SECRET + "\" " + SECRET + "=\"x\";",
                "com.example.Nope required username=\"a\" password=\"" + SECRET + "\";",
                SECRET + " required;",
                "org.apache.kafka.common.security.plain.PlainLoginModule required username=\"a\" password=\""
                        + SECRET + "\";" + " x required;",
                "org.apache.kafka.common.security.plain.PlainLoginModule required username=\"a\" password=\""
                        + SECRET,
        };
        for (String jaas : badJaas) {
            Throwable t = catchThrowable(() -> NetworkConfig.fromProperties(props("security.protocol", "SASL_PLAINTEXT",
                    "sasl.mechanism", "PLAIN", "sasl.jaas.config", jaas)));
            assertThat(t).as(jaas).isInstanceOf(IllegalArgumentException.class)
                    .hasMessageStartingWith("sasl.jaas.config (value not shown): ");
            assertNoSecret(t, SECRET);
        }
        for (String key : List.of("ssl.truststore.password", "ssl.keystore.password", "ssl.key.password")) {
            Throwable t = catchThrowable(() -> NetworkConfig.fromProperties(props(key, SECRET)));
            assertThat(t).as(key).isInstanceOf(IllegalArgumentException.class);
            assertNoSecret(t, SECRET);
            Throwable u = catchThrowable(() -> NetworkConfig.fromProperties(props(key, List.of(SECRET))));
            assertThat(u).as(key).hasMessageStartingWith(key + " (value not shown): ");
            assertNoSecret(u, SECRET);
        }
        // The mechanism refuses the kind of credentials; its message keeps the secret out too.
        Throwable t = catchThrowable(() -> NetworkConfig.fromProperties(props("security.protocol", "SASL_PLAINTEXT",
                "sasl.mechanism", "OAUTHBEARER", "sasl.jaas.config", JAAS_PLAIN)));
        assertThat(t).isInstanceOf(IllegalArgumentException.class);
        assertNoSecret(t, SECRET);
    }
}
