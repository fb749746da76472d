package dev.josef.kafka.producer;

import dev.josef.kafka.net.NetworkException;
import dev.josef.kafka.net.internal.NetworkClient.CoordinatorType;
import dev.josef.kafka.protocol.ApiKey;
import dev.josef.kafka.protocol.BrokerException;
import dev.josef.kafka.protocol.ErrorCode;
import dev.josef.kafka.protocol.GroupMetadata;
import dev.josef.kafka.protocol.TopicPartition;
import dev.josef.kafka.protocol.message.AddOffsetsToTxnRequest;
import dev.josef.kafka.protocol.message.AddOffsetsToTxnResponse;
import dev.josef.kafka.protocol.message.AddPartitionsToTxnRequest;
import dev.josef.kafka.protocol.message.AddPartitionsToTxnResponse;
import dev.josef.kafka.protocol.message.ApiMessage;
import dev.josef.kafka.protocol.message.EndTxnRequest;
import dev.josef.kafka.protocol.message.EndTxnResponse;
import dev.josef.kafka.protocol.message.InitProducerIdRequest;
import dev.josef.kafka.protocol.message.InitProducerIdResponse;
import dev.josef.kafka.protocol.message.TxnOffsetCommitRequest;
import dev.josef.kafka.protocol.message.TxnOffsetCommitResponse;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Duration;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.TimeUnit;
import java.util.function.BiConsumer;
import java.util.function.IntFunction;

/**
 * The transactional producer's state: an idempotent producer whose id and
 * epoch come from the transaction coordinator of its {@code transactional.id},
 * and the transaction state machine on top (UNINITIALIZED, INITIALIZING,
 * READY, IN_TRANSACTION, COMMITTING, ABORTING, ABORTABLE_ERROR, FENCED, FATAL).
 *
 * <p>Two protocols. Transaction version 2 (KIP-890, the default of a Kafka 4
 * broker): Produce v12+ enrols a partition by itself, offsets go in
 * TxnOffsetCommit v5 without AddOffsetsToTxn, and each EndTxn answers with the
 * epoch of the next transaction. Version 1: AddPartitionsToTxn before a
 * partition's first batch, AddOffsetsToTxn before TxnOffsetCommit, and
 * Produce, TxnOffsetCommit and EndTxn capped at the last versions before v2
 * (11, 4, 4) even when the broker offers more: a broker that has not finalized
 * {@code transaction.version=2} refuses the v2 semantics (INVALID_TXN_STATE).
 * Which one is read from the cluster's finalized features at each
 * {@code beginTransaction}, as kafka-clients does.
 *
 * <p>Threads: the application's calls post an operation and wait on its
 * future; everything else runs on the sender thread, in {@link #poll}, one
 * request at a time. {@link #state} is volatile so a producing thread can
 * refuse a record outside a transaction without a round trip.
 */
final class Transactions extends Idempotence {
    private static final Logger LOG = LoggerFactory.getLogger(Transactions.class);
    /** The last versions before transaction version 2 (kafka-clients' LAST_STABLE_VERSION_BEFORE_TRANSACTION_V2). */
    static final short TV1_PRODUCE = 11;
    static final short TV1_TXN_OFFSET_COMMIT = 4;
    static final short TV1_END_TXN = 4;
    /** Versions 4+ of AddPartitionsToTxn are broker to broker. */
    static final short ADD_PARTITIONS_CLIENT = 3;
    static final String FEATURE = "transaction.version";

    /** Errors the client retries itself, after a backoff. */
    private static final Set<ErrorCode> RETRIED = EnumSet.of(ErrorCode.CONCURRENT_TRANSACTIONS,
            ErrorCode.COORDINATOR_LOAD_IN_PROGRESS, ErrorCode.UNKNOWN_TOPIC_OR_PARTITION, ErrorCode.REQUEST_TIMED_OUT,
            ErrorCode.OPERATION_NOT_ATTEMPTED, ErrorCode.UNSTABLE_OFFSET_COMMIT);
    /** Errors that mean the coordinator moved: find it again, then retry. */
    private static final Set<ErrorCode> MOVED = EnumSet.of(ErrorCode.NOT_COORDINATOR,
            ErrorCode.COORDINATOR_NOT_AVAILABLE);
    /** What a group coordinator answers a TxnOffsetCommit of a member that was rebalanced away. */
    private static final Set<ErrorCode> GROUP_MOVED_ON = EnumSet.of(ErrorCode.ILLEGAL_GENERATION,
            ErrorCode.UNKNOWN_MEMBER_ID, ErrorCode.FENCED_INSTANCE_ID, ErrorCode.STALE_MEMBER_EPOCH,
            ErrorCode.REBALANCE_IN_PROGRESS, ErrorCode.FENCED_MEMBER_EPOCH);

