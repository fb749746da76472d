package dev.josef.kafka.testkit;

import dev.josef.kafka.testkit.internal.BrokerConnection;
import dev.josef.kafka.testkit.internal.ChildBroker;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * One Kafka node in a child JVM: a broker, a controller, or both. Its ports,
 * directory and configuration stay the same across restarts.
 *
 * <p>Driven by the test thread that owns the cluster; the shutdown hook only
 * reads {@link #process}, which is volatile.
 */
final class BrokerNode {
    private final int nodeId;
    private final boolean broker;
    private final boolean controller;
    private final Path directory;
    private final Map<Listener, Integer> ports;
    private final int controllerPort;
    private final String properties;
    private final List<String> formatArgs;
    private volatile Process process;

    BrokerNode(int nodeId, boolean broker, boolean controller, Path directory, Map<Listener, Integer> ports,
               int controllerPort, String properties, List<String> formatArgs) {
        this.nodeId = nodeId;
        this.broker = broker;
        this.controller = controller;
        this.directory = directory;
        this.ports = ports;
        this.controllerPort = controllerPort;
        this.properties = properties;
        this.formatArgs = formatArgs;
    }

    int nodeId() {
        return nodeId;
    }

    boolean isBroker() {
        return broker;
    }

    boolean isController() {
        return controller;
    }

    Integer port(Listener listener) {
        return ports.get(listener);
    }

    Path logFile() {
        return directory.resolve("logs").resolve("server.log");
    }

    boolean isRunning() {
        Process p = process;
        return p != null && p.isAlive();
    }

    long pid() {
        Process p = process;
        return p == null ? -1 : p.pid();
    }

    void start(String classpath) {
        if (isRunning()) {
            throw new IllegalStateException("node " + nodeId + " is already running");
        }
        try {
            Files.createDirectories(directory.resolve("logs"));
            Path config = directory.resolve("server.properties");
            Files.writeString(config, properties, StandardCharsets.UTF_8);
            Path log4j = directory.resolve("log4j2.properties");
            Files.writeString(log4j, LOG4J, StandardCharsets.UTF_8);

            List<String> command = new ArrayList<>();
            command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
            // C1 only and the serial collector: a broker for tests starts in about
            // half the time, and its throughput is not what is being tested.
            command.addAll(List.of("-Xms128m", "-Xmx512m", "-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1",
                    "-XX:-UsePerfData", "-Djava.awt.headless=true",
                    "-Dlog4j2.configurationFile=" + log4j.toUri(),
                    "-Dlog4j2.shutdownHookEnabled=false",
                    "-Dkafka.logs.dir=" + directory.resolve("logs"),
                    "-cp", classpath,
                    ChildBroker.class.getName(),
                    "--parent-pid", Long.toString(ProcessHandle.current().pid())));
            if (!Files.exists(directory.resolve("data").resolve("meta.properties"))) {
                command.add("--format");
                command.addAll(formatArgs);
                command.add("--config");
                command.add(config.toString());
                command.add("--");
            }
            command.add(config.toString());
            process = new ProcessBuilder(command)
                    .directory(directory.toFile())
                    .redirectErrorStream(true)
                    .redirectOutput(ProcessBuilder.Redirect.appendTo(directory.resolve("logs").resolve("stdout.txt").toFile()))
                    .start();
            // stdin stays open and unused: when this JVM dies the OS closes it, and
            // the child's watchdog halts the broker.
        } catch (IOException e) {
            throw new UncheckedIOException("cannot start Kafka node " + nodeId + " in " + directory, e);
        }
    }

    /** Waits until the node answers ApiVersions on its first listener. */
    void awaitReady(Duration timeout) {
        long deadline = System.nanoTime() + timeout.toNanos();
        int port = broker ? ports.get(Listener.PLAINTEXT) : controllerPort;
        while (true) {
            Process p = process;
            if (p == null || !p.isAlive()) {
                throw new IllegalStateException("Kafka node " + nodeId + " exited"
                        + (p == null ? "" : " with code " + p.exitValue()) + " before it was ready; "
                        + "its log: " + logFile() + lastLines());
            }
            try (BrokerConnection connection = new BrokerConnection("127.0.0.1", port, Duration.ofSeconds(2))) {
                if (connection.apiVersionsOk()) {
                    return;
                }
            } catch (IOException | RuntimeException notYet) {
                // not listening yet, or not serving yet
            }
            if (System.nanoTime() > deadline) {
                throw new IllegalStateException("Kafka node " + nodeId + " was not ready within " + timeout
                        + "; its log: " + logFile() + lastLines());
            }
            sleep(50);
        }
    }

    /** A clean shutdown (SIGTERM), forced after {@code timeout}. */
    void stop(Duration timeout) {
        Process p = process;
        if (p == null) {
            return;
        }
        // Through the handle: Process.destroy() would also close the child's stdin,
        // which the watchdog takes for a dead parent, and halt before a clean shutdown.
        p.toHandle().destroy();
        try {
            if (!p.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
                p.toHandle().destroyForcibly();
                p.waitFor(10, TimeUnit.SECONDS);
            }
        } catch (InterruptedException e) {
            p.toHandle().destroyForcibly();
            Thread.currentThread().interrupt();
        }
        closeStreams(p);
    }

    /** kill -9: no shutdown at all, as when a machine dies. */
    void kill() {
        Process p = process;
        if (p == null) {
            return;
        }
        p.toHandle().destroyForcibly();
        try {
            p.waitFor(10, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        closeStreams(p);
    }

    /** For the shutdown hook: no waiting, no logging. */
    void killNow() {
        Process p = process;
        if (p != null) {
            p.toHandle().destroyForcibly();
        }
    }

    private static void closeStreams(Process p) {
        try {
            p.getOutputStream().close();
        } catch (IOException ignored) {
            // the child is gone; nothing to flush
        }
    }

    private String lastLines() {
        List<String> lines = new ArrayList<>();
        for (Path file : List.of(directory.resolve("logs").resolve("stdout.txt"), logFile())) {
            try {
                if (Files.exists(file)) {
                    List<String> all = Files.readAllLines(file, StandardCharsets.UTF_8);
                    lines.addAll(all.subList(Math.max(0, all.size() - 15), all.size()));
                }
            } catch (IOException | UncheckedIOException e) {
                lines.add("(cannot read " + file + ": " + e + ")");
            }
        }
        return lines.isEmpty() ? "" : "\n  " + String.join("\n  ", lines);
    }

    private static void sleep(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while waiting for a Kafka node", e);
        }
    }

    private static final String LOG4J = String.join("\n",
            "status = warn",
            "# The broker's own shutdown hook logs its shutdown; log4j's must not close first.",
            "shutdownHook = disable",
            "appender.file.type = File",
            "appender.file.name = FILE",
            "appender.file.fileName = ${sys:kafka.logs.dir}/server.log",
            "appender.file.immediateFlush = true",
            "appender.file.layout.type = PatternLayout",
            "appender.file.layout.pattern = [%d] %p %m (%c)%n",
            "rootLogger.level = INFO",
            "rootLogger.appenderRef.file.ref = FILE",
            "logger.config.name = org.apache.kafka.common.config.AbstractConfig",
            "logger.config.level = WARN",
            "logger.state.name = state.change.logger",
            "logger.state.level = WARN",
            "");
}
