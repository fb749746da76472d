package dev.josef.kafka.consumer;

import dev.josef.kafka.protocol.ApiKey;
import dev.josef.kafka.protocol.ErrorCode;
import dev.josef.kafka.protocol.KafkaException;
import dev.josef.kafka.protocol.TopicPartition;
import dev.josef.kafka.protocol.UnsupportedVersionException;
import dev.josef.kafka.protocol.Uuid;
import dev.josef.kafka.net.internal.ClusterMetadata;
import dev.josef.kafka.protocol.message.ConsumerGroupHeartbeatRequest;
import dev.josef.kafka.protocol.message.ConsumerGroupHeartbeatResponse;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.LongSupplier;

/**
 * A member of a consumer group on the next-generation protocol (KIP-848): one
 * request, ConsumerGroupHeartbeat, carries the subscription, the partitions the
 * member owns, and its epoch; the coordinator computes assignments itself (with
 * {@code group.remote.assignor}) and answers each heartbeat with the member's
 * epoch and, when it changed, the whole assignment the member may use now.
 *
 * <p>Reconciliation: on a new assignment the member revokes what it no longer
 * has (the commit before the revoke, then onRevoked, through {@link Steps}) and
 * acknowledges that at once with a heartbeat that no longer reports them; then
 * it assigns what is new (onAssigned) and acknowledges again. The coordinator gives a partition to its
 * next owner only after the previous one stopped reporting it, so a partition is
 * never owned twice. Rebalances that wait (behaviour 5) hold the steps exactly
 * as on the classic protocol: the acknowledgement waits for them, heartbeats do
 * not.
 *
 * <p>Identity: the member id is made here once, for the process's life
 * (KIP-1082), and kept across rejoins. Epoch 0 joins, -1 leaves, -2 leaves for
 * a while (a static member, which comes back with its instance id and gets its
 * partitions back).
 *
 * <p>Threads: every field is owned by the group thread, which calls
 * {@link #runOnce}; answers and the application's requests reach it as events.
 */
final class ConsumerGroupMember extends AbstractGroupMember {
    static final short HEARTBEAT_VERSION = 1;
    static final int JOIN_EPOCH = 0;
    static final int LEAVE_EPOCH = -1;
    static final int STATIC_LEAVE_EPOCH = -2;
    /** A race after a static member was replaced: its instance id may be released a moment later. */
    private static final int UNRELEASED_INSTANCE_RETRIES = 3;

    enum State {
        /** Not subscribed: no heartbeats. */
        UNSUBSCRIBED,
        /** Heartbeating at epoch 0 until the coordinator gives the member an epoch. */
        JOINING,
        /** A member of the group, reconciling whenever an assignment comes. */
        STABLE,
        /** Left after missing max.poll.interval.ms, or after a rebalance held too long; rejoins when allowed. */
        STALE,
        /** A fatal error: nothing more is done. */
        FAILED,
        /** Left the group (closed). */
        LEFT
    }

    private State state = State.UNSUBSCRIBED;
    private final String memberId = newMemberId();
    private volatile int epoch = JOIN_EPOCH;
    /** Changes whenever the member drops its epoch, so answers and steps of older epochs are ignored. */
    private int incarnation;
    private Set<String> topics = Set.of();
    private String regex;

    /** What the member owns: partitions assigned to it, minus those whose revoke finished. */
    private Set<TopicPartition> owned = Set.of();
    /** The latest assignment, by topic id, not yet reconciled in full; null when there is none. */
    private Map<Uuid, Set<Integer>> target;
    private boolean reconciling;
    private final Map<Uuid, String> topicNames = new HashMap<>();
    private boolean resolvingNames;
    private long namesRetryAt;

    private boolean heartbeatInFlight;
    private long nextHeartbeatAt;
    private long intervalNanos;
    private long lastHeartbeatOkAt;
    /** The next heartbeat carries every field: after joining, an error, or a lost answer. */
    private boolean sendFull = true;
    /** What the last heartbeat that was answered reported, so a light heartbeat sends only changes. */
    private Set<TopicPartition> sentOwned;
    private Set<String> sentTopics;
    private String sentRegex;
    private int unreleasedRetries;

    ConsumerGroupMember(GroupSettings settings, GroupNetwork net, LongSupplier clock, Steps steps, String clientId) {
        super(settings, net, clock, steps, clientId);
        this.intervalNanos = settings.heartbeatInterval().toNanos();
    }

