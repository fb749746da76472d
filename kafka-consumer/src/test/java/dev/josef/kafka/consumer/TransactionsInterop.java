package dev.josef.kafka.consumer;

import dev.josef.kafka.net.NetworkConfig;
import dev.josef.kafka.net.spi.ClientHook;
import dev.josef.kafka.producer.ProduceFuture;
import dev.josef.kafka.producer.Producer;
import dev.josef.kafka.producer.ProducerConfig;
import dev.josef.kafka.producer.ProducerFencedException;
import dev.josef.kafka.producer.TransactionAbortableException;
import dev.josef.kafka.producer.TransactionException;
import dev.josef.kafka.producer.TransactionOffset;
import dev.josef.kafka.protocol.ApiKey;
import dev.josef.kafka.protocol.ErrorCode;
import dev.josef.kafka.protocol.GroupMetadata;
import dev.josef.kafka.protocol.IsolationLevel;
import dev.josef.kafka.protocol.TopicPartition;
import dev.josef.kafka.testkit.KafkaCluster;
import dev.josef.kafka.testkit.KafkaProxy;
import dev.josef.kafka.testkit.ProxyRule;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;

import static dev.josef.kafka.consumer.ConsumerIT.bytes;
import static dev.josef.kafka.consumer.ConsumerIT.text;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * Transactions between Josef and kafka-clients on a real broker, run once per
 * transaction protocol by {@link TransactionsIT} (version 2, the broker's
 * default) and {@link TransactionsV1IT} (a cluster formatted with
 * {@code transaction.version=1}): each side's committed records are read by
 * the other's read_committed consumer, aborted ones never; the wire shows the
 * protocol's requests at its versions; a second producer fences the first; a
 * transaction past its timeout is abortable and the producer goes on.
 */
abstract class TransactionsInterop {

    /** The transaction version the cluster runs. */
    abstract int transactionVersion();

    /** Requests a Josef client wrote, as "API vN". */
    static final class Wire implements ClientHook {
        final List<String> written = new CopyOnWriteArrayList<>();

        @Override
        public void onRequestWritten(String clientId, String broker, ApiKey api, short version, int bytes) {
            written.add(api.name() + " v" + version);
        }

        List<Short> versions(ApiKey api) {
            List<Short> out = new ArrayList<>();
            for (String w : written) {
                if (w.startsWith(api.name() + " v")) {
                    out.add(Short.parseShort(w.substring(api.name().length() + 2)));
                }
            }
            return out;
        }
    }

    static Producer transactional(KafkaCluster cluster, String id, Wire wire, Duration timeout) {
        return Producer.create(ProducerConfig.builder()
                .network(NetworkConfig.builder().bootstrapServers(cluster.bootstrapServers()).hook(wire).build())
                .transactionalId(id).transactionTimeout(timeout).build());
    }

    static ProducerRecord<byte[], byte[]> record(String topic, int partition, String value) {
        return new ProducerRecord<>(topic, partition, null, bytes(value));
    }

    static dev.josef.kafka.producer.ProducerRecord josefRecord(String topic, int partition, String value) {
        return dev.josef.kafka.producer.ProducerRecord.of(topic, bytes(value)).withPartition(partition);
    }

    /** What kafka-clients' read_committed consumer reads of the topic's partitions, until {@code count} or 30 s. */
    static List<String> kafkaClientsReadCommitted(KafkaCluster cluster, String topic, int partitions, int count) {
        try (KafkaConsumer<byte[], byte[]> consumer = new KafkaConsumer<>(Map.of(
                "bootstrap.servers", cluster.bootstrapServers(), "isolation.level", "read_committed",
                "key.deserializer", "org.apache.kafka.common.serialization.ByteArrayDeserializer",
                "value.deserializer", "org.apache.kafka.common.serialization.ByteArrayDeserializer"))) {
            List<org.apache.kafka.common.TopicPartition> tps = new ArrayList<>();
            for (int p = 0; p < partitions; p++) {
                tps.add(new org.apache.kafka.common.TopicPartition(topic, p));
            }
            consumer.assign(tps);
            consumer.seekToBeginning(tps);
            List<String> read = new ArrayList<>();
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
            while (read.size() < count && System.nanoTime() < deadline) {
                consumer.poll(Duration.ofMillis(200)).forEach(r -> read.add(text(r.value())));
            }
            // A little longer, so a record that should not be there has its chance to show.
            consumer.poll(Duration.ofMillis(500)).forEach(r -> read.add(text(r.value())));
            return read;
        }
    }

