package dev.josef.kafka.consumer;

import dev.josef.kafka.consumer.internal.balancer.Assignments;
import dev.josef.kafka.consumer.spi.GroupBalancer;
import dev.josef.kafka.net.internal.ClusterMetadata;
import dev.josef.kafka.protocol.ApiKey;
import dev.josef.kafka.protocol.ErrorCode;
import dev.josef.kafka.protocol.KafkaException;
import dev.josef.kafka.protocol.TopicPartition;
import dev.josef.kafka.protocol.message.ApiMessage;
import dev.josef.kafka.protocol.message.HeartbeatRequest;
import dev.josef.kafka.protocol.message.HeartbeatResponse;
import dev.josef.kafka.protocol.message.JoinGroupRequest;
import dev.josef.kafka.protocol.message.JoinGroupResponse;
import dev.josef.kafka.protocol.message.LeaveGroupRequest;
import dev.josef.kafka.protocol.message.SyncGroupRequest;
import dev.josef.kafka.protocol.message.SyncGroupResponse;

import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.LongSupplier;

/**
 * A member of a consumer group on the classic protocol (JoinGroup, SyncGroup,
 * Heartbeat, LeaveGroup); its offset commits go through {@link GroupCommits}
 * in the generation they were asked in.
 *
 * <p>Threads: every field is owned by the group thread, which calls
 * {@link #runOnce}; answers and the application's requests reach it as events
 * through {@link #post}. Work that belongs to the application (rebalance
 * callbacks, the commit before partitions are given up) goes to {@link Steps},
 * which runs it on the application's thread and completes a future the member
 * waits on; heartbeats go on meanwhile, so slow application work never costs the
 * membership until the rebalance timeout.
 *
 * <p>Rebalances: eager members give up everything before they join (a REVOKE
 * step), then get their whole assignment (ASSIGN). Cooperative members (KIP-429)
 * keep what they own while joining; after SyncGroup, what they lost is revoked
 * and they join again, so a partition changes owner across two rebalances and is
 * never owned twice.
 */
final class ClassicMember extends AbstractGroupMember {
    /** kafka-clients' margin over the rebalance timeout for a JoinGroup's answer. */
    private static final long JOIN_MARGIN_NANOS = TimeUnit.SECONDS.toNanos(5);
    /** How often subscribed topics the cluster does not describe yet are looked up again. */
    private static final long MISSING_TOPIC_RETRY_NANOS = TimeUnit.SECONDS.toNanos(1);
    private static final short JOIN_VERSION = 9;
    private static final short SYNC_VERSION = 5;
    private static final short HEARTBEAT_VERSION = 4;
    private static final short LEAVE_VERSION = 5;

    enum State {
        /** No generation; joins when it has a subscription and its backoff has passed. */
        UNJOINED,
        /** Eager: waiting for the application to give up its partitions before joining. */
        REVOKING,
        JOINING,
        /** The leader, waiting for metadata of the group's topics to run its balancer. */
        ASSIGNING,
        SYNCING,
        STABLE,
        /** A fatal error: nothing more is done. */
        FAILED,
        /** Left the group (closed or unsubscribed for good). */
        LEFT
    }

    private State state = State.UNJOINED;
    private Set<String> topics = Set.of();
    /** Whether the application subscribed: a pattern that matches nothing still makes a member (of nothing). */
    private boolean subscribed;
    private String memberId = "";
    private int generation = -1;
    private String protocolName;
    private boolean leader;
    /** What the member owns in the protocol's eyes: sent as owned partitions when it joins. */
    private Set<TopicPartition> owned = Set.of();
    /** Its last assignment and that assignment's generation, for a sticky balancer's user data. */
    private Set<TopicPartition> lastAssigned = Set.of();
    private int lastAssignedGeneration = -1;
    /** Changes whenever the member's generation is dropped, so answers to older requests are ignored. */
    private int incarnation;

    private boolean rejoinNeeded;
    private String rejoinReason = "";
    /** A cooperative revoke the application has not finished: the member rejoins once it has. */
    private boolean revokePending;
    /** Partitions a cooperative revoke is giving up: still this member's until the application is done. */
    private final Set<TopicPartition> revoking = new TreeSet<>();

