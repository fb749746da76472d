package dev.josef.kafka.consumer;

import dev.josef.kafka.consumer.spi.RebalanceHook;
import dev.josef.kafka.consumer.spi.RebalanceStep;
import dev.josef.kafka.protocol.TopicPartition;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The application's side of rebalances: steps in order, held after a poll
 * with blockRebalanceOnPoll until allowed, losses that stop reading at once.
 */
class RebalancerTest {
    private static final TopicPartition P0 = new TopicPartition("t", 0);
    private static final TopicPartition P1 = new TopicPartition("t", 1);

    private final List<String> events = new ArrayList<>();

    private final Rebalancer.Actions actions = new Rebalancer.Actions() {
        @Override
        public void commitBeforeRevoke(Set<TopicPartition> partitions) {
            events.add("commit " + partitions);
        }

        @Override
        public void startReading(Set<TopicPartition> partitions) {
            events.add("start " + partitions);
        }

        @Override
        public void stopReading(Set<TopicPartition> partitions) {
            events.add("stop " + partitions);
        }

        @Override
        public void wakePoll() {
        }

        @Override
        public void ran(RebalanceStep step) {
            ran.add(step);
        }
    };

    private final List<RebalanceStep> ran = new ArrayList<>();
    private long now;

    private final RebalanceHook hook = new RebalanceHook() {
        @Override
        public void onAssigned(Consumer consumer, Set<TopicPartition> partitions) {
            events.add("onAssigned " + partitions);
        }

        @Override
        public void onRevoked(Consumer consumer, Set<TopicPartition> partitions) {
            events.add("onRevoked " + partitions);
        }

        @Override
        public void onLost(Consumer consumer, Set<TopicPartition> partitions) {
            events.add("onLost " + partitions);
        }
    };

    private Rebalancer rebalancer(boolean block, List<RebalanceHook> hooks) {
        return new Rebalancer(block, hooks, actions, () -> now, "test");
    }

    @Test
    void aHeldRevokeWaitsForAllowThenCommitsCallsOnRevokedAndStopsReadingInThatOrder() {
        Rebalancer r = rebalancer(true, List.of(hook));
        r.assign(Set.of(P0, P1));
        r.run(false);
        events.clear();
        r.hold(); // a poll returned records
        CompletableFuture<Void> revoked = r.revoke(Set.of(P0, P1));
        r.run(false);
        assertThat(events).isEmpty();
        assertThat(revoked).isNotDone();
        assertThat(r.pending()).hasValueSatisfying(s -> assertThat(s.kind()).isEqualTo(Rebalancer.Kind.REVOKE));
        r.allow();
        r.run(false);
        assertThat(events).containsExactly("commit [t-0, t-1]", "onRevoked [t-0, t-1]", "stop [t-0, t-1]");
        assertThat(revoked).isCompleted();
    }

    @Test
    void anAssignIsHeldOnlyWhenAHookWouldBeCalled() {
        Rebalancer withoutHooks = rebalancer(true, List.of());
        withoutHooks.hold();
        CompletableFuture<Void> assigned = withoutHooks.assign(Set.of(P0));
        withoutHooks.run(false);
        assertThat(assigned).isCompleted();
        assertThat(events).containsExactly("start [t-0]");

        events.clear();
        Rebalancer withHook = rebalancer(true, List.of(hook));
        withHook.hold();
        CompletableFuture<Void> held = withHook.assign(Set.of(P0));
        withHook.run(false);
        assertThat(held).isNotDone();
        withHook.allow();
        withHook.run(false);
        assertThat(events).containsExactly("start [t-0]", "onAssigned [t-0]");
    }

    @Test
    void withoutBlockRebalanceOnPollAPollNeverHolds() {
        Rebalancer r = rebalancer(false, List.of(hook));
        r.hold();
        r.assign(Set.of(P0));
        r.run(false);
        assertThat(events).containsExactly("start [t-0]", "onAssigned [t-0]");
    }