    @Override
    protected GroupCommits.Member commitsMember() {
        return new EpochCommits();
    }

    @Override
    protected boolean finished() {
        return state == State.FAILED || state == State.LEFT;
    }

    @Override
    protected boolean inGroup() {
        return epoch > 0;
    }

    @Override
    protected void coordinatorFound(int node) {
        super.coordinatorFound(node);
        nextHeartbeatAt = 0; // resend at once to the new coordinator
    }

    /** A random id in Kafka's text form, never starting with '-' (which command lines would take for a flag). */
    private static String newMemberId() {
        while (true) {
            UUID u = UUID.randomUUID();
            String id = new Uuid(u.getMostSignificantBits(), u.getLeastSignificantBits()).toString();
            if (!id.startsWith("-")) {
                return id;
            }
        }
    }

    private final class EpochCommits extends CommitsMember {
        @Override
        public int incarnation() {
            return incarnation;
        }

        @Override
        public int generation() {
            return epoch > 0 ? epoch : -1;
        }

        @Override
        public String memberId() {
            return memberId;
        }

        @Override
        public boolean rebalancing() {
            return false; // the coordinator takes commits at any time, at the member's current epoch
        }

        @Override
        public void epochStale() {
            nextHeartbeatAt = 0; // the heartbeat's answer brings the epoch the commit is sent again with
        }

        @Override
        public void rebalanceSeen() {
            nextHeartbeatAt = 0;
        }

        @Override
        public void fenced(ErrorCode code, int gen, int at) {
            if (code == ErrorCode.FENCED_INSTANCE_ID) {
                fail(code, "committing offsets of group " + settings.groupId() + " failed");
            } else if (incarnation == at && epoch > 0) {
                lose("OffsetCommit answered " + code);
            }
        }
    }

    // ---- from other threads ----

    @Override
    public void subscribe(Set<String> topics) {
        Set<String> copy = Set.copyOf(topics);
        post(() -> subscribed(copy, null));
    }

    /** Subscribes to every topic whose whole name matches {@code regex}, evaluated by the coordinator (RE2/J). */
    void subscribe(String regex) {
        Objects.requireNonNull(regex, "regex");
        post(() -> subscribed(Set.of(), regex));
    }

    private void subscribed(Set<String> newTopics, String newRegex) {
        if (state == State.FAILED || state == State.LEFT) {
            return;
        }
        topics = newTopics;
        regex = newRegex;
        if (!newTopics.isEmpty()) {
            net.refreshMetadata(newTopics, false); // their ids, to read the assignment by
        }
        if (state == State.UNSUBSCRIBED) {
            state = State.JOINING;
            sendFull = true;
        }
        nextHeartbeatAt = 0; // the coordinator hears of the change now
    }

    @Override
    public void polled() {
        lastPollAt = clock.getAsLong();
        if (waitingForPoll) {
            post(() -> {
                waitingForPoll = false;
                if (state == State.STALE && givingUp == null && !heldOff) {
                    rejoin("the application polls again");
                }
            });
        }
    }

    @Override
    public CompletableFuture<Void> unsubscribe() {
        CompletableFuture<Void> done = new CompletableFuture<>();
        post(() -> {
            done.complete(null);
            if (state == State.FAILED || state == State.LEFT || state == State.UNSUBSCRIBED) {
                return;
            }
            sendLeave("the consumer unsubscribed");
            topics = Set.of();
            regex = null;
            dropEpoch();
            owned = Set.of();
            state = State.UNSUBSCRIBED;
        });
        return done;
    }

    @Override
    public void allowed() {
        post(() -> {
            heldOff = false;
            if (state == State.STALE && givingUp == null && !waitingForPoll) {
                rejoin("the application allowed the held rebalance");
            }
        });
    }

    // ---- the group thread ----

    @Override
    public long runOnce() {
        if (runEvents()) {
            return TimeUnit.SECONDS.toNanos(1);
        }
        long now = clock.getAsLong();
        long wait = intervalNanos;
        checkPollInterval(now);
        if (coordinator < 0) {
            if (leaving != null && epoch <= 0 && commits.isEmpty()) {
                finishLeave(); // nothing to commit and not a member: there is nobody to tell
                return TimeUnit.SECONDS.toNanos(1);
            }
            if (!commits.isEmpty() || state == State.JOINING || state == State.STABLE || leaving != null) {
                findCoordinator(now);
            }
            return Math.max(1, Math.min(wait, retryAt > now ? retryAt - now : settings.retryBackoff().toNanos()));
        }
        wait = Math.min(wait, commits.send(now));
        if (leaving != null && commits.idle() && !heartbeatInFlight) {
            finishLeave();
            return TimeUnit.SECONDS.toNanos(1);
        }
        if (givingUp != null && commits.idle() && !heartbeatInFlight) {
            giveUpNow();
        }
        wait = Math.min(wait, resolveNames(now));
        wait = Math.min(wait, heartbeat(now));
        return Math.max(1, wait);
    }