    enum State {
        UNINITIALIZED, INITIALIZING, READY, IN_TRANSACTION, COMMITTING, ABORTING, ABORTABLE_ERROR, FENCED, FATAL
    }

    /** What the transaction manager needs of the sender's batches. */
    interface Batches {
        /** Nothing is buffered, waiting for metadata, or in flight. */
        boolean idle();

        /** Fails every batch not yet sent, and records waiting for their topic, NOT_PERSISTED. */
        void failUnsent(String reason, Throwable cause);
    }

    private enum Kind { INIT, OFFSETS, COMMIT, ABORT }

    /** An operation the application asked for; its future completes when it is done or failed. */
    private static final class Op {
        final Kind kind;
        final CompletableFuture<Void> done = new CompletableFuture<>();
        Map<TopicPartition, TransactionOffset> offsets;
        GroupMetadata group;
        boolean offsetsAdded;
        boolean unsentFailed;
        boolean ended;

        Op(Kind kind) {
            this.kind = kind;
        }
    }

    private final String transactionalId;
    private final int timeoutMs;
    private final ProducerNetwork network;
    private final Duration retryBackoff;
    private final Duration requestTimeout;
    private final ConcurrentLinkedQueue<Runnable> calls = new ConcurrentLinkedQueue<>();
    private Batches batches;
    private Runnable wakeup = () -> { };

    private volatile State state = State.UNINITIALIZED;
    /** Counts transactions begun: a record placed while its transaction ended is taken back. */
    private volatile long transactionNumber;
    /** EndTxn is out: no Produce request goes until it is answered (the broker may be writing markers). */
    private boolean ending;
    /** Why the transaction is abortable, or the producer fenced or failed; null otherwise. */
    private volatile TransactionException error;
    private Op current;
    /** The operations of the calls made while one was running (only one at a time may run; these wait). */
    private final List<Op> queued = new ArrayList<>();

    /** This transaction's protocol: version 2 unless the cluster finalized less. */
    private volatile boolean v2;
    /** Whether the coordinator knows of this transaction: a partition or offsets were added to it. */
    private boolean started;
    /** Version 1: partitions added to the transaction, and those a batch waits to have added. */
    private final Set<TopicPartition> enrolled = new HashSet<>();
    private final Set<TopicPartition> wanted = new TreeSet<>(
            java.util.Comparator.comparing(TopicPartition::topic).thenComparingInt(TopicPartition::partition));
    /** A partition's sequences have a gap: under version 1 the epoch is bumped after the abort (KIP-360). */
    private boolean bumpNeeded;

    private CompletableFuture<?> request;
    private BiConsumer<Object, Throwable> onAnswer;
    private long retryAt;
    /** The clock's nanos at the start of this pass. */
    private long now;

    String transactionalId() {
        return transactionalId;
    }

    Transactions(String transactionalId, Duration timeout, ProducerNetwork network, Duration retryBackoff,
                 Duration requestTimeout) {
        super(true, network, retryBackoff);
        this.transactionalId = transactionalId;
        this.timeoutMs = (int) timeout.toMillis();
        this.network = network;
        this.retryBackoff = retryBackoff;
        this.requestTimeout = requestTimeout;
    }

    /** Wires the sender's batches and wake-up in; before the sender's first pass. */
    void attach(Batches batches, Runnable wakeup) {
        this.batches = batches;
        this.wakeup = wakeup;
    }

    State state() {
        return state;
    }

    /** Whether the current transaction runs transaction version 2. */
    boolean v2() {
        return v2;
    }

    // ---------------------------------------------------------------- the application's calls

    CompletableFuture<Void> initTransactions() {
        return call(Kind.INIT, op -> { });
    }

    /** Local: starts a transaction, reading the protocol version to use for it. */
    CompletableFuture<Void> beginTransaction() {
        CompletableFuture<Void> done = new CompletableFuture<>();
        calls.add(() -> {
            if (failIfBroken(done)) {
                return;
            }
            if (state != State.READY || current != null) {
                done.completeExceptionally(new IllegalStateException(state == State.UNINITIALIZED
                        || state == State.INITIALIZING ? "beginTransaction before initTransactions has finished"
                        : "beginTransaction while a transaction is " + describe()
                        + "; commit or abort it first"));
                return;
            }
            Short level = network.finalizedFeatures().get(FEATURE);
            v2 = level != null && level >= 2;
            started = false;
            enrolled.clear();
            wanted.clear();
            transactionNumber++;
            state = State.IN_TRANSACTION;
            LOG.debug("{}: transaction begins (transaction version {})", transactionalId, v2 ? 2 : 1);
            done.complete(null);
        });
        wakeup.run();
        return done;
    }

