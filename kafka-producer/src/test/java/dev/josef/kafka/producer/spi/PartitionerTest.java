package dev.josef.kafka.producer.spi;

import org.apache.kafka.clients.producer.internals.BuiltInPartitioner;
import org.apache.kafka.common.utils.Utils;
import org.junit.jupiter.api.Test;

import java.util.Random;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class PartitionerTest {

    @Test
    void murmur2MatchesKafkaClientsForEveryLengthUpTo300() {
        Random random = new Random(7);
        for (int length = 0; length <= 300; length++) {
            for (int trial = 0; trial < 20; trial++) {
                byte[] key = new byte[length];
                random.nextBytes(key);
                assertThat(Murmur2.hash(key)).as("length %d", length).isEqualTo(Utils.murmur2(key));
            }
        }
    }

    @Test
    void keyedRecordsGoWhereKafkaClientsSendsThem() {
        Random random = new Random(11);
        Partitioner partitioner = Partitioner.defaultPartitioner();
        for (int i = 0; i < 10_000; i++) {
            byte[] key = new byte[1 + random.nextInt(40)];
            random.nextBytes(key);
            int partitions = 1 + random.nextInt(200);
            assertThat(partitioner.partition("t", key, null, partitions))
                    .isEqualTo(BuiltInPartitioner.partitionForKey(key, partitions));
        }
        assertThat(partitioner.partition("t", null, new byte[1], 10)).isEqualTo(Partitioner.UNASSIGNED);
    }

    @Test
    void roundRobinCyclesPerTopicAndManualRefusesRecordsWithoutAPartition() {
        Partitioner roundRobin = Partitioner.roundRobin();
        assertThat(roundRobin.name()).isEqualTo("round-robin");
        int[] seen = new int[7];
        for (int i = 0; i < 14; i++) {
            seen[i % 7] = roundRobin.partition("a", new byte[] {1}, null, 7);
        }
        assertThat(seen).containsExactly(0, 1, 2, 3, 4, 5, 6);
        assertThat(roundRobin.partition("b", null, null, 3)).isZero();
        assertThatThrownBy(() -> Partitioner.manual().partition("orders", null, null, 4))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("needs every record to name one (0 to 3)");
    }
}