    private boolean heartbeatInFlight;
    private long nextHeartbeatAt;
    private long lastHeartbeatOkAt;

    /** Partition counts of the topics the member watches (the leader: the whole group's), to rejoin on change. */
    private Map<String, Integer> watched = Map.of();
    private ClusterMetadata seenMetadata;
    private long metadataRefreshAt;
    private boolean metadataRefreshing;

    ClassicMember(GroupSettings settings, GroupNetwork net, LongSupplier clock, Steps steps, String clientId) {
        super(settings, net, clock, steps, clientId);
    }

    @Override
    protected GroupCommits.Member commitsMember() {
        return new ClassicCommits();
    }

    @Override
    protected boolean finished() {
        return state == State.FAILED || state == State.LEFT;
    }

    @Override
    protected boolean inGroup() {
        return generation >= 0;
    }

    /** What the commits need of the membership, and what their answers tell it. */
    private final class ClassicCommits extends CommitsMember {
        @Override
        public int incarnation() {
            return incarnation;
        }

        @Override
        public int generation() {
            return generation;
        }

        @Override
        public String memberId() {
            return memberId;
        }

        @Override
        public boolean rebalancing() {
            return state == State.JOINING || state == State.ASSIGNING || state == State.SYNCING;
        }

        @Override
        public void epochStale() {
            // Only KIP-848's coordinator answers this; a classic member retries after the backoff.
        }

        @Override
        public void rebalanceSeen() {
            if (state == State.STABLE) {
                requestRejoin("the group is rebalancing");
            }
        }

        @Override
        public void fenced(ErrorCode code, int gen, int at) {
            if (code == ErrorCode.FENCED_INSTANCE_ID) {
                fail(code, "committing offsets of group " + settings.groupId() + " failed");
            } else if (incarnation == at && gen >= 0 && gen == generation) {
                lose("OffsetCommit answered " + code);
                if (code == ErrorCode.UNKNOWN_MEMBER_ID) {
                    memberId = "";
                }
            }
        }
    }

    // ---- from other threads ----

    /** The topics the member subscribes to; empty stops it from joining (after it leaves). */
    @Override
    public void subscribe(Set<String> topics) {
        Set<String> copy = Set.copyOf(topics);
        post(() -> {
            if (state == State.FAILED || state == State.LEFT || (subscribed && copy.equals(this.topics))) {
                return;
            }
            this.topics = copy;
            subscribed = true;
            metadataRefreshAt = 0;
            if (state != State.UNJOINED) {
                requestRejoin("the subscription changed to " + new TreeSet<>(copy));
            }
        });
    }

    /** The application polled: it is alive, and a member that gave up for lack of polls may join again. */
    @Override
    public void polled() {
        lastPollAt = clock.getAsLong();
        if (waitingForPoll) {
            post(() -> waitingForPoll = false);
        }
    }

    /**
     * Leaves the group (a dynamic member) and joins no more until it subscribes
     * again; the future completes once the member has taken this in, so no step
     * it hands over afterwards belongs to the old subscription.
     */
    @Override
    public CompletableFuture<Void> unsubscribe() {
        CompletableFuture<Void> done = new CompletableFuture<>();
        post(() -> {
            done.complete(null);
            if (state == State.FAILED || state == State.LEFT) {
                return;
            }
            sendLeave("the consumer unsubscribed");
            topics = Set.of();
            subscribed = false;
            owned = Set.of();
            revoking.clear();
            resetGeneration();
            if (settings.instanceId().isEmpty()) {
                memberId = "";
            }
            state = State.UNJOINED;
        });
        return done;
    }

    /** The application let held rebalance steps go on: a member that gave up may join again. */
    @Override
    public void allowed() {
        post(() -> heldOff = false);
    }

    private void giveUpWhenCommitted() {
        if (givingUp == null || !commits.idle()) {
            return;
        }
        String why = givingUp;
        givingUp = null;
        log.warn("consumer {}: leaving group {}: {}", clientId, settings.groupId(), why);
        sendLeave(why);
        lose(why);
        if (settings.instanceId().isEmpty()) {
            memberId = "";
        }
        heldOff = true;
    }

