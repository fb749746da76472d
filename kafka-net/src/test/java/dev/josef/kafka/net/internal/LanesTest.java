package dev.josef.kafka.net.internal;

import dev.josef.kafka.net.spi.ClientHook;
import dev.josef.kafka.protocol.ApiKey;
import dev.josef.kafka.protocol.message.MetadataRequest;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * Lanes: a lane's requests travel on connections of their own (a group member's
 * on a shared cluster), and closing the lane closes them as a close the client
 * chose, with no failure counted, and refuses what comes after without
 * opening another connection.
 */
class LanesTest {

    private static CompletableFuture<?> metadata(NetworkClient client, int node, int lane) {
        return client.send(node, ChannelKind.GROUP, lane, ApiKey.METADATA,
                v -> new MetadataRequest().setTopics(List.of()), ApiKey.METADATA.latestStableVersion(),
                Duration.ofSeconds(10));
    }

    @Test
    void aLaneHasItsOwnConnectionAndOnceClosedRefusesRequestsWithoutReconnecting() throws Exception {
        List<String> disconnects = new CopyOnWriteArrayList<>();
        ClientHook hook = new ClientHook() {
            @Override
            public void onDisconnect(String clientId, String broker, Throwable cause) {
                disconnects.add(cause == null ? "chosen" : cause.getClass().getSimpleName());
            }
        };
        try (FakeBroker broker = new FakeBroker();
             NetworkClient client = NetworkClient.open(NetworkClientConfig.of("127.0.0.1:" + broker.port(), "lanes")
                     .withHooks(List.of(hook)))) {
            ClusterMetadata m = client.refreshMetadata().get(10, TimeUnit.SECONDS);
            int node = m.brokers().keySet().iterator().next();
            int first = client.newLane();
            int second = client.newLane();
            assertThat(second).isNotEqualTo(first).isNotZero();
            metadata(client, node, first).get(10, TimeUnit.SECONDS);
            int withFirst = broker.connections();
            metadata(client, node, second).get(10, TimeUnit.SECONDS);
            assertThat(broker.connections()).as("the second lane connects on its own").isEqualTo(withFirst + 1);

            client.closeLane(first);
            assertThatThrownBy(() -> metadata(client, node, first).get(10, TimeUnit.SECONDS))
                    .isInstanceOf(ExecutionException.class).cause().isInstanceOf(IllegalStateException.class)
                    .hasMessageContaining("lane " + first + " is closed");
            metadata(client, node, second).get(10, TimeUnit.SECONDS);
            assertThat(broker.connections()).as("no connection opened for the closed lane").isEqualTo(withFirst + 1);
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
            while (disconnects.isEmpty() && System.nanoTime() < deadline) {
                Thread.sleep(10);
            }
            assertThat(disconnects).as("a close the client chose, not a failure").containsExactly("chosen");
            assertThatThrownBy(() -> client.closeLane(0)).isInstanceOf(IllegalArgumentException.class);
        }
    }
}
