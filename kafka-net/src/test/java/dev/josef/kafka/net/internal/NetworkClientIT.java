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

import java.net.ServerSocket;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;

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

    @Test
    void aSwallowedResponseTimesOutAndTheNextRequestGetsThrough(KafkaCluster cluster) throws Exception {
        try (KafkaProxy proxy = KafkaProxy.start(cluster.bootstrapServers());
             NetworkClient client = NetworkClient.open(NetworkClientConfig.of(proxy.bootstrapServers(), "net-it")
                     .withRequestTimeout(Duration.ofMillis(1500)))) {
            proxy.add(ProxyRule.on(ApiKey.METADATA).times(1).swallowResponse());
            long start = System.nanoTime();
            assertThatThrownBy(() -> client.send(NetworkClient.ANY_BROKER, metadata()).get(30, TimeUnit.SECONDS))
                    .cause().isInstanceOf(RequestTimeoutException.class)
                    .hasMessageContaining("got no answer within PT1.5S")
                    .satisfies(e -> assertThat(((NetworkException) e).requestSent()).isTrue());
            assertThat(Duration.ofNanos(System.nanoTime() - start)).isGreaterThanOrEqualTo(Duration.ofMillis(1500));
            assertThat(await(client.send(NetworkClient.ANY_BROKER, metadata()), MetadataResponse.class).brokers()).hasSize(1);
        }
    }

    @Test
    void aConnectionCutAfterTheRequestFailsItAsPossiblySentAndTheClientReconnects(KafkaCluster cluster) throws Exception {
        try (KafkaProxy proxy = KafkaProxy.start(cluster.bootstrapServers());
             NetworkClient client = NetworkClient.open(NetworkClientConfig.of(proxy.bootstrapServers(), "net-it"))) {
            proxy.add(ProxyRule.on(ApiKey.METADATA).times(1).cutAfterRequest());
            assertThatThrownBy(() -> client.send(NetworkClient.ANY_BROKER, metadata()).get(30, TimeUnit.SECONDS))
                    .cause().isInstanceOf(NetworkException.class)
                    .hasMessageContaining("the broker may have processed it");
            assertThat(await(client.send(NetworkClient.ANY_BROKER, metadata()), MetadataResponse.class).brokers()).hasSize(1);
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

    @Test
    void aMalformedResponseFailsItsRequestsWithAProtocolErrorAndOthersStillWork() throws Exception {
        try (FakeBroker fake = new FakeBroker();
             NetworkClient client = NetworkClient.open(NetworkClientConfig.of("127.0.0.1:" + fake.port(), "net-it"))) {
            fake.answerNextMetadataWithGarbage();
            assertThatThrownBy(() -> client.send(NetworkClient.ANY_BROKER, metadata()).get(30, TimeUnit.SECONDS))
                    .cause().isInstanceOf(ProtocolException.class)
                    .hasMessageContaining("malformed response");
            MetadataResponse ok = await(client.send(NetworkClient.ANY_BROKER, metadata()), MetadataResponse.class);
            assertThat(ok.clusterId()).isEqualTo(FakeBroker.CLUSTER_ID);
        }
    }
}
