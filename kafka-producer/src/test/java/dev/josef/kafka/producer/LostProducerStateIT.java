package dev.josef.kafka.producer;

import dev.josef.kafka.net.NetworkConfig;
import dev.josef.kafka.producer.spi.OrderingPolicy;
import dev.josef.kafka.producer.spi.PartitionFailure;
import dev.josef.kafka.producer.spi.ProducerHook;
import dev.josef.kafka.protocol.ApiKey;
import dev.josef.kafka.protocol.ErrorCode;
import dev.josef.kafka.testkit.KafkaCluster;
import dev.josef.kafka.testkit.KafkaClusterConfig;
import dev.josef.kafka.testkit.KafkaClusterExtension;
import dev.josef.kafka.testkit.KafkaProxy;
import dev.josef.kafka.testkit.ProxyRule;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.RecordsToDelete;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.stream.IntStream;

import static dev.josef.kafka.producer.Logs.utf8;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * Behaviour 3 of DESIGN.md: a broker that no longer knows the producer's
 * sequence. When the log start offset moved past everything the producer had
 * acknowledged, the producer recovers silently (new epoch, sequences from 0);
 * when it did not, the data-loss signal fires and the ordering policy decides.
 *
 * <p>The broker's producer state expires quickly here, for the test that loses
 * it for real.
 */
@ExtendWith(KafkaClusterExtension.class)
@KafkaClusterConfig(brokerProperties = {"producer.id.expiration.ms=1000",
        "producer.id.expiration.check.interval.ms=200"})
@Timeout(120)
class LostProducerStateIT {

    private static List<String> values(int from, int to) {
        return IntStream.range(from, to).mapToObj(i -> "v" + i).toList();
    }

    private static List<ProduceFuture> produce(Producer producer, String topic, List<String> values) {
        List<ProduceFuture> futures = new ArrayList<>();
        for (String v : values) {
            futures.add(producer.produce(ProducerRecord.of(topic, utf8(v)).withPartition(0)));
        }
        return futures;
    }

    private static void awaitAll(List<ProduceFuture> futures) throws Exception {
        for (ProduceFuture f : futures) {
            f.get(30, TimeUnit.SECONDS);
        }
    }

    /** Records what the producer signals: data loss through the hook, failures through the policy. */
    private static final class Recorder implements ProducerHook, OrderingPolicy {
        final List<DataLossException> losses = new CopyOnWriteArrayList<>();
        final List<PartitionFailure> failures = new CopyOnWriteArrayList<>();

        @Override
        public void onDataLoss(String clientId, DataLossException loss) {
            losses.add(loss);
        }

        @Override
        public String name() {
            return "recording-continue";
        }

        @Override
        public Action onFailure(PartitionFailure failure) {
            failures.add(failure);
            return Action.CONTINUE;
        }
    }

    private static Producer producer(String bootstrap, String clientId, Recorder recorder) {
        return Producer.create(ProducerConfig.builder()
                .network(NetworkConfig.builder().bootstrapServers(bootstrap).clientId(clientId).build())
                .linger(Duration.ZERO).hook(recorder).orderingPolicy(recorder).build());
    }

    @Test
    void stateLostWithTheRecordsIsRecoveredSilentlyAndNothingIsLost(KafkaCluster cluster) throws Exception {
        String topic = "lost-state-retention";
        cluster.createTopic(topic, 1, 1);
        Recorder recorder = new Recorder();
        List<ProduceFuture> later;
        try (KafkaProxy proxy = KafkaProxy.start(cluster.bootstrapServers());
             Producer producer = producer(proxy.bootstrapServers(), "lost-state", recorder)) {
            awaitAll(produce(producer, topic, values(0, 10)));
            // As a broker whose retention removed offsets 0-9 with the producer's state would answer.
            ProxyRule lost = proxy.add(ProxyRule.on(ApiKey.PRODUCE).topic(topic).partition(0).times(1)
                    .refuseRecords().replaceError(ErrorCode.UNKNOWN_PRODUCER_ID).logStartOffset(10));

            later = produce(producer, topic, values(10, 110));
            awaitAll(later);

            assertThat(lost.fired()).isEqualTo(1);
        }
        assertThat(recorder.losses).isEmpty();
        assertThat(recorder.failures).isEmpty();
        long previous = 9;
        for (ProduceFuture f : later) {
            long offset = f.get().offset();
            assertThat(offset).isGreaterThan(previous);
            previous = offset;
        }
        assertThat(Logs.values(cluster.bootstrapServers(), topic, 0, 110)).containsExactlyElementsOf(values(0, 110));
    }

