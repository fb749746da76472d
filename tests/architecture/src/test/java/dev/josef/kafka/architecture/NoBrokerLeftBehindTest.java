package dev.josef.kafka.architecture;

import org.junit.jupiter.api.Test;

import java.nio.file.Path;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * This module builds after every other (it depends on all of them), so by the
 * time it runs every test JVM of the build has ended: no Kafka broker that a
 * test of this checkout started may still be running.
 */
class NoBrokerLeftBehindTest {

    @Test
    void noBrokerStartedByThisBuildsTestsIsStillRunning() {
        String checkout = Path.of("").toAbsolutePath().getParent().getParent().toString();
        List<String> leftovers = ProcessHandle.allProcesses()
                .filter(p -> p.info().commandLine().map(c -> c.contains("dev.josef.kafka.testkit.internal.ChildBroker")
                        && c.contains(checkout)).orElse(false))
                .map(p -> p.pid() + ": " + p.info().commandLine().orElse(""))
                .toList();
        assertThat(leftovers).as("broker processes left running by tests in " + checkout).isEmpty();
    }
}
