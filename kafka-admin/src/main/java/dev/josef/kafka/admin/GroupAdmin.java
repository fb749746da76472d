package dev.josef.kafka.admin;

import dev.josef.kafka.net.NetworkException;
import dev.josef.kafka.net.RequestTimeoutException;
import dev.josef.kafka.net.internal.Backoff;
import dev.josef.kafka.net.internal.ChannelKind;
import dev.josef.kafka.net.internal.NetworkClient;
import dev.josef.kafka.net.internal.NetworkClient.CoordinatorType;
import dev.josef.kafka.protocol.ApiKey;
import dev.josef.kafka.protocol.BrokerException;
import dev.josef.kafka.protocol.ErrorCode;
import dev.josef.kafka.protocol.RetriableBrokerException;
import dev.josef.kafka.protocol.TopicPartition;
import dev.josef.kafka.protocol.UnsupportedVersionException;
import dev.josef.kafka.protocol.message.ApiMessage;
import dev.josef.kafka.protocol.message.ConsumerGroupDescribeRequest;
import dev.josef.kafka.protocol.message.ConsumerGroupDescribeResponse;
import dev.josef.kafka.protocol.message.DeleteGroupsRequest;
import dev.josef.kafka.protocol.message.DeleteGroupsResponse;
import dev.josef.kafka.protocol.message.DescribeGroupsRequest;
import dev.josef.kafka.protocol.message.DescribeGroupsResponse;
import dev.josef.kafka.protocol.message.LeaveGroupRequest;
import dev.josef.kafka.protocol.message.LeaveGroupResponse;
import dev.josef.kafka.protocol.message.ListGroupsRequest;
import dev.josef.kafka.protocol.message.ListGroupsResponse;
import dev.josef.kafka.protocol.message.OffsetCommitRequest;
import dev.josef.kafka.protocol.message.OffsetCommitResponse;
import dev.josef.kafka.protocol.message.OffsetDeleteRequest;
import dev.josef.kafka.protocol.message.OffsetDeleteResponse;
import dev.josef.kafka.protocol.message.OffsetFetchRequest;
import dev.josef.kafka.protocol.message.OffsetFetchResponse;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Collections;
import java.util.EnumSet;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.BooleanSupplier;
import java.util.function.Function;
import java.util.function.IntFunction;

/**
 * The group operations behind {@link Admin}. Each group is served by its
 * coordinator, found with FindCoordinator (key type 0) and remembered by the
 * network engine; requests for several groups go to each coordinator as one
 * batch where the API takes a list. A group whose coordinator answers
 * NOT_COORDINATOR or COORDINATOR_NOT_AVAILABLE is looked up again, one answering
 * COORDINATOR_LOAD_IN_PROGRESS asked again, after the admin's backoff, five
 * times in all. Holds no state of its own beyond final fields: thread-safe.
 */
final class GroupAdmin {
    static final int GROUP_ATTEMPTS = 5;
    /** v10 of OffsetFetch and OffsetCommit name topics by id; v9 still names them, which is all admin has. */
    static final short MAX_OFFSET_FETCH_VERSION = 9;
    static final short MAX_OFFSET_COMMIT_VERSION = 9;
    /** What LeaveGroup v5+ records as the reason a member left (KIP-800). */
    static final String LEAVE_REASON = "removed by an admin (Josef)";

    private static final Logger LOG = LoggerFactory.getLogger(GroupAdmin.class);
    private static final Set<ErrorCode> COORDINATOR_ERRORS = EnumSet.of(ErrorCode.NOT_COORDINATOR,
            ErrorCode.COORDINATOR_NOT_AVAILABLE, ErrorCode.COORDINATOR_LOAD_IN_PROGRESS);
    /**
     * Errors that OffsetCommit repeats on every partition but that are about the
     * group: the request was refused whole.
     */
    private static final Set<ErrorCode> GROUP_ERRORS = EnumSet.of(ErrorCode.NOT_COORDINATOR,
            ErrorCode.COORDINATOR_NOT_AVAILABLE, ErrorCode.COORDINATOR_LOAD_IN_PROGRESS, ErrorCode.UNKNOWN_MEMBER_ID,
            ErrorCode.ILLEGAL_GENERATION, ErrorCode.REBALANCE_IN_PROGRESS, ErrorCode.FENCED_INSTANCE_ID,
            ErrorCode.STALE_MEMBER_EPOCH, ErrorCode.FENCED_MEMBER_EPOCH, ErrorCode.GROUP_AUTHORIZATION_FAILED,
            ErrorCode.INVALID_GROUP_ID, ErrorCode.GROUP_ID_NOT_FOUND);

    private final Admin admin;
    private final NetworkClient client;
    private final long retryBackoffMillis;
    private final long retryBackoffMaxMillis;
    private final BooleanSupplier closed;

    GroupAdmin(Admin admin, NetworkClient client, long retryBackoffMillis, long retryBackoffMaxMillis,
               BooleanSupplier closed) {
        this.admin = admin;
        this.client = client;
        this.retryBackoffMillis = retryBackoffMillis;
        this.retryBackoffMaxMillis = retryBackoffMaxMillis;
        this.closed = closed;
    }

    // ------------------------------------------------------------------ list

