package dev.josef.kafka.producer;

import dev.josef.kafka.net.NetworkConfig;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Collectors;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * A producer without a client id takes one as kafka-clients does
 * ({@code producer-1}, {@code producer-2}, ...), and every thread it starts is
 * named {@code josef-<client-id>-<role>}, is a daemon, is made by the
 * application's ThreadFactory when it gave one, and is gone after close. No
 * broker is needed: the producer's first request (InitProducerId) only has to
 * try to connect, to 127.0.0.1 on a port nothing listens on.
 */
class ThreadsAndClientIdTest {
    private static final String NOBODY = "127.0.0.1:9";

    private static Set<Thread> threadsOf(String clientId) {
        return Thread.getAllStackTraces().keySet().stream()
                .filter(t -> t.getName().startsWith("josef-" + clientId + "-")).collect(Collectors.toSet());
    }

    private static Set<String> roles(Set<Thread> threads, String clientId) {
        return threads.stream().map(t -> t.getName().substring(("josef-" + clientId + "-").length()))
                .collect(Collectors.toSet());
    }

    @Test
    void producersWithoutAClientIdAreNumberedAndNameTheirThreadsByIt() throws Exception {
        try (Producer first = Producer.create(ProducerConfig.builder().bootstrapServers(NOBODY).build());
             Producer second = Producer.create(ProducerConfig.builder().bootstrapServers(NOBODY).build())) {
            assertThat(first.clientId()).matches("producer-\\d+");
            int n = Integer.parseInt(first.clientId().substring("producer-".length()));
            assertThat(second.clientId()).isEqualTo("producer-" + (n + 1));
            awaitRoles(first.clientId(), Set.of("sender", "callbacks", "io", "callback", "dns"));
            assertThat(threadsOf(first.clientId())).allMatch(Thread::isDaemon);
            assertThat(first.toString()).startsWith("Producer(" + first.clientId());
        }
    }

    @Test
    void theApplicationsThreadFactoryMakesEveryThreadAndCloseStopsThemAll() throws Exception {
        Set<Thread> made = ConcurrentHashMap.newKeySet();
        AtomicInteger calls = new AtomicInteger();
        ThreadFactory factory = runnable -> {
            calls.incrementAndGet();
            Thread t = new Thread(runnable);
            t.setPriority(Thread.MAX_PRIORITY - 1);
            made.add(t);
            return t;
        };
        Set<Thread> seen;
        try (Producer producer = Producer.create(ProducerConfig.builder().network(NetworkConfig.builder()
                .bootstrapServers(NOBODY).clientId("orders").threadFactory(factory).build()).build())) {
            awaitRoles("orders", Set.of("sender", "callbacks", "io", "callback", "dns"));
            seen = threadsOf("orders");
            assertThat(made).containsAll(seen);
            assertThat(seen).allMatch(t -> t.getPriority() == Thread.MAX_PRIORITY - 1 && t.isDaemon());
            producer.close(Duration.ofSeconds(5));
        }
        assertThat(calls.get()).isGreaterThanOrEqualTo(5);
        for (Thread t : seen) {
            t.join(10_000);
            if (t.getName().endsWith("-dns")) {
                continue; // the resolver's thread ends when close stops its pool, without a join
            }
            assertThat(t.isAlive()).as(t.getName() + " still runs after close").isFalse();
        }
    }

    private static void awaitRoles(String clientId, Set<String> roles) throws InterruptedException {
        long deadline = System.nanoTime() + 10_000_000_000L;
        while (!roles(threadsOf(clientId), clientId).containsAll(roles) && System.nanoTime() < deadline) {
            Thread.sleep(20);
        }
        assertThat(roles(threadsOf(clientId), clientId)).containsAll(roles);
        assertThat(List.copyOf(threadsOf(clientId))).isNotEmpty();
    }

    @Test
    void connectionHooksGivenToAProducerOnASharedClusterAreRefusedByName() {
        dev.josef.kafka.net.spi.ClientHook connections = new dev.josef.kafka.net.spi.ClientHook() {
        };
        try (dev.josef.kafka.net.Cluster cluster = dev.josef.kafka.net.Cluster.connect(
                NetworkConfig.builder().bootstrapServers(NOBODY).build())) {
            ProducerConfig config = ProducerConfig.builder().bootstrapServers(NOBODY).hook(connections).build();
            org.assertj.core.api.Assertions.assertThatThrownBy(() -> Producer.create(config, cluster))
                    .isInstanceOf(IllegalArgumentException.class)
                    .hasMessageContaining("give the ClientHooks")
                    .hasMessageContaining("to the Cluster's NetworkConfig");
            assertThat(cluster.toString()).matches("Cluster\\(\\[127.0.0.1:9\\], client id 'cluster-\\d+'\\)");
        }
    }
}
