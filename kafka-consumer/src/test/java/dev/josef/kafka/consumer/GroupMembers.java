package dev.josef.kafka.consumer;

import dev.josef.kafka.consumer.spi.RebalanceHook;
import dev.josef.kafka.protocol.TopicPartition;
import org.apache.kafka.clients.consumer.ConsumerRebalanceListener;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Supplier;

/**
 * Group members for integration tests, Josef's and kafka-clients', each polling
 * on its own thread and recording every record it got and every partition it
 * was given or gave up, with the time, so a test can check that no partition
 * ever had two owners at once and that every record was read exactly once.
 */
final class GroupMembers {
    /** Processing time per record, so that rebalances meet records in flight and every member gets work. */
    static final long PROCESSING_MILLIS_PER_RECORD = 2;

    private GroupMembers() {
    }

    enum Event { ASSIGNED, REVOKED, LOST }

    record Ownership(long atNanos, String member, TopicPartition partition, Event event) {
    }

    record Read(String member, TopicPartition partition, long offset) {
    }

    /** What every member of one test saw. */
    static final class Log {
        final ConcurrentLinkedQueue<Ownership> ownership = new ConcurrentLinkedQueue<>();
        final ConcurrentLinkedQueue<Read> reads = new ConcurrentLinkedQueue<>();

        void owned(String member, Collection<TopicPartition> partitions, Event event) {
            long now = System.nanoTime();
            partitions.forEach(tp -> ownership.add(new Ownership(now, member, tp, event)));
        }

        /** Problems: a partition assigned to one member while another owned it. */
        List<String> doubleOwners() {
            List<Ownership> events = new ArrayList<>(ownership);
            events.sort(java.util.Comparator.comparingLong(Ownership::atNanos));
            Map<TopicPartition, String> owner = new HashMap<>();
            List<String> problems = new ArrayList<>();
            for (Ownership o : events) {
                if (o.event() == Event.ASSIGNED) {
                    String before = owner.put(o.partition(), o.member());
                    if (before != null && !before.equals(o.member())) {
                        problems.add(o.partition() + " assigned to " + o.member() + " while " + before + " owned it");
                    }
                } else if (o.member().equals(owner.get(o.partition()))) {
                    owner.remove(o.partition());
                }
            }
            return problems;
        }

        /** Offsets read more than once, by partition. */
        Map<TopicPartition, List<Long>> duplicates() {
            Map<TopicPartition, List<Long>> seen = new HashMap<>();
            Map<TopicPartition, List<Long>> dups = new TreeMap<>();
            for (Read r : reads) {
                List<Long> offsets = seen.computeIfAbsent(r.partition(), k -> new ArrayList<>());
                if (offsets.contains(r.offset())) {
                    dups.computeIfAbsent(r.partition(), k -> new ArrayList<>()).add(r.offset());
                }
                offsets.add(r.offset());
            }
            return dups;
        }

        long distinctReads() {
            return reads.stream().map(r -> r.partition() + "@" + r.offset()).distinct().count();
        }
    }

    /** A member polling on its own thread until closed. */
    abstract static class Member implements AutoCloseable {
        final String name;
        final Log log;
        private final Thread thread;
        volatile boolean stop;
        final AtomicReference<Throwable> failure = new AtomicReference<>();

        Member(String name, Log log) {
            this.name = name;
            this.log = log;
            this.thread = new Thread(this::loop, "test-member-" + name);
            this.thread.setDaemon(true);
        }

        void start() {
            thread.start();
        }

        private void loop() {
            try {
                open();
                while (!stop) {
                    pollOnce();
                }
            } catch (Throwable t) {
                failure.set(t);
            } finally {
                try {
                    shut();
                } catch (Throwable t) {
                    failure.compareAndSet(null, t);
                }
            }
        }

        abstract void open();

        abstract void pollOnce();

        abstract void shut();

        @Override
        public void close() throws InterruptedException {
            stop = true;
            thread.join(30_000);
            if (thread.isAlive()) {
                throw new AssertionError(name + " did not stop");
            }
            if (failure.get() != null) {
                throw new AssertionError(name + " failed", failure.get());
            }
        }
    }

    static final class JosefMember extends Member {
        private final Supplier<ConsumerConfig> config;
        private final Collection<String> topics;
        private Consumer consumer;

        JosefMember(String name, Log log, Supplier<ConsumerConfig> config, Collection<String> topics) {
            super(name, log);
            this.config = config;
            this.topics = topics;
        }

