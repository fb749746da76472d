package dev.josef.kafka.cli;

import dev.josef.kafka.admin.Admin;
import dev.josef.kafka.admin.TopicDescription;
import dev.josef.kafka.net.NetworkConfig;
import dev.josef.kafka.testkit.KafkaCluster;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.net.ConnectException;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** {@code josef demo} in-process, against real brokers from kafka-testkit. */
@Timeout(value = 3, unit = TimeUnit.MINUTES)
class DemoIT {
    private static final Pattern EMBEDDED = Pattern.compile("embedded broker {2}127\\.0\\.0\\.1:(\\d+), ready in \\d+\\.\\d s");
    private static final Pattern CLUSTER = Pattern.compile("(?m)^cluster {10}id \\S{22}, controller 1, 1 broker$");

    private final ByteArrayOutputStream out = new ByteArrayOutputStream();
    private final ByteArrayOutputStream err = new ByteArrayOutputStream();

    private int run(String... args) {
        return Josef.run(args, new PrintStream(out, true, StandardCharsets.UTF_8), new PrintStream(err, true, StandardCharsets.UTF_8));
    }

    private String out() {
        return out.toString(StandardCharsets.UTF_8);
    }

    @Test
    void demoWithoutBootstrapStartsAnEmbeddedBrokerCreatesTheTopicAndStopsTheBrokerAfterwards() {
        assertThat(run("demo")).isZero();

        String out = out();
        assertThat(err.toString(StandardCharsets.UTF_8)).isEmpty();
        Matcher embedded = EMBEDDED.matcher(out);
        assertThat(embedded.find()).as("the embedded broker's address and start time in:%n%s", out).isTrue();
        int port = Integer.parseInt(embedded.group(1));
        assertThat(out).containsPattern(CLUSTER)
                .contains("  broker 1       127.0.0.1:" + port + "\n")
                .containsPattern("topic {12}josef-demo created, id \\S{22}, 3 partitions\n")
                .contains("  partition 0    leader 1, replicas [1], isr [1]\n")
                .contains("  partition 1    leader 1, replicas [1], isr [1]\n")
                .contains("  partition 2    leader 1, replicas [1], isr [1]\n")
                .containsPattern("produced {9}10,000 keyed records \\(100 keys\\) in \\d+\\.\\d s, a cold start "
                        + "\\(josef bench measures speed\\)\n")
                .containsPattern("consumed {9}10,000 records back in \\d+\\.\\d s; "
                        + "partition 0: [\\d,]+, partition 1: [\\d,]+, partition 2: [\\d,]+\n")
                .doesNotContain("records/s")
                .contains("checked          every key in one partition, its records in the order produced: yes\n")
                .containsPattern("embedded broker {2}stopped in \\d+\\.\\d s\n$");
        assertThat(out.lines().count()).isBetween(10L, 25L);
        assertThatThrownBy(() -> new Socket("127.0.0.1", port).close())
                .as("the embedded broker is stopped when the demo ends")
                .isInstanceOf(ConnectException.class);
    }

    @Test
    void demoWithBootstrapUsesThatClusterAndLeavesAnExistingTopicAsItIs() throws Exception {
        try (KafkaCluster cluster = KafkaCluster.start()) {
            String bootstrap = cluster.bootstrapServers();
            int port = Integer.parseInt(bootstrap.substring(bootstrap.lastIndexOf(':') + 1));

            assertThat(run("demo", "-b", bootstrap)).isZero();
            String first = out();
            assertThat(first).startsWith("Josef demo against the cluster at " + bootstrap + "\n")
                    .doesNotContain("embedded broker")
                    .containsPattern(CLUSTER)
                    .contains("  broker 1       127.0.0.1:" + port + "\n")
                    .containsPattern("topic {12}josef-demo created, id \\S{22}, 3 partitions\n")
                    .contains("  partition 2    leader 1, replicas [1], isr [1]\n");

            try (Admin admin = Admin.create(NetworkConfig.builder().bootstrapServers(bootstrap).build())) {
                TopicDescription topic = admin.describeTopics(List.of(DemoCommand.TOPIC)).get(30, TimeUnit.SECONDS)
                        .get(DemoCommand.TOPIC);
                assertThat(topic.succeeded()).isTrue();
                assertThat(topic.partitions()).hasSize(3);
                assertThat(first).contains("josef-demo created, id " + topic.topicId() + ", 3 partitions");
            }

            out.reset();
            assertThat(run("demo", "-b", bootstrap)).isZero();
            assertThat(out()).containsPattern("topic {12}josef-demo already exists \\(left as it is\\), id \\S{22}, 3 partitions\n")
                    .contains("consumed         10,000 records back")
                    .contains("its records in the order produced: yes");
            assertThat(err.toString(StandardCharsets.UTF_8)).isEmpty();
            assertThat(cluster.isRunning(1)).as("the demo leaves a cluster it did not start running").isTrue();
        }
    }
}
