package dev.josef.kafka.consumer;

import dev.josef.kafka.protocol.ErrorCode;
import dev.josef.kafka.protocol.TopicPartition;
import dev.josef.kafka.protocol.message.ApiMessage;
import dev.josef.kafka.protocol.message.OffsetCommitRequest;
import dev.josef.kafka.protocol.message.OffsetCommitResponse;
import dev.josef.kafka.protocol.message.OffsetFetchRequest;
import dev.josef.kafka.protocol.message.OffsetFetchResponse;

import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.OptionalInt;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.function.IntFunction;

/**
 * OffsetFetch and OffsetCommit bodies for every version a broker may choose,
 * and what their answers say per partition. Topics go by name: versions 10,
 * which name them by id, are not asked for.
 */
final class OffsetRequests {
    /** The newest versions that name topics; v10 of both names them by id. */
    static final short MAX_FETCH_VERSION = 9;
    static final short MAX_COMMIT_VERSION = 9;

    /** A partition's committed offset (null for none) or its error. */
    record Committed(OffsetAndMetadata offset, ErrorCode error) {
    }

    /** What an OffsetFetch answer says: a group-level error, or each partition's answer. */
    record Fetched(ErrorCode error, Map<TopicPartition, Committed> partitions) {
    }

    private OffsetRequests() {
    }

    /** RequireStable (KIP-447): a partition with a pending transactional commit answers UNSTABLE_OFFSET_COMMIT. */
    static IntFunction<ApiMessage> fetch(String groupId, Collection<TopicPartition> partitions) {
        return fetch(groupId, partitions, null, -1);
    }

    /**
     * As {@link #fetch(String, Collection)}, for a KIP-848 member: from v9 the
     * request carries its member id and epoch, which the coordinator checks
     * (STALE_MEMBER_EPOCH while the member's epoch is moving on).
     *
     * @param memberId null outside a consumer-protocol membership
     */
    static IntFunction<ApiMessage> fetch(String groupId, Collection<TopicPartition> partitions, String memberId,
                                         int memberEpoch) {
        Map<String, List<Integer>> byTopic = byTopic(partitions);
        return version -> {
            OffsetFetchRequest request = new OffsetFetchRequest().setRequireStable(true);
            if (version >= 8) {
                List<OffsetFetchRequest.OffsetFetchRequestTopics> topics = new ArrayList<>();
                byTopic.forEach((t, ps) -> topics.add(new OffsetFetchRequest.OffsetFetchRequestTopics()
                        .setName(t).setPartitionIndexes(ps)));
                OffsetFetchRequest.OffsetFetchRequestGroup group = new OffsetFetchRequest.OffsetFetchRequestGroup()
                        .setGroupId(groupId).setTopics(topics);
                if (version >= 9 && memberId != null) {
                    group.setMemberId(memberId).setMemberEpoch(memberEpoch);
                }
                request.setGroups(List.of(group));
            } else {
                List<OffsetFetchRequest.OffsetFetchRequestTopic> topics = new ArrayList<>();
                byTopic.forEach((t, ps) -> topics.add(new OffsetFetchRequest.OffsetFetchRequestTopic()
                        .setName(t).setPartitionIndexes(ps)));
                request.setGroupId(groupId).setTopics(topics);
            }
            return request;
        };
    }

    static Fetched fetched(OffsetFetchResponse response) {
        Map<TopicPartition, Committed> out = new HashMap<>();
        ErrorCode top = ErrorCode.forCode(response.errorCode());
        if (!response.groups().isEmpty()) {
            OffsetFetchResponse.OffsetFetchResponseGroup g = response.groups().get(0);
            top = ErrorCode.forCode(g.errorCode());
            for (OffsetFetchResponse.OffsetFetchResponseTopics t : g.topics()) {
                for (OffsetFetchResponse.OffsetFetchResponsePartitions p : t.partitions()) {
                    out.put(new TopicPartition(t.name(), p.partitionIndex()),
                            committed(p.committedOffset(), p.committedLeaderEpoch(), p.metadata(), p.errorCode()));
                }
            }
        } else {
            for (OffsetFetchResponse.OffsetFetchResponseTopic t : response.topics()) {
                for (OffsetFetchResponse.OffsetFetchResponsePartition p : t.partitions()) {
                    out.put(new TopicPartition(t.name(), p.partitionIndex()),
                            committed(p.committedOffset(), p.committedLeaderEpoch(), p.metadata(), p.errorCode()));
                }
            }
        }
        return new Fetched(top, out);
    }

    private static Committed committed(long offset, int epoch, String metadata, short error) {
        ErrorCode code = ErrorCode.forCode(error);
        if (code != ErrorCode.NONE || offset < 0) {
            return new Committed(null, code);
        }
        return new Committed(new OffsetAndMetadata(offset, epoch >= 0 ? OptionalInt.of(epoch) : OptionalInt.empty(),
                metadata == null ? "" : metadata), ErrorCode.NONE);
    }

    /**
     * @param generation the member's generation (-1 for a consumer that commits
     *                   outside a group generation: assigned partitions)
     */
    static IntFunction<ApiMessage> commit(String groupId, int generation, String memberId, String instanceId,
                                          Map<TopicPartition, OffsetAndMetadata> offsets) {
        Map<String, List<OffsetCommitRequest.OffsetCommitRequestPartition>> byTopic = new TreeMap<>();
        new TreeMap<>(offsets).forEach((tp, o) -> byTopic.computeIfAbsent(tp.topic(), t -> new ArrayList<>())
                .add(new OffsetCommitRequest.OffsetCommitRequestPartition()
                        .setPartitionIndex(tp.partition())
                        .setCommittedOffset(o.offset())
                        .setCommittedLeaderEpoch(o.wireEpoch())
                        .setCommittedMetadata(o.metadata())));
        return version -> {
            List<OffsetCommitRequest.OffsetCommitRequestTopic> topics = new ArrayList<>();
            byTopic.forEach((t, ps) -> topics.add(new OffsetCommitRequest.OffsetCommitRequestTopic()
                    .setName(t).setPartitions(ps)));
            return new OffsetCommitRequest()
                    .setGroupId(groupId)
                    .setGenerationIdOrMemberEpoch(generation)
                    .setMemberId(memberId)
                    .setGroupInstanceId(version >= 7 ? instanceId : null)
                    .setTopics(topics);
        };
    }

    /** Each partition's error (NONE when stored). */
    static Map<TopicPartition, ErrorCode> committed(OffsetCommitResponse response) {
        Map<TopicPartition, ErrorCode> out = new HashMap<>();
        for (OffsetCommitResponse.OffsetCommitResponseTopic t : response.topics()) {
            for (OffsetCommitResponse.OffsetCommitResponsePartition p : t.partitions()) {
                out.put(new TopicPartition(t.name(), p.partitionIndex()), ErrorCode.forCode(p.errorCode()));
            }
        }
        return out;
    }

    private static Map<String, List<Integer>> byTopic(Collection<TopicPartition> partitions) {
        Map<String, List<Integer>> byTopic = new TreeMap<>();
        for (TopicPartition tp : new TreeSet<>(partitions)) {
            byTopic.computeIfAbsent(tp.topic(), t -> new ArrayList<>()).add(tp.partition());
        }
        return byTopic;
    }
}
