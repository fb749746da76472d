package dev.josef.kafka.producer;

import dev.josef.kafka.net.NetworkException;
import dev.josef.kafka.net.internal.ClusterMetadata;
import dev.josef.kafka.net.internal.HostPort;
import dev.josef.kafka.net.internal.NetworkClient;
import dev.josef.kafka.protocol.ApiKey;
import dev.josef.kafka.protocol.ErrorCode;
import dev.josef.kafka.protocol.Record;
import dev.josef.kafka.protocol.RecordBatch;
import dev.josef.kafka.protocol.RecordBatchReader;
import dev.josef.kafka.protocol.TopicPartition;
import dev.josef.kafka.protocol.Uuid;
import dev.josef.kafka.protocol.message.AddOffsetsToTxnRequest;
import dev.josef.kafka.protocol.message.AddOffsetsToTxnResponse;
import dev.josef.kafka.protocol.message.AddPartitionsToTxnRequest;
import dev.josef.kafka.protocol.message.AddPartitionsToTxnResponse;
import dev.josef.kafka.protocol.message.ApiMessage;
import dev.josef.kafka.protocol.message.EndTxnRequest;
import dev.josef.kafka.protocol.message.EndTxnResponse;
import dev.josef.kafka.protocol.message.InitProducerIdRequest;
import dev.josef.kafka.protocol.message.InitProducerIdResponse;
import dev.josef.kafka.protocol.message.ProduceRequest;
import dev.josef.kafka.protocol.message.ProduceResponse;
import dev.josef.kafka.protocol.message.TxnOffsetCommitRequest;
import dev.josef.kafka.protocol.message.TxnOffsetCommitResponse;

import java.nio.charset.StandardCharsets;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Deque;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.function.IntFunction;

/**
 * A scripted broker for the producer's state machine, behind the producer's
 * network seam. By default it behaves as a Kafka broker does for produce:
 * it keeps each partition's log and, per producer id, the epoch, the last
 * sequence and the last five batches, and it checks sequences as
 * {@code ProducerStateManager} does (no state: any sequence; a new epoch:
 * sequence 0; a duplicate of a recent batch: its original offset; a gap:
 * OUT_OF_ORDER_SEQUENCE_NUMBER). A test scripts a partition's next answers
 * (a refusal, a held request, an answer lost after the append), moves
 * leaders, and loses the broker's state or records, then reads the log back.
 *
 * <p>Answers complete inside the call unless held, so a test decides exactly
 * when the sender sees them. Single-threaded, as the tests that drive it.
 */
final class FakeBroker implements ProducerNetwork {
    private static final RecordBatchReader READER = RecordBatchReader.defaults();

    /** What happens to a partition's next batch. */
    private record Script(ErrorCode refuse, long logStartOffset, boolean hold, boolean loseAnswer,
                          boolean timeoutAfterAppend, boolean dropUnread, ErrorCode answerAfterAppend) {
    }

    /** A stored record and the producer state it was written under. */
    record Stored(long offset, String value, long producerId, short epoch, int sequence) {
    }

    /** A batch the broker saw in a Produce request, whatever it answered. */
    record Seen(TopicPartition partition, int broker, long producerId, short epoch, int baseSequence, int records,
                List<String> values, ErrorCode answer) {
    }

    private static final class ProducerEntry {
        short epoch;
        int lastSequence;
        /** The last five batches: base sequence, last sequence, base offset. */
        final Deque<long[]> recent = new ArrayDeque<>();
    }

    private static final class PartitionLog {
        int leader = 1;
        long logStartOffset;
        final List<Stored> records = new ArrayList<>();
        final Map<Long, ProducerEntry> producers = new HashMap<>();
        final Deque<Script> scripts = new ArrayDeque<>();
        int maxBatchBytes = Integer.MAX_VALUE;

        long nextOffset() {
            return records.isEmpty() ? logStartOffset : records.get(records.size() - 1).offset() + 1;
        }
    }

