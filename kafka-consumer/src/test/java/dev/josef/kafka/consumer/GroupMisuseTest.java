package dev.josef.kafka.consumer;

import dev.josef.kafka.consumer.spi.RebalanceHook;
import dev.josef.kafka.protocol.TopicPartition;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * Group calls made wrongly fail at the call with an error that says what is
 * wrong, and leave the consumer as it was. No broker is needed: each is refused
 * before anything is sent.
 */
class GroupMisuseTest {
    private static final TopicPartition P0 = new TopicPartition("orders", 0);

    private static ConsumerConfig.Builder config() {
        return ConsumerConfig.builder().bootstrapServers("127.0.0.1:1")
                .defaultApiTimeout(Duration.ofMillis(200));
    }

    @Test
    void commitsAndMarksWithoutAGroupIdSayAGroupIsNeeded() {
        try (Consumer consumer = Consumer.create(config().build())) {
            consumer.assign(List.of(P0));
            assertThatThrownBy(consumer::commitSync).isInstanceOf(IllegalStateException.class)
                    .hasMessageContaining("configure a group.id");
            assertThatThrownBy(() -> consumer.committed(Set.of(P0))).hasMessageContaining("group.id");
            assertThatThrownBy(() -> consumer.subscribe(List.of("orders"), new RebalanceHook() { }))
                    .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("needs a group.id");
            assertThat(consumer.assignment()).containsExactly(P0);
        }
    }

    @Test
    void allowRebalanceWithoutTheOptionIsRefused() {
        try (Consumer consumer = Consumer.create(config().groupId("g").build())) {
            assertThatThrownBy(consumer::allowRebalance).isInstanceOf(IllegalStateException.class)
                    .hasMessageContaining("blockRebalanceOnPoll");
            assertThat(consumer.pendingRebalance()).isEmpty();
        }
    }

    @Test
    void aCommitOfAPartitionNotAssignedIsRefusedAndNothingIsSent() {
        try (Consumer consumer = Consumer.create(config().groupId("g").build())) {
            consumer.assign(List.of(P0));
            TopicPartition other = new TopicPartition("orders", 7);
            assertThatThrownBy(() -> consumer.commitSync(Map.of(other, OffsetAndMetadata.of(3))))
                    .isInstanceOf(IllegalStateException.class).hasMessageContaining("orders-7")
                    .hasMessageContaining("not assigned");
            assertThatThrownBy(() -> consumer.commitAsync(Map.of(other, OffsetAndMetadata.of(3)), (o, e) -> { }))
                    .hasMessageContaining("not assigned");
            assertThatThrownBy(() -> OffsetAndMetadata.of(-1)).hasMessageContaining("-1");
        }
    }

    @Test
    void assigningWhileSubscribedToAGroupSaysToUnsubscribeFirst() {
        try (Consumer consumer = Consumer.create(config().groupId("g").build())) {
            consumer.subscribe(List.of("orders"));
            assertThatThrownBy(() -> consumer.assign(List.of(P0))).isInstanceOf(IllegalStateException.class)
                    .hasMessageContaining("unsubscribe()");
        }
    }
}