    CompletableFuture<GroupListing> listGroups(Set<GroupType> types, Set<GroupState> states) {
        List<String> typeNames = types.stream().map(GroupType::wireName).sorted().toList();
        List<String> stateNames = states.stream().map(GroupState::wireName).sorted().toList();
        return client.refreshMetadata().thenCompose(metadata -> {
            List<Integer> brokers = List.copyOf(new TreeSet<>(metadata.brokers().keySet()));
            Map<Integer, BrokerOutcome> outcomes = new ConcurrentHashMap<>();
            Map<String, ListedGroup> groups = new ConcurrentHashMap<>();
            CompletableFuture<?>[] calls = brokers.stream()
                    .map(id -> listGroupsAt(id, typeNames, stateNames, 1).thenAccept(listed -> {
                        outcomes.put(id, listed.outcome());
                        // A group moving to another coordinator may be listed by both for a moment.
                        listed.groups().forEach(g -> groups.putIfAbsent(g.groupId(), g));
                    }))
                    .toArray(CompletableFuture[]::new);
            return CompletableFuture.allOf(calls).thenApply(ignored -> new GroupListing(
                    new TreeMap<>(groups).values().stream().toList(), outcomes));
        });
    }

    private record Listed(BrokerOutcome outcome, List<ListedGroup> groups) {
    }

    /** One broker's groups; a coordinator still loading its groups is asked again after a backoff. */
    private CompletableFuture<Listed> listGroupsAt(int broker, List<String> types, List<String> states, int attempt) {
        // A filter the broker's version cannot carry fails the request when it is encoded (v4 added
        // states, v5 types): that broker's outcome says UNSUPPORTED_VERSION rather than listing too much.
        IntFunction<ApiMessage> body = version -> new ListGroupsRequest()
                .setStatesFilter(new ArrayList<>(states)).setTypesFilter(new ArrayList<>(types));
        return client.send(broker, ChannelKind.OTHER, ApiKey.LIST_GROUPS, body, ApiKey.LIST_GROUPS.latestStableVersion())
                .handle((response, error) -> {
                    if (error != null) {
                        Throwable cause = unwrap(error);
                        return CompletableFuture.completedFuture(new Listed(
                                new BrokerOutcome(broker, errorOf(cause), message(cause)), List.of()));
                    }
                    ListGroupsResponse r = (ListGroupsResponse) response;
                    ErrorCode code = ErrorCode.forCode(r.errorCode());
                    if (COORDINATOR_ERRORS.contains(code) && attempt < GROUP_ATTEMPTS && !closed.getAsBoolean()) {
                        return client.delay(backoff(attempt))
                                .thenCompose(x -> listGroupsAt(broker, types, states, attempt + 1));
                    }
                    List<ListedGroup> groups = new ArrayList<>();
                    if (code == ErrorCode.NONE) {
                        for (ListGroupsResponse.ListedGroup g : r.groups()) {
                            groups.add(new ListedGroup(g.groupId(), GroupType.fromWire(g.groupType()),
                                    g.protocolType(), GroupState.fromWire(g.groupState()), broker));
                        }
                    }
                    return CompletableFuture.completedFuture(new Listed(new BrokerOutcome(broker, code, null), groups));
                }).thenCompose(f -> f);
    }

    // -------------------------------------------------------------- describe

    CompletableFuture<Map<String, GroupDescription>> describeGroups(List<String> groupIds) {
        return toCoordinators(groupIds, true, true, this::describeAt,
                (group, error, message) -> notDescribed(group, -1, error, message));
    }

    /**
     * ConsumerGroupDescribe first (KIP-848); a group it does not know as a
     * consumer group (GROUP_ID_NOT_FOUND: a classic group, or no group at all)
     * and every group at a broker without the API are asked with DescribeGroups,
     * as kafka-clients does.
     */
    private CompletableFuture<Map<String, GroupDescription>> describeAt(int coordinator, List<String> groups) {
        ConsumerGroupDescribeRequest request = new ConsumerGroupDescribeRequest().setGroupIds(new ArrayList<>(groups));
        return client.send(coordinator, ChannelKind.OTHER, request, ApiKey.CONSUMER_GROUP_DESCRIBE.latestStableVersion())
                .handle((response, error) -> {
                    Map<String, GroupDescription> described = new HashMap<>();
                    List<String> classic = new ArrayList<>();
                    Throwable cause = unwrap(error);
                    if (cause instanceof UnsupportedVersionException) {
                        classic.addAll(groups);
                    } else if (cause != null) {
                        return CompletableFuture.<Map<String, GroupDescription>>failedFuture(cause);
                    } else {
                        for (ConsumerGroupDescribeResponse.DescribedGroup g : ((ConsumerGroupDescribeResponse) response).groups()) {
                            ErrorCode code = ErrorCode.forCode(g.errorCode());
                            if (code == ErrorCode.GROUP_ID_NOT_FOUND || code == ErrorCode.UNSUPPORTED_VERSION) {
                                classic.add(g.groupId());
                            } else {
                                described.put(g.groupId(), consumerGroup(g, coordinator));
                            }
                        }
                    }
                    if (classic.isEmpty()) {
                        return CompletableFuture.completedFuture(described);
                    }
                    return describeClassicAt(coordinator, classic).thenApply(more -> {
                        described.putAll(more);
                        return described;
                    });
                }).thenCompose(f -> f);
    }

    private CompletableFuture<Map<String, GroupDescription>> describeClassicAt(int coordinator, List<String> groups) {
        DescribeGroupsRequest request = new DescribeGroupsRequest().setGroups(new ArrayList<>(groups));
        return client.send(coordinator, ChannelKind.OTHER, request, ApiKey.DESCRIBE_GROUPS.latestStableVersion())
                .thenApply(response -> {
                    Map<String, GroupDescription> described = new HashMap<>();
                    for (DescribeGroupsResponse.DescribedGroup g : ((DescribeGroupsResponse) response).groups()) {
                        described.put(g.groupId(), classicGroup(g, coordinator));
                    }
                    return described;
                });
    }

