package dev.josef.kafka.consumer.internal.balancer;

import dev.josef.kafka.consumer.internal.balancer.StickyUserData.Previous;
import dev.josef.kafka.consumer.spi.GroupBalancer.Member;
import dev.josef.kafka.consumer.spi.GroupBalancer.Topic;
import dev.josef.kafka.protocol.TopicPartition;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * The balance both sticky balancers compute: every partition of a subscribed
 * topic to one member that subscribes to it, as evenly as the subscriptions
 * allow, and with as few partitions leaving the member that had them as that
 * balance permits. Balance comes first: a member keeps a partition only while
 * keeping it leaves the group balanced.
 *
 * <p>When every member subscribes to the same topics, balance is exact (counts
 * differ by at most one) and each member keeps what it had up to its share;
 * otherwise members keep everything, new partitions go to the least loaded
 * member that may take them, and partitions then move, directly or along a chain
 * of members passing one on, from a member to one that has at least two fewer,
 * until no such move remains.
 *
 * <p>Not kafka-clients' code and not always its exact result, which depends on
 * its hash-map iteration orders; the same properties, and the same result for
 * the same inputs every time.
 */
final class StickyAssignment {
    private final Map<String, Set<String>> subscriptions = new TreeMap<>();
    private final Map<String, Optional<String>> racks = new HashMap<>();
    private final Map<String, List<String>> subscribers = new TreeMap<>();
    private final Map<String, Topic> topics;
    private final List<String> memberOrder;
    private final List<TopicPartition> all = new ArrayList<>();
    private final boolean racksMatter;

    /** Who owns what while the assignment is computed. */
    private final Map<String, TreeSet<TopicPartition>> current = new TreeMap<>();
    /** What each member had before and may keep: its claim won, and it still subscribes to the topic. */
    private final Map<String, Set<TopicPartition>> had = new HashMap<>();

    private StickyAssignment(Map<String, Member> members, Map<String, Topic> topics) {
        this.topics = topics;
        for (Member m : members.values()) {
            Set<String> subscribed = new TreeSet<>();
            for (String t : m.topics()) {
                Topic topic = topics.get(t);
                if (topic != null && topic.partitions() > 0) {
                    subscribed.add(t);
                    subscribers.computeIfAbsent(t, k -> new ArrayList<>()).add(m.memberId());
                }
            }
            subscriptions.put(m.memberId(), subscribed);
            racks.put(m.memberId(), Balancing.rack(m));
            current.put(m.memberId(), new TreeSet<>());
        }
        memberOrder = List.copyOf(subscriptions.keySet());
        subscribers.values().forEach(list -> list.sort(Comparator.naturalOrder()));
        for (String t : subscribers.keySet()) {
            for (int p = 0; p < topics.get(t).partitions(); p++) {
                all.add(new TopicPartition(t, p));
            }
        }
        Set<String> memberRacks = new HashSet<>();
        racks.values().forEach(r -> r.ifPresent(memberRacks::add));
        racksMatter = Balancing.racksMatter(memberRacks,
            subscribers.keySet().stream().map(topics::get).toList());
    }

    /**
     * @param previous what each member says it had and in which generation; a
     *                 partition two members claim goes to the later generation, and
     *                 to neither when they claim it in the same one (one of them is
     *                 wrong, and guessing which could keep a partition on two members)
     */
    static Map<String, List<TopicPartition>> assign(Map<String, Member> members, Map<String, Topic> topics,
                                                    Map<String, Previous> previous) {
        StickyAssignment a = new StickyAssignment(members, topics);
        if (members.isEmpty()) {
            return new TreeMap<>();
        }
        a.keepPrevious(previous);
        if (a.subscriptionsEqual()) {
            a.assignEqualShares();
        } else {
            a.assignToLeastLoaded();
            a.balance();
        }
        Map<String, List<TopicPartition>> result = new TreeMap<>();
        a.current.forEach((m, ps) -> result.put(m, new ArrayList<>(ps)));
        return result;
    }

