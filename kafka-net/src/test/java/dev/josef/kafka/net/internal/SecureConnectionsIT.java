package dev.josef.kafka.net.internal;

import dev.josef.kafka.net.NetworkException;
import dev.josef.kafka.net.SecurityProtocol;
import dev.josef.kafka.net.spi.SaslAuthenticationException;
import dev.josef.kafka.net.spi.SaslCredentials;
import dev.josef.kafka.net.spi.SaslMechanism;
import dev.josef.kafka.testkit.KafkaCluster;
import dev.josef.kafka.testkit.KafkaClusterConfig;
import dev.josef.kafka.testkit.KafkaClusterExtension;
import dev.josef.kafka.testkit.Listener;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLHandshakeException;
import javax.net.ssl.TrustManagerFactory;
import java.io.InputStream;
import java.nio.file.Files;
import java.security.KeyStore;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** The engine over TLS and SASL, against a real broker's listeners. */
@ExtendWith(KafkaClusterExtension.class)
@KafkaClusterConfig(listeners = {Listener.SSL, Listener.SASL_PLAINTEXT, Listener.SASL_SSL})
class SecureConnectionsIT {

    private static SSLContext trusting(KafkaCluster cluster) throws Exception {
        KeyStore store = KeyStore.getInstance("PKCS12");
        try (InputStream in = Files.newInputStream(cluster.truststore())) {
            store.load(in, cluster.truststorePassword().toCharArray());
        }
        TrustManagerFactory trust = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
        trust.init(store);
        SSLContext context = SSLContext.getInstance("TLS");
        context.init(null, trust.getTrustManagers(), null);
        return context;
    }

    private static SaslMechanism mechanism(String name) {
        return switch (name) {
            case "PLAIN" -> SaslMechanism.plain();
            case "SCRAM-SHA-256" -> SaslMechanism.scramSha256();
            case "SCRAM-SHA-512" -> SaslMechanism.scramSha512();
            default -> throw new IllegalArgumentException(name);
        };
    }

    private static NetworkClient client(KafkaCluster cluster, Listener listener, Security security) {
        return NetworkClient.open(NetworkClientConfig.of(cluster.bootstrapServers(listener), "secure-it").withSecurity(security));
    }

    @ParameterizedTest(name = "{0} {1}")
    @CsvSource({
            "SSL,",
            "SASL_PLAINTEXT, PLAIN",
            "SASL_PLAINTEXT, SCRAM-SHA-256",
            "SASL_PLAINTEXT, SCRAM-SHA-512",
            "SASL_SSL, PLAIN",
            "SASL_SSL, SCRAM-SHA-256",
            "SASL_SSL, SCRAM-SHA-512"})
    void everySecureListenerServesTheEngine(Listener listener, String mechanism, KafkaCluster cluster) throws Exception {
        SecurityProtocol protocol = SecurityProtocol.valueOf(listener.name());
        Security security = new Security(protocol, protocol.usesTls() ? trusting(cluster) : null, true,
                protocol.usesSasl() ? mechanism(mechanism) : null,
                protocol.usesSasl() ? SaslCredentials.password(KafkaCluster.DEFAULT_USER, KafkaCluster.DEFAULT_PASSWORD) : null);
        try (NetworkClient client = client(cluster, listener, security)) {
            ClusterMetadata metadata = client.refreshMetadata().get(30, TimeUnit.SECONDS);
            int port = Integer.parseInt(cluster.bootstrapServers(listener).split(":")[1]);
            assertThat(metadata.brokers().values()).singleElement().satisfies(b -> assertThat(b.port()).isEqualTo(port));
        }
    }

    @Test
    void aWrongPasswordFailsWithAnAuthenticationErrorThatSaysSo(KafkaCluster cluster) {
        Security security = new Security(SecurityProtocol.SASL_PLAINTEXT, null, true, SaslMechanism.scramSha512(),
                SaslCredentials.password(KafkaCluster.DEFAULT_USER, "not-the-password"));
        try (NetworkClient client = client(cluster, Listener.SASL_PLAINTEXT, security)) {
            assertThatThrownBy(() -> client.refreshMetadata().get(30, TimeUnit.SECONDS))
                    .cause().isInstanceOf(SaslAuthenticationException.class)
                    .hasMessageContaining("SCRAM-SHA-512")
                    .hasMessageNotContaining("not-the-password");
        }
    }

    @Test
    void aBrokerCertificateFromAnotherAuthorityFailsWithATlsErrorThatSaysSo(KafkaCluster cluster) throws Exception {
        // A trust store that trusts some other certificate, not the broker's.
        java.nio.file.Path other = Files.createTempFile("other-ca", ".p12");
        dev.josef.kafka.testkit.internal.SelfSignedCertificate.generate(1).writeTrustStore(other, "other");
        KeyStore store = KeyStore.getInstance("PKCS12");
        try (InputStream in = Files.newInputStream(other)) {
            store.load(in, "other".toCharArray());
        }
        TrustManagerFactory trust = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
        trust.init(store);
        SSLContext wrongCa = SSLContext.getInstance("TLS");
        wrongCa.init(null, trust.getTrustManagers(), null);
        Security security = new Security(SecurityProtocol.SSL, wrongCa, true, null, null);
        try (NetworkClient client = client(cluster, Listener.SSL, security)) {
            assertThatThrownBy(() -> client.refreshMetadata().get(30, TimeUnit.SECONDS))
                    .cause().isInstanceOf(dev.josef.kafka.net.TlsException.class)
                    .hasMessageContaining("TLS with 127.0.0.1")
                    .hasMessageContaining("no request was sent")
                    .satisfies(e -> assertThat(e.getCause()).isInstanceOf(SSLHandshakeException.class));
        } finally {
            Files.deleteIfExists(other);
        }
    }
}