    private record Exchange(int broker, ProduceRequest request, CompletableFuture<ApiMessage> future,
                            boolean expectsResponse, ProduceResponse[] answered) {
        Exchange(int broker, ProduceRequest request, CompletableFuture<ApiMessage> future, boolean expectsResponse) {
            this(broker, request, future, expectsResponse, new ProduceResponse[1]);
        }
    }

    private final Map<String, Uuid> topicIds = new LinkedHashMap<>();
    private final Map<String, Integer> partitionCounts = new LinkedHashMap<>();
    private final Map<TopicPartition, PartitionLog> logs = new LinkedHashMap<>();
    private final Deque<Exchange> held = new ArrayDeque<>();
    private final List<Seen> seen = new ArrayList<>();
    private final Map<Integer, HostPort> brokers = Map.of(1, new HostPort("broker1", 9092),
            2, new HostPort("broker2", 9092), 3, new HostPort("broker3", 9092));
    private ClusterMetadata metadata = new ClusterMetadata("fake", 1, brokers, Map.of());
    private boolean autoCreate = true;
    private long nextProducerId = 4000;
    private int produceRequests;
    private int metadataRequests;
    private int coordinatorInvalidations;
    /** The transactional id of the Produce request being answered. */
    private String requestTransactionalId;
    /** Every request but Metadata, in order, at the version it went out at. */
    private final List<Request> requests = new ArrayList<>();
    /** The transaction coordinator, once a test turns it on. */
    private TxnCoordinator transactions;

    /** A request the producer sent. */
    record Request(ApiKey api, short version, ApiMessage body) {
    }

    /** Turns the transaction coordinator on, with {@code transaction.version} finalized at {@code level}. */
    FakeBroker transactions(int level) {
        transactions = new TxnCoordinator((short) level);
        return this;
    }

    TxnCoordinator txn() {
        return transactions;
    }

    List<Request> requests() {
        return requests;
    }

    int coordinatorInvalidations() {
        return coordinatorInvalidations;
    }

    /**
     * A transaction coordinator and group coordinator in one: it keeps each
     * transactional id's producer id and epoch, fences older epochs, and
     * records which partitions and offsets a transaction added and how it
     * ended; a test scripts the next answers to an API.
     */
    final class TxnCoordinator {
        short level;
        final Map<String, long[]> ids = new HashMap<>();
        final Map<ApiKey, Deque<ErrorCode>> scripts = new HashMap<>();
        final List<String> ended = new ArrayList<>();
        final Map<TopicPartition, Long> committedOffsets = new LinkedHashMap<>();
        private final Map<TopicPartition, Long> pendingOffsets = new LinkedHashMap<>();
        /** Offsets of transactional records not yet committed or aborted, and those aborted. */
        final Set<String> open = new LinkedHashSet<>();
        final Set<String> aborted = new HashSet<>();
        int generation = 1;
        /** Transactional ids whose transaction the coordinator aborted at its timeout. */
        final Set<String> timedOut = new HashSet<>();
        private final Set<ApiKey> lost = new HashSet<>();

        TxnCoordinator(short level) {
            this.level = level;
        }

        /** The next answers to {@code api}, in turn. */
        TxnCoordinator script(ApiKey api, ErrorCode... codes) {
            for (ErrorCode c : codes) {
                scripts.computeIfAbsent(api, k -> new ArrayDeque<>()).add(c);
            }
            return this;
        }

        /** Another producer took the id: its epoch moves on, and this one's is fenced. */
        void fence(String transactionalId) {
            ids.get(transactionalId)[1]++;
            abortOpen();
        }

        /**
         * The coordinator aborts the open transaction at its timeout and bumps the
         * epoch, writing its markers with the new epoch to the partitions (so they
         * refuse the old one); under version 1 it then refuses the old epoch's
         * EndTxn as fenced, as a Kafka 4.3 broker does.
         */
        void timeOut(String transactionalId) {
            long[] id = ids.get(transactionalId);
            id[1]++;
            abortOpen();
            timedOut.add(transactionalId);
            for (PartitionLog log : logs.values()) {
                ProducerEntry entry = log.producers.get(id[0]);
                if (entry != null) {
                    entry.epoch = (short) id[1];
                    entry.recent.clear();
                    entry.lastSequence = -1;
                }
            }
        }

