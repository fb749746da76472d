package dev.josef.kafka.compression;

import dev.josef.kafka.compression.probe.ListCodecs;
import dev.josef.kafka.protocol.spi.CompressionCodec;
import io.airlift.compress.snappy.SnappyCompressor;
import org.junit.jupiter.api.Test;

import java.io.File;
import java.io.IOException;
import java.lang.module.ModuleDescriptor;
import java.lang.module.ModuleFinder;
import java.net.URISyntaxException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The codecs are found with nothing but the jars in place: on the module path
 * through {@code provides}, on the class path through {@code META-INF/services}.
 * Each case runs in a child JVM so that the JVM's own module layout is the subject.
 */
class ModulePathDiscoveryTest {

    private static String location(Class<?> type) {
        try {
            return Path.of(type.getProtectionDomain().getCodeSource().getLocation().toURI()).toString();
        } catch (URISyntaxException e) {
            throw new IllegalStateException(e);
        }
    }

    private static final String PROTOCOL = location(CompressionCodec.class);
    private static final String COMPRESSION = location(SnappyCodec.class);
    private static final String AIRCOMPRESSOR = location(SnappyCompressor.class);
    private static final String TEST_CLASSES = location(ListCodecs.class);

    @Test
    void onTheModulePathTheCodecsComeFromTheNamedModule() throws Exception {
        List<String> lines = run("--module-path", String.join(File.pathSeparator, PROTOCOL, COMPRESSION, AIRCOMPRESSOR),
                "--add-modules", "dev.josef.kafka.compression",
                "-cp", TEST_CLASSES, ListCodecs.class.getName());
        assertThat(lines).containsExactly(
                "snappy dev.josef.kafka.compression hello snappy",
                "lz4 dev.josef.kafka.compression hello lz4",
                "zstd dev.josef.kafka.compression hello zstd");
    }

    @Test
    void onTheClassPathTheCodecsComeFromTheServicesFile() throws Exception {
        List<String> lines = run("-cp", String.join(File.pathSeparator, PROTOCOL, COMPRESSION, AIRCOMPRESSOR, TEST_CLASSES),
                ListCodecs.class.getName());
        assertThat(lines).containsExactly(
                "snappy null hello snappy",
                "lz4 null hello lz4",
                "zstd null hello zstd");
    }

    @Test
    void theServicesFileListsExactlyTheProvidersTheModuleDeclares() throws IOException {
        ModuleDescriptor descriptor = ModuleFinder.of(Path.of(COMPRESSION)).findAll().iterator().next().descriptor();
        List<String> declared = descriptor.provides().stream()
                .filter(p -> p.service().equals(CompressionCodec.class.getName()))
                .flatMap(p -> p.providers().stream()).toList();
        List<String> listed;
        try (var in = SnappyCodec.class.getResourceAsStream("/META-INF/services/" + CompressionCodec.class.getName())) {
            assertThat(in).as("META-INF/services file").isNotNull();
            listed = new String(in.readAllBytes(), StandardCharsets.UTF_8).lines()
                    .map(String::strip).filter(l -> !l.isEmpty() && !l.startsWith("#")).toList();
        }
        assertThat(listed).containsExactlyElementsOf(declared).hasSize(3);
    }

    private static List<String> run(String... args) throws IOException, InterruptedException {
        List<String> command = new ArrayList<>();
        command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        command.addAll(List.of(args));
        Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
        try {
            process.getOutputStream().close();
            if (!process.waitFor(60, TimeUnit.SECONDS)) {
                throw new AssertionError("child JVM did not finish in 60 s: " + command);
            }
            String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            assertThat(process.exitValue()).as("exit code; output:%n%s", output).isZero();
            return output.lines().filter(l -> !l.isBlank()).toList();
        } finally {
            process.destroyForcibly();
        }
    }
}