    CompletableFuture<Void> sendOffsets(Map<TopicPartition, TransactionOffset> offsets, GroupMetadata group) {
        Map<TopicPartition, TransactionOffset> copy = Map.copyOf(offsets);
        return call(Kind.OFFSETS, op -> {
            op.offsets = copy;
            op.group = group;
        });
    }

    CompletableFuture<Void> commit() {
        return call(Kind.COMMIT, op -> { });
    }

    CompletableFuture<Void> abort() {
        return call(Kind.ABORT, op -> { });
    }

    /**
     * A record of the transaction failed where the ordering guard does not see
     * it (refused at the call, waiting for its topic, withdrawn by a cancel or a
     * deadline): the transaction would commit without it, so it becomes
     * abortable. From any thread: handed to the sender thread, ahead of any
     * commit asked for after it.
     */
    void recordFailed(Throwable cause) {
        calls.add(() -> recordFailedNow(cause));
        wakeup.run();
    }

    /** As {@link #recordFailed}, on the sender thread (Completions fails records there). */
    void recordFailedNow(Throwable cause) {
        State s = state;
        if (s == State.IN_TRANSACTION || s == State.COMMITTING) {
            abortable(null, "a record of the transaction failed, so the transaction cannot commit: "
                    + cause.getMessage(), cause);
        }
    }

    /** The number of the transaction begun last; a record checks it did not change while it was placed. */
    long transactionNumber() {
        return transactionNumber;
    }

    /** Whether the transaction {@code number} still takes records. */
    boolean takesRecords(long number) {
        return state == State.IN_TRANSACTION && transactionNumber == number;
    }

    /**
     * Whether a record may be produced now.
     *
     * @return null when it may; the error to fail it with (the transaction is abortable)
     * @throws IllegalStateException outside a transaction
     * @throws TransactionException  when the producer is fenced or failed
     */
    TransactionException checkProduce() {
        State s = state;
        switch (s) {
            case IN_TRANSACTION -> {
                return null;
            }
            case ABORTABLE_ERROR -> {
                return error;
            }
            case FENCED, FATAL -> throw error;
            default -> throw new IllegalStateException("a transactional producer writes only inside a transaction: "
                    + (s == State.UNINITIALIZED || s == State.INITIALIZING ? "call initTransactions and then "
                    + "beginTransaction first" : s == State.READY ? "call beginTransaction first"
                    : "the producer is " + describe() + "; begin a new transaction when that is done"));
        }
    }

    private CompletableFuture<Void> call(Kind kind, java.util.function.Consumer<Op> fill) {
        Op op = new Op(kind);
        fill.accept(op);
        calls.add(() -> accept(op));
        wakeup.run();
        return op.done;
    }

    /** Takes an operation on the sender thread: runs it, joins it to the same one running, or refuses it. */
    private void accept(Op op) {
        if (failIfBroken(op.done)) {
            return;
        }
        Op running = current;
        if (running != null && running.kind == op.kind && op.kind != Kind.OFFSETS) {
            running.done.whenComplete((r, e) -> complete(op.done, e)); // called again after a timeout: the same op
            return;
        }
        String refusal = refusal(op.kind);
        if (refusal != null) {
            op.done.completeExceptionally(new IllegalStateException(refusal));
            return;
        }
        if (running != null) {
            queued.add(op);
            return;
        }
        start(op);
    }

    /** Why the operation cannot run in the current state; null when it can. */
    private String refusal(Kind kind) {
        State s = state;
        return switch (kind) {
            case INIT -> s == State.UNINITIALIZED ? null : s == State.INITIALIZING ? null
                    : "initTransactions was already called; the producer is " + describe();
            case OFFSETS -> s == State.IN_TRANSACTION ? null : s == State.ABORTABLE_ERROR ? null
                    : "sendOffsetsToTransaction outside a transaction: the producer is " + describe()
                    + "; call beginTransaction first";
            case COMMIT -> s == State.IN_TRANSACTION || s == State.COMMITTING ? null
                    : s == State.ABORTABLE_ERROR ? null
                    : "commitTransaction without a transaction: the producer is " + describe()
                    + (s == State.READY ? "; call beginTransaction first" : "");
            case ABORT -> s == State.IN_TRANSACTION || s == State.ABORTABLE_ERROR || s == State.ABORTING ? null
                    : "abortTransaction without a transaction: the producer is " + describe();
        };
    }

    private void start(Op op) {
        if (op.kind != Kind.ABORT && state == State.ABORTABLE_ERROR) {
            op.done.completeExceptionally(error);
            return;
        }
        current = op;
        switch (op.kind) {
            case INIT -> state = State.INITIALIZING;
            case COMMIT -> state = State.COMMITTING;
            case ABORT -> state = State.ABORTING;
            case OFFSETS -> { }
        }
    }

    private boolean failIfBroken(CompletableFuture<Void> done) {
        State s = state;
        if (s == State.FENCED || s == State.FATAL) {
            done.completeExceptionally(error);
            return true;
        }
        return false;
    }