        short epoch(String transactionalId) {
            return (short) ids.get(transactionalId)[1];
        }

        /** What a read_committed consumer reads of the partition. */
        List<String> committed(TopicPartition tp) {
            List<String> out = new ArrayList<>();
            for (Stored r : records(tp)) {
                String key = tp + "@" + r.offset();
                if (!open.contains(key) && !aborted.contains(key)) {
                    out.add(r.value());
                }
            }
            return out;
        }

        /** The next request of {@code api} is lost with its connection (the coordinator's broker went down). */
        TxnCoordinator loseNext(ApiKey api) {
            lost.add(api);
            return this;
        }

        private CompletableFuture<ApiMessage> answer(ApiKey api, short version, ApiMessage request) {
            if (lost.remove(api)) {
                return CompletableFuture.failedFuture(new NetworkException("the coordinator's broker went down",
                        true, null));
            }
            Deque<ErrorCode> script = scripts.get(api);
            ErrorCode scripted = script == null ? null : script.pollFirst();
            return CompletableFuture.completedFuture(switch (api) {
                case INIT_PRODUCER_ID -> {
                    InitProducerIdRequest r = (InitProducerIdRequest) request;
                    if (scripted != null) {
                        yield new InitProducerIdResponse().setErrorCode(scripted.code());
                    }
                    long[] id = ids.get(r.transactionalId());
                    if (id == null) {
                        id = new long[] {nextProducerId++, 0};
                        ids.put(r.transactionalId(), id);
                    } else {
                        id[1]++;
                        abortOpen(); // a new instance, or a bump: what was left open is aborted
                    }
                    yield new InitProducerIdResponse().setProducerId(id[0]).setProducerEpoch((short) id[1]);
                }
                case ADD_PARTITIONS_TO_TXN -> {
                    AddPartitionsToTxnRequest r = (AddPartitionsToTxnRequest) request;
                    AddPartitionsToTxnResponse response = new AddPartitionsToTxnResponse();
                    ErrorCode code = scripted != null ? scripted : checkEpoch(r.v3AndBelowTransactionalId(),
                            r.v3AndBelowProducerEpoch());
                    for (AddPartitionsToTxnRequest.AddPartitionsToTxnTopic t : r.v3AndBelowTopics()) {
                        AddPartitionsToTxnResponse.AddPartitionsToTxnTopicResult tr =
                                new AddPartitionsToTxnResponse.AddPartitionsToTxnTopicResult().setName(t.name());
                        for (int p : t.partitions()) {
                            tr.resultsByPartition().add(new AddPartitionsToTxnResponse.AddPartitionsToTxnPartitionResult()
                                    .setPartitionIndex(p).setPartitionErrorCode(code.code()));
                        }
                        response.resultsByTopicV3AndBelow().add(tr);
                    }
                    yield response;
                }
                case ADD_OFFSETS_TO_TXN -> {
                    AddOffsetsToTxnRequest r = (AddOffsetsToTxnRequest) request;
                    ErrorCode code = scripted != null ? scripted : checkEpoch(r.transactionalId(), r.producerEpoch());
                    yield new AddOffsetsToTxnResponse().setErrorCode(code.code());
                }
                case TXN_OFFSET_COMMIT -> {
                    TxnOffsetCommitRequest r = (TxnOffsetCommitRequest) request;
                    ErrorCode code = scripted != null ? scripted
                            : r.generationId() >= 0 && r.generationId() != generation ? ErrorCode.ILLEGAL_GENERATION
                            : checkEpoch(r.transactionalId(), r.producerEpoch());
                    TxnOffsetCommitResponse response = new TxnOffsetCommitResponse();
                    for (TxnOffsetCommitRequest.TxnOffsetCommitRequestTopic t : r.topics()) {
                        TxnOffsetCommitResponse.TxnOffsetCommitResponseTopic tr =
                                new TxnOffsetCommitResponse.TxnOffsetCommitResponseTopic().setName(t.name());
                        for (TxnOffsetCommitRequest.TxnOffsetCommitRequestPartition p : t.partitions()) {
                            if (code == ErrorCode.NONE) {
                                pendingOffsets.put(TopicPartition.of(t.name(), p.partitionIndex()),
                                        p.committedOffset());
                            }
                            tr.partitions().add(new TxnOffsetCommitResponse.TxnOffsetCommitResponsePartition()
                                    .setPartitionIndex(p.partitionIndex()).setErrorCode(code.code()));
                        }
                        response.topics().add(tr);
                    }
                    yield response;
                }
                case END_TXN -> {
                    EndTxnRequest r = (EndTxnRequest) request;
                    long[] current = ids.get(r.transactionalId());
                    if (scripted == null && level >= 2 && !r.committed() && current != null
                            && timedOut.remove(r.transactionalId()) && r.producerEpoch() == current[1] - 1) {
                        // Version 2 takes the abort of the transaction it already aborted, and names the epoch.
                        ended.add("abort@" + r.producerEpoch());
                        yield new EndTxnResponse().setProducerId(current[0]).setProducerEpoch((short) current[1]);
                    }
                    ErrorCode code = scripted != null ? scripted : checkEpoch(r.transactionalId(), r.producerEpoch());
                    EndTxnResponse response = new EndTxnResponse().setErrorCode(code.code());
                    if (code == ErrorCode.NONE) {
                        ended.add((r.committed() ? "commit" : "abort") + "@" + r.producerEpoch());
                        if (r.committed()) {
                            open.clear();
                            committedOffsets.putAll(pendingOffsets);
                            pendingOffsets.clear();
                        } else {
                            abortOpen();
                        }
                        if (version >= 5) {
                            long[] id = ids.get(r.transactionalId());
                            id[1]++;
                            response.setProducerId(id[0]).setProducerEpoch((short) id[1]);
                        }
                    }
                    yield response;
                }
                default -> throw new IllegalStateException("the fake coordinator does not answer " + api);
            });
        }

