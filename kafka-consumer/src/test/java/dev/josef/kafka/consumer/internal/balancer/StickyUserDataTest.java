package dev.josef.kafka.consumer.internal.balancer;

import dev.josef.kafka.consumer.spi.GroupBalancer;
import dev.josef.kafka.protocol.TopicPartition;
import org.apache.kafka.clients.consumer.ConsumerGroupMetadata;
import org.apache.kafka.clients.consumer.ConsumerPartitionAssignor.Assignment;
import org.apache.kafka.clients.consumer.ConsumerPartitionAssignor.Subscription;
import org.apache.kafka.clients.consumer.CooperativeStickyAssignor;
import org.apache.kafka.clients.consumer.StickyAssignor;
import org.apache.kafka.clients.consumer.internals.AbstractStickyAssignor.MemberData;
import org.junit.jupiter.api.Test;

import java.nio.ByteBuffer;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The sticky balancers' user data is kafka-clients' own: what a Josef member
 * writes, a kafka-clients leader reads, and the other way round, so a mixed group
 * stays sticky whoever leads it.
 */
class StickyUserDataTest {
    private static final Set<TopicPartition> OWNED = Set.of(
        new TopicPartition("orders", 0), new TopicPartition("orders", 3), new TopicPartition("payments", 7));

    /** Reads a subscription's user data as kafka-clients' sticky leader does. */
    private static final class KafkaStickyLeader extends StickyAssignor {
        MemberData read(ByteBuffer userData) {
            return memberData(new Subscription(List.of("orders", "payments"), userData));
        }
    }

    private static final class KafkaCooperativeLeader extends CooperativeStickyAssignor {
        MemberData read(ByteBuffer userData) {
            return memberData(new Subscription(List.of("orders"), userData));
        }
    }

    @Test
    void kafkaClientsReadsWhatAJosefStickyMemberHadAndInWhichGeneration() {
        ByteBuffer josef = GroupBalancer.sticky().userData(Set.of("orders", "payments"), OWNED, 12);

        MemberData read = new KafkaStickyLeader().read(josef);

        assertThat(read.partitions).map(Group::josef).containsExactlyInAnyOrderElementsOf(OWNED);
        assertThat(read.generation).contains(12);
    }

    @Test
    void josefReadsWhatAKafkaClientsStickyMemberHadAndInWhichGeneration() {
        StickyAssignor member = new StickyAssignor();
        member.onAssignment(new Assignment(OWNED.stream().map(Group::kafka).toList()),
            new ConsumerGroupMetadata("group", 12, "member", Optional.empty()));

        StickyUserData.Previous read = StickyUserData.decode(member.subscriptionUserData(Set.of("orders", "payments")));

        assertThat(read.partitions()).containsExactlyInAnyOrderElementsOf(OWNED);
        assertThat(read.generation()).isEqualTo(12);
    }

    @Test
    void josefWritesTheBytesKafkaClientsWrites() {
        Set<TopicPartition> oneTopic = new TreeSet<>(List.of(new TopicPartition("orders", 2), new TopicPartition("orders", 5)));
        StickyAssignor member = new StickyAssignor();
        member.onAssignment(new Assignment(oneTopic.stream().map(Group::kafka).toList()),
            new ConsumerGroupMetadata("group", 4, "member", Optional.empty()));

        // With one topic there is no hash-map order of topics to differ in.
        assertThat(bytes(GroupBalancer.sticky().userData(Set.of("orders"), oneTopic, 4)))
            .isEqualTo(bytes(member.subscriptionUserData(Set.of("orders"))));
    }

    @Test
    void userDataWithoutAGenerationIsTheFirstVersionsAndReadsAsGenerationMinusOne() {
        ByteBuffer version0 = ByteBuffer.allocate(4 + 2 + 6 + 4 + 4).putInt(1)
            .putShort((short) 6).put("orders".getBytes()).putInt(1).putInt(3).flip();

        StickyUserData.Previous read = StickyUserData.decode(version0);

        assertThat(read.partitions()).containsExactly(new TopicPartition("orders", 3));
        assertThat(read.generation()).isEqualTo(-1);
        assertThat(new KafkaStickyLeader().read(version0.duplicate()).generation).isEmpty();
    }

    @Test
    void unreadableUserDataReadsAsNothing() {
        ByteBuffer truncated = ByteBuffer.allocate(6).putInt(1).putShort((short) 40).flip();
        ByteBuffer hugeCount = ByteBuffer.allocate(4).putInt(Integer.MAX_VALUE).flip();

        assertThat(StickyUserData.decode(truncated)).isEqualTo(StickyUserData.Previous.NOTHING);
        assertThat(StickyUserData.decode(hugeCount)).isEqualTo(StickyUserData.Previous.NOTHING);
        assertThat(StickyUserData.decode(null)).isEqualTo(StickyUserData.Previous.NOTHING);
    }

    @Test
    void cooperativeStickyGenerationReadsBothWays() {
        CooperativeStickyAssignor member = new CooperativeStickyAssignor();
        member.onAssignment(new Assignment(List.of()), new ConsumerGroupMetadata("group", 9, "member", Optional.empty()));
        ByteBuffer kafka = member.subscriptionUserData(Set.of("orders"));
        ByteBuffer josef = GroupBalancer.cooperativeSticky().userData(Set.of("orders"), Set.of(), 9);

        assertThat(bytes(josef)).isEqualTo(bytes(kafka));
        assertThat(StickyUserData.decodeGeneration(kafka)).isEqualTo(9);
        assertThat(new KafkaCooperativeLeader().read(josef).generation).contains(9);
    }

    private static byte[] bytes(ByteBuffer buffer) {
        ByteBuffer b = buffer.duplicate();
        byte[] out = new byte[b.remaining()];
        b.get(out);
        return out;
    }
}
