package dev.josef.kafka.testkit;

import dev.josef.kafka.protocol.ApiKey;
import dev.josef.kafka.protocol.ErrorCode;
import org.junit.jupiter.api.Test;

import java.time.Duration;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class ProxyRuleTest {

    @Test
    void partitionFiltersAndCorruptionBelongToTheApisThatCarryThem() {
        assertThatThrownBy(() -> ProxyRule.on(ApiKey.METADATA).topic("t"))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("Produce, Fetch and ListOffsets");
        assertThatThrownBy(() -> ProxyRule.on(ApiKey.PRODUCE).corruptBatchCrc())
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("fetched record batches");
        assertThatThrownBy(() -> ProxyRule.on(ApiKey.FETCH).refuseRecords())
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("only produced records");
        assertThatThrownBy(() -> ProxyRule.on(ApiKey.PRODUCE).partition(-1))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("partition is -1");
    }

    @Test
    void anErrorNeedsAnErrorFieldToReplace() {
        assertThat(ProxyRule.on(ApiKey.INIT_PRODUCER_ID).replaceError(ErrorCode.COORDINATOR_LOAD_IN_PROGRESS).build())
                .isNotNull();
        assertThatThrownBy(() -> ProxyRule.on(ApiKey.CREATE_TOPICS).replaceError(ErrorCode.NOT_CONTROLLER))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("no top-level error code");
    }

    @Test
    void effectsThatCannotGoTogetherAreRefusedAtBuild() {
        assertThatThrownBy(() -> ProxyRule.on(ApiKey.PRODUCE).build())
                .isInstanceOf(IllegalStateException.class).hasMessageContaining("does nothing");
        assertThatThrownBy(() -> ProxyRule.on(ApiKey.PRODUCE).swallowResponse().delay(Duration.ofSeconds(1)).build())
                .isInstanceOf(IllegalStateException.class);
        assertThatThrownBy(() -> ProxyRule.on(ApiKey.PRODUCE).swallowResponse().cutAfterRequest())
                .isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> ProxyRule.on(ApiKey.PRODUCE).logStartOffset(5).build())
                .isInstanceOf(IllegalStateException.class).hasMessageContaining("replaceError");
        assertThatThrownBy(() -> ProxyRule.on(ApiKey.FETCH).topic("t").partition(0)
                .replaceError(ErrorCode.NOT_LEADER_OR_FOLLOWER).corruptBatchCrc().build())
                .isInstanceOf(IllegalStateException.class);
        assertThatThrownBy(() -> ProxyRule.on(ApiKey.PRODUCE).countOnly().delay(Duration.ofMillis(1)).build())
                .isInstanceOf(IllegalStateException.class);
        assertThatThrownBy(() -> ProxyRule.on(ApiKey.PRODUCE).refuseRecords().cutAfterRequest().build())
                .isInstanceOf(IllegalStateException.class).hasMessageContaining("cuts the connection");
    }

    @Test
    void describesItself() {
        ProxyRule rule = ProxyRule.on(ApiKey.PRODUCE).topic("orders").partition(2).times(3)
                .replaceError(ErrorCode.UNKNOWN_PRODUCER_ID).logStartOffset(7).build();

        assertThat(rule.toString()).isEqualTo(
                "rule on Produce topic orders partition 2, error UNKNOWN_PRODUCER_ID, logStartOffset 7, fired 0/3");
        assertThat(rule.fired()).isZero();
    }

    @Test
    void aRefusalIsARuleOfItsOwnAndSaysSo() {
        ProxyRule rule = ProxyRule.on(ApiKey.PRODUCE).topic("orders").times(1).refuseRecords()
                .replaceError(ErrorCode.UNKNOWN_PRODUCER_ID).build();

        assertThat(rule.toString()).isEqualTo(
                "rule on Produce topic orders, error UNKNOWN_PRODUCER_ID, records refused, fired 0/1");
    }
}