    @Test
    void sequenceLostWhileAcknowledgedRecordsShouldStillBeThereSignalsDataLoss(KafkaCluster cluster) throws Exception {
        String topic = "lost-state-data-loss";
        cluster.createTopic(topic, 1, 1);
        Recorder recorder = new Recorder();
        try (KafkaProxy proxy = KafkaProxy.start(cluster.bootstrapServers());
             Producer producer = producer(proxy.bootstrapServers(), "data-loss", recorder)) {
            awaitAll(produce(producer, topic, values(0, 10)));
            // The log still starts at 0: the broker should have known the producer.
            proxy.add(ProxyRule.on(ApiKey.PRODUCE).topic(topic).partition(0).times(1)
                    .refuseRecords().replaceError(ErrorCode.OUT_OF_ORDER_SEQUENCE_NUMBER).logStartOffset(0));

            ProduceFuture found = producer.produce(ProducerRecord.of(topic, utf8("v10")).withPartition(0));

            assertThat(found).failsWithin(Duration.ofSeconds(30)).withThrowableOfType(ExecutionException.class)
                    .havingCause().isInstanceOfSatisfying(DataLossException.class, loss -> {
                        assertThat(loss.topic()).isEqualTo(topic);
                        assertThat(loss.partition()).isZero();
                        assertThat(loss.lastAcknowledgedOffset()).isEqualTo(9);
                        assertThat(loss.logStartOffset()).isZero();
                        assertThat(loss.persistence()).isEqualTo(Persistence.NOT_PERSISTED);
                        assertThat(loss).hasMessageContaining("possible data loss");
                    });
            // The policy (continue) lets the partition go on under a new epoch.
            awaitAll(produce(producer, topic, values(11, 20)));
        }
        assertThat(recorder.losses).singleElement().satisfies(loss -> assertThat(loss.lastAcknowledgedOffset()).isEqualTo(9));
        assertThat(recorder.failures).singleElement().satisfies(f -> {
            assertThat(f.dataLoss()).isTrue();
            assertThat(f.partition()).isZero();
            assertThat(f.error()).isInstanceOf(DataLossException.class);
        });
        List<String> expected = new ArrayList<>(values(0, 10));
        expected.addAll(values(11, 20));
        assertThat(Logs.values(cluster.bootstrapServers(), topic, 0, expected.size())).containsExactlyElementsOf(expected);
    }

    /**
     * For real: DeleteRecords removes everything the producer wrote, and the
     * broker then expires the producer's state (1 s here). Production goes on
     * with nothing lost and no error reaching the application.
     */
    @Test
    void stateExpiredAfterDeleteRecordsDoesNotStopTheProducer(KafkaCluster cluster) throws Exception {
        String topic = "lost-state-delete-records";
        cluster.createTopic(topic, 1, 1);
        Recorder recorder = new Recorder();
        try (Producer producer = producer(cluster.bootstrapServers(), "delete-records", recorder);
             Admin admin = Admin.create(Map.of("bootstrap.servers", cluster.bootstrapServers()))) {
            awaitAll(produce(producer, topic, values(0, 10)));
            admin.deleteRecords(Map.of(new org.apache.kafka.common.TopicPartition(topic, 0),
                    RecordsToDelete.beforeOffset(10))).all().get(30, TimeUnit.SECONDS);
            Thread.sleep(2_500); // past producer.id.expiration.ms and a check interval

            List<ProduceFuture> later = produce(producer, topic, values(10, 60));
            awaitAll(later);

            assertThat(later.get(0).get().offset()).isEqualTo(10);
        }
        assertThat(recorder.losses).isEmpty();
        assertThat(recorder.failures).isEmpty();
        assertThat(Logs.values(cluster.bootstrapServers(), topic, 0, 50)).containsExactlyElementsOf(values(10, 60));
    }

