package dev.josef.kafka.cli;

import org.junit.jupiter.api.Test;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;

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
    void demoEncodesAndDecodesAProduceFrameAndSaysTheyAreEqual() {
        assertThat(run("demo")).isZero();
        assertThat(out()).contains("record batch   3 records")
                .contains("(verified)")
                .contains("key=user-2  value=add-to-cart")
                .contains("decodes to the same records: true")
                .contains("from client 'josef-demo', acks=-1, topic id Sm9zZWYtZGVtby10b3BpYw, 3 records, equal: true")
                .contains("Josef speaks 89 Kafka APIs");
        assertThat(err()).isEmpty();
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
        assertThat(err()).contains("unknown option '--fast'");
    }

    @Test
    void helpListsTheCommands() {
        assertThat(run("--help")).isZero();
        assertThat(out()).contains("demo");
    }
}
