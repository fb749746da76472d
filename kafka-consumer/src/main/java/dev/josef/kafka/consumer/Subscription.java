package dev.josef.kafka.consumer;

import dev.josef.kafka.net.internal.ClusterMetadata;
import dev.josef.kafka.protocol.ErrorCode;
import dev.josef.kafka.protocol.TopicPartition;

import java.util.Collection;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.Set;
import java.util.function.Consumer;
import java.util.regex.Pattern;

/**
 * What the application asked the consumer to read: partitions it assigned,
 * named topics, the topics a pattern matches, or whatever its group assigns
 * (named topics or a pattern, with the matching done here and handed to the
 * group member). Which partitions that means follows from metadata.
 *
 * <p>Threads: guarded by the consumer's lock ({@link Fetcher#lock}); the
 * polling thread changes it, the fetcher thread reads it and records what a
 * pattern matched.
 */
final class Subscription {

    enum Mode { NONE, ASSIGNED, TOPICS, PATTERN, GROUP }

    /** What a listing of the cluster's topics means for a pattern. */
    enum Matched {
        /** Listed for a pattern no longer subscribed to. */
        STALE,
        UNCHANGED,
        /** The pattern's topics changed: the assignment follows from metadata of the new ones. */
        CHANGED,
        /** A group's pattern: the topics went to the group member, which rejoins. */
        HANDED_TO_GROUP
    }

    private Mode mode = Mode.NONE;
    private Set<String> topics = Set.of();
    private Pattern pattern;
    private Set<String> patternTopics = Set.of();
    private Consumer<Set<String>> groupListener;
    /** Whether the group's pattern was listed once: the first listing is handed over even when it matches nothing. */
    private boolean groupListed;

    void assign(boolean any) {
        mode = any ? Mode.ASSIGNED : Mode.NONE;
        topics = Set.of();
        pattern = null;
    }

    void topics(Collection<String> subscribed) {
        mode = subscribed.isEmpty() ? Mode.NONE : Mode.TOPICS;
        topics = Set.copyOf(subscribed);
        pattern = null;
    }

    void pattern(Pattern regex) {
        mode = Mode.PATTERN;
        pattern = regex;
        patternTopics = Set.of();
        topics = Set.of();
    }

    /** The group decides the assignment from now on. */
    void group() {
        mode = Mode.GROUP;
        topics = Set.of();
        pattern = null;
        groupListener = null;
    }

    /**
     * A group member subscribed to a pattern: the topics that match are listed as
     * for a pattern without a group and handed to {@code matched} (which must not
     * block) whenever they change; null for none.
     */
    void groupPattern(Pattern regex, Consumer<Set<String>> matched) {
        pattern = regex;
        groupListener = matched;
        patternTopics = Set.of();
        groupListed = false;
    }

    Mode mode() {
        return mode;
    }

    Pattern pattern() {
        return pattern;
    }

    /** Named topics (TOPICS mode). */
    Set<String> topics() {
        return topics;
    }

    /** Whether the cluster's topics are listed for a pattern. */
    boolean listsTopics() {
        return mode == Mode.PATTERN || (mode == Mode.GROUP && pattern != null);
    }

    /** Topics to describe in metadata refreshes, besides those of assigned partitions. */
    Set<String> describedTopics() {
        Set<String> described = new HashSet<>(topics);
        described.addAll(patternTopics);
        return described;
    }

    /** What a listing of the cluster's topics for {@code asked} found to match. */
    Matched matched(Pattern asked, Set<String> matching) {
        if ((mode != Mode.PATTERN && mode != Mode.GROUP) || pattern != asked) {
            return Matched.STALE;
        }
        if (mode == Mode.GROUP) {
            if (matching.equals(patternTopics) && groupListed) {
                return Matched.UNCHANGED;
            }
            groupListed = true;
            patternTopics = Set.copyOf(matching);
            groupListener.accept(patternTopics);
            return Matched.HANDED_TO_GROUP;
        }
        if (matching.equals(patternTopics)) {
            return Matched.UNCHANGED;
        }
        patternTopics = Set.copyOf(matching);
        return Matched.CHANGED;
    }

    /**
     * The partitions named topics or a pattern's topics have by {@code metadata};
     * of a topic not described yet, what is {@code assigned} now is kept.
     */
    Set<TopicPartition> partitions(ClusterMetadata metadata, Set<TopicPartition> assigned) {
        Set<String> wanted = mode == Mode.PATTERN ? patternTopics : topics;
        Set<TopicPartition> out = new LinkedHashSet<>();
        for (String topic : wanted) {
            ClusterMetadata.Topic t = metadata.topics().get(topic);
            if (t == null || t.error() != ErrorCode.NONE) {
                // Not described yet, or gone: keep what is assigned of it until metadata says otherwise.
                if (t == null) {
                    for (TopicPartition tp : assigned) {
                        if (tp.topic().equals(topic)) {
                            out.add(tp);
                        }
                    }
                }
                continue;
            }
            for (ClusterMetadata.Partition p : t.partitions()) {
                out.add(new TopicPartition(topic, p.index()));
            }
        }
        return out;
    }
}
