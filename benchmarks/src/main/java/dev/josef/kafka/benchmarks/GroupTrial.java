package dev.josef.kafka.benchmarks;

import dev.josef.kafka.benchmarks.MemberProcess.Event;

import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;

/**
 * The member processes of one trial and the group they report. Closing it stops
 * every member still running: {@code stop}, a bounded wait, then
 * {@code destroyForcibly}. Used from the benchmark's main thread only.
 */
final class GroupTrial implements AutoCloseable {
    /** How long the group must stay unchanged before it counts as settled. */
    static final Duration QUIET = Duration.ofSeconds(2);
    private static final Duration STOP_TIMEOUT = Duration.ofSeconds(30);

    private final Path logDir;
    private final BlockingQueue<Event> events = new LinkedBlockingQueue<>();
    private final List<MemberProcess> members = new ArrayList<>();
    /** Members told to stop: their exit is expected. */
    private final Set<MemberProcess> stopping = new HashSet<>();
    final GroupView view;

    GroupTrial(Path logDir, int partitions) {
        this.logDir = logDir;
        this.view = new GroupView(partitions);
    }

    /** Launches a member and waits until it has built its client (READY). */
    MemberProcess launch(String name, List<String> memberArgs, Duration timeout) throws IOException,
            InterruptedException {
        MemberProcess m = MemberProcess.launch(name, memberArgs, logDir, events);
        members.add(m);
        boolean[] ready = {false};
        awaitUntil(() -> ready[0], timeout, name + " to start", e -> {
            if (e.member() == m && e.kind().equals("READY")) {
                ready[0] = true;
            }
        });
        return m;
    }

    /** Launches a member that subscribes at once ({@code --no-wait}), without waiting for it. */
    MemberProcess launchNow(String name, List<String> memberArgs) throws IOException {
        MemberProcess m = MemberProcess.launch(name, memberArgs, logDir, events);
        members.add(m);
        return m;
    }

    /** Waits until {@code members} own every partition, evenly, have read each, and stay so for {@link #QUIET}. */
    void awaitSettled(List<MemberProcess> group, Duration timeout) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (true) {
            awaitUntil(() -> view.settled(group), Duration.ofNanos(deadline - System.nanoTime()),
                    "the group " + group + " to settle", e -> { });
            long changes = view.changes();
            drain(QUIET);
            if (view.changes() == changes && view.settled(group)) {
                return;
            }
        }
    }

    /** Applies events until {@code condition} holds; fails when a member dies or the time is up. */
    void awaitUntil(BooleanSupplier condition, Duration timeout, String what, java.util.function.Consumer<Event> each)
            throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (!condition.getAsBoolean()) {
            long left = deadline - System.nanoTime();
            Event e = left > 0 ? events.poll(left, TimeUnit.NANOSECONDS) : null;
            if (e == null) {
                throw new IllegalStateException("timed out after " + timeout + " waiting for " + what);
            }
            apply(e);
            each.accept(e);
        }
    }

    /** Applies whatever the members report during {@code time}. */
    void drain(Duration time) throws InterruptedException {
        long deadline = System.nanoTime() + time.toNanos();
        long left;
        while ((left = deadline - System.nanoTime()) > 0) {
            Event e = events.poll(left, TimeUnit.NANOSECONDS);
            if (e != null) {
                apply(e);
            }
        }
    }

    private void apply(Event e) {
        view.apply(e);
        if (e.kind().equals("EXIT") && !stopping.contains(e.member())) {
            String failure = e.member().failure();
            throw new IllegalStateException(e.member() + " exited unexpectedly"
                    + (failure != null ? ": " + failure : "") + e.member().describeLog());
        }
    }

    /** Tells {@code m} to stop and returns its RESULT, after it exited. */
    Map<String, Long> stop(MemberProcess m) throws InterruptedException {
        stopping.add(m);
        m.stop();
        return m.awaitResult(STOP_TIMEOUT);
    }

    /** Tells every running member to stop at once, then collects each one's RESULT, in launch order. */
    List<Map<String, Long>> stopAll(List<MemberProcess> group) throws InterruptedException {
        for (MemberProcess m : group) {
            stopping.add(m);
            m.stop();
        }
        List<Map<String, Long>> results = new ArrayList<>();
        for (MemberProcess m : group) {
            results.add(m.awaitResult(STOP_TIMEOUT));
        }
        return results;
    }

    @Override
    public void close() {
        for (MemberProcess m : members) {
            if (m.alive()) {
                stopping.add(m);
                m.stop();
            }
        }
        long deadline = System.nanoTime() + STOP_TIMEOUT.toNanos();
        for (MemberProcess m : members) {
            while (m.alive() && System.nanoTime() < deadline) {
                try {
                    Thread.sleep(50);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    break;
                }
            }
            m.destroy();
        }
    }
}