    @Test
    void aLossStopsReadingAtOnceEvenWhileHeldAndTurnsTheQueuedRevokeIntoOnLost() {
        Rebalancer r = rebalancer(true, List.of(hook));
        r.assign(Set.of(P0, P1));
        r.run(false);
        events.clear();
        r.hold();
        CompletableFuture<Void> revoke = r.revoke(Set.of(P0, P1));
        r.lose(Set.of(P0, P1));
        assertThat(events).containsExactly("stop [t-0, t-1]"); // at once, though held
        assertThat(revoke).as("the revoke has nothing left to give up").isCompleted();
        assertThat(r.pending()).hasValueSatisfying(s -> assertThat(s.kind()).isEqualTo(Rebalancer.Kind.LOSE));
        r.allow();
        r.run(false);
        // Stopped again when the step runs, in case an assign step was running as the loss came in.
        assertThat(events).containsExactly("stop [t-0, t-1]", "stop [t-0, t-1]", "onLost [t-0, t-1]");
    }

    @Test
    void onLostIsOnlyToldOfPartitionsTheApplicationWasGiven() {
        Rebalancer r = rebalancer(false, List.of(hook));
        r.assign(Set.of(P0));
        r.run(false);
        r.assign(Set.of(P1)); // queued, never run: the application never heard of t-1
        r.lose(Set.of(P0, P1));
        r.run(false);
        assertThat(events).containsExactly("start [t-0]", "onAssigned [t-0]", "stop [t-0, t-1]", "stop [t-0, t-1]",
                "onLost [t-0]");
    }

    @Test
    void aThrowingHookDoesNotStopTheRebalanceOrTheHooksAfterIt() {
        RebalanceHook throwing = new RebalanceHook() {
            @Override
            public void onRevoked(Consumer consumer, Set<TopicPartition> partitions) {
                throw new IllegalStateException("boom");
            }
        };
        Rebalancer r = rebalancer(false, List.of(throwing, hook));
        r.assign(Set.of(P0));
        r.run(false);
        CompletableFuture<Void> revoked = r.revoke(Set.of(P0));
        r.run(false);
        assertThat(revoked).isCompleted();
        assertThat(events).contains("onRevoked [t-0]", "stop [t-0]");
    }

    @Test
    void eachStepThatRanIsReportedWithHowLongAPollHeldItAndHowLongItRan() {
        RebalanceHook slow = new RebalanceHook() {
            @Override
            public void onRevoked(Consumer consumer, Set<TopicPartition> partitions) {
                now += 700; // the application's onRevoked takes 700 ns
            }
        };
        Rebalancer r = rebalancer(true, List.of(slow));
        r.assign(Set.of(P0, P1));
        now = 50;
        r.run(false);
        r.hold();
        r.revoke(Set.of(P0));
        now = 5_050; // held by the poll for 5,000 ns
        r.run(false);
        assertThat(ran).hasSize(1);
        r.allow();
        r.run(false);
        r.lose(Set.of(P0)); // already revoked: the loss concerns nothing owned and is not reported
        r.run(false);
        r.lose(Set.of(P1));
        r.run(false);
        assertThat(ran).containsExactly(
                new RebalanceStep(PendingRebalance.Kind.ASSIGN, Set.of(P0, P1), 50, 0),
                new RebalanceStep(PendingRebalance.Kind.REVOKE, Set.of(P0), 5_000, 700),
                new RebalanceStep(PendingRebalance.Kind.LOSE, Set.of(P1), 0, 0));
    }

    @Test
    void revokingEverythingOnCloseIsReportedAsOneRevoke() {
        Rebalancer r = rebalancer(false, List.of(hook));
        r.assign(Set.of(P0, P1));
        r.run(false);
        ran.clear();
        assertThat(r.revokeAll()).containsExactly(P0, P1);
        assertThat(ran).containsExactly(new RebalanceStep(PendingRebalance.Kind.REVOKE, Set.of(P0, P1), 0, 0));
    }
}