    /**
     * Leaves once the commits asked for before are answered, so a commit made in
     * onRevoked (even an async one) reaches the coordinator before the LeaveGroup.
     */
    private void leaveWhenCommitted() {
        if (leaving == null || !commits.idle()) {
            return;
        }
        CompletableFuture<Void> done = leaving;
        leaving = null;
        sendLeave(leaveReason).whenComplete((r, e) -> done.complete(null));
        state = State.LEFT;
        commits.failAll("the member left the group", fatal);
    }

    // ---- the group thread ----

    /** Runs events, then whatever is due; returns nanos until something is due. */
    @Override
    public long runOnce() {
        if (runEvents()) {
            return TimeUnit.SECONDS.toNanos(1);
        }
        long now = clock.getAsLong();
        long wait = settings.heartbeatInterval().toNanos();
        checkPollInterval(now);
        wait = Math.min(wait, watchMetadata(now));
        if (coordinator < 0) {
            if (leaving != null && generation < 0 && commits.isEmpty()) {
                leaveWhenCommitted(); // nothing to commit and no generation: there is nobody to tell
                return settings.retryBackoff().toNanos(); // an answer still out wakes the thread
            }
            if (needsCoordinator()) {
                findCoordinator(now);
            }
            return Math.max(1, Math.min(wait, retryAt > now ? retryAt - now : settings.retryBackoff().toNanos()));
        }
        wait = Math.min(wait, commits.send(now));
        leaveWhenCommitted();
        giveUpWhenCommitted();
        if (state == State.LEFT) {
            return TimeUnit.SECONDS.toNanos(1);
        }
        wait = Math.min(wait, heartbeat(now));
        if (state == State.STABLE && rejoinNeeded && !revokePending) {
            state = State.UNJOINED;
        }
        if (state == State.UNJOINED && subscribed && !waitingForPoll && !heldOff && leaving == null) {
            if (now < retryAt) {
                wait = Math.min(wait, retryAt - now);
            } else if (!commits.idle()) {
                // A commit asked for before this join (in onRevoked, say) reaches the coordinator first, in
                // the generation it was made in.
                wait = Math.min(wait, settings.retryBackoff().toNanos());
            } else if (settings.protocol() == GroupBalancer.Protocol.EAGER && !owned.isEmpty()) {
                revokeBeforeJoin();
            } else {
                join(now);
            }
        }
        return Math.max(1, wait);
    }

    private boolean needsCoordinator() {
        return !commits.isEmpty() || (subscribed && !waitingForPoll) || generation >= 0 || leaving != null;
    }

    private void requestRejoin(String reason) {
        if (!rejoinNeeded) {
            log.info("consumer {}: rejoining group {}: {}", clientId, settings.groupId(), reason);
        }
        rejoinNeeded = true;
        rejoinReason = reason;
    }

    // ---- joining ----

    private void revokeBeforeJoin() {
        state = State.REVOKING;
        int at = incarnation;
        Set<TopicPartition> giving = owned;
        steps.revoke(giving).whenComplete((r, e) -> post(() -> {
            if (state != State.REVOKING || incarnation != at) {
                return; // lost meanwhile: the partitions went as lost, and the member joins from scratch
            }
            owned = Set.of();
            state = State.UNJOINED;
            retryAt = 0;
        }));
    }

