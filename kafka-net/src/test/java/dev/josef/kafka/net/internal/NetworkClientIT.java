package dev.josef.kafka.net.internal;

import dev.josef.kafka.net.NetworkException;
import dev.josef.kafka.net.RequestTimeoutException;
import dev.josef.kafka.protocol.ApiKey;
import dev.josef.kafka.protocol.ProtocolException;
import dev.josef.kafka.protocol.message.ApiMessage;
import dev.josef.kafka.protocol.message.CreateTopicsRequest;
import dev.josef.kafka.protocol.message.CreateTopicsResponse;
import dev.josef.kafka.protocol.message.MetadataRequest;
import dev.josef.kafka.protocol.message.MetadataResponse;
import dev.josef.kafka.testkit.KafkaCluster;
import dev.josef.kafka.testkit.KafkaClusterExtension;
import dev.josef.kafka.testkit.KafkaProxy;
import dev.josef.kafka.testkit.ProxyRule;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import java.net.ServerSocket;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

@ExtendWith(KafkaClusterExtension.class)
class NetworkClientIT {

    private static MetadataRequest metadata() {
        return new MetadataRequest().setAllowAutoTopicCreation(false);
    }

    private static <T> T await(CompletableFuture<ApiMessage> future, Class<T> type) throws Exception {
        return type.cast(future.get(30, TimeUnit.SECONDS));
    }

    @Test
    void negotiatesVersionsWithARealBrokerAndLearnsItsBrokers(KafkaCluster cluster) throws Exception {
        try (NetworkClient client = NetworkClient.open(NetworkClientConfig.of(cluster.bootstrapServers(), "net-it"))) {
            ClusterMetadata metadata = client.refreshMetadata().get(30, TimeUnit.SECONDS);
            assertThat(metadata.brokers()).hasSize(1);
            int port = Integer.parseInt(cluster.bootstrapServers().split(":")[1]);
            assertThat(client.brokers()).containsEntry(1, new HostPort("127.0.0.1", port));

            CreateTopicsRequest create = new CreateTopicsRequest().setTimeoutMs(10_000);
            create.topics().add(new CreateTopicsRequest.CreatableTopic().setName("net-it-created")
                    .setNumPartitions(2).setReplicationFactor((short) 1));
            CreateTopicsResponse created = await(client.send(1, create), CreateTopicsResponse.class);
            assertThat(created.topics()).singleElement().satisfies(t -> assertThat(t.errorCode()).isZero());

            MetadataRequest topic = metadata();
            topic.topics().add(new MetadataRequest.MetadataRequestTopic().setName("net-it-created"));
            MetadataResponse described = await(client.send(1, topic), MetadataResponse.class);
            assertThat(described.topics().get(0).partitions()).hasSize(2);
        }
    }

    @Test
    void pipelinesManyRequestsOnOneConnectionAndMatchesEveryAnswer(KafkaCluster cluster) throws Exception {
        try (NetworkClient client = NetworkClient.open(NetworkClientConfig.of(cluster.bootstrapServers(), "net-it"))) {
            client.refreshMetadata().get(30, TimeUnit.SECONDS);
            List<CompletableFuture<ApiMessage>> futures = new ArrayList<>();
            for (int i = 0; i < 500; i++) {
                MetadataRequest request = metadata();
                // Every other request names a topic, so a mismatched answer would show.
                if (i % 2 == 0) {
                    request.topics().add(new MetadataRequest.MetadataRequestTopic().setName("no-such-topic-" + i));
                }
                futures.add(client.send(1, request));
            }
            for (int i = 0; i < futures.size(); i++) {
                MetadataResponse response = await(futures.get(i), MetadataResponse.class);
                if (i % 2 == 0) {
                    assertThat(response.topics()).hasSize(1);
                    assertThat(response.topics().get(0).name()).isEqualTo("no-such-topic-" + i);
                } else {
                    assertThat(response.topics()).isEmpty();
                }
            }
        }
    }

    @Test
    void anUnreachableBrokerFailsTheRequestAsNotSent() throws Exception {
        int closedPort;
        try (ServerSocket s = new ServerSocket(0)) {
            closedPort = s.getLocalPort();
        }
        try (NetworkClient client = NetworkClient.open(NetworkClientConfig.of("127.0.0.1:" + closedPort, "net-it"))) {
            assertThatThrownBy(() -> client.send(NetworkClient.ANY_BROKER, metadata()).get(30, TimeUnit.SECONDS))
                    .isInstanceOf(ExecutionException.class)
                    .cause().isInstanceOf(NetworkException.class)
                    .hasMessageContaining("cannot connect to 127.0.0.1:" + closedPort)
                    .hasMessageContaining("the request was not sent")
                    .satisfies(e -> assertThat(((NetworkException) e).requestSent()).isFalse());
        }
    }

