package dev.josef.kafka.consumer.spi;

import dev.josef.kafka.consumer.internal.balancer.Balancers;
import dev.josef.kafka.protocol.TopicPartition;

import java.nio.ByteBuffer;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;

/**
 * A client-side assignor of the classic group protocol: the group's leader
 * (one of its members, chosen by the coordinator) runs it to share the
 * subscribed topics' partitions among the members.
 *
 * <p>Chosen by {@link #name()} with the {@code partition.assignment.strategy}
 * setting, a list in order of preference (built in: {@code range},
 * {@code roundrobin}, {@code sticky} and {@code cooperative-sticky}, under
 * exactly kafka-clients' names, so a group may mix Josef and kafka-clients
 * members; others are found with ServiceLoader), or passed to the consumer's
 * builder. A custom name keeps a broker from ever moving the group to the
 * next-generation protocol (KIP-848).
 *
 * <p>A balancer holds no state of its own: what a member owned and in which
 * generation is handed to {@link #userData} and arrives in {@link Member}, so
 * one instance may serve many consumers at once. Its methods run on the
 * consumer's group thread; one that throws fails that rebalance step, which
 * the consumer reports and retries by rejoining.
 */
public interface GroupBalancer {

    /**
     * kafka-clients' {@code RangeAssignor}: each topic's partitions in contiguous
     * ranges, the first members (static ones by {@code group.instance.id}, then the
     * rest by member id) one partition more; rack-aware when members send racks
     * and partitions' replicas differ in theirs (KIP-881).
     */
    static GroupBalancer range() {
        return Balancers.RANGE;
    }

    /** kafka-clients' {@code RoundRobinAssignor}: all partitions dealt out in turn to the members that subscribe to them. */
    static GroupBalancer roundRobin() {
        return Balancers.ROUND_ROBIN;
    }

    /**
     * kafka-clients' {@code StickyAssignor}: balanced, and keeping members' previous
     * partitions where balance allows; what a member had travels in its user data.
     */
    static GroupBalancer sticky() {
        return Balancers.STICKY;
    }

    /**
     * kafka-clients' {@code CooperativeStickyAssignor}: the sticky balance, and safe
     * under the {@link Protocol#COOPERATIVE} protocol: a partition that another member
     * still owns is withheld until that member has given it up.
     */
    static GroupBalancer cooperativeSticky() {
        return Balancers.COOPERATIVE_STICKY;
    }

    /**
     * A built-in balancer by its name.
     *
     * @throws IllegalArgumentException for a name that is not built in
     */
    static GroupBalancer builtIn(String name) {
        return switch (name) {
            case "range" -> range();
            case "roundrobin" -> roundRobin();
            case "sticky" -> sticky();
            case "cooperative-sticky" -> cooperativeSticky();
            default -> throw new IllegalArgumentException("no built-in group balancer is named '" + name
                + "' (built in: range, roundrobin, sticky, cooperative-sticky)");
        };
    }

    /** How partitions change owners (KIP-429). */
    enum Protocol {
        /** Every member gives up everything before the group rebalances. */
        EAGER,
        /**
         * Members keep their partitions while the group rebalances; a partition
         * moves in two rebalances, given up in the first and assigned in the second.
         */
        COOPERATIVE
    }

    /** The name the member sends to the coordinator, and the setting chooses it by. */
    String name();

    /**
     * The protocols this balancer's assignments are safe under. A group runs the
     * most advanced protocol every configured balancer supports, as kafka-clients does.
     */
    default Set<Protocol> protocols() {
        return Set.of(Protocol.EAGER);
    }

    /**
     * What the member sends with its subscription for the leader's balancer to read
     * back in {@link Member#userData()}; null for nothing.
     *
     * @param owned      what the member was last assigned (empty before its first assignment)
     * @param generation the generation that assignment came in; -1 before the first
     */
    default ByteBuffer userData(Set<String> topics, Set<TopicPartition> owned, int generation) {
        return null;
    }

    /**
     * Shares the partitions of {@code topics} among {@code members}. Every member
     * must get an entry (maybe empty), every partition of a subscribed topic
     * exactly one owner that subscribes to its topic; the consumer checks the
     * result before the group sees it. Under {@link Protocol#COOPERATIVE} a
     * partition that some member still {@linkplain Member#owned() owns} may go
     * only to that member, or be left out: its owner then gives it up, and the
     * follow-up rebalance assigns it.
     *
     * @param members by member id
     * @param topics  by name: every topic some member subscribes to and the cluster knows
     */
    Map<String, List<TopicPartition>> assign(Map<String, Member> members, Map<String, Topic> topics);

    /**
     * A member as the leader sees it in JoinGroup.
     *
     * @param topics     what it subscribes to, sorted
     * @param userData   what its balancer's {@link #userData} wrote; null for nothing
     * @param owned      what it owns now (cooperative members; eager ones gave everything up), sorted
     * @param generation the generation of what it owns; -1 when it does not say
     * @param rack       its {@code client.rack}, if it sent one (KIP-881)
     */
    record Member(String memberId, Optional<String> instanceId, List<String> topics, ByteBuffer userData,
                  List<TopicPartition> owned, int generation, Optional<String> rack) {
        public Member {
            Objects.requireNonNull(memberId, "memberId");
            Objects.requireNonNull(instanceId, "instanceId");
            topics = List.copyOf(topics);
            userData = userData == null ? null : userData.asReadOnlyBuffer();
            owned = List.copyOf(owned);
            Objects.requireNonNull(rack, "rack");
        }

        @Override
        public ByteBuffer userData() {
            return userData == null ? null : userData.duplicate();
        }
    }

    /**
     * A subscribed topic as the cluster's metadata describes it.
     *
     * @param partitionRacks for each partition (0 to {@code partitions - 1}), the racks of its replicas;
     *                       empty sets when the brokers have no racks
     */
    record Topic(String name, int partitions, Map<Integer, Set<String>> partitionRacks) {
        public Topic {
            Objects.requireNonNull(name, "name");
            if (partitions < 0) {
                throw new IllegalArgumentException("topic " + name + " cannot have " + partitions + " partitions");
            }
            partitionRacks = Map.copyOf(partitionRacks);
        }

        public Topic(String name, int partitions) {
            this(name, partitions, Map.of());
        }

        /** The racks of {@code partition}'s replicas; empty when unknown. */
        public Set<String> racks(int partition) {
            return partitionRacks.getOrDefault(partition, Set.of());
        }
    }
}
