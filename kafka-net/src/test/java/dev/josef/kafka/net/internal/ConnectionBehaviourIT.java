package dev.josef.kafka.net.internal;

import dev.josef.kafka.net.NetworkException;
import dev.josef.kafka.net.spi.ClientHook;
import dev.josef.kafka.protocol.ApiKey;
import dev.josef.kafka.protocol.message.MetadataRequest;
import dev.josef.kafka.testkit.KafkaCluster;
import dev.josef.kafka.testkit.KafkaClusterExtension;
import dev.josef.kafka.testkit.KafkaProxy;
import dev.josef.kafka.testkit.ProxyRule;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import java.net.ServerSocket;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

@ExtendWith(KafkaClusterExtension.class)
class ConnectionBehaviourIT {

    private static MetadataRequest metadata() {
        return new MetadataRequest().setAllowAutoTopicCreation(false);
    }

    /** Records every event with the thread it ran on. */
    static final class RecordingHook implements ClientHook {
        final List<String> events = new CopyOnWriteArrayList<>();
        final List<String> threads = new CopyOnWriteArrayList<>();

        private void record(String event) {
            events.add(event);
            threads.add(Thread.currentThread().getName());
        }

        @Override
        public void onConnect(String clientId, String broker) {
            record("connect");
        }

        @Override
        public void onDisconnect(String clientId, String broker, Throwable cause) {
            record(cause == null ? "disconnect" : "disconnect: " + cause.getClass().getSimpleName());
        }

        @Override
        public void onRequestWritten(String clientId, String broker, ApiKey api, short version, int bytes) {
            assertThat(bytes).isPositive();
            record("request " + api);
        }

        @Override
        public void onResponseRead(String clientId, String broker, ApiKey api, short version, int bytes, long latencyNanos) {
            assertThat(bytes).isPositive();
            assertThat(latencyNanos).isPositive();
            record("response " + api);
        }
    }

