package dev.josef.kafka.net.internal;

import dev.josef.kafka.net.SecurityProtocol;
import dev.josef.kafka.net.spi.SaslCredentials;
import dev.josef.kafka.net.spi.SaslMechanism;
import dev.josef.kafka.protocol.message.MetadataRequest;
import dev.josef.kafka.testkit.KafkaCluster;
import dev.josef.kafka.testkit.Listener;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * KIP-368: a broker with connections.max.reauth.ms closes a SASL connection whose
 * session expires. Josef authenticates again on the same connection before then,
 * so a client that keeps working never loses its connection.
 */
class ReauthenticationIT {

    @Test
    void aSaslConnectionAuthenticatesAgainBeforeItsSessionExpiresAndStaysUp() throws Exception {
        try (KafkaCluster cluster = KafkaCluster.builder()
                .listeners(Listener.SASL_PLAINTEXT)
                .brokerProperty("connections.max.reauth.ms", "6000")
                .start()) {
            ConnectionBehaviourIT.RecordingHook hook = new ConnectionBehaviourIT.RecordingHook();
            Security security = new Security(SecurityProtocol.SASL_PLAINTEXT, null, true, SaslMechanism.scramSha256(),
                    SaslCredentials.password(KafkaCluster.DEFAULT_USER, KafkaCluster.DEFAULT_PASSWORD));
            NetworkClientConfig config = NetworkClientConfig.of(cluster.bootstrapServers(Listener.SASL_PLAINTEXT), "reauth-it")
                    .withSecurity(security).withHooks(List.of(hook));
            List<String> events;
            try (NetworkClient client = NetworkClient.open(config)) {
                // Keep the connection busy for three session lifetimes.
                long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(19);
                int answered = 0;
                while (System.nanoTime() < end) {
                    client.send(NetworkClient.ANY_BROKER, new MetadataRequest().setAllowAutoTopicCreation(false))
                            .get(30, TimeUnit.SECONDS);
                    answered++;
                    Thread.sleep(200);
                }
                assertThat(answered).isGreaterThan(20);
                Thread.sleep(300); // hooks run on the callback thread; let the last events land
                events = List.copyOf(hook.events); // before close(), which disconnects on purpose
            }
            long connects = events.stream().filter("connect"::equals).count();
            long authentications = events.stream().filter("response SASL_AUTHENTICATE"::equals).count();
            assertThat(connects).as("one connection throughout: " + events).isEqualTo(1);
            assertThat(events).noneMatch(e -> e.startsWith("disconnect"));
            assertThat(authentications).as("the first authentication and at least two more").isGreaterThanOrEqualTo(3);
        }
    }
}
