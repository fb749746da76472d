package dev.josef.kafka.producer;

import dev.josef.kafka.net.NetworkConfig;
import dev.josef.kafka.producer.spi.Partitioner;
import dev.josef.kafka.protocol.CompressionCodecs;
import dev.josef.kafka.testkit.ServiceProviderProbe;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.slf4j.LoggerFactory;

import java.io.File;
import java.io.IOException;
import java.lang.module.ModuleDescriptor;
import java.lang.module.ModuleFinder;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import static dev.josef.kafka.testkit.ServiceProviderProbe.locationOf;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * A {@link Partitioner} provider is found by its name with nothing but the code
 * in place: on the module path through its module's {@code provides}, on the
 * class path through {@code META-INF/services}. The provider is a module
 * compiled here, as an application would ship it; each case runs in a child JVM
 * so that the JVM's own module layout is the subject.
 */
class ModulePathDiscoveryTest {
    private static final String PRODUCER = locationOf(ProducerConfig.class);
    private static final String NET = locationOf(NetworkConfig.class);
    private static final String PROTOCOL = locationOf(CompressionCodecs.class);
    private static final String SLF4J = locationOf(LoggerFactory.class);
    /** Holds {@link EveryOtherPartitioner} and its services file. */
    private static final String TEST_CLASSES = locationOf(EveryOtherPartitioner.class);

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
    private static ServiceProviderProbe probe;

    @BeforeAll
    static void compileTheProviderModule() throws IOException {
        probe = ServiceProviderProbe.compile(work, MODULE_INFO,
                Map.of("example/partitioner/KeyLengthPartitioner.java", KEY_LENGTH_PARTITIONER,
                        "example/partitioner/Probe.java", PROBE_SOURCE),
                Map.of(Partitioner.class.getName(), "example.partitioner.KeyLengthPartitioner"),
                List.of(PRODUCER, NET, PROTOCOL, SLF4J));
    }

    @Test
    void onTheModulePathAProviderIsFoundThroughItsModulesProvides() throws Exception {
        List<String> found = probe.run("found ", "--module-path", probe.libraryPathWithProvider(),
                "-m", PROVIDER_MODULE + "/" + PROBE, "example-key-length");
        assertThat(found).containsExactly(
                "found example-key-length example.partitioner.KeyLengthPartitioner module example.partitioner picks 1");
    }

    @Test
    void onTheClassPathProvidersAreFoundThroughTheirServicesFiles() throws Exception {
        List<String> found = probe.run("found ", "-cp", probe.libraryPathWithProvider() + File.pathSeparator + TEST_CLASSES,
                PROBE, "example-key-length", "test-every-other");
        assertThat(found).containsExactly(
                "found example-key-length example.partitioner.KeyLengthPartitioner module null picks 1",
                "found test-every-other dev.josef.kafka.producer.EveryOtherPartitioner module null picks 2");
    }

    @Test
    void aClassPathProviderServesTheProducerOnTheModulePath() throws Exception {
        List<String> found = probe.run("found ", "--module-path", probe.libraryPath(),
                "--add-modules", "dev.josef.kafka.producer",
                "-cp", probe.providerClasses(), PROBE, "example-key-length");
        assertThat(found).containsExactly(
                "found example-key-length example.partitioner.KeyLengthPartitioner module null picks 1");
    }

    @Test
    void theProducerModuleDeclaresThatItUsesPartitioners() {
        ModuleDescriptor descriptor = ModuleFinder.of(Path.of(PRODUCER)).find("dev.josef.kafka.producer")
                .orElseThrow().descriptor();
        assertThat(descriptor.uses()).contains(Partitioner.class.getName());
    }
}