    // ---- heartbeats ----

    private long heartbeat(long now) {
        if (state != State.JOINING && state != State.STABLE) {
            return Long.MAX_VALUE;
        }
        // The coordinator's session timeout is its own (group.consumer.session.timeout.ms, 45 s by default) and
        // not told to the member: it gives up on the coordinator after the longer of its own setting and nine
        // intervals (45 s at the default 5 s), and the coordinator fences it by then anyway.
        long session = Math.max(settings.sessionTimeout().toNanos(), 9 * intervalNanos);
        if (state == State.STABLE && now - lastHeartbeatOkAt > session) {
            coordinatorLost("no heartbeat was answered within the session timeout");
            lose("no heartbeat was answered for " + TimeUnit.NANOSECONDS.toMillis(session) + " ms");
            return 1;
        }
        if (heartbeatInFlight) {
            return Long.MAX_VALUE; // its answer wakes the thread
        }
        boolean ack = epoch > 0 && !report().equals(sentOwned);
        if (!ack && now < nextHeartbeatAt) {
            return nextHeartbeatAt - now;
        }
        sendHeartbeat(now);
        return intervalNanos;
    }

    private void sendHeartbeat(long now) {
        heartbeatInFlight = true;
        int at = incarnation;
        int sentEpoch = epoch;
        // A full heartbeat after joining or an error, and whenever the member owns nothing (so an assignment
        // whose answer was lost comes again); otherwise only what changed since the last one was answered.
        boolean full = sendFull || sentEpoch == JOIN_EPOCH || owned.isEmpty();
        Set<TopicPartition> reporting = report();
        Set<String> subscribedTopics = topics;
        String subscribedRegex = regex;
        ConsumerGroupHeartbeatRequest request = new ConsumerGroupHeartbeatRequest()
                .setGroupId(settings.groupId())
                .setMemberId(memberId)
                .setMemberEpoch(sentEpoch);
        if (full || !subscribedTopics.equals(sentTopics) || !Objects.equals(subscribedRegex, sentRegex)) {
            if (subscribedRegex != null) {
                request.setSubscribedTopicRegex(subscribedRegex);
            } else {
                request.setSubscribedTopicNames(new ArrayList<>(new TreeSet<>(subscribedTopics)))
                        .setSubscribedTopicRegex(sentRegex != null ? "" : null);
            }
        }
        if (full) {
            request.setInstanceId(settings.instanceId().orElse(null))
                    .setRackId(settings.rack() == null || settings.rack().isEmpty() ? null : settings.rack())
                    .setRebalanceTimeoutMs(millis(settings.rebalanceTimeout()))
                    .setServerAssignor(settings.remoteAssignor().orElse(null));
        }
        if (full || !reporting.equals(sentOwned)) {
            request.setTopicPartitions(sentEpoch == JOIN_EPOCH ? List.of() : byTopicId(reporting));
        }
        net.send(coordinator, ApiKey.CONSUMER_GROUP_HEARTBEAT, version -> version == 0 && sentEpoch == JOIN_EPOCH
                        ? request.setMemberId("") : request, HEARTBEAT_VERSION, settings.requestTimeout())
                .whenComplete((response, error) -> post(() -> answered(at, sentEpoch, reporting, subscribedTopics,
                        subscribedRegex, (ConsumerGroupHeartbeatResponse) response, error)));
    }