    static GroupDescription classicGroup(DescribeGroupsResponse.DescribedGroup g, int coordinator) {
        ErrorCode code = ErrorCode.forCode(g.errorCode());
        GroupState state = GroupState.fromWire(g.groupState());
        if (code == ErrorCode.NONE && state == GroupState.DEAD && g.members().isEmpty()) {
            // Before v6 (KIP-1043) a group that does not exist is described as Dead, without an error.
            code = ErrorCode.GROUP_ID_NOT_FOUND;
        }
        if (code != ErrorCode.NONE) {
            return notDescribed(g.groupId(), coordinator, code, g.errorMessage());
        }
        boolean consumerProtocol = "consumer".equals(g.protocolType());
        List<GroupDescription.Member> members = new ArrayList<>();
        for (DescribeGroupsResponse.DescribedGroupMember m : g.members()) {
            List<String> topics = List.of();
            Optional<String> rack = Optional.empty();
            List<TopicPartition> assignment = List.of();
            if (consumerProtocol) {
                try {
                    ConsumerProtocolBytes.Subscription s = ConsumerProtocolBytes.subscription(m.memberMetadata());
                    topics = s.topics();
                    rack = s.rackId();
                    assignment = ConsumerProtocolBytes.assignment(m.memberAssignment());
                } catch (IllegalArgumentException e) {
                    return notDescribed(g.groupId(), coordinator, ErrorCode.INCONSISTENT_GROUP_PROTOCOL,
                            "member " + m.memberId() + " of group '" + g.groupId() + "': " + e.getMessage());
                }
            }
            members.add(new GroupDescription.Member(m.memberId(), Optional.ofNullable(m.groupInstanceId()),
                    m.clientId(), m.clientHost(), rack, GroupType.CLASSIC, -1, topics, Optional.empty(), assignment,
                    List.of()));
        }
        return new GroupDescription(g.groupId(), GroupType.CLASSIC, g.protocolType(), state,
                g.protocolData() == null ? "" : g.protocolData(), -1, -1, coordinator, members, ErrorCode.NONE, null);
    }

    static GroupDescription consumerGroup(ConsumerGroupDescribeResponse.DescribedGroup g, int coordinator) {
        ErrorCode code = ErrorCode.forCode(g.errorCode());
        if (code != ErrorCode.NONE) {
            return notDescribed(g.groupId(), coordinator, code, g.errorMessage());
        }
        List<GroupDescription.Member> members = new ArrayList<>();
        for (ConsumerGroupDescribeResponse.Member m : g.members()) {
            // MemberType (v1): 0 a classic member of a group being upgraded, 1 a consumer-protocol member.
            GroupType protocol = switch (m.memberType()) {
                case 0 -> GroupType.CLASSIC;
                case 1 -> GroupType.CONSUMER;
                default -> GroupType.UNKNOWN;
            };
            members.add(new GroupDescription.Member(m.memberId(), Optional.ofNullable(m.instanceId()), m.clientId(),
                    m.clientHost(), Optional.ofNullable(m.rackId()), protocol, m.memberEpoch(),
                    List.copyOf(new TreeSet<>(m.subscribedTopicNames())), Optional.ofNullable(m.subscribedTopicRegex()),
                    partitions(m.assignment()), partitions(m.targetAssignment())));
        }
        return new GroupDescription(g.groupId(), GroupType.CONSUMER, "consumer", GroupState.fromWire(g.groupState()),
                g.assignorName() == null ? "" : g.assignorName(), g.groupEpoch(), g.assignmentEpoch(), coordinator,
                members, ErrorCode.NONE, null);
    }

    private static List<TopicPartition> partitions(ConsumerGroupDescribeResponse.Assignment assignment) {
        TreeSet<TopicPartition> out = new TreeSet<>();
        if (assignment == null) {
            return List.of();
        }
        for (ConsumerGroupDescribeResponse.TopicPartitions t : assignment.topicPartitions()) {
            // The coordinator names each topic id it knows; a topic deleted a moment ago has no name left.
            if (t.topicName() == null || t.topicName().isEmpty()) {
                continue;
            }
            t.partitions().forEach(p -> out.add(new TopicPartition(t.topicName(), p)));
        }
        return List.copyOf(out);
    }

    private static GroupDescription notDescribed(String group, int coordinator, ErrorCode error, String message) {
        return new GroupDescription(group, GroupType.UNKNOWN, "", GroupState.DEAD, "", -1, -1, coordinator, List.of(),
                error, message);
    }

    // ---------------------------------------------------------------- delete

    CompletableFuture<Map<String, GroupOutcome>> deleteGroups(List<String> groupIds) {
        // Not repeated after a lost answer: a second DeleteGroups would report GROUP_ID_NOT_FOUND for a group it deleted.
        return toCoordinators(groupIds, true, false, (coordinator, groups) -> {
            DeleteGroupsRequest request = new DeleteGroupsRequest().setGroupsNames(new ArrayList<>(groups));
            return client.send(coordinator, ChannelKind.OTHER, request, ApiKey.DELETE_GROUPS.latestStableVersion())
                    .thenApply(response -> {
                        Map<String, GroupOutcome> results = new HashMap<>();
                        for (DeleteGroupsResponse.DeletableGroupResult r : ((DeleteGroupsResponse) response).results()) {
                            results.put(r.groupId(), new GroupOutcome(r.groupId(), ErrorCode.forCode(r.errorCode()), null));
                        }
                        return results;
                    });
        }, GroupOutcome::new);
    }

