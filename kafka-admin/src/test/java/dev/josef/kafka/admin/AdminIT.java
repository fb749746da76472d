package dev.josef.kafka.admin;

import dev.josef.kafka.protocol.IsolationLevel;
import dev.josef.kafka.protocol.ApiKey;
import dev.josef.kafka.protocol.BrokerException;
import dev.josef.kafka.protocol.ErrorCode;
import dev.josef.kafka.protocol.RecordBatchBuilder;
import dev.josef.kafka.protocol.TopicPartition;
import dev.josef.kafka.protocol.Uuid;
import dev.josef.kafka.protocol.message.ApiMessage;
import dev.josef.kafka.protocol.message.ProduceRequest;
import dev.josef.kafka.protocol.message.ProduceResponse;
import dev.josef.kafka.testkit.KafkaCluster;
import dev.josef.kafka.testkit.KafkaClusterExtension;
import dev.josef.kafka.testkit.TestTopic;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;
import java.util.function.Supplier;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * Each admin operation against a real broker, observed by its effect: what one
 * call changes, the next call sees. Brokers learn a change from the controller a
 * moment after it is committed, so reads that follow a change poll briefly.
 */
@ExtendWith(KafkaClusterExtension.class)
class AdminIT {
    private KafkaCluster cluster;
    private Admin admin;

    @BeforeEach
    void open(KafkaCluster cluster) {
        this.cluster = cluster;
        this.admin = Admin.create(Map.of("bootstrap.servers", cluster.bootstrapServers(), "client.id", "admin-it"));
    }

    @AfterEach
    void close() {
        admin.close();
    }

    @Test
    void createdTopicIsDescribedWithItsPartitionsIdAndConfigs() {
        String name = "admin-it-created";
        CreateTopicResult created = get(admin.createTopics(List.of(
                NewTopic.of(name, 3, 1).withConfig("retention.ms", "3600000")))).get(name);
        assertThat(created.error()).isEqualTo(ErrorCode.NONE);
        assertThat(created.partitions()).isEqualTo(3);
        assertThat(created.replicationFactor()).isEqualTo((short) 1);
        assertThat(created.topicId()).isNotEqualTo(Uuid.ZERO);
        assertThat(created.configs()).containsEntry("retention.ms", "3600000");

        TopicDescription description = eventually(() -> admin.describeTopics(List.of(name)),
                d -> d.get(name).succeeded() && d.get(name).partitions().stream().allMatch(p -> p.leader() >= 0)).get(name);
        assertThat(description.topicId()).isEqualTo(created.topicId());
        assertThat(description.internal()).isFalse();
        assertThat(description.partitions()).extracting(TopicDescription.PartitionDescription::partition)
                .containsExactly(0, 1, 2);
        for (TopicDescription.PartitionDescription p : description.partitions()) {
            assertThat(cluster.brokerIds()).contains(p.leader());
            assertThat(p.replicas()).containsExactly(p.leader());
            assertThat(p.isr()).containsExactly(p.leader());
        }
        assertThat(get(admin.listTopics())).contains(name);

        ResourceConfigs configs = get(admin.describeTopicConfigs(List.of(name))).get(name);
        assertThat(configs.succeeded()).isTrue();
        assertThat(configs.entry("retention.ms")).hasValueSatisfying(e -> {
            assertThat(e.value()).isEqualTo("3600000");
            assertThat(e.source()).isEqualTo(ConfigEntry.Source.DYNAMIC_TOPIC_CONFIG);
        });
        assertThat(configs.entry("cleanup.policy")).hasValueSatisfying(e -> assertThat(e.isDefault()).isTrue());
    }