        private void abortOpen() {
            aborted.addAll(open);
            open.clear();
            pendingOffsets.clear();
        }

        private ErrorCode checkEpoch(String transactionalId, short epoch) {
            long[] id = ids.get(transactionalId);
            if (id == null) {
                return ErrorCode.INVALID_PRODUCER_ID_MAPPING;
            }
            return epoch < id[1] ? ErrorCode.PRODUCER_FENCED : ErrorCode.NONE;
        }
    }

    // ---------------------------------------------------------------- the cluster

    FakeBroker topic(String name, int partitions) {
        topicIds.put(name, new Uuid(0x4a05ef00L + topicIds.size(), 42L));
        partitionCounts.put(name, partitions);
        for (int p = 0; p < partitions; p++) {
            logs.put(TopicPartition.of(name, p), new PartitionLog());
        }
        publish(name);
        return this;
    }

    /** Whether a Metadata request that allows it creates a missing topic (one partition). */
    FakeBroker autoCreate(boolean on) {
        this.autoCreate = on;
        return this;
    }

    /** Makes {@code broker} the partition's leader; the client learns it at its next metadata refresh. */
    FakeBroker leader(TopicPartition tp, int broker) {
        log(tp).leader = broker;
        return this;
    }

    /** Batches larger than this are refused with MESSAGE_TOO_LARGE. */
    FakeBroker maxBatchBytes(TopicPartition tp, int bytes) {
        log(tp).maxBatchBytes = bytes;
        return this;
    }

    private void publish(String topic) {
        Map<String, ClusterMetadata.Topic> topics = new HashMap<>(metadata.topics());
        List<ClusterMetadata.Partition> partitions = new ArrayList<>();
        for (int p = 0; p < partitionCounts.get(topic); p++) {
            int leader = log(TopicPartition.of(topic, p)).leader;
            partitions.add(new ClusterMetadata.Partition(p, leader, 0, List.of(leader), List.of(leader), ErrorCode.NONE));
        }
        topics.put(topic, new ClusterMetadata.Topic(topic, topicIds.get(topic), ErrorCode.NONE, partitions));
        metadata = new ClusterMetadata("fake", 1, brokers, topics);
    }