    // --------------------------------------------------------------- offsets

    CompletableFuture<Map<String, GroupOffsets>> listGroupOffsets(List<String> groupIds) {
        // One group per request: OffsetFetch before v8 names a single group.
        return toCoordinators(groupIds, false, true, (coordinator, groups) -> {
            String group = groups.get(0);
            IntFunction<ApiMessage> body = version -> version >= 8
                    ? new OffsetFetchRequest().setGroups(List.of(new OffsetFetchRequest.OffsetFetchRequestGroup()
                            .setGroupId(group).setMemberId(null).setMemberEpoch(-1).setTopics(null)))
                    : new OffsetFetchRequest().setGroupId(group).setTopics(null);
            return client.send(coordinator, ChannelKind.OTHER, ApiKey.OFFSET_FETCH, body, MAX_OFFSET_FETCH_VERSION)
                    .thenApply(response -> Map.of(group, offsets(group, (OffsetFetchResponse) response)));
        }, (group, error, message) -> new GroupOffsets(group, Map.of(), error, message));
    }

    static GroupOffsets offsets(String group, OffsetFetchResponse response) {
        Map<TopicPartition, CommittedOffset> offsets = new HashMap<>();
        ErrorCode error = ErrorCode.forCode(response.errorCode());
        if (!response.groups().isEmpty()) {
            OffsetFetchResponse.OffsetFetchResponseGroup g = response.groups().get(0);
            error = ErrorCode.forCode(g.errorCode());
            for (OffsetFetchResponse.OffsetFetchResponseTopics t : g.topics()) {
                for (OffsetFetchResponse.OffsetFetchResponsePartitions p : t.partitions()) {
                    putCommitted(offsets, t.name(), p.partitionIndex(), p.committedOffset(), p.committedLeaderEpoch(),
                            p.metadata(), p.errorCode());
                }
            }
        } else {
            for (OffsetFetchResponse.OffsetFetchResponseTopic t : response.topics()) {
                for (OffsetFetchResponse.OffsetFetchResponsePartition p : t.partitions()) {
                    putCommitted(offsets, t.name(), p.partitionIndex(), p.committedOffset(), p.committedLeaderEpoch(),
                            p.metadata(), p.errorCode());
                }
            }
        }
        if (error != ErrorCode.NONE) {
            return new GroupOffsets(group, Map.of(), error, null);
        }
        return new GroupOffsets(group, offsets, ErrorCode.NONE, null);
    }

    private static void putCommitted(Map<TopicPartition, CommittedOffset> offsets, String topic, int partition,
                                     long offset, int leaderEpoch, String metadata, short errorCode) {
        ErrorCode error = ErrorCode.forCode(errorCode);
        if (error == ErrorCode.NONE && offset < 0) {
            return; // -1: nothing committed for this partition
        }
        TopicPartition tp = new TopicPartition(topic, partition);
        offsets.put(tp, new CommittedOffset(tp, offset, leaderEpoch, metadata == null ? "" : metadata, error, null));
    }

    CompletableFuture<GroupOffsetsDeletion> deleteGroupOffsets(String groupId, List<TopicPartition> partitions) {
        return toCoordinators(List.of(groupId), false, true, (coordinator, groups) -> {
            OffsetDeleteRequest request = new OffsetDeleteRequest().setGroupId(groupId);
            byTopic(partitions).forEach((topic, indexes) -> {
                OffsetDeleteRequest.OffsetDeleteRequestTopic t = new OffsetDeleteRequest.OffsetDeleteRequestTopic()
                        .setName(topic);
                indexes.forEach(i -> t.partitions().add(new OffsetDeleteRequest.OffsetDeleteRequestPartition()
                        .setPartitionIndex(i)));
                request.topics().add(t);
            });
            return client.send(coordinator, ChannelKind.OTHER, request, ApiKey.OFFSET_DELETE.latestStableVersion())
                    .thenApply(response -> Map.of(groupId, offsetsDeleted(groupId, partitions,
                            (OffsetDeleteResponse) response)));
        }, (group, error, message) -> offsetsNotDeleted(group, partitions, error, message)).thenApply(r -> r.get(groupId));
    }

    private static GroupOffsetsDeletion offsetsDeleted(String group, List<TopicPartition> asked, OffsetDeleteResponse r) {
        ErrorCode error = ErrorCode.forCode(r.errorCode());
        if (error != ErrorCode.NONE) {
            return offsetsNotDeleted(group, asked, error, null);
        }
        Map<TopicPartition, PartitionOutcome> answered = new HashMap<>();
        for (OffsetDeleteResponse.OffsetDeleteResponseTopic t : r.topics()) {
            for (OffsetDeleteResponse.OffsetDeleteResponsePartition p : t.partitions()) {
                TopicPartition tp = new TopicPartition(t.name(), p.partitionIndex());
                answered.put(tp, new PartitionOutcome(tp, ErrorCode.forCode(p.errorCode()), null));
            }
        }
        return new GroupOffsetsDeletion(group, Admin.inOrder(asked, answered,
                tp -> new PartitionOutcome(tp, ErrorCode.UNKNOWN_SERVER_ERROR, Admin.NO_ANSWER)), ErrorCode.NONE, null);
    }