    private String describe() {
        return switch (state) {
            case UNINITIALIZED -> "not initialized (call initTransactions)";
            case INITIALIZING -> "initializing";
            case READY -> "ready, with no transaction open";
            case IN_TRANSACTION -> "in a transaction";
            case COMMITTING -> "committing a transaction";
            case ABORTING -> "aborting a transaction";
            case ABORTABLE_ERROR -> "in a transaction that must be aborted";
            case FENCED -> "fenced";
            case FATAL -> "failed";
        };
    }

    // ---------------------------------------------------------------- the sender's pass

    @Override
    boolean transactional() {
        return true;
    }

    /**
     * The producer closes: an open transaction is aborted (as kafka-clients
     * does), so its records that were not sent fail NOT_PERSISTED at once
     * instead of being sent into a transaction nobody will commit. A commit or
     * abort under way is finished.
     */
    @Override
    boolean closing() {
        Runnable call;
        while ((call = calls.poll()) != null) {
            call.run();
        }
        State s = state;
        if ((s == State.IN_TRANSACTION || s == State.ABORTABLE_ERROR) && current == null && queued.isEmpty()) {
            LOG.info("{}: the producer closes with a transaction open; aborting it", transactionalId);
            start(new Op(Kind.ABORT));
        }
        return current != null || request != null;
    }

    @Override
    boolean ready() {
        return producerId() >= 0 && (state == State.IN_TRANSACTION || state == State.COMMITTING
                || state == State.ABORTING || state == State.ABORTABLE_ERROR || state == State.READY);
    }

    @Override
    short produceVersion() {
        return v2 ? ApiKey.PRODUCE.latestStableVersion() : TV1_PRODUCE;
    }

    @Override
    boolean readyToSend(PartitionSequence s, Iterable<Batch> queue, int inFlight, Batch head) {
        State st = state;
        if ((st != State.IN_TRANSACTION && st != State.COMMITTING) || ending) {
            return false; // aborting, abortable, or ending: what is unsent fails at the abort or the end
        }
        if (!v2 && !enrolled.contains(head.partition)) {
            if (wanted.add(head.partition)) {
                wakeup.run(); // once: the AddPartitionsToTxn answer wakes the sender again
            }
            return false;
        }
        return super.readyToSend(s, queue, inFlight, head);
    }

    @Override
    void sent(Batch b) {
        started = true;
        enrolled.add(b.partition);
    }

    @Override
    void requireReset(PartitionSequence s) {
        // The coordinator owns the epoch: the abort moves it on (version 2: EndTxn; version 1: a bump after it).
        s.needsReset = true;
        bumpNeeded = true;
    }

    @Override
    boolean takesFailure(ProduceException failure) {
        Throwable cause = failure.getCause();
        ErrorCode code = cause instanceof BrokerException b ? b.errorCode() : null;
        if (code == ErrorCode.PRODUCER_FENCED) {
            fence(code, "a Produce request was refused: " + code);
        } else if (code == ErrorCode.TRANSACTIONAL_ID_AUTHORIZATION_FAILED || code == ErrorCode.CLUSTER_AUTHORIZATION_FAILED
                || code == ErrorCode.UNSUPPORTED_VERSION || failure instanceof DataLossException) {
            fatal(code, "a record of the transaction failed: " + failure.getMessage(), failure);
        } else {
            // INVALID_PRODUCER_EPOCH too: the coordinator aborted the transaction (its timeout) and bumped the epoch.
            // INVALID_TXN_STATE is what a broker verifying transactions (KIP-890) answers a record it does not
            // take: abortable, as kafka-clients has it.
            abortable(code, "a record of the transaction failed, so the transaction cannot commit: "
                    + failure.getMessage(), failure);
        }
        return true;
    }

