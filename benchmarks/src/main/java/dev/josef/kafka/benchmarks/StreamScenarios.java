package dev.josef.kafka.benchmarks;

import dev.josef.kafka.benchmarks.Trials.Client;
import dev.josef.kafka.benchmarks.Trials.Trial;
import org.apache.kafka.clients.consumer.CooperativeStickyAssignor;
import org.apache.kafka.clients.consumer.RangeAssignor;

import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Scenarios (b) and (c) of {@link GroupBenchmark}, on one topic that a
 * {@link SteadyStream} keeps writing to: (b) a 4th member joins 3, eager and
 * cooperative; (c) one of 2 static members' processes is restarted. Both clients
 * get the same session settings (session.timeout.ms=10000,
 * heartbeat.interval.ms=1000) and auto.offset.reset=latest.
 */
final class StreamScenarios {
    private final GroupBenchmark b;

    StreamScenarios(GroupBenchmark benchmark) {
        this.b = benchmark;
    }

    void run(List<String> scenarios) throws Exception {
        String topic = b.topic("steady");
        b.topics.create(topic);
        try (SteadyStream stream = new SteadyStream(b.bootstrap, topic, b.partitions, b.rate)) {
            if (scenarios.contains("b")) {
                rebalancing(stream, topic);
            }
            if (scenarios.contains("c")) {
                staticRestart(stream, topic);
            }
        } finally {
            b.topics.delete(topic);
        }
    }

    private void rebalancing(SteadyStream stream, String topic) throws Exception {
        System.out.print("### (b) A 4th member joins 3 (ms from its subscribe() until every partition is fetched "
                + "again by its final owner; lower is better)\n\n| protocol | partitions paused kafka-clients "
                + "| partitions paused Josef | kafka-clients ms | Josef ms | ratio |\n"
                + "|---|---:|---:|---:|---:|---:|\n");
        System.out.flush();
        Map<String, Map<String, String>> protocols = new LinkedHashMap<>();
        protocols.put("classic, eager (range)", Map.of("partition.assignment.strategy", RangeAssignor.class.getName()));
        protocols.put("classic, cooperative (cooperative-sticky)", Map.of("partition.assignment.strategy",
                CooperativeStickyAssignor.class.getName()));
        // KIP-848: the coordinator assigns; session and heartbeat are the broker's (1 s heartbeats here).
        protocols.put("consumer (KIP-848, uniform)", Map.of("group.protocol", "consumer",
                "group.remote.assignor", "uniform"));
        for (Map.Entry<String, Map<String, String>> protocol : protocols.entrySet()) {
            String label = protocol.getKey();
            List<Trial> trials = Trials.run(b.pairs, "(b) " + label,
                    (client, pair) -> rebalanceTrial(client, topic, protocol.getValue(), pair),
                    t -> String.format(Locale.ROOT, "rebalance %,9.1f ms  %2.0f partitions paused  (phase %3.0f ms) "
                                    + "first revoke at %,7.1f ms  4th member assigned at %,7.1f ms, its first record "
                                    + "at %,7.1f ms", t.get("ms"), t.get("paused"), t.get("phaseMs"),
                            t.get("revokedMs"), t.get("fourthAssignedMs"), t.get("fourthFirstMs")));
            stream.check();
            double km = Trials.median(trials, Client.KAFKA_CLIENTS, t -> t.get("ms"));
            double jm = Trials.median(trials, Client.JOSEF, t -> t.get("ms"));
            System.out.printf(Locale.ROOT, "| %s | %.0f | %.0f | %,.0f | %,.0f | %s |%s%n", label,
                    Trials.median(trials, Client.KAFKA_CLIENTS, t -> t.get("paused")),
                    Trials.median(trials, Client.JOSEF, t -> t.get("paused")), km, jm,
                    ProducerEndToEnd.ratio(jm, km), Trials.failures(trials));
            System.out.flush();
        }
        System.out.println();
    }

