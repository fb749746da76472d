package dev.josef.kafka.consumer.internal.balancer;

import dev.josef.kafka.consumer.spi.GroupBalancer.Member;

import java.util.Comparator;

/**
 * The order range and roundrobin deal partitions in, kafka-clients' own: static
 * members (KIP-345) first, by {@code group.instance.id}, so a static member that
 * restarts under a new member id gets the same partitions back; then dynamic
 * members by member id. Two members with one instance id cannot both be in a
 * group; should they be, the member id decides, where kafka-clients' order is
 * whatever its hash map's is.
 */
final class MemberOrder implements Comparator<Member> {
    static final MemberOrder INSTANCE = new MemberOrder();

    private MemberOrder() {
    }

    @Override
    public int compare(Member a, Member b) {
        if (a.instanceId().isPresent() && b.instanceId().isPresent()) {
            int byInstance = a.instanceId().get().compareTo(b.instanceId().get());
            return byInstance != 0 ? byInstance : a.memberId().compareTo(b.memberId());
        }
        if (a.instanceId().isPresent() != b.instanceId().isPresent()) {
            return a.instanceId().isPresent() ? -1 : 1;
        }
        return a.memberId().compareTo(b.memberId());
    }
}