    /**
     * One pass: takes the application's calls, the answer to the request out,
     * and sends the next request the current operation needs.
     *
     * @return the clock's nanos by which to look again
     */
    @Override
    long poll(long now, Runnable ignored) {
        this.now = now;
        Runnable call;
        while ((call = calls.poll()) != null) {
            call.run();
        }
        long far = now + TimeUnit.SECONDS.toNanos(1);
        if (request != null) {
            if (!request.isDone()) {
                return far; // its completion wakes the sender
            }
            CompletableFuture<?> answered = request;
            BiConsumer<Object, Throwable> handler = onAnswer;
            request = null;
            onAnswer = null;
            Object result = null;
            Throwable failure = null;
            try {
                result = answered.join();
            } catch (CompletionException | java.util.concurrent.CancellationException e) {
                failure = e.getCause() != null ? e.getCause() : e;
            }
            handler.accept(result, failure);
        }
        while (current == null && !queued.isEmpty()) {
            Op next = queued.remove(0);
            String refusal = refusal(next.kind);
            if (refusal != null) {
                next.done.completeExceptionally(new IllegalStateException(refusal));
            } else {
                start(next);
            }
        }
        if (request != null) {
            return far;
        }
        if (now - retryAt < 0) {
            return retryAt;
        }
        State s = state;
        if (s == State.FENCED || s == State.FATAL) {
            return far;
        }
        if (!v2 && !wanted.isEmpty() && (s == State.IN_TRANSACTION || s == State.COMMITTING)) {
            addPartitions();
            return far;
        }
        if (current == null) {
            return far;
        }
        Op before = current;
        State stateBefore = state;
        switch (before.kind) {
            case INIT -> initProducerId(false);
            case OFFSETS -> sendOffsets(before);
            case COMMIT -> commit(before);
            case ABORT -> abort(before);
        }
        // Look again at once only when something moved on; an operation waiting for batches is woken by their
        // answers, and one waiting for a request by its answer: never a due time now for nothing (a spin).
        boolean moved = current != before || state != stateBefore;
        return request == null && moved ? now : far;
    }

    private void finish(Op op, Throwable error) {
        if (current == op) {
            current = null;
        }
        complete(op.done, error);
        wakeup.run();
    }

    private static void complete(CompletableFuture<Void> done, Throwable error) {
        if (error == null) {
            done.complete(null);
        } else {
            done.completeExceptionally(error instanceof CompletionException && error.getCause() != null
                    ? error.getCause() : error);
        }
    }

    // ---------------------------------------------------------------- InitProducerId

    /** Gets the id and epoch; with {@code bump}, the next epoch of the id this producer has (KIP-360). */
    private void initProducerId(boolean bump) {
        long id = producerId();
        short ep = epoch();
        toCoordinator(ApiKey.INIT_PRODUCER_ID, v -> new InitProducerIdRequest().setTransactionalId(transactionalId)
                .setTransactionTimeoutMs(timeoutMs).setProducerId(bump ? id : -1)
                .setProducerEpoch(bump ? ep : (short) -1), ApiKey.INIT_PRODUCER_ID.latestStableVersion(),
                (m, code) -> {
                    InitProducerIdResponse r = (InitProducerIdResponse) m;
                    if (code != ErrorCode.NONE) {
                        return code;
                    }
                    adopt(r.producerId(), r.producerEpoch());
                    LOG.debug("{}: producer id {} epoch {}", transactionalId, r.producerId(), r.producerEpoch());
                    ended(current);
                    return ErrorCode.NONE;
                });
    }

    // ---------------------------------------------------------------- version 1: AddPartitionsToTxn

    private void addPartitions() {
        Map<String, List<Integer>> byTopic = new TreeMap<>();
        for (TopicPartition tp : wanted) {
            byTopic.computeIfAbsent(tp.topic(), t -> new ArrayList<>()).add(tp.partition());
        }
        Set<TopicPartition> adding = new HashSet<>(wanted);
        List<AddPartitionsToTxnRequest.AddPartitionsToTxnTopic> topics = new ArrayList<>();
        byTopic.forEach((t, ps) -> topics.add(new AddPartitionsToTxnRequest.AddPartitionsToTxnTopic().setName(t)
                .setPartitions(ps)));
        long id = producerId();
        short ep = epoch();
        toCoordinator(ApiKey.ADD_PARTITIONS_TO_TXN, v -> new AddPartitionsToTxnRequest()
                .setV3AndBelowTransactionalId(transactionalId).setV3AndBelowProducerId(id)
                .setV3AndBelowProducerEpoch(ep).setV3AndBelowTopics(topics), ADD_PARTITIONS_CLIENT, (m, top) -> {
                    AddPartitionsToTxnResponse r = (AddPartitionsToTxnResponse) m;
                    ErrorCode worst = top;
                    for (AddPartitionsToTxnResponse.AddPartitionsToTxnTopicResult t : r.resultsByTopicV3AndBelow()) {
                        for (AddPartitionsToTxnResponse.AddPartitionsToTxnPartitionResult p : t.resultsByPartition()) {
                            ErrorCode code = ErrorCode.forCode(p.partitionErrorCode());
                            TopicPartition tp = TopicPartition.of(t.name(), p.partitionIndex());
                            if (code == ErrorCode.NONE && adding.contains(tp)) {
                                enrolled.add(tp);
                                wanted.remove(tp);
                                started = true;
                            } else if (code != ErrorCode.NONE && (worst == ErrorCode.NONE
                                    || worst == ErrorCode.OPERATION_NOT_ATTEMPTED)) {
                                worst = code;
                            }
                        }
                    }
                    if (worst == ErrorCode.NONE) {
                        wakeup.run(); // the partitions' batches may go now
                    }
                    return worst;
                });
    }

    // ---------------------------------------------------------------- offsets

