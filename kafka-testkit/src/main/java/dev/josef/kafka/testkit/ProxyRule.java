package dev.josef.kafka.testkit;

import dev.josef.kafka.protocol.ApiKey;
import dev.josef.kafka.protocol.ErrorCode;
import dev.josef.kafka.protocol.Uuid;
import dev.josef.kafka.testkit.internal.FaultRule;
import dev.josef.kafka.testkit.internal.FaultRule.Corruption;
import dev.josef.kafka.testkit.internal.FaultRule.Drop;
import dev.josef.kafka.testkit.internal.MessageFields;

import java.time.Duration;
import java.util.Objects;

/**
 * A fault for a {@link KafkaProxy} to inject: which exchanges it matches, what it
 * does to them, and how often.
 *
 * <pre>{@code
 * ProxyRule notLeader = proxy.add(ProxyRule.on(ApiKey.PRODUCE)
 *         .topic("orders").partition(0)
 *         .times(1)
 *         .replaceError(ErrorCode.NOT_LEADER_OR_FOLLOWER));
 * ...
 * assertThat(notLeader.fired()).isEqualTo(1);
 * }</pre>
 *
 * <p>A rule matches by API key, and for Produce, Fetch and ListOffsets also by topic (name or
 * id; the proxy maps between them from the Metadata responses it forwards) and
 * partition. It fires at most {@link Builder#times times} times; each firing
 * applies every effect the rule has to one exchange. Effects that edit a response
 * (error, throttle, corruption) or filter by partition look at the broker's
 * answer: a Produce with {@code acks=0} has none, and a Fetch rule fires on the
 * first response that carries a matching partition. Rules are safe to add and
 * remove while clients run; a rule belongs to one proxy.
 */
public final class ProxyRule {
    private final FaultRule rule;

    private ProxyRule(FaultRule rule) {
        this.rule = rule;
    }

    /** Starts a rule for the requests and responses of {@code apiKey}. */
    public static Builder on(ApiKey apiKey) {
        return new Builder(Objects.requireNonNull(apiKey, "apiKey"));
    }

    public ApiKey apiKey() {
        return rule.apiKey();
    }

    /** How many exchanges the rule has acted on so far. */
    public int fired() {
        return rule.fired();
    }

    /** Whether the rule has fired as often as {@link Builder#times} allows. */
    public boolean exhausted() {
        return rule.exhausted();
    }

    /**
     * Waits until the rule has fired at least {@code count} times.
     *
     * @return false if {@code timeout} passed first
     */
    public boolean awaitFired(int count, Duration timeout) throws InterruptedException {
        Objects.requireNonNull(timeout, "timeout");
        return rule.awaitFired(count, timeout);
    }

    FaultRule internal() {
        return rule;
    }

    @Override
    public String toString() {
        return rule.toString();
    }

    /**
     * Builds a {@link ProxyRule}. Each setter checks its argument and whether it
     * makes sense for the rule's API; {@link #build()} checks that the effects go
     * together.
     */
    public static final class Builder {
        private final ApiKey apiKey;
        private String topic;
        private Uuid topicId;
        private int partition = -1;
        private int times = Integer.MAX_VALUE;
        private ErrorCode error;
        private Long logStartOffset;
        private Duration delay = Duration.ZERO;
        private Duration throttle;
        private Drop drop = Drop.NONE;
        private Corruption corruption = Corruption.NONE;
        private boolean refuse;
        private boolean countOnly;

        private Builder(ApiKey apiKey) {
            this.apiKey = apiKey;
        }

        /** Only exchanges that carry this topic, by name. Produce and Fetch only. */
        public Builder topic(String topic) {
            Objects.requireNonNull(topic, "topic");
            requireArgument(!topic.isEmpty(), "topic is empty");
            requirePartitioned("a topic filter");
            requireArgument(topicId == null, "the rule already filters by topic id " + topicId);
            this.topic = topic;
            return this;
        }

