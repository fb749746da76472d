package dev.josef.kafka.producer;

import dev.josef.kafka.net.NetworkConfig;
import dev.josef.kafka.producer.spi.Partitioner;
import dev.josef.kafka.protocol.CompressionCodecs;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.slf4j.LoggerFactory;

import java.io.File;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.lang.module.ModuleDescriptor;
import java.lang.module.ModuleFinder;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.spi.ToolProvider;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * A {@link Partitioner} provider is found by its name with nothing but the code
 * in place: on the module path through its module's {@code provides}, on the
 * class path through {@code META-INF/services}. The provider is a module
 * compiled here, as an application would ship it; each case runs in a child JVM
 * so that the JVM's own module layout is the subject.
 */
class ModulePathDiscoveryTest {

    private static String location(Class<?> type) {
        try {
            return Path.of(type.getProtectionDomain().getCodeSource().getLocation().toURI()).toString();
        } catch (URISyntaxException e) {
            throw new IllegalStateException(e);
        }
    }

    private static final String PRODUCER = location(ProducerConfig.class);
    private static final String NET = location(NetworkConfig.class);
    private static final String PROTOCOL = location(CompressionCodecs.class);
    private static final String SLF4J = location(LoggerFactory.class);
    /** Holds {@link EveryOtherPartitioner} and its services file. */
    private static final String TEST_CLASSES = location(EveryOtherPartitioner.class);

    private static final String PROVIDER_MODULE = "example.partitioner";
    private static final String PROBE = "example.partitioner.Probe";

    private static final String MODULE_INFO = """
            module example.partitioner {
                requires dev.josef.kafka.producer;

                provides dev.josef.kafka.producer.spi.Partitioner with example.partitioner.KeyLengthPartitioner;
            }
            """;

    private static final String KEY_LENGTH_PARTITIONER = """
            package example.partitioner;

            import dev.josef.kafka.producer.spi.Partitioner;

            public final class KeyLengthPartitioner implements Partitioner {
                @Override
                public String name() {
                    return "example-key-length";
                }

                @Override
                public int partition(String topic, byte[] key, byte[] value, int partitionCount) {
                    return key == null ? UNASSIGNED : key.length % partitionCount;
                }
            }
            """;

    /** Looks each named partitioner up the way an application would, and says what it found. */
    private static final String PROBE_SOURCE = """
            package example.partitioner;

            import dev.josef.kafka.producer.ProducerConfig;
            import dev.josef.kafka.producer.spi.Partitioner;

            import java.nio.charset.StandardCharsets;
            import java.util.Map;

            public final class Probe {
                public static void main(String[] args) {
                    for (String name : args) {
                        Partitioner found = ProducerConfig.fromProperties(Map.of(
                                "bootstrap.servers", "127.0.0.1:9092", "partitioner.class", name)).partitioner();
                        int partition = found.partition("t", "abcde".getBytes(StandardCharsets.UTF_8), null, 4);
                        System.out.println("found " + found.name() + " " + found.getClass().getName()
                                + " module " + found.getClass().getModule().getName() + " picks " + partition);
                    }
                }
            }
            """;

    @TempDir
    static Path work;

    /** The provider module's classes, with a services file too, as a provider jar ships. */
    private static Path provider;

    @BeforeAll
    static void compileTheProviderModule() throws IOException {
        Path sources = work.resolve("src");
        Path pkg = sources.resolve("example/partitioner");
        Files.createDirectories(pkg);
        List<Path> files = List.of(
                Files.writeString(sources.resolve("module-info.java"), MODULE_INFO),
                Files.writeString(pkg.resolve("KeyLengthPartitioner.java"), KEY_LENGTH_PARTITIONER),
                Files.writeString(pkg.resolve("Probe.java"), PROBE_SOURCE));
        provider = Files.createDirectories(work.resolve("classes"));

        // java.util.spi.ToolProvider rather than javax.tools: these tests compile into the producer
        // module (patched in), which reads java.base but not java.compiler.
        ToolProvider javac = ToolProvider.findFirst("javac")
                .orElseThrow(() -> new IllegalStateException("no javac: these tests need a JDK"));
        List<String> arguments = new ArrayList<>(List.of("-d", provider.toString(),
                "--module-path", String.join(File.pathSeparator, PRODUCER, NET, PROTOCOL, SLF4J)));
        files.forEach(f -> arguments.add(f.toString()));
        StringWriter diagnostics = new StringWriter();
        try (PrintWriter out = new PrintWriter(diagnostics)) {
            int status = javac.run(out, out, arguments.toArray(String[]::new));
            out.flush();
            assertThat(status).as("javac %s:%n%s", arguments, diagnostics).isZero();
        }
        Path services = Files.createDirectories(provider.resolve("META-INF/services"));
        Files.writeString(services.resolve(Partitioner.class.getName()), "example.partitioner.KeyLengthPartitioner\n");
    }

    @Test
    void onTheModulePathAProviderIsFoundThroughItsModulesProvides() throws Exception {
        List<String> found = run("--module-path", String.join(File.pathSeparator,
                        PRODUCER, NET, PROTOCOL, SLF4J, provider.toString()),
                "-m", PROVIDER_MODULE + "/" + PROBE, "example-key-length");
        assertThat(found).containsExactly(
                "found example-key-length example.partitioner.KeyLengthPartitioner module example.partitioner picks 1");
    }

    @Test
    void onTheClassPathProvidersAreFoundThroughTheirServicesFiles() throws Exception {
        List<String> found = run("-cp", String.join(File.pathSeparator,
                        PRODUCER, NET, PROTOCOL, SLF4J, provider.toString(), TEST_CLASSES),
                PROBE, "example-key-length", "test-every-other");
        assertThat(found).containsExactly(
                "found example-key-length example.partitioner.KeyLengthPartitioner module null picks 1",
                "found test-every-other dev.josef.kafka.producer.EveryOtherPartitioner module null picks 2");
    }

    @Test
    void aClassPathProviderServesTheProducerOnTheModulePath() throws Exception {
        List<String> found = run("--module-path", String.join(File.pathSeparator, PRODUCER, NET, PROTOCOL, SLF4J),
                "--add-modules", "dev.josef.kafka.producer",
                "-cp", provider.toString(), PROBE, "example-key-length");
        assertThat(found).containsExactly(
                "found example-key-length example.partitioner.KeyLengthPartitioner module null picks 1");
    }

    @Test
    void theProducerModuleDeclaresThatItUsesPartitioners() {
        ModuleDescriptor descriptor = ModuleFinder.of(Path.of(PRODUCER)).find("dev.josef.kafka.producer")
                .orElseThrow().descriptor();
        assertThat(descriptor.uses()).contains(Partitioner.class.getName());
    }

    /** The probe's "found" lines; the rest of the output (SLF4J finding no provider, say) is only shown on failure. */
    private static List<String> run(String... args) throws IOException, InterruptedException {
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
            assertThat(exited).as("child JVM finished within 60 s: %s%n%s", command, text).isTrue();
            assertThat(process.exitValue()).as("exit code of %s; output:%n%s", command, text).isZero();
            return text.lines().filter(l -> l.startsWith("found ")).toList();
        } finally {
            process.destroyForcibly();
        }
    }
}