    private void join(long now) {
        state = State.JOINING;
        rejoinNeeded = false;
        String reason = rejoinReason;
        rejoinReason = "";
        int at = ++incarnation;
        List<JoinGroupRequest.JoinGroupRequestProtocol> protocols = new ArrayList<>();
        List<TopicPartition> ownedNow = settings.protocol() == GroupBalancer.Protocol.COOPERATIVE
                ? new ArrayList<>(owned) : List.of();
        for (GroupBalancer b : settings.balancers()) {
            java.nio.ByteBuffer userData;
            try {
                userData = b.userData(topics, lastAssigned, lastAssignedGeneration);
            } catch (RuntimeException e) {
                log.warn("consumer {}: balancer {} failed to write its subscription data; sending none", clientId,
                        b.name(), e);
                userData = null;
            }
            protocols.add(new JoinGroupRequest.JoinGroupRequestProtocol().setName(b.name())
                    .setMetadata(ConsumerProtocol.subscription(topics, userData, ownedNow, lastAssignedGeneration,
                            settings.rack())));
        }
        String id = memberId;
        JoinGroupRequest request = new JoinGroupRequest()
                .setGroupId(settings.groupId())
                .setSessionTimeoutMs(millis(settings.sessionTimeout()))
                .setRebalanceTimeoutMs(millis(settings.rebalanceTimeout()))
                .setMemberId(id)
                .setGroupInstanceId(settings.instanceId().orElse(null))
                .setProtocolType(ConsumerProtocol.PROTOCOL_TYPE)
                .setProtocols(protocols)
                .setReason(reason.isEmpty() ? null : reason);
        Duration timeout = Duration.ofNanos(Math.max(settings.requestTimeout().toNanos(),
                settings.rebalanceTimeout().toNanos() + JOIN_MARGIN_NANOS));
        log.debug("consumer {}: JoinGroup {} as '{}' (generation {}, owning {})", clientId, settings.groupId(), id,
                generation, ownedNow);
        net.send(coordinator, ApiKey.JOIN_GROUP, v -> request, JOIN_VERSION, timeout)
                .whenComplete((response, error) -> post(() -> joined(at, (JoinGroupResponse) response, error)));
    }

    private void joined(int at, JoinGroupResponse response, Throwable error) {
        if (state != State.JOINING || incarnation != at) {
            return;
        }
        long now = clock.getAsLong();
        state = State.UNJOINED;
        if (error != null) {
            coordinatorLost("JoinGroup failed: " + cause(error).getMessage());
            retryAt = now + settings.retryBackoff().toNanos();
            return;
        }
        ErrorCode code = ErrorCode.forCode(response.errorCode());
        switch (code) {
            case NONE -> {
                memberId = response.memberId();
                generation = response.generationId();
                protocolName = response.protocolName();
                leader = memberId.equals(response.leader());
                log.info("consumer {}: joined group {} in generation {} as {}{} (protocol {})", clientId,
                        settings.groupId(), generation, memberId, leader ? ", its leader" : "", protocolName);
                if (leader && !response.skipAssignment()) {
                    lead(at, response.members());
                } else {
                    if (leader) {
                        // KIP-814: a static leader that came back keeps the group's assignment; it still
                        // watches the group's topics as a leader does.
                        log.debug("consumer {}: the coordinator skips the assignment (KIP-814)", clientId);
                        watchGroupTopics(response.members());
                    }
                    sync(at, List.of());
                }
            }
            case MEMBER_ID_REQUIRED -> {
                // KIP-394: join again at once with the id the coordinator gave.
                memberId = response.memberId();
                retryAt = 0;
            }
            case UNKNOWN_MEMBER_ID -> {
                // The group went on without this member (a cooperative one may still hold partitions): lost.
                lose("JoinGroup answered " + code);
                memberId = "";
                retryAt = 0;
            }
            case ILLEGAL_GENERATION -> {
                lose("JoinGroup answered " + code);
                retryAt = 0;
            }
            case NOT_COORDINATOR, COORDINATOR_NOT_AVAILABLE -> {
                coordinatorLost("JoinGroup answered " + code);
                retryAt = now + settings.retryBackoff().toNanos();
            }
            case COORDINATOR_LOAD_IN_PROGRESS, REBALANCE_IN_PROGRESS, REQUEST_TIMED_OUT -> retryAt =
                    now + settings.retryBackoff().toNanos();
            default -> fail(code, "joining group " + settings.groupId() + " failed");
        }
    }

    /** A leader that skips the assignment watches every member's topics for new partitions. */
    private void watchGroupTopics(List<JoinGroupResponse.JoinGroupResponseMember> members) {
        Map<String, Integer> counts = new HashMap<>();
        for (JoinGroupResponse.JoinGroupResponseMember m : members) {
            try {
                for (String t : ConsumerProtocol.subscription(m.metadata()).topics()) {
                    ClusterMetadata.Topic topic = net.metadata().topics().get(t);
                    counts.put(t, topic == null || topic.error() != ErrorCode.NONE ? 0 : topic.partitions().size());
                }
            } catch (IllegalArgumentException e) {
                log.debug("consumer {}: member {}'s subscription does not parse", clientId, m.memberId());
            }
        }
        watched = counts;
    }