    @Test
    @Timeout(value = 2, unit = TimeUnit.MINUTES)
    void josefCommitsAreReadByKafkaClientsAndAbortsNeverAre(KafkaCluster cluster) throws Exception {
        String topic = "txn-josef-v" + transactionVersion();
        cluster.createTopic(topic, 2, 1);
        Wire wire = new Wire();
        List<String> committed = new ArrayList<>();
        try (Producer producer = transactional(cluster, "josef-writer-v" + transactionVersion(), wire,
                Duration.ofMinutes(1))) {
            producer.initTransactions();
            for (int t = 0; t < 4; t++) {
                producer.beginTransaction();
                List<ProduceFuture> sent = new ArrayList<>();
                for (int i = 0; i < 10; i++) {
                    sent.add(producer.produce(josefRecord(topic, i % 2, "t" + t + "-" + i)));
                }
                producer.sendOffsetsToTransaction(Map.of(TopicPartition.of(topic, 0), TransactionOffset.of(t + 1)),
                        GroupMetadata.of("txn-offsets-v" + transactionVersion()));
                if (t % 2 == 1) {
                    producer.flush(Duration.ofSeconds(10)); // in the log, and then aborted: never read committed
                    producer.abortTransaction();
                } else {
                    producer.commitTransaction();
                    for (ProduceFuture f : sent) {
                        assertThat(f.get().offset()).isNotNegative();
                    }
                    for (int i = 0; i < 10; i++) {
                        committed.add("t" + t + "-" + i);
                    }
                }
            }
        }
        assertThat(kafkaClientsReadCommitted(cluster, topic, 2, committed.size()))
                .containsExactlyInAnyOrderElementsOf(committed);
        try (Consumer josef = Consumer.create(ConsumerIT.config(cluster.bootstrapServers(), "txn-reader")
                .isolationLevel(IsolationLevel.READ_COMMITTED).build())) {
            josef.assign(List.of(TopicPartition.of(topic, 0), TopicPartition.of(topic, 1)));
            assertThat(ConsumerIT.readAll(josef, committed.size(), Duration.ofSeconds(30)))
                    .extracting(r -> text(r.value())).containsExactlyInAnyOrderElementsOf(committed);
            assertThat(josef.poll(Duration.ofMillis(500)).count()).isZero();
        }
        // The offsets of the committed transaction (the third, t=2) count; the aborted fourth's never do.
        try (org.apache.kafka.clients.admin.Admin admin = org.apache.kafka.clients.admin.Admin.create(
                Map.of("bootstrap.servers", cluster.bootstrapServers()))) {
            Map<org.apache.kafka.common.TopicPartition, OffsetAndMetadata> offsets = admin
                    .listConsumerGroupOffsets("txn-offsets-v" + transactionVersion()).partitionsToOffsetAndMetadata()
                    .get(30, TimeUnit.SECONDS);
            assertThat(offsets.get(new org.apache.kafka.common.TopicPartition(topic, 0)).offset()).isEqualTo(3);
        }
        if (transactionVersion() >= 2) {
            assertThat(wire.versions(ApiKey.ADD_PARTITIONS_TO_TXN)).isEmpty();
            assertThat(wire.versions(ApiKey.ADD_OFFSETS_TO_TXN)).isEmpty();
            assertThat(wire.versions(ApiKey.PRODUCE)).isNotEmpty().allMatch(v -> v >= 12);
            assertThat(wire.versions(ApiKey.END_TXN)).isNotEmpty().allMatch(v -> v >= 5);
        } else {
            assertThat(wire.versions(ApiKey.ADD_PARTITIONS_TO_TXN)).isNotEmpty().allMatch(v -> v <= 3);
            assertThat(wire.versions(ApiKey.ADD_OFFSETS_TO_TXN)).isNotEmpty();
            assertThat(wire.versions(ApiKey.PRODUCE)).isNotEmpty().allMatch(v -> v <= 11);
            assertThat(wire.versions(ApiKey.TXN_OFFSET_COMMIT)).isNotEmpty().allMatch(v -> v <= 4);
            assertThat(wire.versions(ApiKey.END_TXN)).isNotEmpty().allMatch(v -> v <= 4);
        }
    }