    @Test
    void creatingAnExistingTopicReportsTopicAlreadyExistsForThatTopicAlone(TestTopic existing) {
        String fresh = "admin-it-fresh";
        Map<String, CreateTopicResult> results = get(admin.createTopics(List.of(
                NewTopic.of(existing.name(), 1, 1), NewTopic.of(fresh, 1, 1))));
        assertThat(results.keySet()).containsExactly(existing.name(), fresh);
        assertThat(results.get(existing.name()).error()).isEqualTo(ErrorCode.TOPIC_ALREADY_EXISTS);
        assertThat(results.get(existing.name()).errorMessage()).contains(existing.name());
        assertThatThrownBy(() -> results.get(existing.name()).orThrow())
                .isInstanceOfSatisfying(BrokerException.class,
                        e -> assertThat(e.errorCode()).isEqualTo(ErrorCode.TOPIC_ALREADY_EXISTS));
        assertThat(results.get(fresh).succeeded()).isTrue();
    }

    @Test
    void validateOnlyCreatesNothing() {
        String name = "admin-it-validate-only";
        CreateTopicResult result = get(admin.createTopics(List.of(NewTopic.of(name, 2, 1)), true)).get(name);
        assertThat(result.succeeded()).isTrue();
        assertThat(result.partitions()).isEqualTo(2);
        CreateTopicResult tooMany = get(admin.createTopics(List.of(NewTopic.of(name, 1, 5)), true)).get(name);
        assertThat(tooMany.error()).isEqualTo(ErrorCode.INVALID_REPLICATION_FACTOR);
        assertThat(get(admin.listTopics())).doesNotContain(name);
    }

    @Test
    void deletedTopicIsNoLongerListed(TestTopic topic) {
        assertThat(get(admin.listTopics())).contains(topic.name());
        assertThat(get(admin.deleteTopics(List.of(topic.name()))).get(topic.name()).succeeded()).isTrue();
        eventually(() -> admin.listTopics(), names -> !names.contains(topic.name()));
        assertThat(get(admin.deleteTopics(List.of(topic.name()))).get(topic.name()).error())
                .isEqualTo(ErrorCode.UNKNOWN_TOPIC_OR_PARTITION);
    }

    @Test
    void listTopicsShowsInternalTopicsOnlyWhenAsked(TestTopic topic) {
        assertThat(get(admin.listTopics(true))).contains(topic.name());
        assertThat(get(admin.listTopics(false))).allMatch(n -> !n.startsWith("__"));
    }

    @Test
    void createPartitionsRaisesTheCountAndRefusesToLowerIt(TestTopic topic) {
        assertThat(get(admin.createPartitions(Map.of(topic.name(), 4))).get(topic.name()).succeeded()).isTrue();
        eventually(() -> admin.describeTopics(List.of(topic.name())),
                d -> d.get(topic.name()).partitions().size() == 4);
        assertThat(get(admin.createPartitions(Map.of(topic.name(), 2))).get(topic.name()).error())
                .isEqualTo(ErrorCode.INVALID_PARTITIONS);
    }

    @Test
    void describeClusterNamesTheBrokers() {
        ClusterDescription description = get(admin.describeCluster());
        assertThat(description.clusterId()).isNotBlank();
        assertThat(description.brokers()).extracting(ClusterDescription.Broker::id)
                .containsExactlyInAnyOrderElementsOf(cluster.brokerIds());
        assertThat(description.brokers()).allSatisfy(b -> assertThat(b.port()).isPositive());
        assertThat(cluster.brokerIds()).contains(description.controllerId());
    }