        @Override
        void open() {
            consumer = Consumer.create(config.get());
            consumer.subscribe(topics, new RebalanceHook() {
                @Override
                public void onAssigned(Consumer c, Set<TopicPartition> partitions) {
                    log.owned(name, partitions, Event.ASSIGNED);
                }

                @Override
                public void onRevoked(Consumer c, Set<TopicPartition> partitions) {
                    log.owned(name, partitions, Event.REVOKED);
                }

                @Override
                public void onLost(Consumer c, Set<TopicPartition> partitions) {
                    log.owned(name, partitions, Event.LOST);
                }
            });
        }

        @Override
        void pollOnce() {
            ConsumerRecords polled = consumer.poll(Duration.ofMillis(100));
            for (ConsumerRecord r : polled) {
                log.reads.add(new Read(name, r.topicPartition(), r.offset()));
            }
            if (!polled.isEmpty()) {
                sleepQuietly(polled.count() * PROCESSING_MILLIS_PER_RECORD);
            }
        }

        @Override
        void shut() {
            if (consumer != null) {
                consumer.close(Duration.ofSeconds(10));
            }
        }
    }

    static final class KafkaClientsMember extends Member {
        private final Map<String, Object> properties;
        private final Collection<String> topics;
        private KafkaConsumer<byte[], byte[]> consumer;
        /** The offset after the last record read of each partition: what the revoke commits. */
        private final Map<org.apache.kafka.common.TopicPartition, Long> next = new HashMap<>();

        KafkaClientsMember(String name, Log log, Map<String, Object> properties, Collection<String> topics) {
            super(name, log);
            this.properties = properties;
            this.topics = topics;
        }

        @Override
        void open() {
            consumer = new KafkaConsumer<>(properties, new ByteArrayDeserializer(), new ByteArrayDeserializer());
            consumer.subscribe(topics, new ConsumerRebalanceListener() {
                @Override
                public void onPartitionsRevoked(Collection<org.apache.kafka.common.TopicPartition> partitions) {
                    // The standard practice: commit what was read before giving the partitions up. Not position(),
                    // which for a partition assigned a moment ago (nothing read yet) looks the offset up, and on a
                    // closing consumer may wait out default.api.timeout.ms (60 s): a CI run saw exactly that.
                    Map<org.apache.kafka.common.TopicPartition, org.apache.kafka.clients.consumer.OffsetAndMetadata>
                            offsets = new HashMap<>();
                    for (org.apache.kafka.common.TopicPartition tp : partitions) {
                        Long after = next.remove(tp);
                        if (after != null) {
                            offsets.put(tp, new org.apache.kafka.clients.consumer.OffsetAndMetadata(after));
                        }
                    }
                    if (!offsets.isEmpty()) {
                        consumer.commitSync(offsets);
                    }
                    log.owned(name, convert(partitions), Event.REVOKED);
                }

                @Override
                public void onPartitionsAssigned(Collection<org.apache.kafka.common.TopicPartition> partitions) {
                    log.owned(name, convert(partitions), Event.ASSIGNED);
                }

                @Override
                public void onPartitionsLost(Collection<org.apache.kafka.common.TopicPartition> partitions) {
                    next.keySet().removeAll(partitions);
                    log.owned(name, convert(partitions), Event.LOST);
                }
            });
        }

        @Override
        void pollOnce() {
            var polled = consumer.poll(Duration.ofMillis(100));
            polled.forEach(r -> {
                log.reads.add(new Read(name, new TopicPartition(r.topic(), r.partition()), r.offset()));
                next.put(new org.apache.kafka.common.TopicPartition(r.topic(), r.partition()), r.offset() + 1);
            });
            if (!polled.isEmpty()) {
                sleepQuietly(polled.count() * PROCESSING_MILLIS_PER_RECORD);
            }
        }

        @Override
        void shut() {
            if (consumer != null) {
                consumer.close(Duration.ofSeconds(10));
            }
        }

        private static List<TopicPartition> convert(Collection<org.apache.kafka.common.TopicPartition> ps) {
            return ps.stream().map(tp -> new TopicPartition(tp.topic(), tp.partition())).toList();
        }
    }

    static void sleepQuietly(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** Waits until {@code done}, failing with {@code what} after {@code timeout}. */
    static void await(Duration timeout, String what, java.util.function.BooleanSupplier done) {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (!done.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("timed out after " + timeout + " waiting for " + what);
            }
            sleepQuietly(50);
        }
    }
}