    private static CreateTopicsRequest createTopic(String name) {
        CreateTopicsRequest request = new CreateTopicsRequest().setTimeoutMs(10_000);
        request.topics().add(new CreateTopicsRequest.CreatableTopic().setName(name)
                .setNumPartitions(1).setReplicationFactor((short) 1));
        return request;
    }

    @Test
    void aSwallowedReadOnlyRequestTimesOutAndIsSentAgain(KafkaCluster cluster) throws Exception {
        try (KafkaProxy proxy = KafkaProxy.start(cluster.bootstrapServers());
             NetworkClient client = NetworkClient.open(NetworkClientConfig.of(proxy.bootstrapServers(), "net-it")
                     .withRequestTimeout(Duration.ofMillis(1500)))) {
            ProxyRule swallow = proxy.add(ProxyRule.on(ApiKey.METADATA).times(1).swallowResponse());
            long start = System.nanoTime();
            MetadataResponse response = await(client.send(NetworkClient.ANY_BROKER, metadata()), MetadataResponse.class);
            assertThat(response.brokers()).hasSize(1);
            assertThat(swallow.fired()).isEqualTo(1);
            assertThat(Duration.ofNanos(System.nanoTime() - start)).isGreaterThanOrEqualTo(Duration.ofMillis(1500));
        }
    }

    @Test
    void aSwallowedRequestThatChangesStateFailsAndSaysTheBrokerMayHaveDoneIt(KafkaCluster cluster) throws Exception {
        try (KafkaProxy proxy = KafkaProxy.start(cluster.bootstrapServers());
             NetworkClient client = NetworkClient.open(NetworkClientConfig.of(proxy.bootstrapServers(), "net-it")
                     .withRequestTimeout(Duration.ofMillis(1500)))) {
            client.refreshMetadata().get(30, TimeUnit.SECONDS);
            proxy.add(ProxyRule.on(ApiKey.CREATE_TOPICS).times(1).swallowResponse());
            assertThatThrownBy(() -> client.send(1, createTopic("swallowed-create")).get(30, TimeUnit.SECONDS))
                    .cause().isInstanceOf(RequestTimeoutException.class)
                    .hasMessageContaining("got no answer within PT1.5S")
                    .hasMessageContaining("the broker may have processed it")
                    .satisfies(e -> assertThat(((NetworkException) e).requestSent()).isTrue());
            // It did: the broker created the topic, and the connection is usable again.
            MetadataRequest topic = metadata();
            topic.topics().add(new MetadataRequest.MetadataRequestTopic().setName("swallowed-create"));
            MetadataResponse described = await(client.send(1, topic), MetadataResponse.class);
            assertThat(described.topics().get(0).errorCode()).isZero();
        }
    }

    @Test
    void aConnectionCutMidRequestIsRetriedWhenSafeAndReportedWhenNot(KafkaCluster cluster) throws Exception {
        try (KafkaProxy proxy = KafkaProxy.start(cluster.bootstrapServers());
             NetworkClient client = NetworkClient.open(NetworkClientConfig.of(proxy.bootstrapServers(), "net-it"))) {
            ProxyRule cutMetadata = proxy.add(ProxyRule.on(ApiKey.METADATA).times(1).cutAfterRequest());
            assertThat(client.refreshMetadata().get(30, TimeUnit.SECONDS).brokers()).hasSize(1);
            assertThat(cutMetadata.fired()).isEqualTo(1);

            proxy.add(ProxyRule.on(ApiKey.CREATE_TOPICS).times(1).cutAfterRequest());
            assertThatThrownBy(() -> client.send(1, createTopic("cut-create")).get(30, TimeUnit.SECONDS))
                    .cause().isInstanceOf(NetworkException.class)
                    .hasMessageContaining("the broker may have processed it");
        }
    }

    @Test
    void unreachableBootstrapServersAreEachTriedAndNamed() throws Exception {
        int[] ports = new int[2];
        for (int i = 0; i < 2; i++) {
            try (ServerSocket s = new ServerSocket(0)) {
                ports[i] = s.getLocalPort();
            }
        }
        String bootstrap = "127.0.0.1:" + ports[0] + ",127.0.0.1:" + ports[1];
        try (NetworkClient client = NetworkClient.open(NetworkClientConfig.of(bootstrap, "net-it"))) {
            assertThatThrownBy(() -> client.refreshMetadata().get(30, TimeUnit.SECONDS))
                    .cause().isInstanceOf(NetworkException.class)
                    .hasMessageContaining("Metadata failed 3 times")
                    .hasMessageContaining("cannot connect to 127.0.0.1:" + ports[0])
                    .hasMessageContaining("cannot connect to 127.0.0.1:" + ports[1])
                    .hasMessageContaining("the request was not sent");
        }
    }

