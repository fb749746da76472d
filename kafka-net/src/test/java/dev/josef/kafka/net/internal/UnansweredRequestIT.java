package dev.josef.kafka.net.internal;

import dev.josef.kafka.protocol.ApiKey;
import dev.josef.kafka.protocol.ErrorCode;
import dev.josef.kafka.protocol.Record;
import dev.josef.kafka.protocol.RecordBatchBuilder;
import dev.josef.kafka.protocol.RecordBatchReader;
import dev.josef.kafka.protocol.Uuid;
import dev.josef.kafka.protocol.message.ApiMessage;
import dev.josef.kafka.protocol.message.FetchRequest;
import dev.josef.kafka.protocol.message.FetchResponse;
import dev.josef.kafka.protocol.message.ProduceRequest;
import dev.josef.kafka.protocol.message.ProduceResponse;
import dev.josef.kafka.testkit.KafkaCluster;
import dev.josef.kafka.testkit.KafkaClusterExtension;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.function.IntFunction;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * Produce with acks=0, which the broker does not answer: the request completes
 * once written, the records land, and the answered requests after it on the same
 * connection are still matched to their own answers.
 */
@ExtendWith(KafkaClusterExtension.class)
class UnansweredRequestIT {

    private static IntFunction<ApiMessage> produce(String topic, Uuid id, short acks, ByteBuffer batch) {
        return version -> {
            ProduceRequest.TopicProduceData data = new ProduceRequest.TopicProduceData().setPartitionData(List.of(
                    new ProduceRequest.PartitionProduceData().setIndex(0).setRecords(batch.duplicate())));
            // Produce v13 names topics by id only.
            if (version >= 13) {
                data.setTopicId(id);
            } else {
                data.setName(topic);
            }
            return new ProduceRequest().setAcks(acks).setTimeoutMs(10_000).setTopicData(List.of(data));
        };
    }

    private static ByteBuffer batch(String... values) {
        RecordBatchBuilder builder = new RecordBatchBuilder(256);
        for (String v : values) {
            builder.append(1_700_000_000_000L, null, v.getBytes(StandardCharsets.UTF_8));
        }
        return builder.build();
    }

    @Test
    void acksZeroCompletesWhenWrittenAndLaterAnswersStillMatch(KafkaCluster cluster) throws Exception {
        String topic = "net-it-acks-zero";
        cluster.createTopic(topic, 1, 1);
        try (NetworkClient client = NetworkClient.open(NetworkClientConfig.of(cluster.bootstrapServers(), "net-it"))) {
            int leader = -1;
            Uuid id = null;
            for (int attempt = 0; attempt < 100 && leader < 0; attempt++) {
                ClusterMetadata metadata = client.refreshMetadata(List.of(topic)).get(30, TimeUnit.SECONDS);
                leader = metadata.leader(topic, 0).orElse(-1);
                id = metadata.topic(topic).map(ClusterMetadata.Topic::id).orElse(null);
                if (leader < 0) {
                    Thread.sleep(100);
                }
            }
            assertThat(leader).as("leader of %s", topic).isNotNegative();

            // Two unanswered requests back to back, then an answered one on the same connection.
            assertThat(client.sendWithoutResponse(leader, ChannelKind.PRODUCE, ApiKey.PRODUCE,
                    produce(topic, id, (short) 0, batch("a", "b")), ApiKey.PRODUCE.highestVersion())
                    .get(30, TimeUnit.SECONDS)).isNull();
            assertThat(client.sendWithoutResponse(leader, ChannelKind.PRODUCE, ApiKey.PRODUCE,
                    produce(topic, id, (short) 0, batch("c")), ApiKey.PRODUCE.highestVersion())
                    .get(30, TimeUnit.SECONDS)).isNull();
            ProduceResponse answered = (ProduceResponse) client.send(leader, ChannelKind.PRODUCE, ApiKey.PRODUCE,
                    produce(topic, id, (short) -1, batch("d")), ApiKey.PRODUCE.highestVersion()).get(30, TimeUnit.SECONDS);
            ProduceResponse.PartitionProduceResponse partition = answered.responses().get(0).partitionResponses().get(0);
            assertThat(ErrorCode.forCode(partition.errorCode())).isEqualTo(ErrorCode.NONE);
            assertThat(partition.baseOffset()).as("after the three unanswered records").isEqualTo(3);

            Uuid topicId = id;
            FetchResponse fetched = (FetchResponse) client.send(leader, ChannelKind.FETCH, ApiKey.FETCH, version -> {
                FetchRequest.FetchTopic data = new FetchRequest.FetchTopic().setPartitions(List.of(
                        new FetchRequest.FetchPartition().setPartition(0).setFetchOffset(0)
                                .setPartitionMaxBytes(1 << 20)));
                if (version >= 13) {
                    data.setTopicId(topicId);
                } else {
                    data.setTopic(topic);
                }
                return new FetchRequest().setReplicaId(-1).setMaxWaitMs(100).setMinBytes(1).setMaxBytes(1 << 20)
                        .setTopics(List.of(data));
            }, ApiKey.FETCH.highestVersion()).get(30, TimeUnit.SECONDS);
            List<String> values = new ArrayList<>();
            RecordBatchReader.BatchIterator batches = RecordBatchReader.defaults()
                    .batches(fetched.responses().get(0).partitions().get(0).records());
            while (batches.hasNext()) {
                for (Record r : batches.next().records()) {
                    values.add(r.offset() + "=" + new String(r.value(), StandardCharsets.UTF_8));
                }
            }
            assertThat(values).containsExactly("0=a", "1=b", "2=c", "3=d");
        }
    }

    @Test
    void onlyProduceWithAcksZeroMayGoUnanswered(KafkaCluster cluster) throws Exception {
        try (NetworkClient client = NetworkClient.open(NetworkClientConfig.of(cluster.bootstrapServers(), "net-it"))) {
            assertThatThrownBy(() -> client.sendWithoutResponse(NetworkClient.ANY_BROKER, ChannelKind.OTHER,
                    ApiKey.METADATA, v -> null, (short) 12))
                    .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("the broker answers Metadata");
            assertThatThrownBy(() -> client.sendWithoutResponse(NetworkClient.ANY_BROKER, ChannelKind.PRODUCE,
                    ApiKey.PRODUCE, produce("x", Uuid.ZERO, (short) 1, batch("a")), ApiKey.PRODUCE.highestVersion())
                    .get(30, TimeUnit.SECONDS))
                    .isInstanceOf(ExecutionException.class)
                    .hasCauseInstanceOf(IllegalArgumentException.class)
                    .hasMessageContaining("acks=1 is answered by the broker");
        }
    }
}
