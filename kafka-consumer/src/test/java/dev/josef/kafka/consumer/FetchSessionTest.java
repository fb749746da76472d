package dev.josef.kafka.consumer;

import dev.josef.kafka.protocol.ErrorCode;
import dev.josef.kafka.protocol.TopicPartition;
import dev.josef.kafka.protocol.Uuid;
import org.junit.jupiter.api.Test;

import java.util.LinkedHashMap;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/** The client's half of KIP-227 fetch sessions. */
class FetchSessionTest {
    private static final Uuid ID = new Uuid(1, 2);
    private static final TopicPartition A = new TopicPartition("t", 0);
    private static final TopicPartition B = new TopicPartition("t", 1);

    private static FetchSession.Wanted at(long offset) {
        return new FetchSession.Wanted(ID, offset, 5, -1, 1024);
    }

    private static Map<TopicPartition, FetchSession.Wanted> wanted(Object... pairs) {
        Map<TopicPartition, FetchSession.Wanted> m = new LinkedHashMap<>();
        for (int i = 0; i < pairs.length; i += 2) {
            m.put((TopicPartition) pairs[i], at((Long) pairs[i + 1]));
        }
        return m;
    }

    @Test
    void theFirstRequestIsFullAndOpensASessionThenOnlyChangesAreSent() {
        FetchSession session = new FetchSession(1);
        FetchSession.Plan first = session.plan(wanted(A, 0L, B, 0L));
        assertThat(first.full()).isTrue();
        assertThat(first.sessionId()).isZero();
        assertThat(first.epoch()).isZero();
        assertThat(first.send()).containsOnlyKeys(A, B);
        session.answered(first, ErrorCode.NONE, 77);

        FetchSession.Plan second = session.plan(wanted(A, 10L, B, 0L));
        assertThat(second.full()).isFalse();
        assertThat(second.sessionId()).isEqualTo(77);
        assertThat(second.epoch()).isEqualTo(1);
        assertThat(second.send()).as("only A moved").containsOnlyKeys(A);
        assertThat(second.forget()).isEmpty();
        session.answered(second, ErrorCode.NONE, 77);

        FetchSession.Plan third = session.plan(wanted(B, 0L));
        assertThat(third.epoch()).isEqualTo(2);
        assertThat(third.send()).isEmpty();
        assertThat(third.forget()).as("A is not wanted now: the broker must stop fetching it").containsExactly(Map.entry(A, ID));
    }

    @Test
    void aLostSessionStartsOverWithAFullRequest() {
        FetchSession session = new FetchSession(1);
        FetchSession.Plan first = session.plan(wanted(A, 0L));
        session.answered(first, ErrorCode.NONE, 9);
        FetchSession.Plan second = session.plan(wanted(A, 5L));
        session.answered(second, ErrorCode.FETCH_SESSION_ID_NOT_FOUND, 0);
        FetchSession.Plan third = session.plan(wanted(A, 5L));
        assertThat(third.full()).isTrue();
        assertThat(third.sessionId()).isZero();
        assertThat(third.send()).containsOnlyKeys(A);
    }

    @Test
    void aFailedRequestClosesTheOldSessionWithTheNextFullOne() {
        FetchSession session = new FetchSession(1);
        FetchSession.Plan first = session.plan(wanted(A, 0L));
        session.answered(first, ErrorCode.NONE, 9);
        session.failed();
        FetchSession.Plan next = session.plan(wanted(A, 0L));
        assertThat(next.full()).isTrue();
        assertThat(next.sessionId()).as("id kept, epoch 0: close it and open a new one").isEqualTo(9);
        assertThat(next.epoch()).isZero();
    }

    @Test
    void aRecreatedTopicsOldIdIsForgottenAsItsNewIdIsAdded() {
        FetchSession session = new FetchSession(1);
        FetchSession.Plan first = session.plan(wanted(A, 0L));
        session.answered(first, ErrorCode.NONE, 9);
        Uuid newId = new Uuid(3, 4);
        FetchSession.Plan next = session.plan(Map.of(A, new FetchSession.Wanted(newId, 0, 5, -1, 1024)));
        assertThat(next.send()).containsOnlyKeys(A);
        assertThat(next.forget()).containsExactly(Map.entry(A, ID));
    }

    @Test
    void anInvalidEpochClosesTheSessionWithTheNextFullRequest() {
        FetchSession session = new FetchSession(1);
        session.answered(session.plan(wanted(A, 0L)), ErrorCode.NONE, 9);
        session.answered(session.plan(wanted(A, 1L)), ErrorCode.INVALID_FETCH_SESSION_EPOCH, 0);
        FetchSession.Plan next = session.plan(wanted(A, 1L));
        assertThat(next.full()).isTrue();
        assertThat(next.sessionId()).isEqualTo(9);
        assertThat(next.epoch()).isZero();
    }

    @Test
    void aBrokerWithoutSessionsGetsFullRequestsEveryTime() {
        FetchSession session = new FetchSession(1);
        FetchSession.Plan first = session.plan(wanted(A, 0L));
        session.answered(first, ErrorCode.NONE, 0);
        assertThat(session.plan(wanted(A, 3L)).full()).isTrue();
    }
}
