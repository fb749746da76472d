package dev.josef.kafka.benchmarks;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * A trial's main class run in a JVM of its own ({@link MemberProcess#JVM_OPTIONS}),
 * so the CPU it reports is its whole process's; its numbers are the last line
 * of its output that reads {@code RESULT name=value ...}.
 */
final class ChildJvm {
    /** A trial's numbers, or why it has none. */
    record Result(Map<String, Double> values, String failure) {
    }

    private static final java.util.concurrent.atomic.AtomicInteger TRIALS = new java.util.concurrent.atomic.AtomicInteger();

    private ChildJvm() {
    }

    /** Runs {@code main} with {@code jvmOptions} and {@code args}, waiting up to 5 minutes. */
    static Result run(Class<?> main, List<String> jvmOptions, List<String> args) throws Exception {
        Path java = Path.of(System.getProperty("java.home"), "bin", "java");
        List<String> command = new ArrayList<>(List.of(java.toString()));
        command.addAll(MemberProcess.JVM_OPTIONS);
        command.addAll(jvmOptions);
        // For a profiler, say: -Dbench.childJvmOptions="-XX:StartFlightRecording=filename=trial-{n}.jfr"
        // ({n} counts the trials of the run).
        String extra = System.getProperty("bench.childJvmOptions");
        if (extra != null && !extra.isBlank()) {
            String n = Integer.toString(TRIALS.incrementAndGet());
            for (String option : extra.trim().split("\\s+")) {
                command.add(option.replace("{n}", n));
            }
        }
        command.addAll(List.of("-cp", System.getProperty("java.class.path"), main.getName()));
        command.addAll(args);
        Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
        Map<String, Double> values = new HashMap<>();
        StringBuilder output = new StringBuilder();
        try (BufferedReader out = new BufferedReader(new InputStreamReader(p.getInputStream(),
                StandardCharsets.UTF_8))) {
            String line;
            while ((line = out.readLine()) != null) {
                if (line.startsWith("RESULT ")) {
                    for (String kv : line.substring(7).split(" ")) {
                        int eq = kv.indexOf('=');
                        values.put(kv.substring(0, eq), Double.parseDouble(kv.substring(eq + 1)));
                    }
                } else if (output.length() < 4000) {
                    output.append(line).append('\n');
                }
            }
            if (!p.waitFor(5, TimeUnit.MINUTES)) {
                return new Result(Map.of(), "did not finish in 5 minutes");
            }
        } finally {
            p.destroyForcibly();
        }
        if (p.exitValue() != 0 || values.isEmpty()) {
            return new Result(Map.of(), "exit " + p.exitValue() + ": " + output.toString().trim());
        }
        return new Result(values, null);
    }
}