    private void sendOffsets(Op op) {
        if (!v2 && !op.offsetsAdded) {
            long id = producerId();
            short ep = epoch();
            toCoordinator(ApiKey.ADD_OFFSETS_TO_TXN, v -> new AddOffsetsToTxnRequest()
                    .setTransactionalId(transactionalId).setProducerId(id).setProducerEpoch(ep)
                    .setGroupId(op.group.groupId()), ApiKey.ADD_OFFSETS_TO_TXN.latestStableVersion(), (m, code) -> {
                        if (code == ErrorCode.NONE) {
                            op.offsetsAdded = true;
                            started = true;
                        }
                        return code;
                    });
            return;
        }
        String groupId = op.group.groupId();
        request = network.coordinator(CoordinatorType.GROUP, groupId);
        onAnswer = (node, error) -> {
            if (error != null) {
                failed(error, "finding the coordinator of group " + groupId);
                return;
            }
            txnOffsetCommit(op, (Integer) node);
        };
        request.whenComplete((r, e) -> wakeup.run());
    }

    private void txnOffsetCommit(Op op, int groupCoordinator) {
        Map<String, List<TxnOffsetCommitRequest.TxnOffsetCommitRequestPartition>> byTopic = new TreeMap<>();
        op.offsets.forEach((tp, o) -> byTopic.computeIfAbsent(tp.topic(), t -> new ArrayList<>())
                .add(new TxnOffsetCommitRequest.TxnOffsetCommitRequestPartition().setPartitionIndex(tp.partition())
                        .setCommittedOffset(o.offset()).setCommittedLeaderEpoch(o.leaderEpoch().orElse(-1))
                        .setCommittedMetadata(o.metadata())));
        List<TxnOffsetCommitRequest.TxnOffsetCommitRequestTopic> topics = new ArrayList<>();
        byTopic.forEach((t, ps) -> topics.add(new TxnOffsetCommitRequest.TxnOffsetCommitRequestTopic().setName(t)
                .setPartitions(ps)));
        GroupMetadata g = op.group;
        long id = producerId();
        short ep = epoch();
        started = true;
        send(groupCoordinator, ApiKey.TXN_OFFSET_COMMIT, v -> new TxnOffsetCommitRequest()
                .setTransactionalId(transactionalId).setGroupId(g.groupId()).setProducerId(id).setProducerEpoch(ep)
                .setGenerationId(g.generationId()).setMemberId(g.memberId())
                .setGroupInstanceId(g.groupInstanceId().orElse(null)).setTopics(topics),
                v2 ? ApiKey.TXN_OFFSET_COMMIT.latestStableVersion() : TV1_TXN_OFFSET_COMMIT, (m, error) -> {
                    ErrorCode code = error == null ? worst((TxnOffsetCommitResponse) m) : null;
                    if (code == ErrorCode.NONE) {
                        finish(op, null);
                        return;
                    }
                    if (code != null && GROUP_MOVED_ON.contains(code)) {
                        TransactionAbortableException e = new TransactionAbortableException("the offsets of group "
                                + g.groupId() + " were refused (" + code + "): member " + g.memberId()
                                + " at generation " + g.generationId() + " is no longer the group's owner of these "
                                + "partitions; abort the transaction, and the new owner reads them again", code, null);
                        error(State.ABORTABLE_ERROR, e);
                        finish(op, e);
                        return;
                    }
                    if (code != null && (MOVED.contains(code) || code == ErrorCode.REQUEST_TIMED_OUT)) {
                        network.invalidateCoordinator(CoordinatorType.GROUP, g.groupId());
                    }
                    if (error != null) {
                        if (unwrap(error) instanceof NetworkException) {
                            // The group coordinator may be gone: find it again before the next try.
                            network.invalidateCoordinator(CoordinatorType.GROUP, g.groupId());
                        }
                        failed(error, "TxnOffsetCommit to group " + g.groupId());
                    } else {
                        handleCode(code, "TxnOffsetCommit to group " + g.groupId());
                    }
                });
    }

    private static ErrorCode worst(TxnOffsetCommitResponse r) {
        for (TxnOffsetCommitResponse.TxnOffsetCommitResponseTopic t : r.topics()) {
            for (TxnOffsetCommitResponse.TxnOffsetCommitResponsePartition p : t.partitions()) {
                if (p.errorCode() != 0) {
                    return ErrorCode.forCode(p.errorCode());
                }
            }
        }
        return ErrorCode.NONE;
    }

    // ---------------------------------------------------------------- commit and abort

    private void commit(Op op) {
        if (state == State.ABORTABLE_ERROR) {
            finish(op, error); // a record failed meanwhile: the transaction cannot commit
            return;
        }
        if (!batches.idle()) {
            return; // a batch's answer wakes the sender
        }
        if (!started) {
            LOG.debug("{}: nothing was written in the transaction; it commits without asking the coordinator",
                    transactionalId);
            ended(op);
            return;
        }
        endTxn(op, true);
    }