    @Test
    void listOffsetsSeesProducedRecordsAndDeleteRecordsMovesTheEarliest(@TestTopic.Partitions(2) TestTopic topic)
            throws Exception {
        TopicPartition p0 = TopicPartition.of(topic.name(), 0);
        TopicPartition p1 = TopicPartition.of(topic.name(), 1);
        long base = System.currentTimeMillis() - 60_000;
        produce(topic.name(), 0, base, 5);

        Map<TopicPartition, ListedOffset> earliest = get(admin.listOffsets(Map.of(
                p0, OffsetSpec.earliest(), p1, OffsetSpec.earliest())));
        Map<TopicPartition, ListedOffset> latest = get(admin.listOffsets(Map.of(
                p0, OffsetSpec.latest(), p1, OffsetSpec.latest())));
        assertThat(earliest.get(p0).offset()).isZero();
        assertThat(latest.get(p0).offset()).isEqualTo(5);
        assertThat(latest.get(p1).offset()).isZero();
        assertThat(latest.get(p0).succeeded()).isTrue();

        ListedOffset max = get(admin.listOffsets(Map.of(p0, OffsetSpec.maxTimestamp()))).get(p0);
        assertThat(max.offset()).isEqualTo(4);
        assertThat(max.timestamp()).isEqualTo(base + 4);
        ListedOffset at = get(admin.listOffsets(Map.of(p0, OffsetSpec.forTimestamp(base + 2)))).get(p0);
        assertThat(at.offset()).isEqualTo(2);
        ListedOffset after = get(admin.listOffsets(Map.of(p0, OffsetSpec.forTimestamp(base + 100)))).get(p0);
        assertThat(after.offset()).isEqualTo(-1);
        assertThat(get(admin.listOffsets(Map.of(p0, OffsetSpec.latest()), IsolationLevel.READ_COMMITTED)).get(p0).offset())
                .isEqualTo(5);

        DeletedRecords deleted = get(admin.deleteRecords(Map.of(p0, 3L))).get(p0);
        assertThat(deleted.succeeded()).isTrue();
        assertThat(deleted.lowWatermark()).isEqualTo(3);
        assertThat(get(admin.listOffsets(Map.of(p0, OffsetSpec.earliest()))).get(p0).offset()).isEqualTo(3);
        assertThat(get(admin.deleteRecords(Map.of(p0, 99L))).get(p0).error()).isEqualTo(ErrorCode.OFFSET_OUT_OF_RANGE);
    }

    @Test
    void aPartitionThatDoesNotExistIsReportedForItselfAlone(TestTopic topic) {
        TopicPartition real = TopicPartition.of(topic.name(), 0);
        TopicPartition missing = TopicPartition.of(topic.name(), 7);
        Map<TopicPartition, ListedOffset> offsets = get(admin.listOffsets(Map.of(
                real, OffsetSpec.latest(), missing, OffsetSpec.latest())));
        assertThat(offsets.get(real).succeeded()).isTrue();
        assertThat(offsets.get(missing).error()).isEqualTo(ErrorCode.UNKNOWN_TOPIC_OR_PARTITION);
        assertThat(get(admin.describeTopics(List.of("admin-it-no-such-topic"))).get("admin-it-no-such-topic").error())
                .isEqualTo(ErrorCode.UNKNOWN_TOPIC_OR_PARTITION);
    }

    @Test
    void alteredTopicConfigsAreDescribed(TestTopic topic) {
        ConfigResource resource = ConfigResource.topic(topic.name());
        Map<ConfigResource, ConfigOutcome> altered = get(admin.incrementalAlterConfigs(Map.of(resource, List.of(
                AlterConfigOp.set("retention.ms", "7200000"),
                AlterConfigOp.append("cleanup.policy", "compact")))));
        assertThat(altered.get(resource).succeeded()).isTrue();
        eventually(() -> admin.describeConfigs(List.of(resource)),
                c -> c.get(resource).value("retention.ms").orElse("").equals("7200000")
                        && c.get(resource).value("cleanup.policy").orElse("").equals("delete,compact"));

        assertThat(get(admin.incrementalAlterConfigs(Map.of(resource, List.of(
                AlterConfigOp.delete("retention.ms"),
                AlterConfigOp.subtract("cleanup.policy", "delete"))))).get(resource).succeeded()).isTrue();
        ResourceConfigs after = eventually(() -> admin.describeConfigs(List.of(resource)),
                c -> c.get(resource).value("cleanup.policy").orElse("").equals("compact")).get(resource);
        assertThat(after.entry("retention.ms").orElseThrow().source()).isNotEqualTo(ConfigEntry.Source.DYNAMIC_TOPIC_CONFIG);

        ConfigOutcome bad = get(admin.incrementalAlterConfigs(Map.of(resource, List.of(
                AlterConfigOp.set("no.such.config", "1"))))).get(resource);
        assertThat(bad.error()).isEqualTo(ErrorCode.INVALID_CONFIG);
    }