    /**
     * Audit F1, on a real broker: the batch after the warm-up is refused once
     * with NOT_LEADER_OR_FOLLOWER (a failover), and its retry with
     * OUT_OF_ORDER_SEQUENCE_NUMBER while the log still starts at 0. Nothing
     * earlier is outstanding, so the broker lost acknowledged records: the
     * data-loss signal fires at the first such answer. Before the fix the retry
     * flag made every such answer look like a gap an earlier batch would fill,
     * so the batch was retried (and here, with the rule spent, written) and no
     * signal ever came.
     */
    @Test
    void outOfOrderForARetriedBatchWhenTheLogStartDidNotMoveSignalsDataLossAtOnce(KafkaCluster cluster)
            throws Exception {
        String topic = "lost-state-after-retry";
        cluster.createTopic(topic, 1, 1);
        Recorder recorder = new Recorder();
        try (KafkaProxy proxy = KafkaProxy.start(cluster.bootstrapServers());
             Producer producer = slowRetries(proxy.bootstrapServers(), "after-retry", recorder)) {
            awaitAll(produce(producer, topic, values(0, 10)));
            ProxyRule[] outOfOrder = new ProxyRule[1];
            ProduceFuture found = notLeaderThenOutOfOrder(proxy, producer, topic, 0, outOfOrder);

            assertThat(found).failsWithin(Duration.ofSeconds(30)).withThrowableOfType(ExecutionException.class)
                    .havingCause().isInstanceOfSatisfying(DataLossException.class, loss -> {
                        assertThat(loss.lastAcknowledgedOffset()).isEqualTo(9);
                        assertThat(loss.logStartOffset()).isZero();
                    });
            assertThat(outOfOrder[0].fired()).isOne();
        }
        assertThat(recorder.losses).hasSize(1);
        assertThat(recorder.failures).singleElement().satisfies(f -> assertThat(f.dataLoss()).isTrue());
        assertThat(Logs.values(cluster.bootstrapServers(), topic, 0, 10)).containsExactlyElementsOf(values(0, 10));
    }

    /** As above, but the answer's log start is past everything acknowledged: the state went with the records. */
    @Test
    void outOfOrderForARetriedBatchWithTheLogStartMovedPastItRecoversSilently(KafkaCluster cluster) throws Exception {
        String topic = "lost-state-after-retry-moved";
        cluster.createTopic(topic, 1, 1);
        Recorder recorder = new Recorder();
        ProduceFuture found;
        try (KafkaProxy proxy = KafkaProxy.start(cluster.bootstrapServers());
             Producer producer = slowRetries(proxy.bootstrapServers(), "after-retry-moved", recorder)) {
            awaitAll(produce(producer, topic, values(0, 10)));
            ProxyRule[] outOfOrder = new ProxyRule[1];
            found = notLeaderThenOutOfOrder(proxy, producer, topic, 10, outOfOrder);

            assertThat(found.get(30, TimeUnit.SECONDS).offset()).isEqualTo(10);
            assertThat(outOfOrder[0].fired()).isOne();
        }
        assertThat(recorder.losses).isEmpty();
        assertThat(recorder.failures).isEmpty();
        assertThat(Logs.values(cluster.bootstrapServers(), topic, 0, 11)).containsExactlyElementsOf(values(0, 11));
    }

