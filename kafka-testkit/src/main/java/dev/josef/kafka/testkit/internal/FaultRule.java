package dev.josef.kafka.testkit.internal;

import dev.josef.kafka.protocol.ApiKey;
import dev.josef.kafka.protocol.ErrorCode;
import dev.josef.kafka.protocol.Uuid;

import java.time.Duration;
import java.util.Locale;
import java.util.Objects;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Function;

/**
 * One fault the proxy injects: which exchanges it matches, what it does to them,
 * and how often it has fired.
 *
 * <p>Thread-safety: the spec is immutable; {@code fired} is claimed with a
 * compare-and-set by whichever connection thread matches first, so a rule limited
 * to {@code times} firings never fires more often, however many connections race.
 * Waiters on {@link #awaitFired} block on {@code firedLock}.
 */
public final class FaultRule {

    /** What happens to the exchange as a whole, besides any edit of the response. */
    public enum Drop {
        NONE,
        /** The response never reaches the client; neither does any later one on that connection. */
        SWALLOW_RESPONSE,
        /** The connection is closed instead of forwarding the request; the broker never sees it. */
        CUT_BEFORE_REQUEST,
        /** The request is forwarded; once the broker has answered, the answer is dropped and the connection closed. */
        CUT_AFTER_REQUEST
    }

    /** How a fetched record batch is damaged. */
    public enum Corruption {
        NONE,
        /** A payload byte is flipped, so the batch fails its CRC-32C. */
        CRC,
        /** The payload is garbled and the CRC recomputed, so the batch passes its CRC but will not decode. */
        PAYLOAD
    }

    /**
     * The immutable part of a rule; {@code ProxyRule.Builder} validates it.
     *
     * @param topic         null for any topic (only Produce and Fetch filter by topic)
     * @param topicId       null for any topic id
     * @param partition     -1 for any partition
     * @param times         how often the rule may fire; {@link Integer#MAX_VALUE} for unlimited
     * @param error         the error code to put in the response, or null
     * @param logStartOffset the log start offset to report with {@code error}, or null to keep the broker's
     * @param throttle      the throttle time to report, or null
     * @param refuse        whether the broker is made to refuse the matching produced records (their CRC broken
     *                      on the way in); the rule then fires on the request, and edits that exchange's response
     */
    public record Spec(ApiKey apiKey, String topic, Uuid topicId, int partition, int times,
                       ErrorCode error, Long logStartOffset, Duration delay, Duration throttle,
                       Drop drop, Corruption corruption, boolean refuse) {
        public Spec {
            Objects.requireNonNull(apiKey, "apiKey");
            Objects.requireNonNull(delay, "delay");
            Objects.requireNonNull(drop, "drop");
            Objects.requireNonNull(corruption, "corruption");
        }
    }

    private final Spec spec;
    private final AtomicInteger fired = new AtomicInteger();
    private final Object firedLock = new Object();

    public FaultRule(Spec spec) {
        this.spec = Objects.requireNonNull(spec, "spec");
    }

    public Spec spec() {
        return spec;
    }

    public ApiKey apiKey() {
        return spec.apiKey;
    }

    public int fired() {
        return fired.get();
    }

    public boolean exhausted() {
        return fired.get() >= spec.times;
    }

    /** Claims one firing; false once the rule has fired {@code times} times. */
    public boolean tryFire() {
        while (true) {
            int current = fired.get();
            if (current >= spec.times) {
                return false;
            }
            if (fired.compareAndSet(current, current + 1)) {
                synchronized (firedLock) {
                    firedLock.notifyAll();
                }
                return true;
            }
        }
    }

    /** Waits until the rule has fired at least {@code count} times; false if {@code timeout} passed first. */
    public boolean awaitFired(int count, Duration timeout) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        synchronized (firedLock) {
            while (fired.get() < count) {
                long left = deadline - System.nanoTime();
                if (left <= 0) {
                    return false;
                }
                long millis = Math.max(1, left / 1_000_000);
                firedLock.wait(millis);
            }
            return true;
        }
    }

    /** Whether the rule acts as the request goes to the broker (a cut, or a refusal of records). */
    public boolean actsOnRequest() {
        return spec.drop == Drop.CUT_BEFORE_REQUEST || spec.refuse;
    }

    /** Whether the rule only applies to some topics or partitions. */
    public boolean filtersPartitions() {
        return spec.topic != null || spec.topicId != null || spec.partition >= 0;
    }

    /**
     * Whether the rule has to see the decoded message to decide or act: a filter
     * on partitions, or an edit of the response. Rules that only delay, drop or cut
     * work on the raw frame.
     */
    public boolean needsDecodedResponse() {
        return filtersPartitions() || editsResponse();
    }

    /** Whether firing changes the response's content (as opposed to its timing or delivery). */
    public boolean editsResponse() {
        return spec.error != null || spec.throttle != null || spec.corruption != Corruption.NONE;
    }

    /**
     * Whether a topic, named by {@code name} (before topic ids, Produce and Fetch
     * v12 and older) or by {@code id} (v13 and newer), is one this rule targets.
     * {@code nameOf} gives the name of a topic id as the proxy learned it from
     * Metadata responses, so a rule by name also matches requests by id.
     */
    public boolean matchesTopic(String name, Uuid id, Function<Uuid, String> nameOf) {
        boolean hasName = name != null && !name.isEmpty();
        boolean hasId = id != null && !Uuid.ZERO.equals(id);
        if (spec.topicId != null) {
            if (hasId) {
                return spec.topicId.equals(id);
            }
            return hasName && name.equals(nameOf.apply(spec.topicId));
        }
        if (spec.topic != null) {
            if (hasName) {
                return spec.topic.equals(name);
            }
            return hasId && spec.topic.equals(nameOf.apply(id));
        }
        return true;
    }

    public boolean matchesPartition(int partition) {
        return spec.partition < 0 || spec.partition == partition;
    }

    @Override
    public String toString() {
        StringBuilder sb = new StringBuilder("rule on ").append(spec.apiKey.title());
        if (spec.topic != null) {
            sb.append(" topic ").append(spec.topic);
        }
        if (spec.topicId != null) {
            sb.append(" topic id ").append(spec.topicId);
        }
        if (spec.partition >= 0) {
            sb.append(" partition ").append(spec.partition);
        }
        if (spec.error != null) {
            sb.append(", error ").append(spec.error);
        }
        if (spec.logStartOffset != null) {
            sb.append(", logStartOffset ").append(spec.logStartOffset);
        }
        if (!spec.delay.isZero()) {
            sb.append(", delay ").append(spec.delay.toMillis()).append(" ms");
        }
        if (spec.throttle != null) {
            sb.append(", throttle ").append(spec.throttle.toMillis()).append(" ms");
        }
        if (spec.drop != Drop.NONE) {
            sb.append(", ").append(spec.drop.name().toLowerCase(Locale.ROOT).replace('_', ' '));
        }
        if (spec.refuse) {
            sb.append(", records refused");
        }
        if (spec.corruption != Corruption.NONE) {
            sb.append(", corrupt batch ").append(spec.corruption.name().toLowerCase(Locale.ROOT));
        }
        sb.append(", fired ").append(fired.get());
        if (spec.times != Integer.MAX_VALUE) {
            sb.append('/').append(spec.times);
        }
        return sb.toString();
    }
}
