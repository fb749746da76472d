package dev.josef.kafka.consumer;

import dev.josef.kafka.protocol.IsolationLevel;
import dev.josef.kafka.consumer.spi.BatchCorruptionHandler;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.HashMap;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class ConsumerConfigTest {
    private static Map<String, Object> base() {
        Map<String, Object> p = new HashMap<>();
        p.put("bootstrap.servers", "127.0.0.1:9092");
        return p;
    }

    @Test
    void kafkaClientsPropertyNamesMapToTheirSettings() {
        Map<String, Object> p = base();
        p.put("auto.offset.reset", "earliest");
        p.put("isolation.level", "read_committed");
        p.put("fetch.min.bytes", "1024");
        p.put("fetch.max.wait.ms", 250);
        p.put("fetch.max.bytes", "1000000");
        p.put("max.partition.fetch.bytes", "65536");
        p.put("max.poll.records", "42");
        p.put("client.rack", "eu-1a");
        p.put("check.crcs", "false");
        p.put("batch.corruption.handler", "stop");
        p.put("max.buffered.bytes", "1048576");
        p.put("max.decompressed.bytes", "4096");
        p.put("default.api.timeout.ms", "5000");
        p.put("value.deserializer", "org.apache.kafka.common.serialization.ByteArrayDeserializer");
        ConsumerConfig c = ConsumerConfig.fromProperties(p);
        assertThat(c.offsetReset()).isEqualTo(OffsetReset.EARLIEST);
        assertThat(c.isolationLevel()).isEqualTo(IsolationLevel.READ_COMMITTED);
        assertThat(c.fetchMinBytes()).isEqualTo(1024);
        assertThat(c.fetchMaxWait()).isEqualTo(Duration.ofMillis(250));
        assertThat(c.fetchMaxBytes()).isEqualTo(1_000_000);
        assertThat(c.maxPartitionFetchBytes()).isEqualTo(65536);
        assertThat(c.maxPollRecords()).isEqualTo(42);
        assertThat(c.clientRack()).isEqualTo("eu-1a");
        assertThat(c.checkCrcs()).isFalse();
        assertThat(c.batchCorruptionHandler()).isSameAs(BatchCorruptionHandler.stop());
        assertThat(c.maxBufferedBytes()).isEqualTo(1_048_576);
        assertThat(c.maxDecompressedBytes()).isEqualTo(4096);
        assertThat(c.defaultApiTimeout()).isEqualTo(Duration.ofSeconds(5));
    }

    @Test
    void defaultsAreKafkaClientsOnesAndSkipForCorruptBatches() {
        ConsumerConfig c = ConsumerConfig.fromProperties(base());
        assertThat(c.offsetReset()).isEqualTo(OffsetReset.LATEST);
        assertThat(c.isolationLevel()).isEqualTo(IsolationLevel.READ_UNCOMMITTED);
        assertThat(c.fetchMaxWait()).isEqualTo(Duration.ofMillis(500));
        assertThat(c.maxPartitionFetchBytes()).isEqualTo(1024 * 1024);
        assertThat(c.checkCrcs()).isTrue();
        assertThat(c.batchCorruptionHandler().name()).isEqualTo("skip");
    }

    @Test
    void unknownNamesAndBadValuesAreRefusedByName() {
        Map<String, Object> unknown = base();
        unknown.put("fetch.max.wiat.ms", "1");
        assertThatThrownBy(() -> ConsumerConfig.fromProperties(unknown)).hasMessageContaining("fetch.max.wiat.ms");
        Map<String, Object> reset = base();
        reset.put("auto.offset.reset", "smallest");
        assertThatThrownBy(() -> ConsumerConfig.fromProperties(reset)).hasMessageContaining("auto.offset.reset=smallest")
                .hasMessageContaining("earliest, latest or none");
        Map<String, Object> deserializer = base();
        deserializer.put("key.deserializer", "org.apache.kafka.common.serialization.StringDeserializer");
        assertThatThrownBy(() -> ConsumerConfig.fromProperties(deserializer)).hasMessageContaining("StringDeserializer");
        Map<String, Object> handler = base();
        handler.put("batch.corruption.handler", "ignore");
        assertThatThrownBy(() -> ConsumerConfig.fromProperties(handler)).hasMessageContaining("ignore")
                .hasMessageContaining("skip, stop");
        assertThatThrownBy(() -> ConsumerConfig.builder().maxPollRecords(0)).hasMessageContaining("maxPollRecords");
        assertThatThrownBy(() -> ConsumerConfig.builder().build()).hasMessageContaining("bootstrap");
        assertThatThrownBy(() -> StartPosition.offset(-1)).hasMessageContaining("-1");
    }

    @Test
    void groupSettingsMapFromKafkaClientsNamesIncludingAssignorClassNames() {
        Map<String, Object> p = base();
        p.put("group.id", "orders-readers");
        p.put("group.instance.id", "host-1");
        p.put("session.timeout.ms", "10000");
        p.put("heartbeat.interval.ms", "2000");
        p.put("max.poll.interval.ms", "60000");
        p.put("enable.auto.commit", "false");
        p.put("auto.commit.interval.ms", "1000");
        p.put("partition.assignment.strategy", "org.apache.kafka.clients.consumer.CooperativeStickyAssignor, range");
        p.put("group.protocol", "classic");
        p.put("block.rebalance.on.poll", "true");
        ConsumerConfig c = ConsumerConfig.fromProperties(p);
        assertThat(c.groupId()).hasValue("orders-readers");
        assertThat(c.groupInstanceId()).hasValue("host-1");
        assertThat(c.sessionTimeout()).isEqualTo(java.time.Duration.ofSeconds(10));
        assertThat(c.heartbeatInterval()).isEqualTo(java.time.Duration.ofSeconds(2));
        assertThat(c.maxPollInterval()).isEqualTo(java.time.Duration.ofMinutes(1));
        assertThat(c.autoCommit()).isFalse();
        assertThat(c.autoCommitInterval()).isEqualTo(java.time.Duration.ofSeconds(1));
        assertThat(c.balancers()).extracting(dev.josef.kafka.consumer.spi.GroupBalancer::name)
                .containsExactly("cooperative-sticky", "range");
        assertThat(c.blockRebalanceOnPoll()).isTrue();

        ConsumerConfig defaults = ConsumerConfig.fromProperties(Map.of("bootstrap.servers", "localhost:9092",
                "group.id", "g"));
        assertThat(defaults.balancers()).extracting(dev.josef.kafka.consumer.spi.GroupBalancer::name)
                .containsExactly("range", "cooperative-sticky");
        assertThat(defaults.autoCommit()).isTrue();
        assertThat(defaults.sessionTimeout()).isEqualTo(java.time.Duration.ofSeconds(45));
        assertThat(defaults.maxPollInterval()).isEqualTo(java.time.Duration.ofMinutes(5));
        assertThat(ConsumerConfig.fromProperties(base()).autoCommit()).as("no group, nothing to commit to").isFalse();
    }

    @Test
    void badGroupSettingsAreRefusedWithErrorsThatNameThem() {
        java.util.function.Function<Map<String, Object>, Map<String, Object>> with = extra -> {
            Map<String, Object> p = base();
            p.putAll(extra);
            return p;
        };
        assertThatThrownBy(() -> ConsumerConfig.fromProperties(with.apply(Map.of("group.id", " "))))
                .hasMessageContaining("group.id").hasMessageContaining("blank");
        assertThatThrownBy(() -> ConsumerConfig.fromProperties(with.apply(Map.of("group.instance.id", "i-1"))))
                .hasMessageContaining("group.instance.id i-1 needs a group.id");
        assertThatThrownBy(() -> ConsumerConfig.fromProperties(with.apply(Map.of("group.id", "g",
                "partition.assignment.strategy", "fair")))).hasMessageContaining("'fair'")
                .hasMessageContaining("range, roundrobin, sticky, cooperative-sticky");
        assertThatThrownBy(() -> ConsumerConfig.fromProperties(with.apply(Map.of("group.id", "g",
                "partition.assignment.strategy", "range,range")))).hasMessageContaining("twice");
        assertThatThrownBy(() -> ConsumerConfig.fromProperties(with.apply(Map.of("group.id", "g",
                "heartbeat.interval.ms", "50000")))).hasMessageContaining("heartbeat.interval.ms (50000)")
                .hasMessageContaining("session.timeout.ms (45000)");
        assertThatThrownBy(() -> ConsumerConfig.fromProperties(with.apply(Map.of("group.id", "g",
                "group.protocol", "next")))).hasMessageContaining("group.protocol must be classic or consumer, was 'next'");
        assertThatThrownBy(() -> ConsumerConfig.fromProperties(with.apply(Map.of("group.id", "g",
                "group.remote.assignor", "uniform")))).hasMessageContaining("is for group.protocol=consumer");
        ConsumerConfig next = ConsumerConfig.fromProperties(with.apply(Map.of("group.id", "g",
                "group.protocol", "CONSUMER", "group.remote.assignor", "range")));
        assertThat(next.groupProtocol()).isEqualTo(GroupProtocol.CONSUMER);
        assertThat(next.remoteAssignor()).hasValue("range");
        assertThat(next.toString()).contains("groupProtocol=consumer, remoteAssignor=range");
        assertThatThrownBy(() -> ConsumerConfig.fromProperties(with.apply(Map.of("block.rebalance.on.poll",
                "true")))).hasMessageContaining("blockRebalanceOnPoll needs a group.id");
        assertThatThrownBy(() -> ConsumerConfig.fromProperties(with.apply(Map.of("group.id", "g",
                "max.rebalance.hold.ms", "1000")))).hasMessageContaining("maxRebalanceHold needs blockRebalanceOnPoll");
        assertThatThrownBy(() -> ConsumerConfig.fromProperties(with.apply(Map.of("group.id", "g",
                "block.rebalance.on.poll", "true", "max.rebalance.hold.ms", "300000"))))
                .hasMessageContaining("maxRebalanceHold (300000 ms) must be below max.poll.interval.ms (300000 ms)");
        assertThat(ConsumerConfig.fromProperties(with.apply(Map.of("group.id", "g", "block.rebalance.on.poll", "true",
                "max.rebalance.hold.ms", "20000"))).maxRebalanceHold()).hasValue(java.time.Duration.ofSeconds(20));
    }

    /** A tracing plug-in: one object, two roles. */
    static final class Tracing implements dev.josef.kafka.consumer.spi.ConsumerHook, dev.josef.kafka.net.spi.ClientHook {
    }

    @Test
    void shortcutsBuildTheNetworkAndAHookIsRoutedToEveryRoleItHas() {
        Tracing tracing = new Tracing();
        ConsumerConfig config = ConsumerConfig.builder().bootstrapServers("h1:9092").hook(tracing).build();
        assertThat(config.network().bootstrapServers()).containsExactly("h1:9092");
        assertThat(config.hooks()).containsExactly(tracing);
        assertThat(config.network().hooks()).containsExactly(tracing);
        assertThat(config.allowAutoCreateTopics()).isTrue();
        assertThat(ConsumerConfig.fromProperties(java.util.Map.of("bootstrap.servers", "h:1",
                "allow.auto.create.topics", "false")).allowAutoCreateTopics()).isFalse();
        dev.josef.kafka.net.spi.Hook producersOnly = new dev.josef.kafka.net.spi.Hook() {
        };
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> ConsumerConfig.builder().hook(producersOnly))
                .hasMessageContaining("a consumer takes ConsumerHooks, RebalanceHooks and ClientHooks; ");
    }
}