    // ---------------------------------------------------------------- scripting a partition

    /** The partition's next batch is refused with {@code code}; the answer reports the real log start. */
    FakeBroker refuseNext(TopicPartition tp, ErrorCode code) {
        return refuseNext(tp, code, Long.MIN_VALUE);
    }

    /** The partition's next batch is refused with {@code code}, reporting {@code logStartOffset}. */
    FakeBroker refuseNext(TopicPartition tp, ErrorCode code, long logStartOffset) {
        log(tp).scripts.add(new Script(code, logStartOffset, false, false, false, false, null));
        return this;
    }

    /** The request carrying the partition's next batch is held until {@link #releaseHeld}. */
    FakeBroker holdNext(TopicPartition tp) {
        log(tp).scripts.add(new Script(null, 0, true, false, false, false, null));
        return this;
    }

    /** The partition's next batch is written, and the answer to its request is lost (the connection drops). */
    FakeBroker loseAnswerToNext(TopicPartition tp) {
        log(tp).scripts.add(new Script(null, 0, false, true, false, false, null));
        return this;
    }

    /** The partition's next batch is written, and the answer says REQUEST_TIMED_OUT (replication did not finish). */
    FakeBroker timeOutAfterAppendingNext(TopicPartition tp) {
        log(tp).scripts.add(new Script(null, 0, false, false, true, false, null));
        return this;
    }

    /**
     * The connection drops after the request carrying the partition's next
     * batch was written and before the broker read it: nothing is appended, and
     * the client cannot know that.
     */
    FakeBroker dropNextUnread(TopicPartition tp) {
        log(tp).scripts.add(new Script(null, 0, false, false, false, true, null));
        return this;
    }

    /**
     * The partition's next batch is written when its request arrives, and the
     * answer, {@code answer}, waits until {@link #releaseHeld}: a leader that
     * appended an acks=all batch and, before the followers caught up, lost the
     * leadership answers NOT_LEADER_OR_FOLLOWER for a batch that is in the log.
     */
    FakeBroker appendThenHoldAnswer(TopicPartition tp, ErrorCode answer) {
        log(tp).scripts.add(new Script(null, 0, false, false, false, false, answer));
        return this;
    }

    /** Forgets every producer's state for the partition, as after {@code producer.id.expiration.ms}. */
    FakeBroker forgetProducers(TopicPartition tp) {
        log(tp).producers.clear();
        return this;
    }

    /**
     * Loses the partition's records from {@code offset} on, as an unclean
     * election does; the producer state is what the records left imply.
     */
    FakeBroker truncate(TopicPartition tp, long offset) {
        PartitionLog log = log(tp);
        log.records.removeIf(r -> r.offset() >= offset);
        log.producers.clear();
        for (Stored r : log.records) {
            if (r.producerId() >= 0) {
                ProducerEntry e = log.producers.computeIfAbsent(r.producerId(), id -> new ProducerEntry());
                e.epoch = r.epoch();
                e.lastSequence = r.sequence();
            }
        }
        return this;
    }

    /** Moves the log start to {@code offset} (DeleteRecords, retention); producers with nothing left are forgotten. */
    FakeBroker deleteRecordsBefore(TopicPartition tp, long offset) {
        PartitionLog log = log(tp);
        log.logStartOffset = Math.max(log.logStartOffset, offset);
        log.records.removeIf(r -> r.offset() < offset);
        log.producers.keySet().removeIf(id -> log.records.stream().noneMatch(r -> r.producerId() == id));
        return this;
    }

    /** Answers every held request now, in the order they came. */
    FakeBroker releaseHeld() {
        List<Exchange> all = new ArrayList<>(held);
        held.clear();
        for (Exchange e : all) {
            answer(e);
        }
        return this;
    }

    int heldRequests() {
        return held.size();
    }

    // ---------------------------------------------------------------- reading back

    /** The partition's record values, in log order. */
    List<String> values(TopicPartition tp) {
        return log(tp).records.stream().map(Stored::value).toList();
    }