    private void abort(Op op) {
        if (!op.unsentFailed || !batches.idle()) {
            // Again on every pass until idle: a record a producing thread placed as the abort began fails too.
            batches.failUnsent("the transaction was aborted", error);
            op.unsentFailed = true;
        }
        if (!batches.idle()) {
            return;
        }
        if (started && !op.ended) {
            endTxn(op, false);
            return;
        }
        if (bumpNeeded && (!v2 || !op.ended)) {
            // A partition's sequences have a gap, and no EndTxn of version 2 moved the epoch on: bump it (KIP-360).
            initProducerId(true);
            return;
        }
        ended(op);
    }

    private void endTxn(Op op, boolean commit) {
        long id = producerId();
        short ep = epoch();
        ending = true;
        toCoordinator(ApiKey.END_TXN, v -> new EndTxnRequest().setTransactionalId(transactionalId).setProducerId(id)
                .setProducerEpoch(ep).setCommitted(commit), v2 ? ApiKey.END_TXN.latestStableVersion() : TV1_END_TXN,
                (m, code) -> {
                    EndTxnResponse r = (EndTxnResponse) m;
                    if (code != ErrorCode.NONE) {
                        return code;
                    }
                    if (v2 && r.producerId() >= 0 && r.producerEpoch() >= 0) {
                        // Version 2: each transaction has an epoch of its own; the id changes when epochs run out.
                        adopt(r.producerId(), r.producerEpoch());
                    }
                    LOG.debug("{}: transaction {} (producer id {} epoch {})", transactionalId,
                            commit ? "committed" : "aborted", producerId(), epoch());
                    op.ended = true;
                    if (commit) {
                        ended(op);
                    }
                    return ErrorCode.NONE;
                });
    }

    private void ended(Op op) {
        state = State.READY;
        // A record a producing thread placed while the transaction was ending belongs to no transaction now.
        batches.failUnsent("the record was produced while its transaction was ending; it is not part of any "
                + "transaction", null);
        ending = false;
        error = null;
        bumpNeeded = false;
        started = false;
        enrolled.clear();
        wanted.clear();
        finish(op, null);
    }

    // ---------------------------------------------------------------- requests and errors

    /**
     * Sends a request to the transaction coordinator, finding it first. The
     * handler reads the answer and returns its error; what that means (done,
     * retry, find the coordinator again, abortable, fenced, fatal) is decided
     * here, the same for every request.
     */
    private void toCoordinator(ApiKey api, IntFunction<ApiMessage> body, short maxVersion,
                               java.util.function.BiFunction<ApiMessage, ErrorCode, ErrorCode> handler) {
        request = network.coordinator(CoordinatorType.TRANSACTION, transactionalId);
        onAnswer = (node, error) -> {
            if (error != null) {
                failed(error, "finding the transaction coordinator of " + transactionalId);
                return;
            }
            send((Integer) node, api, body, maxVersion, (m, e) -> {
                if (e != null) {
                    if (unwrap(e) instanceof NetworkException) {
                        // The coordinator's broker may be down for good: its partitions' leadership moves, and
                        // FindCoordinator names the new one. Asking the old one again could wait forever.
                        network.invalidateCoordinator(CoordinatorType.TRANSACTION, transactionalId);
                    }
                    failed(e, api.name());
                    return;
                }
                ErrorCode code = handler.apply(m, topError(m));
                if (code != ErrorCode.NONE) {
                    if (MOVED.contains(code)) {
                        network.invalidateCoordinator(CoordinatorType.TRANSACTION, transactionalId);
                    }
                    handleCode(code, api.name());
                }
            });
        };
        request.whenComplete((r, e) -> wakeup.run());
    }

    private void send(int broker, ApiKey api, IntFunction<ApiMessage> body, short maxVersion,
                      BiConsumer<ApiMessage, Throwable> handler) {
        CompletableFuture<ApiMessage> sent = network.send(broker, api, body, maxVersion);
        request = sent;
        onAnswer = (m, e) -> handler.accept((ApiMessage) m, e);
        sent.whenComplete((r, e) -> wakeup.run());
    }

    private static ErrorCode topError(ApiMessage m) {
        if (m instanceof InitProducerIdResponse r) {
            return ErrorCode.forCode(r.errorCode());
        } else if (m instanceof EndTxnResponse r) {
            return ErrorCode.forCode(r.errorCode());
        } else if (m instanceof AddOffsetsToTxnResponse r) {
            return ErrorCode.forCode(r.errorCode());
        } else if (m instanceof AddPartitionsToTxnResponse r) {
            return ErrorCode.forCode(r.errorCode());
        }
        return ErrorCode.NONE;
    }

