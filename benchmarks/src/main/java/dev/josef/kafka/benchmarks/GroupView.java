package dev.josef.kafka.benchmarks;

import dev.josef.kafka.benchmarks.MemberProcess.Event;

import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.OptionalLong;
import java.util.Set;
import java.util.TreeSet;

/**
 * The group as its members report it: which member owns which partition, when
 * it got it, and when it read the partition's first record after that. Built
 * from the members' events on the parent's main thread only.
 *
 * <p>A partition counts as <em>interrupted</em> when a member gave it up
 * (revoked or lost) after {@link #mark()}: in an eager rebalance that is every
 * partition, even one that goes back to the same member; in a cooperative one
 * only those that move. A partition never taken from its owner was fetched
 * throughout.
 */
final class GroupView {
    private final int partitions;
    private final Map<MemberProcess, Set<Integer>> owned = new LinkedHashMap<>();
    /** Per member, partition to the time of its first record since the member (last) got it. */
    private final Map<MemberProcess, Map<Integer, Long>> firstRecord = new HashMap<>();
    private final Map<MemberProcess, Long> subscribed = new HashMap<>();
    private final Map<MemberProcess, Long> firstAnyRecord = new HashMap<>();
    private final Map<MemberProcess, Long> firstAssigned = new HashMap<>();
    private final Map<MemberProcess, Long> lastAssigned = new HashMap<>();
    private long firstGivenUp = Long.MAX_VALUE;
    private final Set<Integer> interrupted = new TreeSet<>();
    /** Members that had an assignment change (an ASSIGNED, REVOKED or LOST callback) since {@link #mark()}. */
    private final Set<MemberProcess> rebalancedSinceMark = new HashSet<>();
    private boolean marked;
    private long changes;

    GroupView(int partitions) {
        this.partitions = partitions;
    }

    void apply(Event e) {
        MemberProcess m = e.member();
        switch (e.kind()) {
            case "SUBSCRIBE" -> subscribed.put(m, e.micros());
            case "ASSIGNED" -> {
                owned.computeIfAbsent(m, k -> new TreeSet<>()).addAll(e.partitions());
                Map<Integer, Long> first = firstRecord.computeIfAbsent(m, k -> new HashMap<>());
                e.partitions().forEach(first::remove);
                if (!e.partitions().isEmpty()) {
                    firstAssigned.putIfAbsent(m, e.micros());
                }
                lastAssigned.put(m, e.micros());
                changed(m);
            }
            case "REVOKED", "LOST" -> {
                owned.computeIfAbsent(m, k -> new TreeSet<>()).removeAll(e.partitions());
                if (marked) {
                    interrupted.addAll(e.partitions());
                    if (!e.partitions().isEmpty()) {
                        firstGivenUp = Math.min(firstGivenUp, e.micros());
                    }
                }
                changed(m);
            }
            case "FIRST" -> {
                firstRecord.computeIfAbsent(m, k -> new HashMap<>()).put(e.partitions().get(0), e.micros());
                firstAnyRecord.putIfAbsent(m, e.micros());
            }
            case "EXIT" -> owned.remove(m);
            default -> {
            }
        }
    }

    private void changed(MemberProcess m) {
        changes++;
        if (marked) {
            rebalancedSinceMark.add(m);
        }
    }

    /** From now on, count what is given up as interrupted. */
    void mark() {
        marked = true;
        interrupted.clear();
        rebalancedSinceMark.clear();
        firstGivenUp = Long.MAX_VALUE;
    }

    /** How many assignment changes have been seen; a change of it means the group moved. */
    long changes() {
        return changes;
    }

    /**
     * True when {@code members} own every partition between them, each one once,
     * as evenly as possible, and each has read every partition it owns since it
     * got it.
     */
    boolean settled(List<MemberProcess> members) {
        int low = partitions / members.size();
        int high = low + (partitions % members.size() == 0 ? 0 : 1);
        Set<Integer> all = new HashSet<>();
        for (MemberProcess m : members) {
            Set<Integer> mine = owned.getOrDefault(m, Set.of());
            if (mine.size() < low || mine.size() > high) {
                return false;
            }
            Map<Integer, Long> first = firstRecord.getOrDefault(m, Map.of());
            for (int p : mine) {
                if (!all.add(p) || !first.containsKey(p)) {
                    return false;
                }
            }
        }
        for (Map.Entry<MemberProcess, Set<Integer>> e : owned.entrySet()) {
            if (!members.contains(e.getKey()) && !e.getValue().isEmpty()) {
                return false;
            }
        }
        return all.size() == partitions;
    }

    /**
     * The latest first record, at its current owner, of the partitions interrupted
     * since the mark; empty when none were, or one has no first record yet.
     */
    OptionalLong lastResumed() {
        long last = Long.MIN_VALUE;
        for (int p : interrupted) {
            Long at = null;
            for (Map.Entry<MemberProcess, Set<Integer>> e : owned.entrySet()) {
                if (e.getValue().contains(p)) {
                    at = firstRecord.getOrDefault(e.getKey(), Map.of()).get(p);
                }
            }
            if (at == null) {
                return OptionalLong.empty();
            }
            last = Math.max(last, at);
        }
        return last == Long.MIN_VALUE ? OptionalLong.empty() : OptionalLong.of(last);
    }

    int interruptedCount() {
        return interrupted.size();
    }

    boolean rebalancedSinceMark(MemberProcess m) {
        return rebalancedSinceMark.contains(m);
    }

    Set<Integer> owned(MemberProcess m) {
        return owned.getOrDefault(m, Set.of());
    }

    Long subscribedAt(MemberProcess m) {
        return subscribed.get(m);
    }

    /** When a member first gave up a partition after the mark (the group began to rebalance); NaN if none did. */
    double firstGivenUpSinceMark() {
        return firstGivenUp == Long.MAX_VALUE ? Double.NaN : firstGivenUp;
    }

    /** The latest assignment (callback) of any of {@code members}: when their group last settled. */
    long lastAssignedAt(List<MemberProcess> members) {
        return members.stream().mapToLong(m -> lastAssigned.getOrDefault(m, 0L)).max().orElse(0);
    }

    /** When the member was first given a partition; NaN if never. */
    double firstAssignedAt(MemberProcess m) {
        Long at = firstAssigned.get(m);
        return at == null ? Double.NaN : at;
    }

    Long firstRecordAt(MemberProcess m) {
        return firstAnyRecord.get(m);
    }
}