    private void answered(int at, int sentEpoch, Set<TopicPartition> reported, Set<String> sentTopics,
                          String sentRegex, ConsumerGroupHeartbeatResponse response, Throwable error) {
        if (at != incarnation || state == State.FAILED || state == State.LEFT) {
            return; // the member dropped that epoch meanwhile (and a heartbeat of the new one may be out)
        }
        heartbeatInFlight = false;
        long now = clock.getAsLong();
        if (error != null) {
            Throwable c = cause(error);
            if (c instanceof UnsupportedVersionException) {
                fail(ErrorCode.UNSUPPORTED_VERSION, "the broker does not offer ConsumerGroupHeartbeat ("
                        + c.getMessage() + ")");
                return;
            }
            coordinatorLost("a heartbeat failed: " + c.getMessage());
            sendFull = true;
            retryAt = now + settings.retryBackoff().toNanos();
            return;
        }
        ErrorCode code = ErrorCode.forCode(response.errorCode());
        switch (code) {
            case NONE -> {
                unreleasedRetries = 0;
                lastHeartbeatOkAt = now;
                sendFull = false;
                this.sentOwned = reported;
                this.sentTopics = sentTopics;
                this.sentRegex = sentRegex;
                if (response.heartbeatIntervalMs() > 0) {
                    intervalNanos = TimeUnit.MILLISECONDS.toNanos(response.heartbeatIntervalMs());
                }
                nextHeartbeatAt = now + intervalNanos;
                if (response.memberId() != null && !response.memberId().isEmpty()
                        && !response.memberId().equals(memberId)) {
                    log.warn("consumer {}: the coordinator answered member id {} for {}", clientId,
                            response.memberId(), memberId);
                }
                if (state == State.JOINING && response.memberEpoch() > 0) {
                    log.info("consumer {}: joined group {} as member {} at epoch {}", clientId, settings.groupId(),
                            memberId, response.memberEpoch());
                    state = State.STABLE;
                }
                epoch = response.memberEpoch();
                if (response.assignment() != null) {
                    Map<Uuid, Set<Integer>> assigned = new HashMap<>();
                    for (ConsumerGroupHeartbeatResponse.TopicPartitions t : response.assignment().topicPartitions()) {
                        assigned.computeIfAbsent(t.topicId(), k -> new TreeSet<>()).addAll(t.partitions());
                    }
                    target = assigned;
                }
                reconcile();
            }
            case NOT_COORDINATOR, COORDINATOR_NOT_AVAILABLE -> {
                coordinatorLost("a heartbeat answered " + code);
                sendFull = true;
            }
            case COORDINATOR_LOAD_IN_PROGRESS, REQUEST_TIMED_OUT -> {
                sendFull = true;
                nextHeartbeatAt = now + settings.retryBackoff().toNanos();
            }
            case UNKNOWN_MEMBER_ID, FENCED_MEMBER_EPOCH -> {
                lose("a heartbeat at epoch " + sentEpoch + " answered " + code
                        + (response.errorMessage() != null ? " (" + response.errorMessage() + ")" : ""));
            }
            case UNRELEASED_INSTANCE_ID -> {
                if (++unreleasedRetries <= UNRELEASED_INSTANCE_RETRIES) {
                    log.info("consumer {}: group.instance.id {} is not released yet; trying again", clientId,
                            settings.instanceId().orElse(""));
                    sendFull = true;
                    nextHeartbeatAt = now + settings.retryBackoff().toNanos();
                } else {
                    fail(code, "joining group " + settings.groupId() + " failed: group.instance.id "
                            + settings.instanceId().orElse("") + " is held by another live member");
                }
            }
            case TOPIC_AUTHORIZATION_FAILED -> {
                // Not fatal: the member stays, and is assigned the topics it may read.
                log.error("consumer {}: group {}: {}", clientId, settings.groupId(), response.errorMessage());
                sendFull = true;
                nextHeartbeatAt = now + settings.retryBackoff().toNanos();
            }
            default -> fail(code, heartbeatFailure(code, response.errorMessage()));
        }
    }

    private String heartbeatFailure(ErrorCode code, String message) {
        String detail = message != null && !message.isEmpty() ? " (" + message + ")" : "";
        return switch (code) {
            case UNSUPPORTED_VERSION -> "the broker does not run the consumer group protocol (KIP-848) for group "
                    + settings.groupId() + detail + ": use group.protocol=classic, or enable group.version=1 on "
                    + "the cluster";
            case INVALID_REGULAR_EXPRESSION -> "the coordinator refused the subscription's regular expression '"
                    + regex + "'" + detail + "; it is RE2/J syntax, matched against whole topic names";
            case UNSUPPORTED_ASSIGNOR -> "the coordinator does not offer group.remote.assignor '"
                    + settings.remoteAssignor().orElse("") + "'" + detail;
            case FENCED_INSTANCE_ID -> "group.instance.id " + settings.instanceId().orElse("")
                    + " is used by another live consumer of group " + settings.groupId() + detail;
            default -> "heartbeating in group " + settings.groupId() + " failed" + detail;
        };
    }