    private static GroupOffsetsDeletion offsetsNotDeleted(String group, List<TopicPartition> asked, ErrorCode error,
                                                          String message) {
        Map<TopicPartition, PartitionOutcome> each = new LinkedHashMap<>();
        asked.forEach(tp -> each.put(tp, new PartitionOutcome(tp, error, message)));
        return new GroupOffsetsDeletion(group, each, error, message);
    }

    // ------------------------------------------------------ changing offsets

    CompletableFuture<OffsetsChange> alterGroupOffsets(String groupId, Map<TopicPartition, Long> offsets, boolean dryRun) {
        List<TopicPartition> partitions = List.copyOf(offsets.keySet());
        return change(groupId, partitions, dryRun, committed -> {
            Map<TopicPartition, OffsetChange> plan = new LinkedHashMap<>();
            offsets.forEach((tp, offset) -> plan.put(tp, new OffsetChange(tp, previous(committed, tp), offset,
                    ErrorCode.NONE, null)));
            return CompletableFuture.completedFuture(plan);
        });
    }

    CompletableFuture<OffsetsChange> resetGroupOffsets(String groupId, List<TopicPartition> partitions, OffsetReset reset,
                                                       boolean dryRun) {
        return change(groupId, partitions, dryRun, committed -> {
            Map<TopicPartition, OffsetSpec> earliest = new LinkedHashMap<>();
            Map<TopicPartition, OffsetSpec> latest = new LinkedHashMap<>();
            Map<TopicPartition, OffsetSpec> atTime = new LinkedHashMap<>();
            for (TopicPartition tp : partitions) {
                earliest.put(tp, OffsetSpec.earliest());
                latest.put(tp, OffsetSpec.latest());
                if (reset.kind() == OffsetReset.Kind.TIMESTAMP) {
                    atTime.put(tp, OffsetSpec.forTimestamp(reset.value()));
                }
            }
            CompletableFuture<Map<TopicPartition, ListedOffset>> low = admin.listOffsets(earliest);
            CompletableFuture<Map<TopicPartition, ListedOffset>> high = admin.listOffsets(latest);
            CompletableFuture<Map<TopicPartition, ListedOffset>> time = admin.listOffsets(atTime);
            return CompletableFuture.allOf(low, high, time).thenApply(ignored -> {
                Map<TopicPartition, OffsetChange> plan = new LinkedHashMap<>();
                for (TopicPartition tp : partitions) {
                    plan.put(tp, plan(tp, reset, previous(committed, tp), low.join().get(tp), high.join().get(tp),
                            time.join().get(tp)));
                }
                return plan;
            });
        });
    }

    /** One partition's new offset, clamped to the log's range [earliest, latest]. */
    static OffsetChange plan(TopicPartition tp, OffsetReset reset, long previous, ListedOffset earliest,
                             ListedOffset latest, ListedOffset atTime) {
        for (ListedOffset listed : new ListedOffset[] {earliest, latest, atTime}) {
            if (listed != null && !listed.succeeded()) {
                return new OffsetChange(tp, previous, -1, listed.error(), "cannot list the offsets of " + tp + ": "
                        + listed.error() + (listed.errorMessage() == null ? "" : " (" + listed.errorMessage() + ")"));
            }
        }
        long low = earliest.offset();
        long high = latest.offset();
        long target = switch (reset.kind()) {
            case EARLIEST -> low;
            case LATEST -> high;
            // No record at or after the time: the group starts after the last one, as kafka-consumer-groups does.
            case TIMESTAMP -> atTime.offset() < 0 ? high : atTime.offset();
            case OFFSET -> reset.value();
            case SHIFT -> {
                if (previous < 0) {
                    yield -1;
                }
                long shift = reset.value();
                yield shift > 0 && previous > Long.MAX_VALUE - shift ? Long.MAX_VALUE : previous + shift;
            }
        };
        if (target < 0 && reset.kind() == OffsetReset.Kind.SHIFT) {
            return new OffsetChange(tp, previous, -1, ErrorCode.RESOURCE_NOT_FOUND,
                    "partition " + tp + " has no committed offset to shift");
        }
        return new OffsetChange(tp, previous, Math.max(low, Math.min(high, target)), ErrorCode.NONE, null);
    }

    private static long previous(Map<TopicPartition, CommittedOffset> committed, TopicPartition tp) {
        CommittedOffset c = committed.get(tp);
        return c == null || !c.succeeded() ? -1 : c.offset();
    }

