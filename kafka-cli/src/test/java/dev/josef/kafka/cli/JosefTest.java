package dev.josef.kafka.cli;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;

import static org.assertj.core.api.Assertions.assertThat;

class JosefTest {
    private final ByteArrayOutputStream out = new ByteArrayOutputStream();
    private final ByteArrayOutputStream err = new ByteArrayOutputStream();

    private int run(String... args) {
        return Josef.run(args, new PrintStream(out, true, StandardCharsets.UTF_8), new PrintStream(err, true, StandardCharsets.UTF_8));
    }

    private String out() {
        return out.toString(StandardCharsets.UTF_8);
    }

    private String err() {
        return err.toString(StandardCharsets.UTF_8);
    }

    @Test
    @Timeout(30)
    void demoAgainstAnUnreachableClusterFailsPromptlyAndNamesTheAddress() {
        long started = System.nanoTime();
        assertThat(run("demo", "-b", "127.0.0.1:1")).isEqualTo(1);
        assertThat(Duration.ofNanos(System.nanoTime() - started)).isLessThan(DemoCommand.REQUEST_TIMEOUT.multipliedBy(2));
        assertThat(err()).startsWith("josef demo: cannot reach the cluster at 127.0.0.1:1: ")
                .contains("127.0.0.1:1: Connection refused");
        assertThat(out()).doesNotContain("topic").doesNotContain("embedded broker");
    }

    @Test
    void demoWithBootstrapButNoAddressIsAUsageError() {
        assertThat(run("demo", "-b")).isEqualTo(2);
        assertThat(err()).contains("option '-b' needs a value").contains("usage: josef demo [-b host:port");
        assertThat(out()).isEmpty();
    }

    @Test
    void demoWithBootstrapFollowedByAnotherOptionIsAUsageError() {
        assertThat(run("demo", "--bootstrap-server", "--help")).isEqualTo(2);
        assertThat(err()).contains("option '--bootstrap-server' needs a value");
    }

    @Test
    void demoWithAMalformedBootstrapAddressIsAUsageErrorThatNamesIt() {
        assertThat(run("demo", "-b", "no-port-here")).isEqualTo(2);
        assertThat(err()).contains("bad bootstrap address 'no-port-here'");
        assertThat(out()).isEmpty();
    }

    @Test
    void demoHelpExplainsTheEmbeddedBrokerAndTheBootstrapOption() {
        assertThat(run("demo", "--help")).isZero();
        assertThat(out()).startsWith("usage: josef demo [-b host:port")
                .contains("embedded Kafka broker")
                .contains("--bootstrap-server");
    }

    @Test
    void noCommandIsAUsageErrorWithTheUsageLine() {
        assertThat(run()).isEqualTo(2);
        assertThat(err()).startsWith("usage: josef <command>");
    }

    @Test
    void anUnknownCommandIsAUsageErrorThatNamesIt() {
        assertThat(run("frobnicate")).isEqualTo(2);
        assertThat(err()).contains("unknown command 'frobnicate'").contains("usage: josef");
    }

    @Test
    void anUnknownDemoOptionIsAUsageErrorThatNamesIt() {
        assertThat(run("demo", "--fast")).isEqualTo(2);
        assertThat(err()).contains("unknown option '--fast'").contains("usage: josef demo");
        assertThat(out()).isEmpty();
    }

    @Test
    void helpListsTheCommands() {
        assertThat(run("--help")).isZero();
        assertThat(out()).contains("demo");
    }
}