        /** Only exchanges that carry this topic, by id. Produce and Fetch only. */
        public Builder topicId(Uuid topicId) {
            Objects.requireNonNull(topicId, "topicId");
            requireArgument(!Uuid.ZERO.equals(topicId), "topicId is the zero uuid, which no topic has");
            requirePartitioned("a topic filter");
            requireArgument(topic == null, "the rule already filters by topic " + topic);
            this.topicId = topicId;
            return this;
        }

        /** Only this partition of the topic. Produce and Fetch only, with {@link #topic} or {@link #topicId}. */
        public Builder partition(int partition) {
            requireArgument(partition >= 0, "partition is " + partition + "; partitions are 0 or more");
            requirePartitioned("a partition filter");
            this.partition = partition;
            return this;
        }

        /** Fires at most {@code times} times, then stays inert; unlimited by default. */
        public Builder times(int times) {
            requireArgument(times >= 1, "times is " + times + "; a rule fires at least once");
            this.times = times;
            return this;
        }

        /**
         * Puts {@code error} into the response: for Produce and Fetch into each
         * matching partition (a Produce partition loses its base offset, a Fetch
         * partition its records, as when a broker reports the error), for other APIs
         * into the top-level error code. The broker did handle the request; only
         * its answer changes (a Produce with an injected error was still appended).
         * FindCoordinator v4+ gets the error in each coordinator it answers for. A
         * response at a version without an error code to replace is left alone and
         * does not count as a firing.
         */
        public Builder replaceError(ErrorCode error) {
            Objects.requireNonNull(error, "error");
            requireArgument(this.error == null, "the rule already replaces the error with " + this.error);
            requireArgument(isPartitioned() || MessageFields.hasErrorCode(apiKey),
                    apiKey.title() + " responses have no top-level error code to replace");
            this.error = error;
            return this;
        }

        /**
         * The log start offset to report with {@link #replaceError} (how a broker
         * tells a producer, with UNKNOWN_PRODUCER_ID, whether its state was lost to
         * retention). Produce and Fetch only.
         */
        public Builder logStartOffset(long logStartOffset) {
            requireArgument(logStartOffset >= -1, "logStartOffset is " + logStartOffset + "; offsets are -1 (none) or more");
            requirePartitioned("a log start offset");
            this.logStartOffset = logStartOffset;
            return this;
        }

        /** Holds the response back for {@code delay}; later responses on the connection wait behind it. */
        public Builder delay(Duration delay) {
            Objects.requireNonNull(delay, "delay");
            requireArgument(!delay.isNegative(), "delay is negative: " + delay);
            this.delay = delay;
            return this;
        }

        /**
         * Reports {@code throttleTime} in the response's throttle_time_ms, as a broker
         * does when the client exceeded a quota; clients back off for that long
         * (KIP-219). Combine with {@link #delay} to also hold the response back.
         */
        public Builder throttle(Duration throttleTime) {
            Objects.requireNonNull(throttleTime, "throttleTime");
            requireArgument(!throttleTime.isNegative() && throttleTime.toMillis() <= Integer.MAX_VALUE,
                    "throttleTime is " + throttleTime + "; it must fit 0.." + Integer.MAX_VALUE + " ms");
            requireArgument(MessageFields.hasThrottleTime(apiKey), apiKey.title() + " responses have no throttle time");
            this.throttle = throttleTime;
            return this;
        }

        /**
         * The response never reaches the client, so its request times out. The
         * connection stays open but silent: later responses on it are dropped too,
         * since Kafka answers a connection's requests in order.
         */
        public Builder swallowResponse() {
            return drop(Drop.SWALLOW_RESPONSE);
        }

        /** Closes the client's connection instead of forwarding the request: the broker never sees it. */
        public Builder cutBeforeRequest() {
            return drop(Drop.CUT_BEFORE_REQUEST);
        }

        /**
         * Forwards the request, waits for the broker's answer, drops it and closes the
         * connection: the request took effect, the client cannot know.
         */
        public Builder cutAfterRequest() {
            return drop(Drop.CUT_AFTER_REQUEST);
        }

