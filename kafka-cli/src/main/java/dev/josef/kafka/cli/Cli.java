package dev.josef.kafka.cli;

import dev.josef.kafka.admin.Admin;
import dev.josef.kafka.admin.ClusterDescription;
import dev.josef.kafka.admin.TopicDescription;
import dev.josef.kafka.net.NetworkConfig;
import dev.josef.kafka.protocol.ErrorCode;
import dev.josef.kafka.protocol.KafkaException;

import java.io.IOException;
import java.io.Reader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/** What the subcommands share: client properties from the command line, waiting on futures, failing cleanly. */
final class Cli {
    /** Short, so that an unreachable cluster is reported promptly; a broker answers in milliseconds. */
    static final Duration REQUEST_TIMEOUT = Duration.ofSeconds(10);

    /** A Kafka or I/O failure: exit code 1, the message on stderr, no stack trace. */
    static final class Failure extends Exception {
        private static final long serialVersionUID = 1L;

        Failure(String message) {
            super(message, null, false, false);
        }
    }

    private Cli() {
    }

    /**
     * The kafka-clients properties of a command line: {@code --config FILE}, then
     * each {@code -X key=value}, then {@code -b}; {@code client.id} and
     * {@code request.timeout.ms} get the command line's defaults unless given.
     *
     * @throws Args.UsageException for a malformed {@code -X} or a missing bootstrap
     * @throws Failure             for a config file that cannot be read
     */
    static Map<String, Object> properties(Args args, String clientId) throws Args.UsageException, Failure {
        return properties(args, clientId, true);
    }

    /** As above; without {@code needsBootstrap}, a missing bootstrap is left to the caller (the demo's embedded broker). */
    static Map<String, Object> properties(Args args, String clientId, boolean needsBootstrap)
            throws Args.UsageException, Failure {
        Map<String, Object> p = new LinkedHashMap<>();
        p.put("client.id", clientId);
        p.put("request.timeout.ms", Long.toString(REQUEST_TIMEOUT.toMillis()));
        String config = args.value("config");
        if (config != null) {
            Properties file = new Properties();
            try (Reader in = Files.newBufferedReader(Path.of(config), StandardCharsets.UTF_8)) {
                file.load(in);
            } catch (NoSuchFileException e) {
                throw new Failure("config file " + config + " does not exist");
            } catch (IOException | IllegalArgumentException e) {
                throw new Failure("cannot read config file " + config + ": " + e.getMessage());
            }
            file.stringPropertyNames().forEach(k -> p.put(k, file.getProperty(k)));
        }
        for (String x : args.values("property")) {
            int eq = x.indexOf('=');
            if (eq <= 0) {
                throw new Args.UsageException("-X needs key=value, not '" + x + "'");
            }
            p.put(x.substring(0, eq).trim(), x.substring(eq + 1).trim());
        }
        String bootstrap = args.value("bootstrap");
        if (bootstrap != null) {
            p.put("bootstrap.servers", bootstrap);
        }
        if (needsBootstrap && !p.containsKey("bootstrap.servers")) {
            throw new Args.UsageException("no cluster given: use -b host:port (or bootstrap.servers in --config)");
        }
        return p;
    }

    /** The network part of {@code properties}, for the admin-backed subcommands. */
    static NetworkConfig network(Map<String, Object> properties) throws Args.UsageException {
        try {
            return NetworkConfig.fromProperties(properties);
        } catch (IllegalArgumentException e) {
            throw new Args.UsageException(e.getMessage());
        }
    }

    static <T> T await(CompletableFuture<T> future, String what) throws Failure {
        try {
            return future.get(REQUEST_TIMEOUT.toMillis() * 3, TimeUnit.MILLISECONDS);
        } catch (ExecutionException | CompletionException e) {
            Throwable cause = e.getCause() == null ? e : e.getCause();
            throw new Failure(what + ": " + (cause.getMessage() == null ? cause.toString() : cause.getMessage()));
        } catch (TimeoutException e) {
            future.cancel(true);
            throw new Failure(what + ": no answer in " + REQUEST_TIMEOUT.multipliedBy(3).toSeconds() + " s");
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new Failure(what + ": interrupted");
        }
    }

    /** Asks the cluster who it is, so that an unreachable one fails the command at once, saying so. */
    static ClusterDescription reach(Admin admin, Map<String, Object> properties) throws Failure {
        return await(admin.describeCluster(), "cannot reach the cluster at " + properties.get("bootstrap.servers"));
    }

    /** The topic's description, failing with the broker's reason when it cannot be described. */
    static TopicDescription describe(Admin admin, String topic) throws Failure {
        TopicDescription d = await(admin.describeTopics(List.of(topic)), "cannot describe topic " + topic).get(topic);
        if (d == null || !d.succeeded()) {
            ErrorCode error = d == null ? ErrorCode.UNKNOWN_TOPIC_OR_PARTITION : d.error();
            throw new Failure(error == ErrorCode.UNKNOWN_TOPIC_OR_PARTITION ? "topic '" + topic + "' does not exist"
                    : "cannot describe topic " + topic + ": " + error);
        }
        return d;
    }

    /** Runs a subcommand body, turning its failures into exit codes and one-line messages. */
    static int run(String command, String usage, java.io.PrintStream err, Body body) {
        try {
            return body.run();
        } catch (Args.UsageException e) {
            err.println("josef " + command + ": " + e.getMessage());
            err.println(usage);
            return Josef.USAGE;
        } catch (Failure e) {
            err.println("josef " + command + ": " + e.getMessage());
            return Josef.FAILED;
        } catch (KafkaException | IllegalStateException e) {
            err.println("josef " + command + ": " + e.getMessage());
            return Josef.FAILED;
        } catch (IllegalArgumentException e) {
            err.println("josef " + command + ": " + e.getMessage());
            err.println(usage);
            return Josef.USAGE;
        } catch (IOException e) {
            err.println("josef " + command + ": " + e);
            return Josef.FAILED;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            err.println("josef " + command + ": interrupted");
            return Josef.FAILED;
        } catch (RuntimeException e) {
            // Not a user error: still one line, with what failed.
            err.println("josef " + command + ": failed: " + e);
            return Josef.FAILED;
        }
    }

    /** A throwable's message, or what it is when it has none. */
    static String message(Throwable t) {
        return t.getMessage() != null ? t.getMessage() : t.toString();
    }

    interface Body {
        int run() throws Args.UsageException, Failure, IOException, InterruptedException;
    }

    /** Turns {@code \n}, {@code \t}, {@code \r} and {@code \\} into the characters they name. */
    static String unescape(String s) {
        StringBuilder b = new StringBuilder(s.length());
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c == '\\' && i + 1 < s.length()) {
                char n = s.charAt(++i);
                switch (n) {
                    case 'n' -> b.append('\n');
                    case 't' -> b.append('\t');
                    case 'r' -> b.append('\r');
                    case '\\' -> b.append('\\');
                    default -> b.append('\\').append(n);
                }
            } else {
                b.append(c);
            }
        }
        return b.toString();
    }

    static String seconds(long nanos) {
        return String.format(java.util.Locale.ROOT, "%.1f s", nanos / 1e9);
    }
}