    /**
     * Produces v10 to partition 0, refused once with NOT_LEADER_OR_FOLLOWER (a
     * failover); once that fired, its retry is to be refused with
     * OUT_OF_ORDER_SEQUENCE_NUMBER reporting {@code logStartOffset}.
     */
    private static ProduceFuture notLeaderThenOutOfOrder(KafkaProxy proxy, Producer producer, String topic,
                                                         long logStartOffset, ProxyRule[] outOfOrder)
            throws InterruptedException {
        ProxyRule notLeader = proxy.add(ProxyRule.on(ApiKey.PRODUCE).topic(topic).partition(0).times(1)
                .refuseRecords().replaceError(ErrorCode.NOT_LEADER_OR_FOLLOWER));
        ProduceFuture found = producer.produce(ProducerRecord.of(topic, utf8("v10")).withPartition(0));
        assertThat(notLeader.awaitFired(1, Duration.ofSeconds(30))).isTrue();
        outOfOrder[0] = proxy.add(ProxyRule.on(ApiKey.PRODUCE).topic(topic).partition(0).times(1)
                .refuseRecords().replaceError(ErrorCode.OUT_OF_ORDER_SEQUENCE_NUMBER).logStartOffset(logStartOffset));
        return found;
    }

    /**
     * Audit F8, on a real broker that forgets a producer idle for a second: after
     * the idle spell, the next batch is refused as too large and answered late,
     * while more batches are ready behind it. They must not reach the broker
     * first: it would take the first of them as this producer's first batch, and
     * the refused one, split and sent again, would land after them. Before the
     * fix the partition kept pipelining (the broker had acknowledged a batch
     * under this epoch once, long ago).
     */
    @Test
    void afterTheBrokerForgotAnIdleProducerARefusedBatchIsNotOvertaken(KafkaCluster cluster) throws Exception {
        String topic = "lost-state-idle";
        cluster.createTopic(topic, 1, 1);
        Recorder recorder = new Recorder();
        List<ProduceFuture> later;
        try (KafkaProxy proxy = KafkaProxy.start(cluster.bootstrapServers());
             Producer producer = Producer.create(ProducerConfig.builder()
                     .network(NetworkConfig.builder().bootstrapServers(proxy.bootstrapServers()).clientId("idle")
                             .build())
                     // Batches fill (several records each) within the linger and leave full, at once.
                     .linger(Duration.ofMillis(200)).batchSize(256).hook(recorder).orderingPolicy(recorder).build())) {
            awaitAll(produce(producer, topic, values(0, 10)));
            Thread.sleep(2_500); // past producer.id.expiration.ms and a check interval: the broker forgot us
            ProxyRule tooLarge = proxy.add(ProxyRule.on(ApiKey.PRODUCE).topic(topic).partition(0).times(1)
                    .refuseRecords().replaceError(ErrorCode.MESSAGE_TOO_LARGE).delay(Duration.ofMillis(500)));
            later = new ArrayList<>();
            for (int i = 10; i < 40; i++) {
                later.add(producer.produce(ProducerRecord.of(topic, utf8("v" + i + "-" + "x".repeat(60)))
                        .withPartition(0)));
            }
            awaitAll(later);
            assertThat(tooLarge.fired()).isOne();
        }
        assertThat(recorder.failures).isEmpty();
        for (int i = 0; i < later.size(); i++) {
            assertThat(later.get(i).get().offset()).as("offset of v" + (i + 10)).isEqualTo(10 + i);
        }
        assertThat(Logs.values(cluster.bootstrapServers(), topic, 0, 40)).extracting(v -> v.split("-")[0])
                .containsExactlyElementsOf(values(0, 40));
    }

    /** Retries wait 2 s, long enough for a test to put the next rule in place between two tries. */
    private static Producer slowRetries(String bootstrap, String clientId, Recorder recorder) {
        return Producer.create(ProducerConfig.builder()
                .network(NetworkConfig.builder().bootstrapServers(bootstrap).clientId(clientId)
                        .retryBackoff(Duration.ofSeconds(2)).build())
                .linger(Duration.ZERO).hook(recorder).orderingPolicy(recorder).build());
    }
}