    private void keepPrevious(Map<String, Previous> previous) {
        Map<TopicPartition, Integer> claimGeneration = new HashMap<>();
        Map<TopicPartition, String> claimant = new HashMap<>();
        for (String member : memberOrder) {
            Previous p = previous.getOrDefault(member, Previous.NOTHING);
            for (TopicPartition tp : p.partitions()) {
                Topic topic = topics.get(tp.topic());
                if (topic == null || tp.partition() >= topic.partitions()) {
                    continue;
                }
                Integer best = claimGeneration.get(tp);
                if (best == null || p.generation() > best) {
                    claimGeneration.put(tp, p.generation());
                    claimant.put(tp, member);
                } else if (p.generation() == best && !member.equals(claimant.get(tp))) {
                    claimant.put(tp, null);
                }
            }
        }
        claimant.forEach((tp, member) -> {
            if (member != null && subscriptions.get(member).contains(tp.topic())) {
                had.computeIfAbsent(member, k -> new HashSet<>()).add(tp);
            }
        });
    }

    private boolean subscriptionsEqual() {
        return new HashSet<>(subscriptions.values()).size() <= 1;
    }

    private boolean local(String member, TopicPartition tp) {
        Optional<String> rack = racks.get(member);
        return rack.isEmpty() || topics.get(tp.topic()).racks(tp.partition()).contains(rack.get());
    }

    /**
     * Every member subscribes to every topic: each gets {@code all / members}
     * partitions, {@code all % members} of them one more. Members that had more
     * than their share keep the lowest of what they had (rack-local ones first);
     * the longer shares go first to members that had that many.
     */
    private void assignEqualShares() {
        int members = memberOrder.size();
        int minQuota = all.size() / members;
        int longer = all.size() % members;
        int withLonger = 0;
        for (String member : memberOrder) {
            List<TopicPartition> mine = new ArrayList<>(new TreeSet<>(had.getOrDefault(member, Set.of())));
            if (racksMatter) {
                mine.sort(Comparator.comparing((TopicPartition tp) -> !local(member, tp)));
            }
            int keep;
            if (longer > 0 && mine.size() > minQuota && withLonger < longer) {
                keep = minQuota + 1;
                withLonger++;
            } else {
                keep = Math.min(mine.size(), minQuota);
            }
            current.get(member).addAll(mine.subList(0, keep));
        }

        List<TopicPartition> unassigned = unassigned();
        if (racksMatter) {
            for (var it = unassigned.iterator(); it.hasNext(); ) {
                TopicPartition tp = it.next();
                String best = null;
                for (String member : memberOrder) {
                    int load = current.get(member).size();
                    boolean room = load < minQuota || (load == minQuota && withLonger < longer);
                    if (room && racks.get(member).isPresent() && local(member, tp)
                        && (best == null || load < current.get(best).size())) {
                        best = member;
                    }
                }
                if (best != null) {
                    if (current.get(best).size() == minQuota) {
                        withLonger++;
                    }
                    current.get(best).add(tp);
                    it.remove();
                }
            }
        }
        // Round the members, so a topic spreads over the group: first to those short of
        // their share, then the longer shares still open. Exactly as many partitions are
        // left as the shares have room for, so the round always finds a member.
        int next = 0;
        for (TopicPartition tp : unassigned) {
            int target = memberOrder.stream().anyMatch(m -> current.get(m).size() < minQuota) ? minQuota : minQuota + 1;
            while (current.get(memberOrder.get(next)).size() >= target) {
                next = (next + 1) % members;
            }
            current.get(memberOrder.get(next)).add(tp);
            next = (next + 1) % members;
        }
    }

    private List<TopicPartition> unassigned() {
        Set<TopicPartition> taken = new HashSet<>();
        current.values().forEach(taken::addAll);
        List<TopicPartition> left = new ArrayList<>();
        for (TopicPartition tp : all) {
            if (!taken.contains(tp)) {
                left.add(tp);
            }
        }
        return left;
    }

    /**
     * Members keep all they had; each other partition, those with the fewest
     * possible members first, goes to the least loaded member that subscribes to
     * its topic (rack-local first among equals).
     */
    private void assignToLeastLoaded() {
        had.forEach((member, ps) -> current.get(member).addAll(ps));
        List<TopicPartition> unassigned = unassigned();
        unassigned.sort(Comparator.comparingInt((TopicPartition tp) -> subscribers.get(tp.topic()).size())
            .thenComparing(Comparator.naturalOrder()));
        for (TopicPartition tp : unassigned) {
            String best = null;
            for (String member : subscribers.get(tp.topic())) {
                if (best == null || better(member, best, tp)) {
                    best = member;
                }
            }
            current.get(best).add(tp);
        }
    }