    /** The leader: decode the members' subscriptions, get their topics' metadata, run the balancer. */
    private void lead(int at, List<JoinGroupResponse.JoinGroupResponseMember> members) {
        state = State.ASSIGNING;
        Map<String, GroupBalancer.Member> parsed = new LinkedHashMap<>();
        Set<String> groupTopics = new TreeSet<>();
        for (JoinGroupResponse.JoinGroupResponseMember m : members) {
            ConsumerProtocol.Subscription s;
            try {
                s = ConsumerProtocol.subscription(m.metadata());
            } catch (IllegalArgumentException e) {
                log.warn("consumer {}: member {} of group {} sent a subscription that does not parse; it gets "
                        + "nothing: {}", clientId, m.memberId(), settings.groupId(), e.getMessage());
                s = new ConsumerProtocol.Subscription(List.of(), null, List.of(), -1, Optional.empty());
            }
            parsed.put(m.memberId(), new GroupBalancer.Member(m.memberId(), Optional.ofNullable(m.groupInstanceId()),
                    s.topics(), s.userData(), s.owned(), s.generation(), s.rack()));
            groupTopics.addAll(s.topics());
        }
        net.refreshMetadata(groupTopics, false).whenComplete((m, e) -> post(() -> assign(at, parsed, groupTopics)));
    }

    private void assign(int at, Map<String, GroupBalancer.Member> members, Set<String> groupTopics) {
        if (state != State.ASSIGNING || incarnation != at) {
            return;
        }
        ClusterMetadata metadata = net.metadata();
        Map<String, GroupBalancer.Topic> known = new HashMap<>();
        for (String t : groupTopics) {
            ClusterMetadata.Topic topic = metadata.topics().get(t);
            if (topic != null && topic.error() == ErrorCode.NONE && !topic.partitions().isEmpty()) {
                // Replica racks, for rack-aware balancing (KIP-881) when members send theirs.
                Map<Integer, Set<String>> racks = new HashMap<>();
                for (ClusterMetadata.Partition p : topic.partitions()) {
                    Set<String> r = new TreeSet<>();
                    p.replicas().forEach(node -> {
                        String rack = metadata.racks().get(node);
                        if (rack != null) {
                            r.add(rack);
                        }
                    });
                    racks.put(p.index(), r);
                }
                known.put(t, new GroupBalancer.Topic(t, topic.partitions().size(), racks));
            }
        }
        GroupBalancer balancer = settings.balancers().stream().filter(b -> b.name().equals(protocolName)).findFirst()
                .orElse(null);
        Map<String, List<TopicPartition>> result;
        try {
            if (balancer == null) {
                throw new IllegalStateException("the coordinator chose protocol " + protocolName
                        + ", which this member did not offer");
            }
            result = balancer.assign(members, known);
            Assignments.check(settings.protocol(), members, known, result);
        } catch (RuntimeException e) {
            log.error("consumer {}: as leader of group {}, balancer {} failed; joining again", clientId,
                    settings.groupId(), protocolName, e);
            state = State.UNJOINED;
            retryAt = clock.getAsLong() + settings.retryBackoff().toNanos();
            return;
        }
        Map<String, Integer> counts = new HashMap<>();
        known.forEach((t, topic) -> counts.put(t, topic.partitions()));
        groupTopics.forEach(t -> counts.putIfAbsent(t, 0));
        watched = counts;
        log.info("consumer {}: as leader of group {} (generation {}), {} assigned {}", clientId, settings.groupId(),
                generation, protocolName, result);
        List<SyncGroupRequest.SyncGroupRequestAssignment> assignments = new ArrayList<>();
        result.forEach((member, partitions) -> assignments.add(new SyncGroupRequest.SyncGroupRequestAssignment()
                .setMemberId(member).setAssignment(ConsumerProtocol.assignment(partitions))));
        sync(at, assignments);
    }