    @Test
    void brokerConfigsAreDescribedByTheBroker() {
        int brokerId = cluster.brokerIds().get(0);
        ConfigResource broker = ConfigResource.broker(brokerId);
        ResourceConfigs configs = get(admin.describeConfigs(List.of(broker))).get(broker);
        assertThat(configs.succeeded()).isTrue();
        assertThat(configs.entry("node.id")).hasValueSatisfying(e -> assertThat(e.value()).isEqualTo(Integer.toString(brokerId)));
        ConfigResource defaults = ConfigResource.brokerDefaults();
        assertThat(get(admin.describeConfigs(List.of(defaults))).get(defaults).succeeded()).isTrue();
    }

    @Test
    void anInvalidNameIsRefusedBeforeAnythingIsSent() {
        assertThatThrownBy(() -> admin.createTopics(List.of(NewTopic.of("no spaces allowed", 1, 1))))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("' '");
    }

    /** Appends {@code count} records to a partition, timestamps {@code base}, {@code base + 1}, ... */
    private void produce(String topic, int partition, long base, int count) throws Exception {
        RecordBatchBuilder batch = new RecordBatchBuilder(1024);
        for (int i = 0; i < count; i++) {
            batch.append(base + i, null, ("record-" + i).getBytes(StandardCharsets.UTF_8));
        }
        ByteBuffer records = batch.build();
        Uuid topicId = get(admin.describeTopics(List.of(topic))).get(topic).topicId();
        // Produce v13 names the topic by id (KIP-516), earlier versions by name.
        java.util.function.IntFunction<ApiMessage> body = version -> new ProduceRequest().setAcks((short) -1)
                .setTimeoutMs(10_000).setTopicData(List.of(new ProduceRequest.TopicProduceData()
                        .setName(version >= 13 ? "" : topic).setTopicId(version >= 13 ? topicId : Uuid.ZERO)
                        .setPartitionData(List.of(new ProduceRequest.PartitionProduceData()
                                .setIndex(partition).setRecords(records.duplicate())))));
        try (dev.josef.kafka.net.internal.NetworkClient client = dev.josef.kafka.net.internal.NetworkClient.open(
                dev.josef.kafka.net.internal.NetworkClientConfig.of(cluster.bootstrapServers(), "admin-it-produce"))) {
            ProduceResponse response = (ProduceResponse) client.sendToLeader(topic, partition,
                    dev.josef.kafka.net.internal.ChannelKind.PRODUCE, ApiKey.PRODUCE, body,
                    ApiKey.PRODUCE.latestStableVersion()).get(30, TimeUnit.SECONDS);
            assertThat(response.responses().get(0).partitionResponses().get(0).errorCode())
                    .isEqualTo(ErrorCode.NONE.code());
        }
    }

    private static <T> T get(CompletableFuture<T> future) {
        try {
            return future.get(30, TimeUnit.SECONDS);
        } catch (Exception e) {
            throw new AssertionError("the admin call failed", e);
        }
    }

    /** Asks again until the answer satisfies {@code done}, for up to ten seconds. */
    private static <T> T eventually(Supplier<CompletableFuture<T>> ask, Predicate<T> done) {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        T last = get(ask.get());
        while (!done.test(last)) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("still not as expected after 10 s: " + last);
            }
            try {
                Thread.sleep(100);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new AssertionError(e);
            }
            last = get(ask.get());
        }
        return last;
    }
}