    @Test
    void aStaleBootstrapAddressIsNotTriedWhileAKnownBrokerAnswers(KafkaCluster cluster) throws Exception {
        // A decommissioned host left in the bootstrap list: it takes connections and drops them.
        AtomicInteger accepted = new AtomicInteger();
        try (ServerSocket stale = new ServerSocket(0, 50, java.net.InetAddress.getLoopbackAddress())) {
            Thread acceptor = new Thread(() -> {
                while (!stale.isClosed()) {
                    try (java.net.Socket s = stale.accept()) {
                        accepted.incrementAndGet();
                    } catch (java.io.IOException e) {
                        return;
                    }
                }
            }, "stale-bootstrap");
            acceptor.setDaemon(true);
            acceptor.start();
            String bootstrap = cluster.bootstrapServers() + ",127.0.0.1:" + stale.getLocalPort();
            try (NetworkClient client = NetworkClient.open(NetworkClientConfig.of(bootstrap, "net-it"))) {
                // The first refresh knows no broker yet: it tries the bootstrap addresses in turn.
                assertThat(client.refreshMetadata().get(30, TimeUnit.SECONDS).brokers()).containsKey(1);
                int before = accepted.get();
                for (int i = 0; i < 20; i++) {
                    client.refreshMetadata().get(30, TimeUnit.SECONDS);
                    await(client.send(NetworkClient.ANY_BROKER, metadata()), MetadataResponse.class);
                }
                assertThat(accepted.get()).as("connections to the stale address once a broker was known")
                        .isEqualTo(before);
            } // closing the stale socket ends the acceptor
        }
    }

    @ParameterizedTest
    @EnumSource(value = FakeBroker.Fault.class)
    void aMalformedResponseFailsWithAProtocolOrNetworkErrorAndTheClientReconnects(FakeBroker.Fault fault) throws Exception {
        try (FakeBroker fake = new FakeBroker();
             NetworkClient client = NetworkClient.open(NetworkClientConfig.of("127.0.0.1:" + fake.port(), "net-it"))) {
            client.send(NetworkClient.ANY_BROKER, new dev.josef.kafka.protocol.message.ApiVersionsRequest())
                    .get(30, TimeUnit.SECONDS); // connected
            fake.breakNextMetadata(fault);
            String expected = switch (fault) {
                case GARBAGE_BODY -> "malformed response";
                case WRONG_CORRELATION_ID -> "response has correlation id";
                case HUGE_LENGTH -> "response frame of 2147483647 bytes";
                case TRUNCATED_FRAME -> "closed the connection inside a response";
            };
            // A truncated frame is a lost connection: Metadata is read-only, so it is
            // sent again and gets through; the others are protocol errors, not retried.
            if (fault == FakeBroker.Fault.TRUNCATED_FRAME) {
                assertThat(await(client.send(NetworkClient.ANY_BROKER, metadata()), MetadataResponse.class).clusterId())
                        .isEqualTo(FakeBroker.CLUSTER_ID);
            } else {
                assertThatThrownBy(() -> client.send(NetworkClient.ANY_BROKER, metadata()).get(30, TimeUnit.SECONDS))
                        .cause().isInstanceOf(ProtocolException.class).hasMessageContaining(expected);
            }
            MetadataResponse ok = await(client.send(NetworkClient.ANY_BROKER, metadata()), MetadataResponse.class);
            assertThat(ok.clusterId()).isEqualTo(FakeBroker.CLUSTER_ID);
        }
    }

    @Test
    void closeFailsWhatIsPendingAndStopsItsThreads(KafkaCluster cluster) throws Exception {
        CompletableFuture<ApiMessage> pending;
        try (KafkaProxy proxy = KafkaProxy.start(cluster.bootstrapServers())) {
            proxy.add(ProxyRule.on(ApiKey.METADATA).swallowResponse());
            NetworkClient client = NetworkClient.open(NetworkClientConfig.of(proxy.bootstrapServers(), "net-close"));
            pending = client.send(NetworkClient.ANY_BROKER, metadata());
            Thread.sleep(300);
            client.close();
            client.close(); // idempotent
            assertThatThrownBy(() -> pending.get(5, TimeUnit.SECONDS)).cause()
                    .isInstanceOf(NetworkException.class).hasMessageContaining("closed");
            assertThatThrownBy(() -> client.send(NetworkClient.ANY_BROKER, metadata()).get(5, TimeUnit.SECONDS))
                    .cause().isInstanceOf(IllegalStateException.class).hasMessageContaining("closed");
        }
        assertThat(Thread.getAllStackTraces().keySet()).extracting(Thread::getName)
                .noneMatch(n -> n.startsWith("josef-net-close-"));
    }

}