    /**
     * Checks that the group is empty, reads its committed offsets, plans the
     * new ones, and commits them as an admin: generation -1 and no member id,
     * which the coordinator accepts only from outside the group while the group
     * is empty (a classic or consumer group with members refuses it with
     * UNKNOWN_MEMBER_ID, before writing anything).
     */
    private CompletableFuture<OffsetsChange> change(String groupId, List<TopicPartition> partitions, boolean dryRun,
            Function<Map<TopicPartition, CommittedOffset>, CompletableFuture<Map<TopicPartition, OffsetChange>>> planner) {
        return describeGroups(List.of(groupId)).thenCompose(described -> {
            GroupDescription d = described.get(groupId);
            // A group that does not exist has nobody to disturb; the commit creates it, empty.
            boolean exists = d.error() != ErrorCode.GROUP_ID_NOT_FOUND;
            GroupState state = exists ? d.state() : GroupState.DEAD;
            int members = d.members().size();
            if (exists && !d.succeeded()) {
                return done(refused(groupId, state, members, dryRun, partitions, d.error(),
                        "cannot check that group '" + groupId + "' is empty"
                                + (d.errorMessage() == null ? "" : ": " + d.errorMessage())));
            }
            if (exists && !d.isEmpty()) {
                return done(refused(groupId, state, members, dryRun, partitions, ErrorCode.NON_EMPTY_GROUP,
                        notEmpty(groupId, state, members)));
            }
            return listGroupOffsets(List.of(groupId)).thenCompose(fetched -> {
                GroupOffsets committed = fetched.get(groupId);
                if (!committed.succeeded()) {
                    return done(refused(groupId, state, members, dryRun, partitions, committed.error(),
                            "cannot read the committed offsets of group '" + groupId + "'"
                                    + (committed.errorMessage() == null ? "" : ": " + committed.errorMessage())));
                }
                return planner.apply(committed.offsets()).thenCompose(plan -> {
                    List<TopicPartition> unplanned = plan.values().stream().filter(c -> !c.succeeded())
                            .map(OffsetChange::partition).toList();
                    if (!unplanned.isEmpty()) {
                        return done(unplanned(groupId, state, members, dryRun, plan, unplanned));
                    }
                    if (dryRun) {
                        return done(new OffsetsChange(groupId, state, members, true, plan, ErrorCode.NONE, null));
                    }
                    return commit(groupId, plan).thenApply(c -> committed(groupId, state, members, plan, c));
                });
            });
        });
    }

    static String notEmpty(String groupId, GroupState state, int members) {
        return "group '" + groupId + "' is " + state + " with " + members + " member" + (members == 1 ? "" : "s")
                + ": its offsets can only be changed while it is empty (stop its members first); nothing was changed";
    }

    private static OffsetsChange refused(String groupId, GroupState state, int members, boolean dryRun,
                                         List<TopicPartition> partitions, ErrorCode error, String message) {
        Map<TopicPartition, OffsetChange> each = new LinkedHashMap<>();
        partitions.forEach(tp -> each.put(tp, new OffsetChange(tp, -1, -1, error, message)));
        return new OffsetsChange(groupId, state, members, dryRun, each, error, message);
    }

    private static OffsetsChange unplanned(String groupId, GroupState state, int members, boolean dryRun,
                                           Map<TopicPartition, OffsetChange> plan, List<TopicPartition> unplanned) {
        List<String> reasons = unplanned.stream().map(tp -> plan.get(tp).errorMessage() != null
                ? plan.get(tp).errorMessage() : tp + ": " + plan.get(tp).error()).toList();
        String message = "nothing was changed: " + String.join("; ", reasons);
        Map<TopicPartition, OffsetChange> each = new LinkedHashMap<>();
        plan.forEach((tp, c) -> each.put(tp, c.succeeded()
                ? new OffsetChange(tp, c.previousOffset(), c.offset(), ErrorCode.OPERATION_NOT_ATTEMPTED, message)
                : c));
        return new OffsetsChange(groupId, state, members, dryRun, each, plan.get(unplanned.get(0)).error(), message);
    }

    static OffsetsChange committed(String groupId, GroupState state, int members,
                                      Map<TopicPartition, OffsetChange> plan, Commit commit) {
        if (commit.error() == ErrorCode.UNKNOWN_MEMBER_ID) {
            String message = "group '" + groupId + "' is not empty any more: its coordinator refused the commit "
                    + "(UNKNOWN_MEMBER_ID, as it does from outside a group with members); nothing was changed";
            return refused(groupId, state, members, false, List.copyOf(plan.keySet()), ErrorCode.NON_EMPTY_GROUP,
                    message);
        }
        if (!commit.succeeded()) {
            return refused(groupId, state, members, false, List.copyOf(plan.keySet()), commit.error(),
                    commit.errorMessage());
        }
        Map<TopicPartition, OffsetChange> each = new LinkedHashMap<>();
        plan.forEach((tp, c) -> {
            ErrorCode error = commit.partitions().getOrDefault(tp, ErrorCode.UNKNOWN_SERVER_ERROR);
            each.put(tp, new OffsetChange(tp, c.previousOffset(), c.offset(), error,
                    commit.partitions().containsKey(tp) ? null : Admin.NO_ANSWER));
        });
        return new OffsetsChange(groupId, state, members, false, each, ErrorCode.NONE, null);
    }

    /** How an admin OffsetCommit went: a group-level error, or each partition's. */
    record Commit(String groupId, Map<TopicPartition, ErrorCode> partitions, ErrorCode error, String errorMessage)
            implements Outcome {
    }

    /** Commits {@code plan} as an admin, without checking first that the group is empty. */
    CompletableFuture<Commit> commit(String groupId, Map<TopicPartition, OffsetChange> plan) {
        Map<String, List<OffsetCommitRequest.OffsetCommitRequestPartition>> byTopic = new TreeMap<>();
        new TreeMap<>(plan).forEach((tp, c) -> byTopic.computeIfAbsent(tp.topic(), t -> new ArrayList<>())
                .add(new OffsetCommitRequest.OffsetCommitRequestPartition()
                        .setPartitionIndex(tp.partition())
                        .setCommittedOffset(c.offset())
                        .setCommittedLeaderEpoch(-1)
                        .setCommittedMetadata("")));
        // Committing the same offsets twice leaves the same offsets: safe to repeat after a lost answer.
        return toCoordinators(List.of(groupId), false, true, (coordinator, groups) -> {
            IntFunction<ApiMessage> body = version -> {
                List<OffsetCommitRequest.OffsetCommitRequestTopic> topics = new ArrayList<>();
                byTopic.forEach((t, ps) -> topics.add(new OffsetCommitRequest.OffsetCommitRequestTopic()
                        .setName(t).setPartitions(ps)));
                return new OffsetCommitRequest().setGroupId(groupId).setGenerationIdOrMemberEpoch(-1).setMemberId("")
                        .setGroupInstanceId(null).setTopics(topics);
            };
            return client.send(coordinator, ChannelKind.OTHER, ApiKey.OFFSET_COMMIT, body, MAX_OFFSET_COMMIT_VERSION)
                    .thenApply(response -> Map.of(groupId, commitResult(groupId, (OffsetCommitResponse) response)));
        }, (group, error, message) -> new Commit(group, Map.of(), error, message)).thenApply(r -> r.get(groupId));
    }