    // ---- reconciliation ----

    /**
     * Revokes what the latest assignment no longer holds, then assigns what is
     * new, one step at a time; the acknowledging heartbeat goes once both are done.
     */
    private void reconcile() {
        if (target == null || reconciling || state != State.STABLE) {
            return;
        }
        Set<TopicPartition> wanted = new TreeSet<>();
        boolean unresolved = false;
        for (Map.Entry<Uuid, Set<Integer>> t : target.entrySet()) {
            String name = topicName(t.getKey());
            if (name == null) {
                unresolved = true;
                continue;
            }
            for (int p : t.getValue()) {
                wanted.add(new TopicPartition(name, p));
            }
        }
        if (!unresolved) {
            target = null;
        }
        Set<TopicPartition> revoked = new TreeSet<>(owned);
        revoked.removeAll(wanted);
        Set<TopicPartition> added = new TreeSet<>(wanted);
        added.removeAll(owned);
        if (revoked.isEmpty() && added.isEmpty()) {
            return; // nothing changed; a heartbeat reports what is owned if the coordinator has not heard it
        }
        log.info("consumer {}: group {} epoch {}: revoking {}, assigning {}", clientId, settings.groupId(), epoch,
                revoked, added);
        reconciling = true;
        reconcileFrom = owned;
        int at = incarnation;
        CompletableFuture<Void> revoking = revoked.isEmpty() ? CompletableFuture.completedFuture(null)
                : steps.revoke(revoked);
        revoking.whenComplete((r, e) -> post(() -> {
            if (at != incarnation) {
                return; // lost meanwhile: the partitions went as lost
            }
            Set<TopicPartition> kept = new TreeSet<>(owned);
            kept.removeAll(revoked);
            Set<TopicPartition> now = new TreeSet<>(kept);
            now.addAll(added);
            owned = Set.copyOf(now);
            if (!revoked.isEmpty()) {
                // The revocation is acknowledged at once, so the next owner need not wait for this member's
                // onAssigned (which a held rebalance may keep waiting).
                reconcileFrom = Set.copyOf(kept);
                nextHeartbeatAt = 0;
            }
            if (added.isEmpty()) {
                reconciled();
                return;
            }
            steps.assign(added).whenComplete((r2, e2) -> post(() -> {
                if (at == incarnation) {
                    reconciled();
                }
            }));
        }));
    }

    private void reconciled() {
        reconciling = false;
        reconcileFrom = null;
        nextHeartbeatAt = 0; // acknowledge at once
        reconcile(); // a newer assignment that came meanwhile
    }

    /** What the member owned when the running reconciliation began: reported until it is done. */
    private Set<TopicPartition> reconcileFrom;

    private Set<TopicPartition> ownedBeforeReconcile() {
        return reconcileFrom != null ? reconcileFrom : owned;
    }

    /** What heartbeats report as owned: during a reconciliation, what it began with less what was revoked. */
    private Set<TopicPartition> report() {
        return reconciling ? ownedBeforeReconcile() : owned;
    }

    private String topicName(Uuid id) {
        String name = topicNames.get(id);
        if (name != null) {
            return name;
        }
        ClusterMetadata metadata = net.metadata();
        for (ClusterMetadata.Topic t : metadata.topics().values()) {
            if (id.equals(t.id())) {
                topicNames.put(id, t.name());
                return t.name();
            }
        }
        return null;
    }

    /** Looks up names of assigned topic ids this member cannot name yet. */
    private long resolveNames(long now) {
        if (target == null || resolvingNames) {
            return Long.MAX_VALUE;
        }
        if (now < namesRetryAt) {
            return namesRetryAt - now;
        }
        resolvingNames = true;
        net.topicNames().whenComplete((names, error) -> post(() -> {
            resolvingNames = false;
            if (error != null) {
                log.debug("consumer {}: listing topics to name an assignment failed: {}", clientId, error.toString());
            } else {
                topicNames.putAll(names);
            }
            // A topic deleted since it was assigned never gets a name: look again at most every second.
            namesRetryAt = clock.getAsLong() + Math.max(settings.retryBackoff().toNanos(),
                    TimeUnit.SECONDS.toNanos(1));
            reconcile();
        }));
        return Long.MAX_VALUE;
    }

