package dev.josef.kafka.testkit;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assumptions.assumeThat;

/** The Docker-backed choice, on machines without a Docker engine (like this project's). */
class DockerBackendChoiceIT {

    @Test
    void askingForTestcontainersWithoutDockerFailsAtOnceAndSaysSo() {
        assumeThat(dockerAnswers()).as("this check is for machines without Docker").isFalse();
        String before = System.setProperty(KafkaCluster.BACKEND_PROPERTY, "testcontainers");
        try {
            assertThatThrownBy(KafkaCluster::start)
                    .isInstanceOf(IllegalStateException.class)
                    .hasMessageContaining("no Docker engine answers");
        } finally {
            restore(before);
        }
    }

    @Test
    void anUnknownBackendIsAnErrorThatNamesTheProperty() {
        String before = System.setProperty(KafkaCluster.BACKEND_PROPERTY, "vm");
        try {
            assertThatThrownBy(KafkaCluster::start)
                    .hasMessageContaining("josef.testkit.broker must be 'process' (the default) or 'testcontainers', was 'vm'");
        } finally {
            restore(before);
        }
    }

    private static boolean dockerAnswers() {
        try {
            return org.testcontainers.DockerClientFactory.instance().isDockerAvailable();
        } catch (RuntimeException e) {
            return false;
        }
    }

    private static void restore(String before) {
        if (before == null) {
            System.clearProperty(KafkaCluster.BACKEND_PROPERTY);
        } else {
            System.setProperty(KafkaCluster.BACKEND_PROPERTY, before);
        }
    }
}
