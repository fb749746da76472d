package dev.josef.kafka.producer;

import dev.josef.kafka.producer.spi.OrderingPolicy;
import dev.josef.kafka.producer.spi.PartitionFailure;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.List;

/**
 * Behaviour 1, ordering protection: when a batch fails for good, the
 * partition's {@link OrderingPolicy} decides what becomes of the records
 * behind it, before anything more of the partition can be sent. Every path
 * by which records fail for good comes here (a refusal, the delivery timeout,
 * data loss, a batch that cannot be encoded, one overtaken by a later one),
 * and only after here are they failed.
 *
 * <p>Sender thread only; the policy and the data-loss hook are called on it,
 * between two drains, with no lock held.
 */
final class OrderingGuard {
    private static final Logger LOG = LoggerFactory.getLogger(OrderingGuard.class);

    private final OrderingPolicy policy;
    private final RecordAccumulator accumulator;
    private final Idempotence idempotence;
    private final InFlight inFlight;
    private final Completions completions;
    private final ProducerHooks hooks;

    OrderingGuard(OrderingPolicy policy, RecordAccumulator accumulator, Idempotence idempotence, InFlight inFlight,
                  Completions completions, ProducerHooks hooks) {
        this.policy = policy;
        this.accumulator = accumulator;
        this.idempotence = idempotence;
        this.inFlight = inFlight;
        this.completions = completions;
        this.hooks = hooks;
    }

    /** One batch failed for good with {@code failure}. */
    void failForGood(Batch b, ProduceException failure) {
        decide(b.owner, failure, b.recordCount(), () -> completions.failBatch(b, failure));
    }

    void failForGood(Batch b, String reason, Throwable cause) {
        failForGood(b, Completions.failureOf(b, reason, cause));
    }

    /** Several batches of one partition failed for good together, for one reason (expired, overtaken). */
    void failForGood(List<Batch> batches, String reason, Throwable cause) {
        if (batches.isEmpty()) {
            return;
        }
        int records = batches.stream().mapToInt(Batch::recordCount).sum();
        decide(batches.get(0).owner, Completions.failureOf(batches.get(0), reason, cause), records, () -> {
            for (Batch b : batches) {
                completions.failBatch(b, reason, cause);
            }
        });
    }

    /**
     * Asks the ordering policy what becomes of a partition one of whose batches
     * failed for good, and does it. With idempotence the partition's sequences
     * restart under a new epoch in any case, since the failed batch left a gap.
     * On data loss the {@code onDataLoss} hooks run first, then the policy.
     *
     * <p>{@code failTheFailed} completes the failed records' futures (through
     * the outbox). It is queued once the partition's new state is in place, so
     * an application that produces again from a failure callback already meets
     * that state (a failed partition, a fresh queue), and before the records
     * behind are failed, so callbacks keep the partition's order.
     */
    private void decide(PartitionQueue pq, ProduceException failure, int failedRecords, Runnable failTheFailed) {
        idempotence.requireReset(pq.sequence);
        if (idempotence.takesFailure(failure)) {
            // A transaction: the policy does not apply. The transaction cannot commit; what is behind waits for
            // the abort, which fails it.
            failTheFailed.run();
            return;
        }
        int behind = accumulator.queuedRecords(pq) + inFlight.records(pq);
        boolean dataLoss = failure instanceof DataLossException;
        if (dataLoss && !hooks.isEmpty()) {
            hooks.dataLoss((DataLossException) failure);
        }
        OrderingPolicy.Action action;
        try {
            action = policy.onFailure(new PartitionFailure(pq.partition.topic(), pq.partition.partition(),
                    failure, failedRecords, behind, dataLoss));
            if (action == null) {
                throw new NullPointerException("the policy returned no action");
            }
        } catch (RuntimeException | LinkageError e) {
            LOG.warn("ordering policy {} failed for {}; failing the partition, which loses and reorders nothing",
                    policy.name(), pq.partition, e);
            action = OrderingPolicy.Action.FAIL_PARTITION;
        }
        LOG.debug("{}: a batch failed for good ({}); ordering policy {} says {}", pq.partition,
                failure.getMessage(), policy.name(), action);
        if (action == OrderingPolicy.Action.PAUSE_PARTITION) {
            accumulator.pause(pq, failure);
            failTheFailed.run();
            return;
        }
        List<Batch> buffered = accumulator.takeQueued(pq, failure, action == OrderingPolicy.Action.FAIL_PARTITION);
        inFlight.doom(pq, failure);
        failTheFailed.run();
        for (Batch q : buffered) {
            completions.failBatch(q, "an earlier record of " + pq.partition + " failed for good, and the ordering "
                    + "policy " + policy.name() + " fails what was buffered behind it", failure);
        }
    }
}