    private List<ConsumerGroupHeartbeatRequest.TopicPartitions> byTopicId(Set<TopicPartition> partitions) {
        Map<String, List<Integer>> byName = new TreeMap<>();
        for (TopicPartition tp : partitions) {
            byName.computeIfAbsent(tp.topic(), k -> new ArrayList<>()).add(tp.partition());
        }
        Map<String, Uuid> ids = new HashMap<>();
        topicNames.forEach((id, name) -> ids.put(name, id));
        List<ConsumerGroupHeartbeatRequest.TopicPartitions> out = new ArrayList<>();
        byName.forEach((name, ps) -> {
            Uuid id = ids.get(name);
            if (id != null) {
                out.add(new ConsumerGroupHeartbeatRequest.TopicPartitions().setTopicId(id).setPartitions(ps));
            }
        });
        return out;
    }

    // ---- losing, leaving, failing ----

    /** The coordinator no longer knows this member at its epoch: everything goes as lost, and it joins again. */
    private void lose(String why) {
        Set<TopicPartition> lost = owned;
        log.warn("consumer {}: lost its partitions {} of group {} (epoch {}): {}", clientId, lost,
                settings.groupId(), epoch, why);
        if (!lost.isEmpty()) {
            steps.lose(lost);
        }
        owned = Set.of();
        dropEpoch();
        if (state == State.STABLE || state == State.JOINING) {
            state = State.JOINING;
            nextHeartbeatAt = 0;
        }
    }

    private void dropEpoch() {
        epoch = JOIN_EPOCH;
        incarnation++;
        reconciling = false;
        reconcileFrom = null;
        target = null;
        heartbeatInFlight = false;
        sendFull = true;
        sentOwned = null;
    }

    private void rejoin(String why) {
        log.info("consumer {}: joining group {} again: {}", clientId, settings.groupId(), why);
        state = State.JOINING;
        sendFull = true;
        nextHeartbeatAt = 0;
    }

    private CompletableFuture<?> sendLeave(String reason) {
        // A joining member may exist on the coordinator already (its first answer was lost): it leaves too.
        if (coordinator < 0 || (state != State.STABLE && state != State.JOINING)) {
            return CompletableFuture.completedFuture(null);
        }
        int leaveEpoch = settings.instanceId().isPresent() ? STATIC_LEAVE_EPOCH : LEAVE_EPOCH;
        log.info("consumer {}: leaving group {} at epoch {} ({})", clientId, settings.groupId(), leaveEpoch, reason);
        ConsumerGroupHeartbeatRequest request = new ConsumerGroupHeartbeatRequest()
                .setGroupId(settings.groupId())
                .setMemberId(memberId)
                .setMemberEpoch(leaveEpoch)
                .setInstanceId(settings.instanceId().orElse(null));
        return net.send(coordinator, ApiKey.CONSUMER_GROUP_HEARTBEAT, v -> request, HEARTBEAT_VERSION,
                settings.requestTimeout());
    }

    private void finishLeave() {
        CompletableFuture<Void> done = leaving;
        leaving = null;
        sendLeave(leaveReason).whenComplete((r, e) -> done.complete(null));
        dropEpoch();
        state = State.LEFT;
        commits.failAll("the member left the group", fatal);
    }

    private void giveUpNow() {
        String why = givingUp;
        givingUp = null;
        log.warn("consumer {}: leaving group {}: {}", clientId, settings.groupId(), why);
        sendLeave(why);
        lose(why);
        state = State.STALE;
        heldOff = true;
    }

    @Override
    protected void fail(ErrorCode code, String what) {
        KafkaException error = code.exception(what);
        log.error("consumer {}: {}", clientId, error.getMessage());
        if (!owned.isEmpty()) {
            steps.lose(owned);
        }
        owned = Set.of();
        fatal = error;
        dropEpoch();
        state = State.FAILED;
        commits.failAll(error.getMessage(), fatal);
        steps.failed(error);
    }

    // ---- the application's liveness (max.poll.interval.ms) ----

    private void checkPollInterval(long now) {
        if (state != State.STABLE || !pollIntervalPassed(now)) {
            return;
        }
        sendLeave("the consumer did not poll within max.poll.interval.ms");
        lose("the application did not poll within max.poll.interval.ms");
        state = State.STALE;
        waitingForPoll = true;
    }

    // ---- for the consumer and the tests ----

    State state() {
        return state;
    }

    @Override
    public int generation() {
        int e = epoch;
        return e > 0 ? e : -1;
    }

    @Override
    public String memberId() {
        return memberId;
    }

    Set<TopicPartition> owned() {
        return owned;
    }
}
