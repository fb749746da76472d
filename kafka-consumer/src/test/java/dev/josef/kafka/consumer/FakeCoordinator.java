package dev.josef.kafka.consumer;

import dev.josef.kafka.net.NetworkException;
import dev.josef.kafka.net.internal.ClusterMetadata;
import dev.josef.kafka.net.internal.HostPort;
import dev.josef.kafka.protocol.ApiKey;
import dev.josef.kafka.protocol.ErrorCode;
import dev.josef.kafka.protocol.TopicPartition;
import dev.josef.kafka.protocol.Uuid;
import dev.josef.kafka.protocol.message.ApiMessage;
import dev.josef.kafka.protocol.message.HeartbeatResponse;
import dev.josef.kafka.protocol.message.JoinGroupRequest;
import dev.josef.kafka.protocol.message.JoinGroupResponse;
import dev.josef.kafka.protocol.message.OffsetCommitRequest;
import dev.josef.kafka.protocol.message.OffsetCommitResponse;
import dev.josef.kafka.protocol.message.SyncGroupResponse;

import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Deque;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.function.IntFunction;

/**
 * A scripted group coordinator behind the member's network seam. Requests
 * wait in arrival order until the test answers them, so the test decides
 * exactly what the member sees and when. Metadata and coordinator lookups
 * answer at once from what the test set. Single-threaded, as the tests.
 */
final class FakeCoordinator implements GroupNetwork {

    /** A request the member sent, waiting for the test's answer. */
    static final class Sent {
        final int node;
        final ApiKey api;
        final ApiMessage request;
        final Duration timeout;
        final CompletableFuture<ApiMessage> answer = new CompletableFuture<>();

        Sent(int node, ApiKey api, ApiMessage request, Duration timeout) {
            this.node = node;
            this.api = api;
            this.request = request;
            this.timeout = timeout;
        }

        @SuppressWarnings("unchecked")
        <T extends ApiMessage> T request() {
            return (T) request;
        }

        void answer(ApiMessage response) {
            answer.complete(response);
        }

        void fail() {
            answer.completeExceptionally(new NetworkException("connection to the coordinator lost", true, null));
        }
    }

    private final Deque<Sent> sent = new ArrayDeque<>();
    private final List<Sent> all = new ArrayList<>();
    private ClusterMetadata metadata = new ClusterMetadata("fake", 1, Map.of(1, new HostPort("localhost", 9092),
            2, new HostPort("localhost", 9093)), Map.of());
    int coordinatorNode = 1;
    /** An error for coordinator lookups to fail with; none by default. */
    ErrorCode lookupError;
    /** Metadata refreshes held unanswered until {@link #answerRefreshes()}. */
    boolean holdRefreshes;
    private final List<CompletableFuture<ClusterMetadata>> refreshes = new ArrayList<>();
    int lookups;
    int invalidations;

    void topic(String name, int partitions) {
        Map<String, ClusterMetadata.Topic> topics = new HashMap<>(metadata.topics());
        List<ClusterMetadata.Partition> ps = new ArrayList<>();
        for (int p = 0; p < partitions; p++) {
            ps.add(new ClusterMetadata.Partition(p, 1, 0, List.of(1), List.of(1), ErrorCode.NONE));
        }
        topics.put(name, new ClusterMetadata.Topic(name, new Uuid(name.hashCode(), 1L), ErrorCode.NONE, ps));
        metadata = new ClusterMetadata("fake", 1, metadata.brokers(), topics, metadata.racks());
    }

    /** Puts broker {@code node} in {@code rack}; every partition's replicas are brokers 1 and 2. */
    void rack(int node, String rack) {
        Map<Integer, String> racks = new HashMap<>(metadata.racks());
        racks.put(node, rack);
        Map<String, ClusterMetadata.Topic> topics = new HashMap<>();
        metadata.topics().forEach((name, t) -> topics.put(name, new ClusterMetadata.Topic(name, t.id(), t.error(),
                t.partitions().stream().map(p -> new ClusterMetadata.Partition(p.index(), 1, 0, List.of(1, 2),
                        List.of(1, 2), ErrorCode.NONE)).toList())));
        metadata = new ClusterMetadata("fake", 1, metadata.brokers(), topics, racks);
    }

    @Override
    public ClusterMetadata metadata() {
        return metadata;
    }

    @Override
    public CompletableFuture<ClusterMetadata> refreshMetadata(Collection<String> topics, boolean allowAutoCreate) {
        if (holdRefreshes) {
            CompletableFuture<ClusterMetadata> f = new CompletableFuture<>();
            refreshes.add(f);
            return f;
        }
        return CompletableFuture.completedFuture(metadata);
    }

    int heldRefreshes() {
        return refreshes.size();
    }

    /** Topic listings (for a KIP-848 assignment by id); answered from the metadata the test set. */
    int topicListings;

    @Override
    public CompletableFuture<Map<Uuid, String>> topicNames() {
        topicListings++;
        Map<Uuid, String> names = new HashMap<>();
        metadata.topics().values().forEach(t -> names.put(t.id(), t.name()));
        hidden.values().forEach(t -> names.put(t.id(), t.name()));
        return CompletableFuture.completedFuture(names);
    }