        /**
         * Makes the broker refuse the records of each matching partition, so it
         * appends none of them: the proxy breaks the CRC of the partition's first
         * batch on the way in and the broker answers CORRUPT_MESSAGE for it. With
         * {@link #replaceError} the client sees that error instead (with
         * {@link #logStartOffset}, say UNKNOWN_PRODUCER_ID as a broker that lost a
         * producer's state would answer), and unlike a bare replaceError the
         * records are really not in the log. Produce only.
         */
        public Builder refuseRecords() {
            requireArgument(apiKey == ApiKey.PRODUCE, "only produced records can be refused, not " + apiKey.title());
            this.refuse = true;
            return this;
        }

        /** Flips a byte in the payload of the first fetched batch of each matching partition, so it fails its CRC. Fetch only. */
        public Builder corruptBatchCrc() {
            return corrupt(Corruption.CRC);
        }

        /**
         * Overwrites the payload of the first fetched batch of each matching
         * partition (the compressed stream, for a compressed batch) and recomputes
         * its CRC, so the batch passes its CRC check but will not decompress or
         * parse. Fetch only.
         */
        public Builder corruptBatchPayload() {
            return corrupt(Corruption.PAYLOAD);
        }

        /**
         * Lets the rule fire without an effect, to count matching exchanges with
         * {@link ProxyRule#fired()} (did the client send a Produce for this
         * partition through the proxy, how many InitProducerId requests did it send).
         */
        public Builder countOnly() {
            this.countOnly = true;
            return this;
        }

        /** The rule, to pass to {@link KafkaProxy#add(ProxyRule)}. */
        public ProxyRule build() {
            boolean edits = error != null || throttle != null || corruption != Corruption.NONE;
            if (logStartOffset != null && error == null) {
                throw new IllegalStateException("a log start offset is reported with an error; set replaceError too");
            }
            boolean effects = edits || refuse || drop != Drop.NONE || !delay.isZero();
            if (!effects && !countOnly) {
                throw new IllegalStateException("the rule on " + apiKey.title() + " does nothing: give it an error, "
                        + "a delay, a throttle, a corruption, a swallow or a cut, or mark it countOnly()");
            }
            if (effects && countOnly) {
                throw new IllegalStateException("a countOnly() rule has no effects, but this one has");
            }
            if (drop != Drop.NONE && (edits || refuse || !delay.isZero())) {
                throw new IllegalStateException("a rule that drops the response or cuts the connection has no response "
                        + "to edit or delay; use a second rule for those");
            }
            if (partition >= 0 && topic == null && topicId == null) {
                throw new IllegalStateException("partition " + partition + " needs a topic or a topic id");
            }
            if (error != null && corruption != Corruption.NONE) {
                throw new IllegalStateException("a partition with an error carries no records to corrupt");
            }
            return new ProxyRule(new FaultRule(new FaultRule.Spec(apiKey, topic, topicId, partition, times,
                    error, logStartOffset, delay, throttle, drop, corruption, refuse)));
        }

        private Builder drop(Drop drop) {
            requireArgument(this.drop == Drop.NONE || this.drop == drop,
                    "the rule already has " + this.drop + "; a rule drops or cuts one way");
            this.drop = drop;
            return this;
        }

        private Builder corrupt(Corruption corruption) {
            requireArgument(apiKey == ApiKey.FETCH, "only fetched record batches can be corrupted, not " + apiKey.title());
            requireArgument(this.corruption == Corruption.NONE || this.corruption == corruption,
                    "the rule already corrupts batches by " + this.corruption);
            this.corruption = corruption;
            return this;
        }

        private boolean isPartitioned() {
            return apiKey == ApiKey.PRODUCE || apiKey == ApiKey.FETCH || apiKey == ApiKey.LIST_OFFSETS;
        }

        private void requirePartitioned(String what) {
            requireArgument(isPartitioned(), what + " applies to Produce, Fetch and ListOffsets rules only, not " + apiKey.title());
        }

        private static void requireArgument(boolean condition, String message) {
            if (!condition) {
                throw new IllegalArgumentException(message);
            }
        }
    }
}