    List<Stored> records(TopicPartition tp) {
        return List.copyOf(log(tp).records);
    }

    /** Every batch the broker saw, in order, with its answer. */
    List<Seen> seen() {
        return List.copyOf(seen);
    }

    List<Seen> seen(TopicPartition tp) {
        return seen.stream().filter(s -> s.partition().equals(tp)).toList();
    }

    int produceRequests() {
        return produceRequests;
    }

    int metadataRequests() {
        return metadataRequests;
    }

    private PartitionLog log(TopicPartition tp) {
        PartitionLog log = logs.get(tp);
        if (log == null) {
            throw new IllegalArgumentException("the fake broker has no partition " + tp);
        }
        return log;
    }

    // ---------------------------------------------------------------- ProducerNetwork

    @Override
    public ClusterMetadata metadata() {
        return metadata;
    }

    @Override
    public CompletableFuture<ClusterMetadata> refreshMetadata(Collection<String> topics, boolean allowAutoCreate) {
        metadataRequests++;
        for (String topic : topics) {
            if (topicIds.containsKey(topic)) {
                publish(topic);
            } else if (allowAutoCreate && autoCreate) {
                topic(topic, 1);
            }
        }
        return CompletableFuture.completedFuture(metadata);
    }

    @Override
    public CompletableFuture<ApiMessage> send(int broker, ApiKey api, IntFunction<ApiMessage> body, short maxVersion) {
        short version = (short) Math.min(maxVersion, api.latestStableVersion());
        ApiMessage request = body.apply(version);
        requests.add(new Request(api, version, request));
        if (transactions != null) {
            return transactions.answer(api, version, request);
        }
        if (api != ApiKey.INIT_PRODUCER_ID) {
            // The producer sends nothing else outside Produce; anything else is a test failure, named.
            return CompletableFuture.failedFuture(new IllegalStateException("the producer sent " + api
                    + ", which a producer without transactions never sends"));
        }
        return CompletableFuture.completedFuture(new InitProducerIdResponse().setErrorCode(ErrorCode.NONE.code())
                .setProducerId(nextProducerId++).setProducerEpoch((short) 0));
    }

    @Override
    public CompletableFuture<Integer> coordinator(NetworkClient.CoordinatorType type, String key) {
        return CompletableFuture.completedFuture(1);
    }

    @Override
    public void invalidateCoordinator(NetworkClient.CoordinatorType type, String key) {
        coordinatorInvalidations++;
    }

    @Override
    public Map<String, Short> finalizedFeatures() {
        return transactions == null ? Map.of() : Map.of("transaction.version", transactions.level);
    }

    @Override
    public CompletableFuture<ApiMessage> produce(int broker, IntFunction<ApiMessage> body, boolean expectsResponse,
                                                 short maxVersion) {
        produceRequests++;
        short version = (short) Math.min(maxVersion, ApiKey.PRODUCE.latestStableVersion());
        ProduceRequest request = (ProduceRequest) body.apply(version);
        requests.add(new Request(ApiKey.PRODUCE, version, request));
        Exchange exchange = new Exchange(broker, request, new CompletableFuture<>(), expectsResponse);
        boolean hold = false;
        boolean appendNow = false;
        for (ProduceRequest.TopicProduceData t : request.topicData()) {
            for (ProduceRequest.PartitionProduceData p : t.partitionData()) {
                Script next = log(TopicPartition.of(topicOf(t), p.index())).scripts.peekFirst();
                if (next != null && next.hold()) {
                    log(TopicPartition.of(topicOf(t), p.index())).scripts.pollFirst();
                    hold = true;
                }
                appendNow |= next != null && next.answerAfterAppend() != null;
            }
        }
        if (appendNow) {
            // Processed now, answered at release: the answer is made now and kept.
            Exchange deferred = new Exchange(broker, request, new CompletableFuture<>(), expectsResponse);
            answer(deferred);
            exchange.answered()[0] = (ProduceResponse) deferred.future().join();
            held.add(exchange);
            return exchange.future();
        }
        // A broker reads a connection's requests one at a time and answers in order: behind a held
        // request, the next one on the same connection waits too, unread.
        boolean behindHeld = held.stream().anyMatch(e -> e.broker() == broker);
        if (hold || behindHeld) {
            held.add(exchange);
        } else {
            answer(exchange);
        }
        return exchange.future();
    }

