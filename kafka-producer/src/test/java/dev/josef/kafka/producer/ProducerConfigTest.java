package dev.josef.kafka.producer;

import dev.josef.kafka.net.NetworkConfig;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class ProducerConfigTest {

    @Test
    void kafkaClientsPropertiesCarryOver() {
        ProducerConfig config = ProducerConfig.fromProperties(Map.ofEntries(
                Map.entry("bootstrap.servers", "127.0.0.1:9092"),
                Map.entry("client.id", "orders"),
                Map.entry("acks", "all"),
                Map.entry("linger.ms", "20"),
                Map.entry("batch.size", 65536),
                Map.entry("buffer.memory", "1048576"),
                Map.entry("max.block.ms", "1000"),
                Map.entry("compression.type", "gzip"),
                Map.entry("compression.gzip.level", "9"),
                Map.entry("delivery.timeout.ms", "60000"),
                Map.entry("max.request.size", "2097152"),
                Map.entry("partitioner.class", "org.apache.kafka.clients.producer.RoundRobinPartitioner"),
                Map.entry("key.serializer", "org.apache.kafka.common.serialization.ByteArraySerializer"),
                Map.entry("value.serializer", "org.apache.kafka.common.serialization.ByteArraySerializer")));
        assertThat(config.network().clientId()).isEqualTo("orders");
        assertThat(config.acks()).isEqualTo(Acks.ALL);
        assertThat(config.linger()).isEqualTo(Duration.ofMillis(20));
        assertThat(config.batchSize()).isEqualTo(65536);
        assertThat(config.bufferMemory()).isEqualTo(1048576);
        assertThat(config.maxBlock()).isEqualTo(Duration.ofSeconds(1));
        assertThat(config.compression().name()).isEqualTo("gzip");
        assertThat(config.compressionLevel()).isEqualTo(9);
        assertThat(config.deliveryTimeout()).isEqualTo(Duration.ofMinutes(1));
        assertThat(config.maxRequestSize()).isEqualTo(2097152);
        assertThat(config.partitioner().name()).isEqualTo("round-robin");
        assertThat(config.idempotence()).isTrue();
    }

    @Test
    void aPartitionerProviderIsFoundByItsName() {
        ProducerConfig config = ProducerConfig.fromProperties(Map.of("bootstrap.servers", "h:1",
                "partitioner.class", "test-every-other"));
        assertThat(config.partitioner()).isInstanceOf(EveryOtherPartitioner.class);
        assertThat(config.partitioner().partition("t", new byte[3], null, 6)).isEqualTo(0);
        assertThat(config.partitioner().partition("t", new byte[4], null, 6)).isEqualTo(2);
    }

    @Test
    void orderingPoliciesAreChosenByNameBuiltInOrProvided() {
        assertThat(ProducerConfig.fromProperties(Map.of("bootstrap.servers", "h:1")).orderingPolicy().name())
                .as("the default").isEqualTo("continue");
        for (String name : new String[] {"continue", "fail-partition", "pause-partition"}) {
            assertThat(ProducerConfig.fromProperties(Map.of("bootstrap.servers", "h:1", "ordering.policy", name))
                    .orderingPolicy().name()).isEqualTo(name);
        }
        ProducerConfig provided = ProducerConfig.fromProperties(Map.of("bootstrap.servers", "h:1",
                "ordering.policy", "test-pause-on-data-loss", "unknown.topic.retries", "3"));
        assertThat(provided.orderingPolicy()).isInstanceOf(PauseOnDataLossPolicy.class);
        assertThat(provided.unknownTopicRetries()).isEqualTo(3);
        assertThat(ProducerConfig.fromProperties(Map.of("bootstrap.servers", "h:1")).unknownTopicRetries())
                .as("unbounded by default: the delivery timeout decides").isEqualTo(Integer.MAX_VALUE);
    }

    @Test
    void mistakesNameTheSetting() {
        assertThatThrownBy(() -> ProducerConfig.fromProperties(Map.of("bootstrap.servers", "h:1", "lingr.ms", "5")))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("lingr.ms=5: not a producer setting");
        assertThatThrownBy(() -> ProducerConfig.fromProperties(Map.of("bootstrap.servers", "h:1", "acks", "2")))
                .hasMessageContaining("acks=2: acks must be all, -1, 1 or 0");
        assertThatThrownBy(() -> ProducerConfig.fromProperties(Map.of("bootstrap.servers", "h:1",
                "value.serializer", "org.apache.kafka.common.serialization.StringSerializer")))
                .hasMessageContaining("Josef produces bytes");
        assertThatThrownBy(() -> ProducerConfig.fromProperties(Map.of("bootstrap.servers", "h:1",
                "partitioner.class", "com.example.Mine")))
                .hasMessageContaining("partitioner com.example.Mine is neither built in");
        assertThatThrownBy(() -> ProducerConfig.fromProperties(Map.of("bootstrap.servers", "h:1",
                "ordering.policy", "retry-forever")))
                .hasMessageContaining("ordering.policy=retry-forever: ordering policy retry-forever is neither built in");
        assertThatThrownBy(() -> ProducerConfig.fromProperties(Map.of("bootstrap.servers", "h:1",
                "unknown.topic.retries", "-1")))
                .hasMessageContaining("unknownTopicRetries must not be negative");
        assertThatThrownBy(() -> ProducerConfig.fromProperties(Map.of("bootstrap.servers", "h:1",
                "compression.type", "brotli")))
                .hasMessageContaining("compression.type=brotli");
    }

    @Test
    void idempotenceRulesAreCheckedAtBuild() {
        NetworkConfig network = NetworkConfig.builder().bootstrapServers("h:1").build();
        assertThat(ProducerConfig.builder().network(network).acks(Acks.LEADER).build().idempotence())
                .as("only the default: dropped quietly, as kafka-clients does").isFalse();
        assertThatThrownBy(() -> ProducerConfig.builder().network(network).acks(Acks.LEADER).idempotence(true).build())
                .hasMessageContaining("idempotence needs acks=all, not LEADER");
        assertThatThrownBy(() -> ProducerConfig.builder().network(network).deliveryTimeout(Duration.ofSeconds(1)).build())
                .hasMessageContaining("must be at least linger");
        assertThatThrownBy(() -> ProducerConfig.builder().build()).hasMessageContaining("needs a network configuration");
    }

    /** A tracing plug-in: one object, two roles. */
    static final class Tracing implements dev.josef.kafka.producer.spi.ProducerHook, dev.josef.kafka.net.spi.ClientHook {
    }

    @Test
    void shortcutsBuildTheNetworkAndAHookIsRoutedToEveryRoleItHas() {
        Tracing tracing = new Tracing();
        ProducerConfig config = ProducerConfig.builder().bootstrapServers("h1:9092,h2:9092")
                .compression("zstd", 5).hook(tracing).build();
        assertThat(config.network().bootstrapServers()).containsExactly("h1:9092", "h2:9092");
        assertThat(config.compression().name()).isEqualTo("zstd");
        assertThat(config.compressionLevel()).isEqualTo(5);
        assertThat(config.hooks()).containsExactly(tracing);
        assertThat(config.network().hooks()).containsExactly(tracing);

        NetworkConfig given = NetworkConfig.builder().bootstrapServers("old:1").clientId("kept").build();
        ProducerConfig both = ProducerConfig.builder().network(given).bootstrapServers("new:2").build();
        assertThat(both.network().bootstrapServers()).containsExactly("new:2");
        assertThat(both.network().clientId()).isEqualTo("kept");

        dev.josef.kafka.net.spi.Hook consumersOnly = new dev.josef.kafka.net.spi.Hook() {
        };
        assertThatThrownBy(() -> ProducerConfig.builder().hook(consumersOnly))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("a producer takes ProducerHooks and ClientHooks; ")
                .hasMessageEndingWith(" is neither");
        assertThatThrownBy(() -> ProducerConfig.builder().compression("brotli"))
                .hasMessageContaining("compression brotli");
        assertThatThrownBy(() -> ProducerConfig.builder().bootstrapServers("no-port"))
                .isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> ProducerConfig.builder().build())
                .hasMessageContaining("a producer needs a network configuration");
    }

    @Test
    void aTransactionalIdTurnsIdempotenceOnAndNeedsAcksAll() {
        ProducerConfig config = ProducerConfig.fromProperties(Map.of("bootstrap.servers", "h:1",
                "transactional.id", "tx-1", "transaction.timeout.ms", "15000", "enable.idempotence", "true"));
        assertThat(config.transactionalId()).contains("tx-1");
        assertThat(config.transactionTimeout()).isEqualTo(java.time.Duration.ofSeconds(15));
        assertThat(config.idempotence()).isTrue();
        assertThat(ProducerConfig.fromProperties(Map.of("bootstrap.servers", "h:1")).transactionalId()).isEmpty();
        assertThatThrownBy(() -> ProducerConfig.fromProperties(Map.of("bootstrap.servers", "h:1",
                "transactional.id", "tx-1", "acks", "1")))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("needs acks=all");
        assertThatThrownBy(() -> ProducerConfig.fromProperties(Map.of("bootstrap.servers", "h:1",
                "transactional.id", "tx-1", "enable.idempotence", "false")))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("needs idempotence");
        assertThatThrownBy(() -> ProducerConfig.builder().transactionalId(""))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("transactionalId");
    }
}