    static Commit commitResult(String groupId, OffsetCommitResponse response) {
        Map<TopicPartition, ErrorCode> partitions = new HashMap<>();
        ErrorCode group = ErrorCode.NONE;
        for (OffsetCommitResponse.OffsetCommitResponseTopic t : response.topics()) {
            for (OffsetCommitResponse.OffsetCommitResponsePartition p : t.partitions()) {
                ErrorCode error = ErrorCode.forCode(p.errorCode());
                partitions.put(new TopicPartition(t.name(), p.partitionIndex()), error);
                if (group == ErrorCode.NONE && GROUP_ERRORS.contains(error)) {
                    group = error;
                }
            }
        }
        return new Commit(groupId, partitions, group, null);
    }

    // --------------------------------------------------------------- members

    CompletableFuture<MembersRemoval> removeStaticMembers(String groupId, List<String> instanceIds) {
        // Not repeated after a lost answer: the second LeaveGroup would report the removed members as unknown.
        return toCoordinators(List.of(groupId), false, false, (coordinator, groups) -> {
            // v3 (Kafka 2.4, KIP-345) names members by identity; an older broker fails the encoding, and so the group.
            IntFunction<ApiMessage> body = version -> {
                List<LeaveGroupRequest.MemberIdentity> members = new ArrayList<>();
                instanceIds.forEach(id -> members.add(new LeaveGroupRequest.MemberIdentity()
                        .setMemberId("").setGroupInstanceId(id).setReason(version >= 5 ? LEAVE_REASON : null)));
                return new LeaveGroupRequest().setGroupId(groupId).setMembers(members);
            };
            return client.send(coordinator, ChannelKind.OTHER, ApiKey.LEAVE_GROUP, body,
                            ApiKey.LEAVE_GROUP.latestStableVersion())
                    .thenApply(response -> Map.of(groupId, removed(groupId, instanceIds, (LeaveGroupResponse) response)));
        }, (group, error, message) -> notRemoved(group, instanceIds, error, message)).thenApply(r -> r.get(groupId));
    }

    private static MembersRemoval removed(String groupId, List<String> asked, LeaveGroupResponse r) {
        ErrorCode error = ErrorCode.forCode(r.errorCode());
        if (error != ErrorCode.NONE) {
            return notRemoved(groupId, asked, error, null);
        }
        Map<String, StaticMemberOutcome> answered = new HashMap<>();
        for (LeaveGroupResponse.MemberResponse m : r.members()) {
            if (m.groupInstanceId() != null) {
                answered.put(m.groupInstanceId(), new StaticMemberOutcome(m.groupInstanceId(),
                        ErrorCode.forCode(m.errorCode()), null));
            }
        }
        return new MembersRemoval(groupId, Admin.inOrder(asked, answered,
                id -> new StaticMemberOutcome(id, ErrorCode.UNKNOWN_SERVER_ERROR, Admin.NO_ANSWER)), ErrorCode.NONE, null);
    }

    private static MembersRemoval notRemoved(String groupId, List<String> asked, ErrorCode error, String message) {
        Map<String, StaticMemberOutcome> each = new LinkedHashMap<>();
        asked.forEach(id -> each.put(id, new StaticMemberOutcome(id, error, message)));
        return new MembersRemoval(groupId, each, error, message);
    }

    // --------------------------------------------------------------- routing

    /** Sends one batch of groups, all coordinated by {@code coordinator}, and reads the per-group results. */
    @FunctionalInterface
    interface GroupCall<R> {
        CompletableFuture<Map<String, R>> send(int coordinator, List<String> groups);
    }

    /** The result for a group that got no answer of its own. */
    @FunctionalInterface
    interface GroupFailure<R> {
        R of(String groupId, ErrorCode error, String message);
    }

    /**
     * Each group to its coordinator ({@code batch}: one request per
     * coordinator for all its groups), again after a backoff for the groups
     * whose coordinator moved, is loading, or could not be reached; a request
     * that may have reached the broker goes again only when {@code safeToRepeat}.
     */
    private <R extends Outcome> CompletableFuture<Map<String, R>> toCoordinators(List<String> groups, boolean batch,
            boolean safeToRepeat, GroupCall<R> call, GroupFailure<R> failure) {
        if (groups.isEmpty()) {
            return CompletableFuture.completedFuture(Map.of());
        }
        Map<String, R> results = new ConcurrentHashMap<>();
        return round(groups, batch, safeToRepeat, call, failure, results, 1)
                .thenApply(ignored -> Admin.inOrder(groups, results,
                        g -> failure.of(g, ErrorCode.UNKNOWN_SERVER_ERROR, Admin.NO_ANSWER)));
    }