    private String topicOf(ProduceRequest.TopicProduceData t) {
        if (t.name() != null && !t.name().isEmpty()) {
            return t.name();
        }
        for (Map.Entry<String, Uuid> e : topicIds.entrySet()) {
            if (e.getValue().equals(t.topicId())) {
                return e.getKey();
            }
        }
        throw new IllegalStateException("a Produce request names an unknown topic id " + t.topicId());
    }

    private void answer(Exchange exchange) {
        if (exchange.answered()[0] != null) {
            exchange.future().complete(exchange.answered()[0]);
            return;
        }
        ProduceResponse response = new ProduceResponse();
        boolean lose = false;
        boolean unread = false;
        for (ProduceRequest.TopicProduceData t : exchange.request().topicData()) {
            for (ProduceRequest.PartitionProduceData p : t.partitionData()) {
                Script next = log(TopicPartition.of(topicOf(t), p.index())).scripts.peekFirst();
                if (next != null && next.dropUnread()) {
                    log(TopicPartition.of(topicOf(t), p.index())).scripts.pollFirst();
                    unread = true;
                }
            }
        }
        if (unread) {
            exchange.future().completeExceptionally(new NetworkException("connection to the fake broker lost after "
                    + "the request was written (the broker never read it)", true, null));
            return;
        }
        requestTransactionalId = exchange.request().transactionalId();
        for (ProduceRequest.TopicProduceData t : exchange.request().topicData()) {
            String topic = topicOf(t);
            ProduceResponse.TopicProduceResponse answers = new ProduceResponse.TopicProduceResponse()
                    .setTopicId(topicIds.get(topic));
            for (ProduceRequest.PartitionProduceData p : t.partitionData()) {
                TopicPartition tp = TopicPartition.of(topic, p.index());
                PartitionLog log = log(tp);
                Script script = log.scripts.pollFirst();
                ProduceResponse.PartitionProduceResponse answer = append(tp, log, exchange.broker(), p, script);
                lose |= script != null && script.loseAnswer();
                answers.partitionResponses().add(answer);
            }
            response.responses().add(answers);
        }
        if (lose) {
            exchange.future().completeExceptionally(new NetworkException("connection to the fake broker lost after "
                    + "the request was written", true, null));
        } else {
            exchange.future().complete(exchange.expectsResponse() ? response : null);
        }
    }

    private ProduceResponse.PartitionProduceResponse append(TopicPartition tp, PartitionLog log, int broker,
                                                             ProduceRequest.PartitionProduceData data, Script script) {
        RecordBatch batch = READER.batches(data.records().duplicate()).next();
        List<String> values = new ArrayList<>();
        for (Record r : batch.records()) {
            values.add(r.value() == null ? null : new String(r.value(), StandardCharsets.UTF_8));
        }
        ProduceResponse.PartitionProduceResponse answer = new ProduceResponse.PartitionProduceResponse()
                .setIndex(tp.partition()).setBaseOffset(-1).setLogAppendTimeMs(-1)
                .setLogStartOffset(log.logStartOffset);
        ErrorCode code = decide(log, broker, batch, script);
        boolean written = code == ErrorCode.NONE || code == ErrorCode.REQUEST_TIMED_OUT;
        if (written && script != null && script.answerAfterAppend() != null) {
            code = script.answerAfterAppend();
        }
        if (written) {
            long base = duplicateOf(log, batch);
            if (base < 0) {
                base = log.nextOffset();
                for (int i = 0; i < values.size(); i++) {
                    log.records.add(new Stored(base + i, values.get(i), batch.producerId(), batch.producerEpoch(),
                            batch.baseSequence() < 0 ? -1 : Idempotence.nextSequence(batch.baseSequence(), i)));
                }
                remember(log, batch, base);
                if (batch.isTransactional() && transactions != null) {
                    for (int i = 0; i < values.size(); i++) {
                        transactions.open.add(tp + "@" + (base + i));
                    }
                }
            }
            answer.setBaseOffset(code == ErrorCode.NONE ? base : -1);
        } else if (script != null && script.refuse() != null && script.logStartOffset() != Long.MIN_VALUE) {
            answer.setLogStartOffset(script.logStartOffset());
        }
        seen.add(new Seen(tp, broker, batch.producerId(), batch.producerEpoch(), batch.baseSequence(),
                batch.recordCount(), values, code));
        return answer.setErrorCode(code.code());
    }

