package dev.josef.kafka.producer;

import dev.josef.kafka.net.NetworkConfig;
import dev.josef.kafka.protocol.ApiKey;
import dev.josef.kafka.testkit.KafkaCluster;
import dev.josef.kafka.testkit.KafkaClusterExtension;
import dev.josef.kafka.testkit.KafkaProxy;
import dev.josef.kafka.testkit.ProxyRule;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.IntStream;

import static org.assertj.core.api.Assertions.assertThat;

/** Behaviour 2 of DESIGN.md: a deadline or a cancellation returns in time and says what is known. */
@ExtendWith(KafkaClusterExtension.class)
class HonestOutcomesIT {

    private static List<ProducerRecord> values(String topic, int from, int to) {
        return IntStream.range(from, to).mapToObj(i -> ProducerRecord.of(topic,
                ("v" + i).getBytes(StandardCharsets.UTF_8))).toList();
    }

    @Test
    void produceSyncReturnsByItsDeadlineAndLaterRecordsAreNeitherLostNorReordered(KafkaCluster cluster)
            throws Exception {
        String topic = "honest-deadline";
        cluster.createTopic(topic, 1, 1);
        try (KafkaProxy proxy = KafkaProxy.start(cluster.bootstrapServers())) {
            ProducerConfig config = ProducerConfig.builder()
                    .network(NetworkConfig.builder().bootstrapServers(proxy.bootstrapServers()).clientId("honest")
                            .requestTimeout(Duration.ofSeconds(10)).build())
                    .build();
            try (Producer producer = Producer.create(config)) {
                // Metadata first, so the deadline below is about the answer alone.
                producer.produce(ProducerRecord.of(topic, "warm-up".getBytes(StandardCharsets.UTF_8)).withPartition(0))
                        .get(30, TimeUnit.SECONDS);
                ProxyRule swallow = proxy.add(ProxyRule.on(ApiKey.PRODUCE).topic(topic).swallowResponse().times(1));
                long start = System.nanoTime();
                List<ProduceResult> results = producer.produceSync(values(topic, 0, 10), Duration.ofSeconds(2));
                long elapsedMillis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);
                assertThat(swallow.fired()).isEqualTo(1);
                assertThat(elapsedMillis).as("returned by the deadline, plus a margin").isLessThan(6_000);
                assertThat(results).extracting(ProduceResult::persistence)
                        .containsOnly(Persistence.POSSIBLY_PERSISTED);

                List<ProduceResult> later = producer.produceSync(values(topic, 10, 110), Duration.ofSeconds(30));
                assertThat(later).extracting(ProduceResult::persistence).containsOnly(Persistence.PERSISTED);
                assertThat(producer.flush(Duration.ofSeconds(30))).isTrue();
            }
        }
        List<String> expected = new ArrayList<>(List.of("warm-up"));
        IntStream.range(0, 110).forEach(i -> expected.add("v" + i));
        assertThat(consume(cluster, topic, expected.size())).containsExactlyElementsOf(expected);
    }

    @Test
    void recordsCancelledBeforeSendingSayNotPersistedAndNeverAppear(KafkaCluster cluster) throws Exception {
        String topic = "honest-cancel";
        cluster.createTopic(topic, 1, 1);
        ProducerConfig config = ProducerConfig.builder()
                .network(NetworkConfig.builder().bootstrapServers(cluster.bootstrapServers()).build())
                .linger(Duration.ofSeconds(20)).batchSize(1 << 20).build();
        try (Producer producer = Producer.create(config)) {
            List<ProduceFuture> cancelled = new ArrayList<>();
            for (ProducerRecord r : values(topic, 0, 5)) {
                cancelled.add(producer.produce(r));
            }
            for (ProduceFuture f : cancelled) {
                assertThat(f.cancel(false)).as("an unsent record can be withdrawn").isTrue();
                assertThat(ProduceResult.of(ProducerRecord.of(topic, new byte[0]), f).persistence())
                        .isEqualTo(Persistence.NOT_PERSISTED);
            }
            List<ProduceFuture> kept = new ArrayList<>();
            for (ProducerRecord r : values(topic, 5, 8)) {
                kept.add(producer.produce(r));
            }
            assertThat(producer.flush(Duration.ofSeconds(30))).isTrue();
            assertThat(kept.get(0).get().offset()).isZero();
            assertThat(kept.get(0).cancel(false)).as("an acknowledged record cannot be withdrawn").isFalse();
        }
        assertThat(consume(cluster, topic, 3)).containsExactly("v5", "v6", "v7");
    }

    /**
     * Without idempotence a sent record can be given up on: the proxy swallows the
     * answer, the application cancels, and the retry after the request timeout
     * leaves the cancelled record out. The broker had appended it once, so the log
     * holds it exactly once; a retry that still carried it would show it twice.
     */
    @Test
    void withoutIdempotenceARecordInFlightCanBeCancelledAndIsNotSentAgain(KafkaCluster cluster) throws Exception {
        String topic = "honest-cancel-in-flight";
        cluster.createTopic(topic, 1, 1);
        try (KafkaProxy proxy = KafkaProxy.start(cluster.bootstrapServers())) {
            ProducerConfig config = ProducerConfig.builder()
                    .network(NetworkConfig.builder().bootstrapServers(proxy.bootstrapServers()).clientId("cancel-sent")
                            .requestTimeout(Duration.ofSeconds(2)).build())
                    .idempotence(false).acks(Acks.LEADER).linger(Duration.ZERO).build();
            try (Producer producer = Producer.create(config)) {
                producer.produce(ProducerRecord.of(topic, "warm-up".getBytes(StandardCharsets.UTF_8)))
                        .get(30, TimeUnit.SECONDS);
                ProxyRule swallow = proxy.add(ProxyRule.on(ApiKey.PRODUCE).topic(topic).swallowResponse().times(1));
                ProduceFuture sent = producer.produce(ProducerRecord.of(topic, "sent".getBytes(StandardCharsets.UTF_8)));
                assertThat(swallow.awaitFired(1, Duration.ofSeconds(30))).isTrue();

                assertThat(sent.cancel(false)).as("a sent record can be given up on without idempotence").isTrue();
                assertThat(sent.wasSent()).isTrue();
                assertThat(ProduceResult.of(ProducerRecord.of(topic, new byte[0]), sent).persistence())
                        .isEqualTo(Persistence.POSSIBLY_PERSISTED);
                // Past the request timeout: the silent connection is gone, so "after" cannot be swallowed too.
                Thread.sleep(3_500);
                producer.produce(ProducerRecord.of(topic, "after".getBytes(StandardCharsets.UTF_8)))
                        .get(30, TimeUnit.SECONDS);
            }
        }
        assertThat(consume(cluster, topic, 3)).containsExactly("warm-up", "sent", "after");
    }

    private static List<String> consume(KafkaCluster cluster, String topic, int count) {
        return Logs.values(cluster.bootstrapServers(), topic, 0, count);
    }
}
