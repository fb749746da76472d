package dev.josef.kafka.benchmarks;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;

/**
 * The parent's handle on one {@link GroupMember} child JVM: launches it, turns
 * each line it prints into an {@link Event} on the trial's queue, tells it to go
 * and to stop, and kills it when it does not stop in time.
 *
 * <p>Threads: one reader thread per child owns its standard output and only adds
 * to the shared queue and completes {@link #result}; everything else runs on the
 * benchmark's main thread. Every child ever launched is in {@link #LIVE} until it
 * has exited, so a shutdown hook can kill what a failed run left behind.
 */
final class MemberProcess {
    /**
     * JVM options of every member, the same for both clients. kafka-otel is in the
     * benchmarks jar for {@link TelemetryBenchmark}; everywhere else its
     * ServiceLoader hook is switched off, so Josef is measured as without it.
     */
    static final List<String> JVM_OPTIONS = List.of("-Xms512m", "-Xmx512m",
            "-Dorg.slf4j.simpleLogger.defaultLogLevel=warn", "-Djosef.otel.auto=false");
    private static final Set<Process> LIVE = ConcurrentHashMap.newKeySet();

    static {
        Runtime.getRuntime().addShutdownHook(new Thread(() -> LIVE.forEach(Process::destroyForcibly),
                "member-reaper"));
    }

    /** One line from a member. {@code partitions} for ASSIGNED/REVOKED/LOST and FIRST; EXIT when its output ended. */
    record Event(MemberProcess member, String kind, long micros, List<Integer> partitions, String line) {
    }

    final String name;
    final long launchMicros;
    private final Process process;
    private final Path log;
    private final CompletableFuture<Map<String, Long>> result = new CompletableFuture<>();
    private volatile String failure;
    private volatile Map<String, Long> threadCpu = Map.of();

    private MemberProcess(String name, Process process, long launchMicros, Path log) {
        this.name = name;
        this.process = process;
        this.launchMicros = launchMicros;
        this.log = log;
    }

    /**
     * Starts {@code java -cp <this jar> GroupBenchmark --member <memberArgs>}; its
     * standard error goes to {@code logDir/<name>.log}, a copy of its events to
     * {@code logDir/<name>.events}.
     */
    static MemberProcess launch(String name, List<String> memberArgs, Path logDir, BlockingQueue<Event> events)
            throws IOException {
        List<String> command = new ArrayList<>();
        command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        command.addAll(JVM_OPTIONS);
        command.add("-cp");
        command.add(System.getProperty("java.class.path"));
        command.add(GroupBenchmark.class.getName());
        command.add("--member");
        command.addAll(memberArgs);
        Path log = logDir.resolve(name + ".log");
        ProcessBuilder pb = new ProcessBuilder(command).redirectError(log.toFile());
        long launch = GroupMember.now();
        Process process = pb.start();
        LIVE.add(process);
        process.onExit().thenRun(() -> LIVE.remove(process));
        MemberProcess m = new MemberProcess(name, process, launch, log);
        Thread reader = new Thread(() -> m.read(events), "read-" + name);
        reader.setDaemon(true);
        reader.start();
        return m;
    }

    private void read(BlockingQueue<Event> events) {
        try (BufferedReader in = new BufferedReader(new InputStreamReader(process.getInputStream(),
                StandardCharsets.UTF_8));
             Writer copy = Files.newBufferedWriter(log.resolveSibling(name + ".events"))) {
            String line;
            while ((line = in.readLine()) != null) {
                copy.write(line);
                copy.write('\n');
                String[] f = line.split(" ");
                if (f.length < 2) {
                    continue;
                }
                switch (f[0]) {
                    case "RESULT" -> {
                        Map<String, Long> values = new HashMap<>();
                        for (int i = 1; i < f.length; i++) {
                            int eq = f[i].indexOf('=');
                            values.put(f[i].substring(0, eq), Long.parseLong(f[i].substring(eq + 1)));
                        }
                        result.complete(values);
                    }
                    case "FAILED" -> failure = line;
                    case "THREADS" -> threadCpu = threads(f[1]);
                    case "READY", "SUBSCRIBE", "PROGRESS" -> events.add(new Event(this, f[0], Long.parseLong(f[1]),
                            List.of(), line));
                    case "ASSIGNED", "REVOKED", "LOST" -> events.add(new Event(this, f[0], Long.parseLong(f[1]),
                            f.length < 3 || f[2].equals("-") ? List.of()
                                    : Arrays.stream(f[2].split(",")).map(Integer::valueOf).toList(), line));
                    case "FIRST" -> events.add(new Event(this, f[0], Long.parseLong(f[1]),
                            List.of(Integer.valueOf(f[2])), line));
                    default -> {
                        // not ours (a library printing to stdout): ignored
                    }
                }
            }
        } catch (IOException | RuntimeException e) {
            failure = "reading its output failed: " + e;
        }
        events.add(new Event(this, "EXIT", GroupMember.now(), List.of(), ""));
        result.complete(Map.of()); // no RESULT line: the member failed
    }