    /** A broker's error for the current step: retried here, or the transaction's error. */
    private void handleCode(ErrorCode code, String what) {
        if (RETRIED.contains(code) || MOVED.contains(code)) {
            LOG.debug("{}: {} answered {}; trying again", transactionalId, what, code);
            retryAt = now + retryBackoff.toNanos();
            return;
        }
        // PRODUCER_FENCED also answers the abort of a transaction the coordinator timed out under version 1: it
        // bumped the epoch, and a Kafka 4.3 coordinator no longer tells that from another producer taking over
        // (kafka-clients ends fenced there too). Re-registering with a fresh InitProducerId would fence a real
        // successor, so the producer stays fenced. Version 2 takes the abort and goes on.
        switch (code) {
            case PRODUCER_FENCED, INVALID_PRODUCER_EPOCH -> fence(code, what + " answered " + code);
            case TRANSACTION_ABORTABLE, GROUP_AUTHORIZATION_FAILED, TOPIC_AUTHORIZATION_FAILED,
                 INVALID_PRODUCER_ID_MAPPING -> {
                if (code == ErrorCode.INVALID_PRODUCER_ID_MAPPING) {
                    bumpNeeded = true; // the id expired (transactional.id.expiration.ms): the abort gets a new one
                }
                if (current != null && current.kind == Kind.ABORT) {
                    retryAt = now + retryBackoff.toNanos(); // an abort is what it asks for: again, after a pause
                    return;
                }
                abortable(code, what + " answered " + code + ": abort the transaction", null);
            }
            default -> fatal(code, what + " answered " + code, null);
        }
    }

    /** A request failed without an answer: retried, as the network's errors are, unless it was not a network one. */
    private static Throwable unwrap(Throwable error) {
        return error instanceof CompletionException && error.getCause() != null ? error.getCause() : error;
    }

    private void failed(Throwable error, String what) {
        Throwable cause = unwrap(error);
        if (cause instanceof NetworkException || cause instanceof java.util.concurrent.TimeoutException) {
            LOG.debug("{}: {} failed; trying again: {}", transactionalId, what, cause.toString());
            retryAt = now + retryBackoff.toNanos();
            return;
        }
        if (cause instanceof BrokerException b) {
            // A failed lookup: FindCoordinator's own errors, not a coordinator's answer; nothing to forget.
            handleCode(b.errorCode(), what);
            return;
        }
        fatal(null, what + " failed: " + cause, cause);
    }

    /**
     * The sender stopped (closed, or failed): no operation can finish any more.
     * Those waiting fail now instead of at the caller's maxBlock.
     */
    @Override
    void stopped(String reason) {
        Runnable call;
        while ((call = calls.poll()) != null) {
            call.run();
        }
        TransactionFatalException e = new TransactionFatalException(transactionalId + ": " + reason, null, null);
        if (current != null) {
            complete(current.done, e);
            current = null;
        }
        for (Op op : queued) {
            op.done.completeExceptionally(e);
        }
        queued.clear();
        if (state != State.FENCED && state != State.FATAL) {
            error = e;
            state = State.FATAL;
        }
    }

    private void abortable(ErrorCode code, String message, Throwable cause) {
        State s = state;
        if (s == State.FENCED || s == State.FATAL || s == State.ABORTABLE_ERROR) {
            return;
        }
        TransactionAbortableException e = new TransactionAbortableException(transactionalId + ": " + message
                + "; abort the transaction, then go on", code, cause);
        if (s == State.ABORTING) {
            return; // an abort is under way: what fails now is part of it
        }
        error(State.ABORTABLE_ERROR, e);
        Op op = current;
        if (op != null && op.kind != Kind.ABORT) {
            finish(op, e);
        }
    }

    private void fence(ErrorCode code, String message) {
        if (state == State.FENCED || state == State.FATAL) {
            return;
        }
        error(State.FENCED, new ProducerFencedException(transactionalId + ": " + message + "; another producer with "
                + "transactional id " + transactionalId + " has started since: close this producer (it can do "
                + "nothing more); a new one fences the other in turn", code, null));
        failAll();
    }

    private void fatal(ErrorCode code, String message, Throwable cause) {
        if (state == State.FENCED || state == State.FATAL) {
            return;
        }
        error(State.FATAL, new TransactionFatalException(transactionalId + ": " + message
                + "; the producer cannot go on", code, cause));
        failAll();
    }

    private void error(State to, TransactionException e) {
        error = e;
        state = to;
        LOG.warn("{}: {}", transactionalId, e.getMessage());
    }

    private void failAll() {
        if (current != null) {
            finish(current, error);
        }
        for (Op op : queued) {
            op.done.completeExceptionally(error);
        }
        queued.clear();
        batches.failUnsent("the transactional producer is " + describe(), error);
    }
}
