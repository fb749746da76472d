package dev.josef.kafka.net.internal;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

class BackoffTest {

    @Test
    void growsExponentiallyWithinTwentyPercentAndStopsAtTheCap() {
        for (int i = 0; i < 1000; i++) {
            assertThat(Backoff.exponential(0, 100, 10_000)).isBetween(80L, 120L);
            assertThat(Backoff.exponential(3, 100, 10_000)).isBetween(640L, 960L);
            assertThat(Backoff.exponential(40, 100, 10_000)).isBetween(8_000L, 12_000L);
        }
    }
}