    private static Map<String, Long> threads(String list) {
        Map<String, Long> ms = new HashMap<>();
        if (!list.equals("-")) {
            for (String pair : list.split(",")) {
                int eq = pair.lastIndexOf('=');
                ms.put(pair.substring(0, eq).replace('_', ' '), Long.valueOf(pair.substring(eq + 1)));
            }
        }
        return ms;
    }

    /** CPU milliseconds per thread name just before the member closed its client; empty if not reported. */
    Map<String, Long> threadCpu() {
        return threadCpu;
    }

    /** The next offset per partition of a PROGRESS event. */
    static Map<Integer, Long> progress(Event e) {
        Map<Integer, Long> next = new HashMap<>();
        String[] f = e.line().split(" ");
        if (f.length > 3) {
            for (String pair : f[3].split(",")) {
                int colon = pair.indexOf(':');
                next.put(Integer.valueOf(pair.substring(0, colon)), Long.valueOf(pair.substring(colon + 1)));
            }
        }
        return next;
    }

    void go() {
        send("go");
    }

    void stop() {
        send("stop");
    }

    private void send(String command) {
        try {
            OutputStream out = process.getOutputStream();
            out.write((command + "\n").getBytes(StandardCharsets.UTF_8));
            out.flush();
        } catch (IOException e) {
            // it has exited already; its EXIT event says so
        }
    }

    /**
     * Waits for the member's RESULT line and its exit, up to {@code timeout};
     * the values, or an exception naming what went wrong.
     */
    Map<String, Long> awaitResult(Duration timeout) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        Map<String, Long> values;
        try {
            values = result.get(timeout.toNanos(), TimeUnit.NANOSECONDS);
        } catch (java.util.concurrent.TimeoutException e) {
            throw new IllegalStateException(name + " printed no result within " + timeout + describeLog());
        } catch (java.util.concurrent.ExecutionException e) {
            throw new IllegalStateException(name + ": " + e.getCause());
        }
        if (!process.waitFor(Math.max(0, deadline - System.nanoTime()), TimeUnit.NANOSECONDS)) {
            throw new IllegalStateException(name + " did not exit within " + timeout + describeLog());
        }
        if (values.isEmpty()) {
            throw new IllegalStateException(name + " exited " + process.exitValue() + " without a result"
                    + (failure != null ? ": " + failure : "") + describeLog());
        }
        return values;
    }

    /** Kills the member if it still runs, and waits (bounded) until it has. */
    void destroy() {
        if (process.isAlive()) {
            process.destroyForcibly();
            try {
                process.waitFor(10, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }

    boolean alive() {
        return process.isAlive();
    }

    String failure() {
        return failure;
    }

    String describeLog() {
        try {
            List<String> lines = Files.readAllLines(log);
            List<String> tail = lines.subList(Math.max(0, lines.size() - 15), lines.size());
            return tail.isEmpty() ? " (its log " + log + " is empty)"
                    : "; the end of its log " + log + ":\n  " + String.join("\n  ", tail);
        } catch (IOException e) {
            return " (no log: " + e + ")";
        }
    }

    @Override
    public String toString() {
        return name;
    }
}