    private void staticRestart(SteadyStream stream, String topic) throws Exception {
        System.out.print("### (c) A static member's process restarts (ms until the new process's first record; "
                + "lower is better)\n\n| from | kafka-clients ms | Josef ms | ratio |\n|---|---:|---:|---:|\n");
        System.out.flush();
        List<Trial> trials = Trials.run(b.pairs, "(c) static restart", (client, pair) -> staticTrial(client, topic),
                t -> String.format(Locale.ROOT, "first record %,8.1f ms after subscribe(), %,8.1f ms after launch "
                                + "(subscribed at %,6.1f ms, assigned at %,6.1f ms); other member rebalanced: %s; "
                                + "same partitions: %s", t.get("subscribeMs"), t.get("launchMs"),
                        t.get("launchToSubscribeMs"), t.get("assignedMs"), t.get("otherRebalanced") > 0 ? "yes" : "no",
                        t.get("samePartitions") > 0 ? "yes" : "no"));
        stream.check();
        for (String[] from : List.of(new String[]{"subscribe()", "subscribeMs"},
                new String[]{"process launch", "launchMs"})) {
            double k = Trials.median(trials, Client.KAFKA_CLIENTS, t -> t.get(from[1]));
            double j = Trials.median(trials, Client.JOSEF, t -> t.get(from[1]));
            System.out.printf(Locale.ROOT, "| %s | %,.0f | %,.0f | %s |%s%n", from[0], k, j,
                    ProducerEndToEnd.ratio(j, k), Trials.failures(trials));
        }
        System.out.println();
        System.out.flush();
    }

    private Map<String, String> sessionProperties(String group) {
        Map<String, String> p = new LinkedHashMap<>();
        p.put("group.id", group);
        p.put("auto.offset.reset", "latest");
        p.put("session.timeout.ms", Integer.toString(GroupBenchmark.SESSION_TIMEOUT_MS));
        p.put("heartbeat.interval.ms", Integer.toString(GroupBenchmark.HEARTBEAT_INTERVAL_MS));
        return p;
    }

    /**
     * The old members learn that the group rebalances from their next heartbeat,
     * so how long after the 4th member's JoinGroup that comes (0 to
     * heartbeat.interval.ms) is part of every trial. The 3 old members beat in step
     * (they joined together), and when the 4th subscribes relative to their beat
     * would otherwise follow from how long each client's JVM takes to start, the
     * same in every trial: a bias, not noise. So the 4th subscribes at a phase set
     * by the pair, spread evenly over the interval and the same for both clients,
     * counted from the old members' last assignment (where their beat starts).
     */
    private long phaseMicros(int pair) {
        return pair == 0 ? 0 : (pair - 1) * GroupBenchmark.HEARTBEAT_INTERVAL_MS * 1000L / b.pairs;
    }