    /** The broker's checks, in its order: leadership, size, the script's refusal, the producer's sequence. */
    private ErrorCode decide(PartitionLog log, int broker, RecordBatch batch, Script script) {
        if (broker != log.leader) {
            return ErrorCode.NOT_LEADER_OR_FOLLOWER;
        }
        if (batch.sizeInBytes() > log.maxBatchBytes) {
            return ErrorCode.MESSAGE_TOO_LARGE;
        }
        if (script != null && script.refuse() != null) {
            return script.refuse();
        }
        if (batch.isTransactional() && requestTransactionalId == null) {
            return ErrorCode.TRANSACTIONAL_ID_AUTHORIZATION_FAILED; // as a broker: the request must name the id
        }
        if (batch.producerId() >= 0) {
            ProducerEntry entry = log.producers.get(batch.producerId());
            if (entry != null) {
                if (batch.producerEpoch() < entry.epoch) {
                    return ErrorCode.INVALID_PRODUCER_EPOCH;
                }
                if (batch.producerEpoch() > entry.epoch) {
                    if (batch.baseSequence() != 0) {
                        return ErrorCode.OUT_OF_ORDER_SEQUENCE_NUMBER;
                    }
                } else if (duplicateOf(log, batch) < 0
                        && batch.baseSequence() != Idempotence.nextSequence(entry.lastSequence, 1)) {
                    return ErrorCode.OUT_OF_ORDER_SEQUENCE_NUMBER;
                }
            }
            // No state for the producer: any sequence is taken as its first.
        }
        return script != null && script.timeoutAfterAppend() ? ErrorCode.REQUEST_TIMED_OUT : ErrorCode.NONE;
    }

    private static long duplicateOf(PartitionLog log, RecordBatch batch) {
        ProducerEntry entry = log.producers.get(batch.producerId());
        if (batch.producerId() < 0 || entry == null || entry.epoch != batch.producerEpoch()) {
            return -1;
        }
        for (long[] b : entry.recent) {
            if (b[0] == batch.baseSequence()) {
                return b[2];
            }
        }
        return -1;
    }

    private static void remember(PartitionLog log, RecordBatch batch, long baseOffset) {
        if (batch.producerId() < 0) {
            return;
        }
        ProducerEntry entry = log.producers.computeIfAbsent(batch.producerId(), id -> new ProducerEntry());
        if (entry.epoch != batch.producerEpoch()) {
            entry.recent.clear();
        }
        entry.epoch = batch.producerEpoch();
        int last = Idempotence.nextSequence(batch.baseSequence(), batch.recordCount() - 1);
        entry.lastSequence = last;
        entry.recent.addLast(new long[] {batch.baseSequence(), last, baseOffset});
        while (entry.recent.size() > 5) {
            entry.recent.pollFirst();
        }
    }

    /** The values the log holds, of every partition of {@code topic}, partition by partition. */
    Map<Integer, List<String>> topicValues(String topic) {
        Map<Integer, List<String>> all = new LinkedHashMap<>();
        for (Iterator<Map.Entry<TopicPartition, PartitionLog>> it = logs.entrySet().iterator(); it.hasNext(); ) {
            Map.Entry<TopicPartition, PartitionLog> e = it.next();
            if (e.getKey().topic().equals(topic)) {
                all.put(e.getKey().partition(), values(e.getKey()));
            }
        }
        return all;
    }
}
