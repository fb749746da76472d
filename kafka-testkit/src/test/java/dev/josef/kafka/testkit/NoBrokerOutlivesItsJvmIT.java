package dev.josef.kafka.testkit;

import org.junit.jupiter.api.Test;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

class NoBrokerOutlivesItsJvmIT {

    @Test
    void killingTheTestJvmWithSignal9TakesItsBrokerDownToo() throws Exception {
        List<String> command = List.of(
                Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-cp", System.getProperty("java.class.path"),
                "-Djosef.testkit.localRepository=" + BrokerClasspath.localRepository(),
                "-Djosef.testkit.workDir=" + System.getProperty("josef.testkit.workDir", "target/josef-testkit"),
                OrphanedCluster.class.getName());
        Process parent = new ProcessBuilder(command).redirectErrorStream(true).start();
        Optional<ProcessHandle> broker = Optional.empty();
        try {
            BufferedReader out = new BufferedReader(new InputStreamReader(parent.getInputStream(), StandardCharsets.UTF_8));
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(90);
            String line;
            while ((line = out.readLine()) != null && System.nanoTime() < deadline) {
                if (line.startsWith("BROKER-PID ")) {
                    broker = ProcessHandle.of(Long.parseLong(line.substring("BROKER-PID ".length())));
                    break;
                }
            }
            assertThat(broker).as("the child JVM started a broker").isPresent();
            assertThat(broker.get().isAlive()).isTrue();

            parent.toHandle().destroyForcibly(); // kill -9: no shutdown hook runs
            parent.waitFor(10, TimeUnit.SECONDS);

            long brokerDeadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
            while (broker.get().isAlive() && System.nanoTime() < brokerDeadline) {
                Thread.sleep(50);
            }
            assertThat(broker.get().isAlive()).as("the broker halts once its parent is gone").isFalse();
        } finally {
            parent.toHandle().destroyForcibly();
            broker.ifPresent(ProcessHandle::destroyForcibly);
        }
    }
}