    private Trial rebalanceTrial(Client client, String topic, Map<String, String> protocol, int pair)
            throws Exception {
        String group = b.newGroup("b");
        Map<String, String> p = sessionProperties(group);
        if ("consumer".equals(protocol.get("group.protocol"))) {
            // kafka-clients refuses the classic-only settings with this protocol.
            p.remove("session.timeout.ms");
            p.remove("heartbeat.interval.ms");
        }
        p.putAll(protocol);
        try (GroupTrial trial = new GroupTrial(b.logDir, b.partitions)) {
            List<MemberProcess> members = new ArrayList<>();
            for (int i = 0; i < 3; i++) {
                members.add(trial.launch(group + "-" + client.arg + "-" + i, b.memberArgs(client, topic, p, i, false),
                        GroupBenchmark.START_TIMEOUT));
            }
            members.forEach(MemberProcess::go);
            trial.awaitSettled(members, GroupBenchmark.SETTLE_TIMEOUT);
            trial.view.mark();
            MemberProcess fourth = trial.launch(group + "-" + client.arg + "-3",
                    b.memberArgs(client, topic, p, 3, false), GroupBenchmark.START_TIMEOUT);
            long beat = GroupBenchmark.HEARTBEAT_INTERVAL_MS * 1000L;
            long goAt = trial.view.lastAssignedAt(members) + phaseMicros(pair);
            long now = GroupMember.now();
            if (goAt < now) {
                goAt += (now - goAt + beat - 1) / beat * beat;
            }
            trial.drain(Duration.ofNanos((goAt - now) * 1000));
            members.add(fourth);
            fourth.go();
            trial.awaitSettled(members, GroupBenchmark.SETTLE_TIMEOUT);
            long subscribed = trial.view.subscribedAt(fourth);
            long resumed = trial.view.lastResumed().orElseThrow(() -> new IllegalStateException("no partition moved"));
            return new Trial(client, Map.of("ms", (resumed - subscribed) / 1e3, "phaseMs", phaseMicros(pair) / 1e3,
                    "paused", (double) trial.view.interruptedCount(),
                    "revokedMs", (trial.view.firstGivenUpSinceMark() - subscribed) / 1e3,
                    "fourthAssignedMs", (trial.view.firstAssignedAt(fourth) - subscribed) / 1e3,
                    "fourthFirstMs", (trial.view.firstRecordAt(fourth) - subscribed) / 1e3), null);
        }
    }

    private Trial staticTrial(Client client, String topic) throws Exception {
        String group = b.newGroup("c");
        Map<String, String> p = sessionProperties(group);
        try (GroupTrial trial = new GroupTrial(b.logDir, b.partitions)) {
            // The first member forms the group alone and leads it; the second, restarted, is a follower.
            Map<String, String> p0 = new LinkedHashMap<>(p);
            p0.put("group.instance.id", group + "-static-0");
            MemberProcess leader = trial.launch(group + "-" + client.arg + "-0",
                    b.memberArgs(client, topic, p0, 0, false), GroupBenchmark.START_TIMEOUT);
            leader.go();
            trial.awaitSettled(List.of(leader), GroupBenchmark.SETTLE_TIMEOUT);
            Map<String, String> p1 = new LinkedHashMap<>(p);
            p1.put("group.instance.id", group + "-static-1");
            MemberProcess follower = trial.launch(group + "-" + client.arg + "-1", b.memberArgs(client, topic, p1, 1,
                    false), GroupBenchmark.START_TIMEOUT);
            follower.go();
            trial.awaitSettled(List.of(leader, follower), GroupBenchmark.SETTLE_TIMEOUT);
            var before = List.copyOf(trial.view.owned(follower));
            trial.view.mark();
            trial.stop(follower);
            MemberProcess restarted = trial.launchNow(group + "-" + client.arg + "-1-restarted",
                    b.memberArgs(client, topic, p1, 1, true));
            trial.awaitUntil(() -> trial.view.firstRecordAt(restarted) != null, GroupBenchmark.SETTLE_TIMEOUT,
                    "the restarted member's first record", e -> { });
            long first = trial.view.firstRecordAt(restarted);
            long subscribed = trial.view.subscribedAt(restarted);
            // Whether the group rebalanced shows in the other member's callbacks, which may come a little later.
            trial.awaitSettled(List.of(leader, restarted), GroupBenchmark.SETTLE_TIMEOUT);
            return new Trial(client, Map.of("subscribeMs", (first - subscribed) / 1e3,
                    "launchMs", (first - restarted.launchMicros) / 1e3,
                    "launchToSubscribeMs", (subscribed - restarted.launchMicros) / 1e3,
                    "assignedMs", (trial.view.firstAssignedAt(restarted) - subscribed) / 1e3,
                    "otherRebalanced", trial.view.rebalancedSinceMark(leader) ? 1.0 : 0.0,
                    "samePartitions", List.copyOf(trial.view.owned(restarted)).equals(before) ? 1.0 : 0.0), null);
        }
    }
}