    @Test
    @Timeout(value = 2, unit = TimeUnit.MINUTES)
    void kafkaClientsCommitsAreReadByJosefAndAbortsNeverAre(KafkaCluster cluster) throws Exception {
        String topic = "txn-kafka-v" + transactionVersion();
        cluster.createTopic(topic, 1, 1);
        List<String> committed = new ArrayList<>();
        try (KafkaProducer<byte[], byte[]> tx = ConsumerIT.kafkaProducer(cluster,
                Map.of("transactional.id", "kafka-writer-v" + transactionVersion()))) {
            tx.initTransactions();
            for (int t = 0; t < 4; t++) {
                tx.beginTransaction();
                for (int i = 0; i < 5; i++) {
                    tx.send(record(topic, 0, "k" + t + "-" + i));
                }
                tx.flush();
                if (t % 2 == 1) {
                    tx.abortTransaction();
                } else {
                    tx.commitTransaction();
                    for (int i = 0; i < 5; i++) {
                        committed.add("k" + t + "-" + i);
                    }
                }
            }
        }
        try (Consumer josef = Consumer.create(ConsumerIT.config(cluster.bootstrapServers(), "txn-reader-k")
                .isolationLevel(IsolationLevel.READ_COMMITTED).build())) {
            josef.assign(List.of(TopicPartition.of(topic, 0)));
            assertThat(ConsumerIT.readAll(josef, committed.size(), Duration.ofSeconds(30)))
                    .extracting(r -> text(r.value())).containsExactlyElementsOf(committed);
            assertThat(josef.poll(Duration.ofMillis(500)).count()).isZero();
        }
    }

    @Test
    @Timeout(value = 2, unit = TimeUnit.MINUTES)
    void aSecondProducerWithTheSameIdFencesTheFirst(KafkaCluster cluster) throws Exception {
        String topic = "txn-fence-v" + transactionVersion();
        cluster.createTopic(topic, 1, 1);
        String id = "fenced-v" + transactionVersion();
        try (Producer zombie = transactional(cluster, id, new Wire(), Duration.ofMinutes(1));
             Producer successor = transactional(cluster, id, new Wire(), Duration.ofMinutes(1))) {
            zombie.initTransactions();
            zombie.beginTransaction();
            zombie.produce(josefRecord(topic, 0, "zombie")).get(10, TimeUnit.SECONDS);
            successor.initTransactions(); // fences the zombie and aborts what it left open
            successor.beginTransaction();
            successor.produce(josefRecord(topic, 0, "successor"));
            successor.commitTransaction();
            assertThatThrownBy(zombie::commitTransaction).isInstanceOf(ProducerFencedException.class)
                    .satisfies(e -> assertThat(((TransactionException) e).errorClass())
                            .isEqualTo(TransactionException.ErrorClass.APPLICATION_RECOVERABLE));
            assertThatThrownBy(() -> zombie.produce(josefRecord(topic, 0, "more")))
                    .isInstanceOf(ProducerFencedException.class);
        }
        assertThat(kafkaClientsReadCommitted(cluster, topic, 1, 1)).containsExactly("successor");
    }