    private void sync(int at, List<SyncGroupRequest.SyncGroupRequestAssignment> assignments) {
        state = State.SYNCING;
        int gen = generation;
        SyncGroupRequest request = new SyncGroupRequest()
                .setGroupId(settings.groupId())
                .setGenerationId(gen)
                .setMemberId(memberId)
                .setGroupInstanceId(settings.instanceId().orElse(null))
                .setProtocolType(ConsumerProtocol.PROTOCOL_TYPE)
                .setProtocolName(protocolName)
                .setAssignments(assignments);
        Duration timeout = Duration.ofNanos(Math.max(settings.requestTimeout().toNanos(),
                settings.rebalanceTimeout().toNanos() + JOIN_MARGIN_NANOS));
        net.send(coordinator, ApiKey.SYNC_GROUP, v -> request, SYNC_VERSION, timeout)
                .whenComplete((response, error) -> post(() -> synced(at, (SyncGroupResponse) response, error)));
    }

    private void synced(int at, SyncGroupResponse response, Throwable error) {
        if (state != State.SYNCING || incarnation != at) {
            return;
        }
        long now = clock.getAsLong();
        state = State.UNJOINED;
        if (error != null) {
            coordinatorLost("SyncGroup failed: " + cause(error).getMessage());
            retryAt = now + settings.retryBackoff().toNanos();
            return;
        }
        ErrorCode code = ErrorCode.forCode(response.errorCode());
        switch (code) {
            case NONE -> {
                List<TopicPartition> assigned;
                try {
                    assigned = ConsumerProtocol.assignment(response.assignment());
                } catch (IllegalArgumentException e) {
                    log.error("consumer {}: group {}'s assignment does not parse; joining again", clientId,
                            settings.groupId(), e);
                    retryAt = now + settings.retryBackoff().toNanos();
                    return;
                }
                adopt(new TreeSet<>(assigned), now);
            }
            case REBALANCE_IN_PROGRESS, COORDINATOR_LOAD_IN_PROGRESS, REQUEST_TIMED_OUT -> retryAt = 0;
            case ILLEGAL_GENERATION -> {
                lose("SyncGroup answered " + code);
                retryAt = 0;
            }
            case UNKNOWN_MEMBER_ID -> {
                lose("SyncGroup answered " + code);
                memberId = "";
                retryAt = 0;
            }
            case NOT_COORDINATOR, COORDINATOR_NOT_AVAILABLE -> {
                coordinatorLost("SyncGroup answered " + code);
                retryAt = now + settings.retryBackoff().toNanos();
            }
            default -> fail(code, "joining group " + settings.groupId() + " failed at SyncGroup");
        }
    }

    /** The assignment of this generation: what is gone is revoked, what is new assigned. */
    private void adopt(Set<TopicPartition> assigned, long now) {
        Set<TopicPartition> revoked = new TreeSet<>(owned);
        revoked.removeAll(assigned);
        Set<TopicPartition> added = new TreeSet<>(assigned);
        added.removeAll(owned);
        owned = Set.copyOf(assigned);
        lastAssigned = owned;
        lastAssignedGeneration = generation;
        state = State.STABLE;
        lastHeartbeatOkAt = now;
        nextHeartbeatAt = now + settings.heartbeatInterval().toNanos();
        if (!leader || watched.isEmpty()) {
            Map<String, Integer> counts = new HashMap<>(watched);
            for (String t : topics) {
                ClusterMetadata.Topic topic = net.metadata().topics().get(t);
                counts.put(t, topic == null || topic.error() != ErrorCode.NONE ? 0 : topic.partitions().size());
            }
            watched = counts;
        }
        Set<String> unsubscribed = new TreeSet<>();
        for (TopicPartition tp : assigned) {
            if (!topics.contains(tp.topic())) {
                unsubscribed.add(tp.topic());
            }
        }
        log.info("consumer {}: group {} generation {}: assigned {}{}", clientId, settings.groupId(), generation,
                assigned, revoked.isEmpty() ? "" : ", revoking " + revoked);
        if (!revoked.isEmpty()) {
            // KIP-429: what moves to another member is given up now, and the member joins again so the
            // leader can hand it on.
            revokePending = true;
            revoking.addAll(revoked);
            int at = incarnation;
            steps.revoke(revoked).whenComplete((r, e) -> post(() -> {
                if (incarnation == at) {
                    revokePending = false;
                    revoking.removeAll(revoked);
                    requestRejoin("partitions " + revoked + " were revoked for another member");
                }
            }));
        }
        // Called even when nothing is new, as kafka-clients calls onPartitionsAssigned.
        steps.assign(added);
        if (!unsubscribed.isEmpty()) {
            requestRejoin("the assignment holds topics " + unsubscribed + " the member does not subscribe to");
        }
    }