    /** Forgets topic {@code name}'s metadata but not the topic, as a member that never described it. */
    void undescribe(String name) {
        Map<String, ClusterMetadata.Topic> topics = new HashMap<>(metadata.topics());
        hidden.put(name, topics.remove(name));
        metadata = new ClusterMetadata("fake", 1, metadata.brokers(), topics, metadata.racks());
    }

    private final Map<String, ClusterMetadata.Topic> hidden = new HashMap<>();

    /** The id of a topic, described or not. */
    Uuid topicId(String name) {
        ClusterMetadata.Topic t = metadata.topics().get(name);
        return t != null ? t.id() : hidden.get(name).id();
    }

    @Override
    public CompletableFuture<Integer> coordinator(String groupId) {
        lookups++;
        if (lookupError != null) {
            return CompletableFuture.failedFuture(lookupError.exception("FindCoordinator for " + groupId));
        }
        return CompletableFuture.completedFuture(coordinatorNode);
    }

    @Override
    public void invalidateCoordinator(String groupId) {
        invalidations++;
    }

    @Override
    public CompletableFuture<ApiMessage> send(int node, ApiKey api, IntFunction<ApiMessage> body, short maxVersion,
                                              Duration timeout) {
        Sent s = new Sent(node, api, body.apply(maxVersion), timeout);
        sent.add(s);
        all.add(s);
        return s.answer;
    }

    /** The oldest unanswered request, which must be of {@code api}. */
    Sent next(ApiKey api) {
        Sent s = sent.poll();
        if (s == null) {
            throw new AssertionError("no request waits; expected " + api);
        }
        if (s.api != api) {
            throw new AssertionError("the next request is " + s.api + " " + s.request + ", not " + api);
        }
        return s;
    }

    /** Whether a request of {@code api} waits (anywhere in the queue). */
    boolean waiting(ApiKey api) {
        return sent.stream().anyMatch(s -> s.api == api);
    }

    /** Takes the oldest waiting request of {@code api}, leaving the others in place. */
    Sent take(ApiKey api) {
        for (Sent s : sent) {
            if (s.api == api) {
                sent.remove(s);
                return s;
            }
        }
        throw new AssertionError("no " + api + " waits; waiting: " + sent.stream().map(x -> x.api).toList());
    }

    List<Sent> all() {
        return all;
    }

    int waitingCount() {
        return sent.size();
    }

    // ---- answers ----

    static JoinGroupResponse joined(String memberId, int generation, String leader, String protocol,
                                    Map<String, byte[]> members) {
        List<JoinGroupResponse.JoinGroupResponseMember> list = new ArrayList<>();
        members.forEach((id, metadata) -> list.add(new JoinGroupResponse.JoinGroupResponseMember()
                .setMemberId(id).setMetadata(metadata)));
        return new JoinGroupResponse().setMemberId(memberId).setGenerationId(generation).setLeader(leader)
                .setProtocolType("consumer").setProtocolName(protocol).setMembers(list);
    }

    static JoinGroupResponse joinError(ErrorCode error, String memberId) {
        return new JoinGroupResponse().setErrorCode(error.code()).setMemberId(memberId).setGenerationId(-1)
                .setLeader("").setProtocolName(null);
    }

    static SyncGroupResponse synced(Collection<TopicPartition> partitions) {
        return new SyncGroupResponse().setProtocolType("consumer").setProtocolName("range")
                .setAssignment(ConsumerProtocol.assignment(partitions));
    }

    static SyncGroupResponse syncError(ErrorCode error) {
        return new SyncGroupResponse().setErrorCode(error.code()).setAssignment(new byte[0]);
    }

    static HeartbeatResponse heartbeat(ErrorCode error) {
        return new HeartbeatResponse().setErrorCode(error.code());
    }

    /** Answers every partition of an OffsetCommit with {@code error}. */
    static OffsetCommitResponse committed(OffsetCommitRequest request, ErrorCode error) {
        List<OffsetCommitResponse.OffsetCommitResponseTopic> topics = new ArrayList<>();
        for (OffsetCommitRequest.OffsetCommitRequestTopic t : request.topics()) {
            List<OffsetCommitResponse.OffsetCommitResponsePartition> ps = new ArrayList<>();
            t.partitions().forEach(p -> ps.add(new OffsetCommitResponse.OffsetCommitResponsePartition()
                    .setPartitionIndex(p.partitionIndex()).setErrorCode(error.code())));
            topics.add(new OffsetCommitResponse.OffsetCommitResponseTopic().setName(t.name()).setPartitions(ps));
        }
        return new OffsetCommitResponse().setTopics(topics);
    }

    /** The subscription a member sent for its first protocol. */
    static ConsumerProtocol.Subscription subscription(JoinGroupRequest request) {
        return ConsumerProtocol.subscription(request.protocols().get(0).metadata());
    }
}
