package dev.josef.kafka.consumer;

import dev.josef.kafka.protocol.ErrorCode;
import dev.josef.kafka.protocol.TopicPartition;
import dev.josef.kafka.protocol.Uuid;

import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The client's half of a fetch session with one broker (KIP-227): which
 * partitions the broker's session holds and with what fetch parameters, so an
 * incremental Fetch carries only what changed and names what to forget.
 * Confined to the consumer's fetcher thread.
 *
 * <p>The broker keeps each partition's fetch offset from the last request that
 * named it, so a partition that got data must be named again with its new
 * offset, and a partition the client does not want fetched now (paused,
 * enough of it buffered) must be forgotten, not just left out.
 */
final class FetchSession {
    /** Session epoch that closes a session (and asks for none). */
    static final int FINAL_EPOCH = -1;

    /** What one request names for a partition; equal values need not be sent again. */
    record Wanted(Uuid topicId, long fetchOffset, int currentLeaderEpoch, int lastFetchedEpoch, int maxBytes) {
    }

    /** One request's plan: what to send, what to forget, and what the session holds once it succeeds. */
    record Plan(int sessionId, int epoch, boolean full, Map<TopicPartition, Wanted> send,
                Map<TopicPartition, Uuid> forget, Map<TopicPartition, Wanted> next) {
    }

    final int nodeId;
    private int sessionId;
    private int epoch;
    private Map<TopicPartition, Wanted> held = new HashMap<>();
    private Boolean topicIds;

    FetchSession(int nodeId) {
        this.nodeId = nodeId;
    }

    /** Whether requests name topics by id (Fetch v13+); a change of mode starts a new session. */
    void useTopicIds(boolean ids) {
        if (topicIds != null && topicIds != ids) {
            failed();
        }
        topicIds = ids;
    }

    Plan plan(Map<TopicPartition, Wanted> wanted) {
        if (sessionId == 0 || epoch == 0) {
            // A full request: it opens a session (epoch 0), closing the old one if the id is kept.
            return new Plan(sessionId, 0, true, new LinkedHashMap<>(wanted), Map.of(), wanted);
        }
        Map<TopicPartition, Wanted> send = new LinkedHashMap<>();
        Map<TopicPartition, Uuid> forget = new LinkedHashMap<>();
        wanted.forEach((tp, w) -> {
            Wanted had = held.get(tp);
            if (!w.equals(had)) {
                send.put(tp, w);
                if (had != null && !had.topicId().equals(w.topicId())) {
                    forget.put(tp, had.topicId()); // the topic was recreated: the old id leaves the session
                }
            }
        });
        held.forEach((tp, w) -> {
            if (!wanted.containsKey(tp)) {
                forget.put(tp, w.topicId());
            }
        });
        return new Plan(sessionId, epoch, false, send, forget, wanted);
    }

    /** The broker answered {@code plan}'s request with {@code error} and session id {@code answeredId}. */
    void answered(Plan plan, ErrorCode error, int answeredId) {
        if (error == ErrorCode.FETCH_SESSION_ID_NOT_FOUND) {
            // The broker has no such session (evicted, or it restarted): open a new one.
            sessionId = 0;
            epoch = 0;
            held = new HashMap<>();
            return;
        }
        if (error != ErrorCode.NONE) {
            // INVALID_FETCH_SESSION_EPOCH, FETCH_SESSION_TOPIC_ID_ERROR and others: the next full request
            // closes this session and opens a new one, so it does not hold a broker's cache slot until it expires.
            failed();
            return;
        }
        if (plan.full()) {
            sessionId = answeredId; // 0: the broker keeps no session (full requests every time)
            epoch = answeredId == 0 ? 0 : 1;
        } else {
            epoch = epoch == Integer.MAX_VALUE ? 1 : epoch + 1;
        }
        held = plan.next();
    }

    /** The request failed without an answer: whether the broker applied it is unknown, so start over. */
    void failed() {
        // Keep the id so the next full request closes the old session on the broker (KIP-227).
        epoch = 0;
        held = new HashMap<>();
    }

    int sessionId() {
        return sessionId;
    }

    boolean isOpen() {
        return sessionId != 0;
    }
}
