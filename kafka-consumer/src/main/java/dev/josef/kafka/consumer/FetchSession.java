package dev.josef.kafka.consumer;

import dev.josef.kafka.protocol.ErrorCode;
import dev.josef.kafka.protocol.TopicPartition;
import dev.josef.kafka.protocol.Uuid;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
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
                List<TopicPartition> forget, Map<TopicPartition, Wanted> next) {
    }

    final int nodeId;
    private int sessionId;
    private int epoch;
    private Map<TopicPartition, Wanted> held = new HashMap<>();

    FetchSession(int nodeId) {
        this.nodeId = nodeId;
    }

    Plan plan(Map<TopicPartition, Wanted> wanted) {
        if (sessionId == 0 || epoch == 0) {
            // A full request: it opens a session (epoch 0), closing the old one if the id is kept.
            return new Plan(sessionId, 0, true, new LinkedHashMap<>(wanted), List.of(), wanted);
        }
        Map<TopicPartition, Wanted> send = new LinkedHashMap<>();
        wanted.forEach((tp, w) -> {
            if (!w.equals(held.get(tp))) {
                send.put(tp, w);
            }
        });
        List<TopicPartition> forget = new ArrayList<>();
        for (TopicPartition tp : held.keySet()) {
            if (!wanted.containsKey(tp)) {
                forget.add(tp);
            }
        }
        return new Plan(sessionId, epoch, false, send, forget, wanted);
    }

    /** The broker answered {@code plan}'s request with {@code error} and session id {@code answeredId}. */
    void answered(Plan plan, ErrorCode error, int answeredId) {
        if (error == ErrorCode.FETCH_SESSION_ID_NOT_FOUND || error == ErrorCode.INVALID_FETCH_SESSION_EPOCH
                || error == ErrorCode.FETCH_SESSION_TOPIC_ID_ERROR) {
            // The broker lost or refused the session: start a new one with the next request.
            sessionId = 0;
            epoch = 0;
            held = new HashMap<>();
            return;
        }
        if (error != ErrorCode.NONE) {
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
