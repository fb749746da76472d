package dev.josef.kafka.protocol;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

class DecompressionTest {

    @Test
    void startsAtTwiceTheCompressedSizeWithoutAHint() {
        assertThat(Decompression.initialCapacity(10_000, 0, 64 << 20)).isEqualTo(20_000);
        assertThat(Decompression.initialCapacity(10, 0, 64 << 20)).isEqualTo(1024);
        // gzip's available() says 1 until the end: no better than the guess, so ignored.
        assertThat(Decompression.initialCapacity(10_000, 1, 64 << 20)).isEqualTo(20_000);
        assertThat(Decompression.initialCapacity(10 << 20, 0, 64 << 20)).isEqualTo(4 << 20);
    }

    @Test
    void aDeclaredSizeIsBelievedOnlyUpToARatioAndTheCap() {
        assertThat(Decompression.initialCapacity(100_000, 1_048_576, 64 << 20)).isEqualTo(1_048_576);
        // A 1 KiB frame claiming 1 GiB gets 64x its size, not what it claims.
        assertThat(Decompression.initialCapacity(1024, 1 << 30, 64 << 20)).isEqualTo(64 * 1024 + 1024);
        assertThat(Decompression.initialCapacity(1 << 20, 60 << 20, 8 << 20)).isEqualTo(8 << 20);
    }
}