    private boolean better(String member, String than, TopicPartition tp) {
        int load = current.get(member).size();
        int thanLoad = current.get(than).size();
        if (load != thanLoad) {
            return load < thanLoad;
        }
        return racksMatter && local(member, tp) && !local(than, tp);
    }

    /**
     * Moves partitions until no member could give one to a member with two fewer,
     * directly or through members that each pass one on (their counts unchanged).
     * Each move lowers the sum of squared counts, so this ends. Of the ways to
     * move, the one that takes the fewest members' previous partitions from them.
     */
    private void balance() {
        while (moveOne()) {
            // again
        }
    }

    private boolean moveOne() {
        List<String> byLoad = new ArrayList<>(memberOrder);
        byLoad.sort(Comparator.comparingInt((String m) -> -current.get(m).size()).thenComparing(Comparator.naturalOrder()));
        int minLoad = current.get(byLoad.get(byLoad.size() - 1)).size();
        // A search from a source reaches every member some chain of moves could pass a
        // partition to. One that found no member two below its source rules out the
        // members it reached as later sources: they are no more loaded, and reach no further.
        Set<String> exhausted = new HashSet<>();
        for (String source : byLoad) {
            int load = current.get(source).size();
            if (load - 2 < minLoad) {
                return false;
            }
            if (exhausted.contains(source)) {
                continue;
            }
            Map<String, Hop> hops = cheapestHops(source);
            String target = null;
            for (String member : memberOrder) {
                Hop hop = hops.get(member);
                if (hop == null || current.get(member).size() > load - 2) {
                    continue;
                }
                if (target == null || hop.taken < hops.get(target).taken
                    || (hop.taken == hops.get(target).taken && current.get(member).size() < current.get(target).size())) {
                    target = member;
                }
            }
            if (target != null) {
                for (String taker = target; !taker.equals(source); taker = hops.get(taker).giver) {
                    Hop hop = hops.get(taker);
                    move(hop.giver, taker, hop.topic);
                }
                return true;
            }
            exhausted.addAll(hops.keySet());
        }
        return false;
    }

    /**
     * How a member is reached from the source: from which giver, passing a partition
     * of which topic, and how many members on the way lose a partition they had
     * before this rebalance (a giver passing one it only just got loses nothing).
     */
    private record Hop(String giver, String topic, int taken) {
    }

    /** Every member a chain of single moves from {@code source} can reach, each by its cheapest chain. */
    private Map<String, Hop> cheapestHops(String source) {
        Map<String, Hop> hops = new HashMap<>();
        hops.put(source, new Hop(source, null, 0));
        ArrayDeque<String> queue = new ArrayDeque<>();
        queue.add(source);
        Set<String> done = new HashSet<>();
        while (!queue.isEmpty()) {
            String giver = queue.pollFirst();
            if (!done.add(giver)) {
                continue;
            }
            int taken = hops.get(giver).taken;
            Set<TopicPartition> giverHad = had.getOrDefault(giver, Set.of());
            Map<String, Boolean> canPassNew = new TreeMap<>();
            for (TopicPartition tp : current.get(giver)) {
                canPassNew.merge(tp.topic(), !giverHad.contains(tp), Boolean::logicalOr);
            }
            canPassNew.forEach((topic, passesNew) -> {
                int cost = taken + (passesNew ? 0 : 1);
                for (String taker : subscribers.get(topic)) {
                    Hop known = hops.get(taker);
                    if (known == null || cost < known.taken) {
                        hops.put(taker, new Hop(giver, topic, cost));
                        if (passesNew) {
                            queue.addFirst(taker);
                        } else {
                            queue.addLast(taker);
                        }
                    }
                }
            });
        }
        return hops;
    }

    /**
     * One partition of {@code topic} from giver to taker: one the giver did not
     * have before this rebalance if it can, so what members had stays put.
     */
    private void move(String giver, String taker, String topic) {
        Set<TopicPartition> giverHad = had.getOrDefault(giver, Set.of());
        TopicPartition chosen = null;
        for (TopicPartition tp : current.get(giver)) {
            if (!tp.topic().equals(topic)) {
                continue;
            }
            if (chosen == null || (giverHad.contains(chosen) && !giverHad.contains(tp))) {
                chosen = tp;
            }
        }
        current.get(giver).remove(chosen);
        current.get(taker).add(chosen);
    }
}