    @Test
    @Timeout(value = 2, unit = TimeUnit.MINUTES)
    void aTransactionPastItsTimeoutIsAbortableAndTheProducerGoesOn(KafkaCluster cluster) throws Exception {
        String topic = "txn-timeout-v" + transactionVersion();
        cluster.createTopic(topic, 1, 1);
        try (Producer producer = transactional(cluster, "timeout-v" + transactionVersion(), new Wire(),
                Duration.ofSeconds(2))) {
            producer.initTransactions();
            producer.beginTransaction();
            producer.produce(josefRecord(topic, 0, "too-late")).get(10, TimeUnit.SECONDS);
            // The coordinator checks for expired transactions every transaction.abort.timed.out.transaction
            // .cleanup.interval.ms (the kit sets it low); it aborts this one and bumps the epoch.
            Thread.sleep(6_000);
            // The coordinator bumped the epoch: the broker refuses this record (INVALID_PRODUCER_EPOCH), and
            // that makes the transaction abortable.
            ProduceFuture late = producer.produce(josefRecord(topic, 0, "after-timeout"));
            assertThatThrownBy(() -> late.get(10, TimeUnit.SECONDS)).hasRootCauseMessage(
                    "INVALID_PRODUCER_EPOCH (47): the producer epoch is older than the one the broker knows");
            assertThatThrownBy(producer::commitTransaction).isInstanceOf(TransactionAbortableException.class)
                    .satisfies(e -> assertThat(((TransactionException) e).errorClass())
                            .isEqualTo(TransactionException.ErrorClass.ABORTABLE));
            if (transactionVersion() >= 2) {
                producer.abortTransaction(); // version 2: the abort is taken, and the producer goes on
                producer.beginTransaction();
                producer.produce(josefRecord(topic, 0, "next"));
                producer.commitTransaction();
            } else {
                // Version 1: the coordinator bumped the epoch at the timeout and refuses the abort as fenced, as it
                // does kafka-clients'. A new producer with the id goes on.
                assertThatThrownBy(producer::abortTransaction).isInstanceOf(ProducerFencedException.class);
            }
        }
        if (transactionVersion() < 2) {
            try (Producer successor = transactional(cluster, "timeout-v" + transactionVersion(), new Wire(),
                    Duration.ofMinutes(1))) {
                successor.initTransactions();
                successor.beginTransaction();
                successor.produce(josefRecord(topic, 0, "next"));
                successor.commitTransaction();
            }
        }
        assertThat(kafkaClientsReadCommitted(cluster, topic, 1, 1)).containsExactly("next");
    }

    @Test
    @Timeout(value = 2, unit = TimeUnit.MINUTES)
    void coordinatorFaultsAreRetriedOrMadeAbortable(KafkaCluster cluster) throws Exception {
        String topic = "txn-faults-v" + transactionVersion();
        cluster.createTopic(topic, 1, 1);
        try (KafkaProxy proxy = KafkaProxy.start(cluster.bootstrapServers());
             Producer producer = Producer.create(ProducerConfig.builder().bootstrapServers(proxy.bootstrapServers())
                     .transactionalId("faults-v" + transactionVersion()).build())) {
            ProxyRule concurrent = proxy.add(ProxyRule.on(ApiKey.INIT_PRODUCER_ID).times(2)
                    .replaceError(ErrorCode.CONCURRENT_TRANSACTIONS));
            producer.initTransactions();
            assertThat(concurrent.fired()).isEqualTo(2);

            // The commit is written, and its answer says NOT_COORDINATOR: found again, asked again, committed once.
            ProxyRule moved = proxy.add(ProxyRule.on(ApiKey.END_TXN).times(1).replaceError(ErrorCode.NOT_COORDINATOR));
            producer.beginTransaction();
            producer.produce(josefRecord(topic, 0, "one"));
            producer.commitTransaction();
            assertThat(moved.fired()).isEqualTo(1);

            ProxyRule busy = proxy.add(ProxyRule.on(ApiKey.END_TXN).times(1)
                    .replaceError(ErrorCode.CONCURRENT_TRANSACTIONS));
            producer.beginTransaction();
            producer.produce(josefRecord(topic, 0, "two"));
            producer.commitTransaction();
            assertThat(busy.fired()).isEqualTo(1);

            // A record refused with TRANSACTION_ABORTABLE: the commit fails abortable, the abort hides the record.
            ProxyRule abortable = proxy.add(ProxyRule.on(ApiKey.PRODUCE).topic(topic).times(1)
                    .replaceError(ErrorCode.TRANSACTION_ABORTABLE));
            producer.beginTransaction();
            ProduceFuture refused = producer.produce(josefRecord(topic, 0, "refused"));
            assertThatThrownBy(producer::commitTransaction).isInstanceOf(TransactionAbortableException.class);
            assertThat(abortable.fired()).isEqualTo(1);
            assertThatThrownBy(() -> refused.get(10, TimeUnit.SECONDS)).hasRootCauseMessage(
                    "TRANSACTION_ABORTABLE (120): the transaction hit an error that requires aborting it");
            producer.abortTransaction();
            producer.beginTransaction();
            producer.produce(josefRecord(topic, 0, "three"));
            producer.commitTransaction();
        }
        assertThat(kafkaClientsReadCommitted(cluster, topic, 1, 3)).containsExactly("one", "two", "three");
    }

