package dev.josef.kafka.net.internal;

import java.util.concurrent.ThreadLocalRandom;

/**
 * Exponential backoff with jitter: attempt n waits about base * 2^n, capped, and
 * spread by ±20% so that many clients that failed together do not retry together.
 */
public final class Backoff {
    private Backoff() {
    }

    public static long exponential(int attempt, long baseMillis, long maxMillis) {
        double exact = Math.min((double) maxMillis, baseMillis * Math.pow(2, Math.min(attempt, 30)));
        double jitter = 0.8 + 0.4 * ThreadLocalRandom.current().nextDouble();
        return Math.max(1, Math.round(exact * jitter));
    }
}