    private static void awaitEvent(RecordingHook hook, String event) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (!hook.events.contains(event) && System.nanoTime() < deadline) {
            Thread.sleep(20);
        }
    }

    @Test
    void hooksSeeEveryEventInOrderOffTheIoThreadAndAFailingHookHarmsNothing(KafkaCluster cluster) throws Exception {
        RecordingHook hook = new RecordingHook();
        ClientHook failing = new ClientHook() {
            @Override
            public int order() {
                return -1; // runs first, and throws every time
            }

            @Override
            public void onResponseRead(String c, String b, ApiKey a, short v, int bytes, long latency) {
                throw new IllegalStateException("a broken hook");
            }
        };
        NetworkClientConfig config = NetworkClientConfig.of(cluster.bootstrapServers(), "hooks-it").withHooks(List.of(hook, failing));
        try (NetworkClient client = NetworkClient.open(config)) {
            client.send(NetworkClient.ANY_BROKER, metadata()).get(30, TimeUnit.SECONDS);
            awaitEvent(hook, "response METADATA");
        }
        assertThat(hook.events).containsSubsequence(
                "request API_VERSIONS", "response API_VERSIONS", "connect", "request METADATA", "response METADATA");
        assertThat(hook.threads).allMatch(t -> t.equals("josef-hooks-it-callback"));
    }

    @Test
    void everyResponseIsReportedWithAPositiveLatencyEvenWhenItComesAtOnce(KafkaCluster cluster) throws Exception {
        RecordingHook hook = new RecordingHook();
        NetworkClientConfig config = NetworkClientConfig.of(cluster.bootstrapServers(), "latency-it").withHooks(List.of(hook));
        try (NetworkClient client = NetworkClient.open(config)) {
            for (int i = 0; i < 20; i++) {
                client.send(NetworkClient.ANY_BROKER, metadata()).get(30, TimeUnit.SECONDS);
            }
            Thread.sleep(300);
        }
        // RecordingHook refuses a latency that is not positive; a refused event is not recorded.
        assertThat(hook.events.stream().filter("response METADATA"::equals).count()).isEqualTo(20);
    }

    @Test
    void aBrokerThrottleHoldsBackTheNextRequestOnThatConnection(KafkaCluster cluster) throws Exception {
        try (KafkaProxy proxy = KafkaProxy.start(cluster.bootstrapServers());
             NetworkClient client = NetworkClient.open(NetworkClientConfig.of(proxy.bootstrapServers(), "throttle-it"))) {
            client.send(NetworkClient.ANY_BROKER, metadata()).get(30, TimeUnit.SECONDS); // connected
            proxy.add(ProxyRule.on(ApiKey.METADATA).times(1).throttle(Duration.ofMillis(800)));
            client.send(NetworkClient.ANY_BROKER, metadata()).get(30, TimeUnit.SECONDS);
            long start = System.nanoTime();
            client.send(NetworkClient.ANY_BROKER, metadata()).get(30, TimeUnit.SECONDS);
            // KIP-219: the answer came at once, and the client waits before its next request.
            assertThat(Duration.ofNanos(System.nanoTime() - start)).isGreaterThanOrEqualTo(Duration.ofMillis(600));
        }
    }

    @Test
    void anIdleConnectionIsClosedAndTheNextRequestOpensAnother(KafkaCluster cluster) throws Exception {
        RecordingHook hook = new RecordingHook();
        NetworkClientConfig config = NetworkClientConfig.of(cluster.bootstrapServers(), "idle-it")
                .withConnectionsMaxIdle(Duration.ofMillis(300)).withHooks(List.of(hook));
        try (NetworkClient client = NetworkClient.open(config)) {
            client.send(NetworkClient.ANY_BROKER, metadata()).get(30, TimeUnit.SECONDS);
            awaitEvent(hook, "disconnect");
            assertThat(hook.events).contains("disconnect");
            client.send(NetworkClient.ANY_BROKER, metadata()).get(30, TimeUnit.SECONDS);
            assertThat(hook.events.stream().filter("connect"::equals).count()).isEqualTo(2);
        }
    }

    @Test
    void aFailedAddressIsTriedAgainOnlyAfterItsBackoff() throws Exception {
        int closedPort;
        try (ServerSocket s = new ServerSocket(0)) {
            closedPort = s.getLocalPort();
        }
        NetworkClientConfig config = NetworkClientConfig.of("127.0.0.1:" + closedPort, "backoff-it")
                .withReconnectBackoff(Duration.ofMillis(300), Duration.ofMillis(600));
        try (NetworkClient client = NetworkClient.open(config)) {
            long start = System.nanoTime();
            assertThatThrownBy(() -> client.send(NetworkClient.ANY_BROKER, metadata()).get(30, TimeUnit.SECONDS))
                    .cause().isInstanceOf(NetworkException.class).hasMessageContaining("failed 3 times");
            // Three attempts; the second and third connects waited out the reconnect
            // backoff (300 ms, then 600 ms, each less at most 20% jitter), longer than
            // the retry backoff alone (100 ms, then 200 ms) would have.
            assertThat(Duration.ofNanos(System.nanoTime() - start)).isGreaterThanOrEqualTo(Duration.ofMillis(700));
        }
    }

    @Test
    void metadataIsRefreshedWhenItGrowsOlderThanItsMaximumAge(KafkaCluster cluster) throws Exception {
        RecordingHook hook = new RecordingHook();
        NetworkClientConfig config = NetworkClientConfig.of(cluster.bootstrapServers(), "age-it")
                .withMetadataMaxAge(Duration.ofMillis(400)).withHooks(List.of(hook));
        try (NetworkClient client = NetworkClient.open(config)) {
            client.refreshMetadata().get(30, TimeUnit.SECONDS);
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
            while (hook.events.stream().filter("response METADATA"::equals).count() < 3 && System.nanoTime() < deadline) {
                Thread.sleep(50);
            }
            // Nobody asked again: the client refreshed on its own as the metadata aged.
            assertThat(hook.events.stream().filter("response METADATA"::equals).count()).isGreaterThanOrEqualTo(3);
        }
    }

    @Test
    void aHostNameIsResolvedAndConnected(KafkaCluster cluster) throws Exception {
        String port = cluster.bootstrapServers().split(":")[1];
        try (NetworkClient client = NetworkClient.open(NetworkClientConfig.of("localhost:" + port, "resolve-it"))) {
            assertThat(client.refreshMetadata().get(30, TimeUnit.SECONDS).brokers()).hasSize(1);
        }
    }
}