    @Test
    void callsOutOfOrderFailClearlyAndChangeNothing(KafkaCluster cluster) {
        String topic = "txn-misuse-v" + transactionVersion();
        cluster.createTopic(topic, 1, 1);
        try (Producer producer = transactional(cluster, "misuse-v" + transactionVersion(), new Wire(),
                Duration.ofMinutes(1))) {
            producer.initTransactions();
            assertThatThrownBy(producer::commitTransaction).isInstanceOf(IllegalStateException.class)
                    .hasMessageContaining("call beginTransaction first");
            assertThatThrownBy(() -> producer.produce(josefRecord(topic, 0, "outside")))
                    .isInstanceOf(IllegalStateException.class).hasMessageContaining("only inside a transaction");
            producer.beginTransaction();
            producer.produce(josefRecord(topic, 0, "inside"));
            producer.commitTransaction();

            // Offsets sent with a generation the group has left behind: abortable, and nothing is committed.
            String group = "txn-stale-v" + transactionVersion();
            try (KafkaConsumer<byte[], byte[]> member = new KafkaConsumer<>(Map.of(
                    "bootstrap.servers", cluster.bootstrapServers(), "group.id", group,
                    "key.deserializer", "org.apache.kafka.common.serialization.ByteArrayDeserializer",
                    "value.deserializer", "org.apache.kafka.common.serialization.ByteArrayDeserializer"))) {
                member.subscribe(List.of(topic));
                long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
                while (member.assignment().isEmpty() && System.nanoTime() < deadline) {
                    member.poll(Duration.ofMillis(100));
                }
                assertThat(member.assignment()).isNotEmpty();
                org.apache.kafka.clients.consumer.ConsumerGroupMetadata now = member.groupMetadata();
                GroupMetadata stale = new GroupMetadata(group, now.generationId() + 5, now.memberId(),
                        java.util.Optional.empty());
                producer.beginTransaction();
                assertThatThrownBy(() -> producer.sendOffsetsToTransaction(
                        Map.of(TopicPartition.of(topic, 0), TransactionOffset.of(1)), stale))
                        .isInstanceOf(TransactionAbortableException.class).hasMessageContaining("ILLEGAL_GENERATION");
                producer.abortTransaction();
                assertThat(member.committed(Set.of(new org.apache.kafka.common.TopicPartition(topic, 0)))
                        .get(new org.apache.kafka.common.TopicPartition(topic, 0))).isNull();
            }
        }
        assertThat(kafkaClientsReadCommitted(cluster, topic, 1, 1)).containsExactly("inside");
    }
}
