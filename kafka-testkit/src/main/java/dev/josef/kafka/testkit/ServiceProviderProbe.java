package dev.josef.kafka.testkit;

import java.io.File;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.TimeUnit;
import java.util.spi.ToolProvider;

/**
 * Checks that an SPI provider is found the way an application ships it: it
 * compiles a provider module (with its {@code META-INF/services} file too) and
 * runs a probe class in a child JVM, on the module path or the class path, so
 * the JVM's own module layout is what is tested.
 *
 * <pre>{@code
 * ServiceProviderProbe probe = ServiceProviderProbe.compile(workDir, moduleInfo,
 *         Map.of("example/Handler.java", handlerSource, "example/Probe.java", probeSource),
 *         Map.of("dev.josef.kafka.consumer.spi.BatchCorruptionHandler", "example.Handler"),
 *         List.of(jarOf(Consumer.class), jarOf(NetworkConfig.class), ...));
 * List<String> lines = probe.run("--module-path", probe.modulePath(), "-m", "example/example.Probe");
 * }</pre>
 */
public final class ServiceProviderProbe {
    private final Path work;
    private final Path classes;
    private final List<String> libraries;

    private ServiceProviderProbe(Path work, Path classes, List<String> libraries) {
        this.work = work;
        this.classes = classes;
        this.libraries = libraries;
    }

    /** Where the class of {@code type} was loaded from: its jar or class folder. */
    public static String locationOf(Class<?> type) {
        try {
            return Path.of(type.getProtectionDomain().getCodeSource().getLocation().toURI()).toString();
        } catch (URISyntaxException e) {
            throw new IllegalStateException(e);
        }
    }

    /**
     * Compiles {@code moduleInfo} and {@code sources} (relative path to source) into
     * {@code work/classes} against {@code libraries} on the module path, and writes
     * a services file for each of {@code services} (SPI name to provider class).
     *
     * @throws IllegalStateException with javac's diagnostics when compiling fails
     */
    public static ServiceProviderProbe compile(Path work, String moduleInfo, Map<String, String> sources,
                                               Map<String, String> services, List<String> libraries)
            throws IOException {
        Objects.requireNonNull(work, "work");
        Path src = work.resolve("src");
        List<String> arguments = new ArrayList<>();
        Path classes = Files.createDirectories(work.resolve("classes"));
        arguments.addAll(List.of("-d", classes.toString(), "--module-path",
                String.join(File.pathSeparator, libraries)));
        Files.createDirectories(src);
        arguments.add(Files.writeString(src.resolve("module-info.java"), moduleInfo).toString());
        for (Map.Entry<String, String> e : sources.entrySet()) {
            Path file = src.resolve(e.getKey());
            Files.createDirectories(file.getParent());
            arguments.add(Files.writeString(file, e.getValue()).toString());
        }
        // java.util.spi.ToolProvider rather than javax.tools: a test patched into a named module
        // reads java.base but not java.compiler.
        ToolProvider javac = ToolProvider.findFirst("javac")
                .orElseThrow(() -> new IllegalStateException("no javac: service provider probes need a JDK"));
        StringWriter diagnostics = new StringWriter();
        try (PrintWriter out = new PrintWriter(diagnostics)) {
            int status = javac.run(out, out, arguments.toArray(String[]::new));
            out.flush();
            if (status != 0) {
                throw new IllegalStateException("javac " + arguments + " failed:\n" + diagnostics);
            }
        }
        Path servicesDir = Files.createDirectories(classes.resolve("META-INF/services"));
        for (Map.Entry<String, String> e : services.entrySet()) {
            Files.writeString(servicesDir.resolve(e.getKey()), e.getValue() + "\n");
        }
        return new ServiceProviderProbe(work, classes, List.copyOf(libraries));
    }

    /** The compiled provider's folder: a module on the module path, or a class path entry. */
    public String providerClasses() {
        return classes.toString();
    }

    /** The libraries, joined for {@code --module-path} or {@code -cp}. */
    public String libraryPath() {
        return String.join(File.pathSeparator, libraries);
    }

    /** The libraries and then the provider, joined. */
    public String libraryPathWithProvider() {
        return libraryPath() + File.pathSeparator + classes;
    }

    /**
     * Runs {@code java args...} in a child JVM, waiting up to 60 s.
     *
     * @return the output lines that start with {@code prefix}; the rest is only shown when the run fails
     * @throws IllegalStateException when the child does not finish in time or exits with an error
     */
    public List<String> run(String prefix, String... args) throws IOException, InterruptedException {
        List<String> command = new ArrayList<>();
        command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        command.addAll(List.of(args));
        Path output = Files.createTempFile(work, "probe", ".log");
        // Output to a file, not a pipe: a child that fills an unread pipe would hang until the timeout.
        Process process = new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(output.toFile()).start();
        try {
            process.getOutputStream().close();
            boolean exited = process.waitFor(60, TimeUnit.SECONDS);
            String text = Files.readString(output);
            if (!exited) {
                throw new IllegalStateException("child JVM did not finish within 60 s: " + command + "\n" + text);
            }
            if (process.exitValue() != 0) {
                throw new IllegalStateException("child JVM exited with " + process.exitValue() + ": " + command + "\n"
                        + text);
            }
            return text.lines().filter(l -> l.startsWith(prefix)).toList();
        } finally {
            process.destroyForcibly();
        }
    }
}
