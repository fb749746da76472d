package dev.josef.kafka.net.internal;

import dev.josef.kafka.net.NetworkException;
import dev.josef.kafka.protocol.message.MetadataRequest;
import org.junit.jupiter.api.Test;

import java.net.ServerSocket;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * The engine's waits run on threads it owns: a backoff or a retry waits on the
 * I/O thread's timers and goes on on the client's callback thread (not on the
 * JDK's common pool, whose threads nobody stops), and a host name is looked up
 * on the client's resolver thread, not on the I/O thread that serves every
 * broker. Only 127.0.0.1 and localhost, on a port nothing listens on.
 */
class TimersAndResolverTest {

    private static int closedPort() throws Exception {
        try (ServerSocket s = new ServerSocket(0)) {
            return s.getLocalPort();
        }
    }

    @Test
    void aDelayCompletesOnTheClientsCallbackThreadAfterItsTime() throws Exception {
        try (NetworkClient client = NetworkClient.open(NetworkClientConfig.of("127.0.0.1:" + closedPort(), "timers"))) {
            long start = System.nanoTime();
            String thread = client.delay(Duration.ofMillis(200))
                    .thenApply(ignored -> Thread.currentThread().getName()).get(10, TimeUnit.SECONDS);
            assertThat(thread).isEqualTo("josef-timers-callback");
            assertThat(Duration.ofNanos(System.nanoTime() - start)).isGreaterThanOrEqualTo(Duration.ofMillis(200));
        }
    }

    @Test
    void delaysStillWaitingFailWhenTheClientCloses() throws Exception {
        CompletableFuture<Void> waiting;
        try (NetworkClient client = NetworkClient.open(NetworkClientConfig.of("127.0.0.1:" + closedPort(), "closing"))) {
            waiting = client.delay(Duration.ofMinutes(10));
        }
        assertThatThrownBy(() -> waiting.get(10, TimeUnit.SECONDS)).isInstanceOf(ExecutionException.class)
                .hasMessageContaining("the network client is closed");
    }

    @Test
    void aRetriedRequestGoesOnOnTheClientsOwnThreadsAndAHostIsResolvedOnItsResolverThread() throws Exception {
        try (NetworkClient client = NetworkClient.open(NetworkClientConfig.of("localhost:" + closedPort(), "retries"))) {
            CompletableFuture<String> failedOn = client.send(NetworkClient.ANY_BROKER, new MetadataRequest())
                    .handle((response, error) -> Thread.currentThread().getName());
            assertThat(failedOn.get(30, TimeUnit.SECONDS)).isEqualTo("josef-retries-callback");
            // The JDK's delay scheduler thread exists once anything in the JVM used delayedExecutor or
            // orTimeout; nothing in this module's code or tests does.
            assertThat(Thread.getAllStackTraces().keySet()).extracting(Thread::getName)
                    .contains("josef-retries-dns").doesNotContain("CompletableFutureDelayScheduler");
            assertThatThrownBy(() -> client.send(NetworkClient.ANY_BROKER, new MetadataRequest()).join())
                    .hasCauseInstanceOf(NetworkException.class).hasMessageContaining("3 times");
        }
    }
}