    private <R extends Outcome> CompletableFuture<Void> round(List<String> pending, boolean batch, boolean safeToRepeat,
                                                              GroupCall<R> call, GroupFailure<R> failure,
                                                              Map<String, R> results, int attempt) {
        Map<String, R> round = new ConcurrentHashMap<>();
        Set<String> again = ConcurrentHashMap.newKeySet();
        Map<Integer, List<String>> byCoordinator = new ConcurrentHashMap<>();
        CompletableFuture<?>[] lookups = pending.stream()
                .map(group -> client.coordinator(CoordinatorType.GROUP, group).handle((node, error) -> {
                    if (error != null) {
                        // The lookup has retried on its own until the request timeout: final.
                        Throwable cause = unwrap(error);
                        round.put(group, failure.of(group, errorOf(cause),
                                "cannot find the coordinator of group '" + group + "': " + message(cause)));
                    } else {
                        byCoordinator.computeIfAbsent(node, n -> Collections.synchronizedList(new ArrayList<>()))
                                .add(group);
                    }
                    return null;
                }))
                .toArray(CompletableFuture[]::new);
        return CompletableFuture.allOf(lookups).thenCompose(looked -> {
            List<CompletableFuture<?>> sends = new ArrayList<>();
            byCoordinator.forEach((node, found) -> {
                List<String> groups = pending.stream().filter(found::contains).toList();
                List<List<String>> batches = batch ? List.of(groups) : groups.stream().map(List::of).toList();
                for (List<String> b : batches) {
                    CompletableFuture<Map<String, R>> sent;
                    try {
                        sent = call.send(node, b);
                    } catch (RuntimeException e) {
                        sent = CompletableFuture.failedFuture(e);
                    }
                    sends.add(sent.handle((answered, error) -> {
                        if (error != null) {
                            Throwable cause = unwrap(error);
                            boolean repeat = cause instanceof NetworkException n && (safeToRepeat || !n.requestSent());
                            for (String group : b) {
                                if (cause instanceof NetworkException) {
                                    client.invalidateCoordinator(CoordinatorType.GROUP, group);
                                }
                                round.put(group, failure.of(group, errorOf(cause),
                                        "coordinator " + node + ": " + message(cause)));
                                if (repeat) {
                                    again.add(group);
                                }
                            }
                            return null;
                        }
                        for (String group : b) {
                            R r = answered.get(group);
                            if (r == null) {
                                r = failure.of(group, ErrorCode.UNKNOWN_SERVER_ERROR, Admin.NO_ANSWER);
                            }
                            round.put(group, r);
                            if (COORDINATOR_ERRORS.contains(r.error())) {
                                if (r.error() != ErrorCode.COORDINATOR_LOAD_IN_PROGRESS) {
                                    client.invalidateCoordinator(CoordinatorType.GROUP, group);
                                }
                                again.add(group);
                            }
                        }
                        return null;
                    }));
                }
            });
            return CompletableFuture.allOf(sends.toArray(CompletableFuture[]::new)).thenCompose(sent -> {
                List<String> retry = new ArrayList<>();
                for (String group : pending) {
                    if (again.contains(group) && attempt < GROUP_ATTEMPTS && !closed.getAsBoolean()) {
                        retry.add(group);
                    } else {
                        results.put(group, round.get(group));
                    }
                }
                if (retry.isEmpty()) {
                    return CompletableFuture.<Void>completedFuture(null);
                }
                Duration backoff = backoff(attempt);
                LOG.debug("retrying {} group(s) after {} ms (attempt {} of {}): {}", retry.size(), backoff.toMillis(),
                        attempt + 1, GROUP_ATTEMPTS, retry);
                return client.delay(backoff)
                        .thenCompose(x -> round(retry, batch, safeToRepeat, call, failure, results, attempt + 1));
            });
        });
    }

    private Duration backoff(int attempt) {
        return Duration.ofMillis(Backoff.exponential(attempt - 1, retryBackoffMillis, retryBackoffMaxMillis));
    }

    private static CompletableFuture<OffsetsChange> done(OffsetsChange change) {
        return CompletableFuture.completedFuture(change);
    }

    private static Map<String, List<Integer>> byTopic(Collection<TopicPartition> partitions) {
        Map<String, List<Integer>> byTopic = new TreeMap<>();
        for (TopicPartition tp : new TreeSet<>(partitions)) {
            byTopic.computeIfAbsent(tp.topic(), t -> new ArrayList<>()).add(tp.partition());
        }
        return byTopic;
    }

    private static Throwable unwrap(Throwable error) {
        return error instanceof CompletionException && error.getCause() != null ? error.getCause() : error;
    }

    /** The error code that best names a failure that came as an exception rather than in an answer. */
    static ErrorCode errorOf(Throwable cause) {
        if (cause instanceof BrokerException b) {
            return b.errorCode();
        }
        if (cause instanceof RetriableBrokerException b) {
            return b.errorCode();
        }
        if (cause instanceof UnsupportedVersionException) {
            return ErrorCode.UNSUPPORTED_VERSION;
        }
        if (cause instanceof RequestTimeoutException) {
            return ErrorCode.REQUEST_TIMED_OUT;
        }
        if (cause instanceof NetworkException) {
            return ErrorCode.NETWORK_EXCEPTION;
        }
        return ErrorCode.UNKNOWN_SERVER_ERROR;
    }

    private static String message(Throwable t) {
        return t.getMessage() != null ? t.getMessage() : t.toString();
    }
}