    // ---- heartbeats ----

    private long heartbeat(long now) {
        boolean member = generation >= 0 && (state == State.STABLE || state == State.REVOKING);
        if (!member) {
            return Long.MAX_VALUE;
        }
        if (now - lastHeartbeatOkAt > settings.sessionTimeout().toNanos()) {
            coordinatorLost("no heartbeat was answered within the session timeout");
            lastHeartbeatOkAt = now;
            return settings.retryBackoff().toNanos();
        }
        if (heartbeatInFlight) {
            return settings.heartbeatInterval().toNanos();
        }
        if (now < nextHeartbeatAt) {
            return nextHeartbeatAt - now;
        }
        heartbeatInFlight = true;
        nextHeartbeatAt = now + settings.heartbeatInterval().toNanos();
        int at = incarnation;
        int gen = generation;
        HeartbeatRequest request = new HeartbeatRequest()
                .setGroupId(settings.groupId())
                .setGenerationId(gen)
                .setMemberId(memberId)
                .setGroupInstanceId(settings.instanceId().orElse(null));
        net.send(coordinator, ApiKey.HEARTBEAT, v -> request, HEARTBEAT_VERSION, settings.requestTimeout())
                .whenComplete((response, error) -> post(() -> heartbeatAnswered(at, (HeartbeatResponse) response,
                        error)));
        return settings.heartbeatInterval().toNanos();
    }

    private void heartbeatAnswered(int at, HeartbeatResponse response, Throwable error) {
        heartbeatInFlight = false;
        long now = clock.getAsLong();
        if (incarnation != at || (state != State.STABLE && state != State.REVOKING)) {
            return;
        }
        if (error != null) {
            coordinatorLost("a heartbeat failed: " + cause(error).getMessage());
            nextHeartbeatAt = now + settings.retryBackoff().toNanos();
            return;
        }
        ErrorCode code = ErrorCode.forCode(response.errorCode());
        switch (code) {
            case NONE -> lastHeartbeatOkAt = now;
            case REBALANCE_IN_PROGRESS -> {
                // The member is still in the group: a heartbeat during a rebalance keeps its session.
                lastHeartbeatOkAt = now;
                if (state == State.STABLE) {
                    requestRejoin("the group is rebalancing");
                }
            }
            case ILLEGAL_GENERATION -> lose("a heartbeat answered " + code);
            case UNKNOWN_MEMBER_ID -> {
                lose("a heartbeat answered " + code);
                memberId = "";
            }
            case NOT_COORDINATOR, COORDINATOR_NOT_AVAILABLE -> {
                coordinatorLost("a heartbeat answered " + code);
                nextHeartbeatAt = now + settings.retryBackoff().toNanos();
            }
            case COORDINATOR_LOAD_IN_PROGRESS, REQUEST_TIMED_OUT -> nextHeartbeatAt =
                    now + settings.retryBackoff().toNanos();
            default -> fail(code, "the heartbeat of group " + settings.groupId() + " failed");
        }
    }

    // ---- losing and failing ----

    /** The group took the member's partitions away (it was fenced or timed out): lose them, join afresh. */
    private void lose(String why) {
        // What a cooperative revoke was still giving up is lost too: the group has handed it on.
        Set<TopicPartition> lost = new TreeSet<>(owned);
        lost.addAll(revoking);
        revoking.clear();
        log.warn("consumer {}: lost its partitions {} of group {} (generation {}): {}", clientId, lost,
                settings.groupId(), generation, why);
        if (!lost.isEmpty()) {
            steps.lose(lost);
        }
        owned = Set.of();
        resetGeneration();
        state = State.UNJOINED;
    }

    private void resetGeneration() {
        generation = -1;
        incarnation++;
        revokePending = false;
        leader = false;
        heartbeatInFlight = false;
    }

