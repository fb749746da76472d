package dev.josef.kafka.cli;

import dev.josef.kafka.admin.GroupState;
import dev.josef.kafka.admin.GroupType;
import dev.josef.kafka.protocol.TopicPartition;
import org.junit.jupiter.api.Test;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.time.LocalDateTime;
import java.time.ZoneId;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** {@code josef group}'s command line, checked whole before any cluster is asked: no broker needed. */
class GroupCommandTest {
    private final ByteArrayOutputStream out = new ByteArrayOutputStream();
    private final ByteArrayOutputStream err = new ByteArrayOutputStream();

    private int run(String... args) {
        return Josef.run(args, new PrintStream(out, true, StandardCharsets.UTF_8),
                new PrintStream(err, true, StandardCharsets.UTF_8));
    }

    private String err() {
        return err.toString(StandardCharsets.UTF_8);
    }

    @Test
    void helpNamesEveryActionAndTheResetTargets() {
        assertThat(run("group", "--help")).isZero();
        assertThat(out.toString(StandardCharsets.UTF_8)).startsWith(GroupCommand.USAGE)
                .contains("list", "describe", "delete", "offsets", "reset-offsets", "--to-earliest", "--to-latest",
                        "--to-datetime", "--to-offset", "--shift-by", "--dry-run", "--all-topics", "high watermark");
        out.reset();
        assertThat(run("--help")).isZero();
        assertThat(out.toString(StandardCharsets.UTF_8)).contains("  group ");
    }

    @Test
    void usageErrorsSayWhatIsMissingOrWrong() {
        expectUsage("which action?", "group", "-b", "127.0.0.1:1");
        expectUsage("unknown action 'show'", "group", "show", "-b", "127.0.0.1:1");
        expectUsage("which group? use -g GROUP", "group", "delete", "-b", "127.0.0.1:1");
        expectUsage("which group? use -g GROUP", "group", "offsets", "-b", "127.0.0.1:1");
        expectUsage("one group at a time", "group", "offsets", "-g", "a", "-g", "b", "-b", "127.0.0.1:1");
        expectUsage("where to?", "group", "reset-offsets", "-g", "g", "-t", "t", "-b", "127.0.0.1:1");
        expectUsage("one target at a time", "group", "reset-offsets", "-g", "g", "-t", "t", "--to-earliest",
                "--to-latest", "-b", "127.0.0.1:1");
        expectUsage("which partitions?", "group", "reset-offsets", "-g", "g", "--to-earliest", "-b", "127.0.0.1:1");
        expectUsage("which partitions?", "group", "reset-offsets", "-g", "g", "--to-earliest", "-t", "t",
                "--all-topics", "-b", "127.0.0.1:1");
        expectUsage("--to-offset must be at least 0, not -1", "group", "reset-offsets", "-g", "g", "-t", "t",
                "--to-offset=-1", "-b", "127.0.0.1:1");
        expectUsage("--shift-by takes a whole number, not 'back'", "group", "reset-offsets", "-g", "g", "-t", "t",
                "--shift-by", "back", "-b", "127.0.0.1:1");
        expectUsage("--to-datetime takes", "group", "reset-offsets", "-g", "g", "-t", "t", "--to-datetime",
                "yesterday", "-b", "127.0.0.1:1");
        expectUsage("partition of -t t:x must be a whole number", "group", "reset-offsets", "-g", "g", "-t", "t:x",
                "--to-earliest", "-b", "127.0.0.1:1");
        expectUsage("--to-earliest is for josef group reset-offsets", "group", "describe", "-g", "g",
                "--to-earliest", "-b", "127.0.0.1:1");
        expectUsage("--type is for josef group list", "group", "describe", "--type", "classic", "-b", "127.0.0.1:1");
        expectUsage("unknown group type 'modern'", "group", "list", "--type", "modern", "-b", "127.0.0.1:1");
        expectUsage("unknown group state 'sleepy'", "group", "list", "--state", "stable,sleepy", "-b", "127.0.0.1:1");
        expectUsage("list takes no -g", "group", "list", "-g", "g", "-b", "127.0.0.1:1");
    }

    private void expectUsage(String message, String... args) {
        out.reset();
        err.reset();
        assertThat(run(args)).as("exit code of %s", List.of(args)).isEqualTo(Josef.USAGE);
        assertThat(err()).contains("josef group: " + message).contains(GroupCommand.USAGE);
        assertThat(out.toString(StandardCharsets.UTF_8)).isEmpty();
    }

    @Test
    void anUnreachableClusterFailsWithItsAddress() {
        assertThat(run("group", "list", "-b", "127.0.0.1:1")).isEqualTo(Josef.FAILED);
        assertThat(err()).startsWith("josef group: cannot reach the cluster at 127.0.0.1:1");
    }

    @Test
    void timesAreReadInEveryFormTheHelpNames() throws Exception {
        assertThat(GroupCommand.epochMillis("2024-05-01T12:00:00Z")).isEqualTo(1_714_564_800_000L);
        assertThat(GroupCommand.epochMillis("2024-05-01T14:00:00+02:00")).isEqualTo(1_714_564_800_000L);
        assertThat(GroupCommand.epochMillis("@1714564800000")).isEqualTo(1_714_564_800_000L);
        long local = LocalDateTime.of(2024, 5, 1, 12, 0).atZone(ZoneId.systemDefault()).toInstant().toEpochMilli();
        assertThat(GroupCommand.epochMillis("2024-05-01T12:00:00")).isEqualTo(local);
        assertThat(GroupCommand.epochMillis("2024-05-01")).isEqualTo(local - 12 * 3_600_000L);
    }

    @Test
    void listFiltersAcceptTheNamesInAnyCase() throws Exception {
        assertThat(GroupCommand.types("classic, CONSUMER")).containsExactlyInAnyOrder(GroupType.CLASSIC,
                GroupType.CONSUMER);
        assertThat(GroupCommand.states("Stable,preparing-rebalance,COMPLETING_REBALANCE")).containsExactlyInAnyOrder(
                GroupState.STABLE, GroupState.PREPARING_REBALANCE, GroupState.COMPLETING_REBALANCE);
        assertThat(GroupCommand.types(null)).isEmpty();
    }

    @Test
    void topicsArePartitionedAsGiven() throws Exception {
        assertThat(GroupCommand.topicSpec("orders")).isEqualTo(Map.entry("orders", List.of()));
        assertThat(GroupCommand.topicSpec("orders:0,2")).isEqualTo(Map.entry("orders", List.of(0, 2)));
        assertThatThrownBy(() -> GroupCommand.topicSpec("orders:-1")).hasMessageContaining("must be between 0");
    }

    @Test
    void partitionsAreShortByTopic() {
        assertThat(GroupCommand.partitions(List.of(TopicPartition.of("b", 1), TopicPartition.of("a", 3),
                TopicPartition.of("b", 0)))).isEqualTo("a(3),b(0,1)");
        assertThat(GroupCommand.partitions(List.of())).isEqualTo("-");
    }

    @Test
    void tablesAlignTheirColumnsAndNumbersToTheRight() {
        ByteArrayOutputStream printed = new ByteArrayOutputStream();
        new Table("TOPIC", ">PARTITION", "MEMBER-ID").row("orders", 0, "m-1").row("o", 12, null)
                .print(new PrintStream(printed, true, StandardCharsets.UTF_8));
        assertThat(printed.toString(StandardCharsets.UTF_8)).isEqualTo(String.join("\n",
                "TOPIC   PARTITION  MEMBER-ID",
                "orders          0  m-1",
                "o              12  -", ""));
    }
}