    @Override
    protected void fail(ErrorCode code, String what) {
        KafkaException error = code.exception(what
                + (code == ErrorCode.FENCED_INSTANCE_ID ? "; group.instance.id " + settings.instanceId().orElse("")
                + " is used by another live consumer" : ""));
        log.error("consumer {}: {}", clientId, error.getMessage());
        Set<TopicPartition> lost = new TreeSet<>(owned);
        lost.addAll(revoking);
        revoking.clear();
        if (!lost.isEmpty()) {
            steps.lose(lost);
        }
        owned = Set.of();
        fatal = error;
        resetGeneration();
        state = State.FAILED;
        commits.failAll(error.getMessage(), fatal);
        steps.failed(error);
    }

    // ---- the application's liveness (max.poll.interval.ms) ----

    private void checkPollInterval(long now) {
        if (waitingForPoll || generation < 0 || !pollIntervalPassed(now)) {
            return;
        }
        sendLeave("the consumer did not poll within max.poll.interval.ms");
        lose("the application did not poll within max.poll.interval.ms");
        if (settings.instanceId().isEmpty()) {
            memberId = "";
        }
        waitingForPoll = true;
    }

    /**
     * A dynamic member sends LeaveGroup, a static one does not (KIP-345: it
     * comes back with its instance id within the session timeout and keeps its
     * partitions).
     */
    private CompletableFuture<ApiMessage> sendLeave(String reason) {
        if (settings.instanceId().isPresent() || memberId.isEmpty() || coordinator < 0) {
            return CompletableFuture.completedFuture(null);
        }
        String id = memberId;
        LeaveGroupRequest request = new LeaveGroupRequest().setGroupId(settings.groupId());
        log.info("consumer {}: leaving group {} ({})", clientId, settings.groupId(), reason);
        return net.send(coordinator, ApiKey.LEAVE_GROUP, v -> v >= 3
                ? request.setMembers(List.of(new LeaveGroupRequest.MemberIdentity().setMemberId(id)
                        .setReason(reason)))
                : request.setMemberId(id), LEAVE_VERSION, settings.requestTimeout());
    }

    // ---- metadata: rejoin when the subscribed topics' partitions change ----

    private long watchMetadata(long now) {
        if (topics.isEmpty()) {
            return Long.MAX_VALUE;
        }
        Set<String> wanted = new TreeSet<>(topics);
        wanted.addAll(watched.keySet());
        ClusterMetadata metadata = net.metadata();
        boolean missing = false;
        for (String t : topics) {
            ClusterMetadata.Topic topic = metadata.topics().get(t);
            missing |= topic == null || topic.error() != ErrorCode.NONE;
        }
        if (!metadataRefreshing && now >= metadataRefreshAt) {
            metadataRefreshing = true;
            metadataRefreshAt = now + (missing ? MISSING_TOPIC_RETRY_NANOS : settings.metadataMaxAge().toNanos());
            net.refreshMetadata(wanted, settings.allowAutoCreateTopics())
                    .whenComplete((m, e) -> post(() -> metadataRefreshing = false));
        }
        if (metadata != seenMetadata) {
            seenMetadata = metadata;
            if (state == State.STABLE) {
                for (Map.Entry<String, Integer> w : watched.entrySet()) {
                    ClusterMetadata.Topic topic = metadata.topics().get(w.getKey());
                    if (topic == null) {
                        continue; // not described in this snapshot: nothing is known to have changed
                    }
                    int count = topic.error() == ErrorCode.NONE ? topic.partitions().size() : 0;
                    if (count != w.getValue()) {
                        requestRejoin("topic " + w.getKey() + " has " + count + " partitions, not " + w.getValue());
                        break;
                    }
                }
            }
        }
        // While a refresh is out its answer wakes the thread; never a due time in the past (a spin).
        return metadataRefreshing ? Long.MAX_VALUE : Math.max(1, metadataRefreshAt - now);
    }

    // ---- for the consumer and the tests ----

    State state() {
        return state;
    }

    @Override
    public int generation() {
        return generation;
    }

    @Override
    public String memberId() {
        return memberId;
    }

    boolean isLeader() {
        return leader;
    }

    Set<TopicPartition> owned() {
        return owned;
    }

}
