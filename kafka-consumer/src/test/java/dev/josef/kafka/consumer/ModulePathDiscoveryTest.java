package dev.josef.kafka.consumer;

import dev.josef.kafka.consumer.spi.BatchCorruptionHandler;
import dev.josef.kafka.net.NetworkConfig;
import dev.josef.kafka.protocol.TopicPartition;
import dev.josef.kafka.testkit.ServiceProviderProbe;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.slf4j.LoggerFactory;

import java.lang.module.ModuleDescriptor;
import java.lang.module.ModuleFinder;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import static dev.josef.kafka.testkit.ServiceProviderProbe.locationOf;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * A {@link BatchCorruptionHandler} provider is found by its name with nothing but
 * the code in place: on the module path through its module's {@code provides},
 * on the class path through {@code META-INF/services}; each case in a child JVM.
 */
class ModulePathDiscoveryTest {
    private static final String CONSUMER = locationOf(ConsumerConfig.class);
    private static final List<String> LIBRARIES = List.of(CONSUMER, locationOf(NetworkConfig.class),
            locationOf(TopicPartition.class), locationOf(LoggerFactory.class));

    private static final String MODULE_INFO = """
            module example.handler {
                requires dev.josef.kafka.consumer;

                provides dev.josef.kafka.consumer.spi.BatchCorruptionHandler with example.handler.QuarantineHandler;
            }
            """;

    private static final String HANDLER = """
            package example.handler;

            import dev.josef.kafka.consumer.spi.BatchCorruptionHandler;
            import dev.josef.kafka.consumer.spi.CorruptBatch;

            public final class QuarantineHandler implements BatchCorruptionHandler {
                @Override
                public String name() {
                    return "example-quarantine";
                }

                @Override
                public Decision onCorruptBatch(CorruptBatch batch) {
                    return batch.nextOffset() - batch.baseOffset() > 100 ? Decision.STOP : Decision.SKIP;
                }
            }
            """;

    /** Looks each named handler up as an application would, and says what it found and decides. */
    private static final String PROBE = """
            package example.handler;

            import dev.josef.kafka.consumer.ConsumerConfig;
            import dev.josef.kafka.consumer.spi.BatchCorruptionHandler;
            import dev.josef.kafka.consumer.spi.CorruptBatch;
            import dev.josef.kafka.protocol.TopicPartition;

            import java.nio.ByteBuffer;
            import java.util.Map;

            public final class Probe {
                public static void main(String[] args) {
                    for (String name : args) {
                        BatchCorruptionHandler found = ConsumerConfig.fromProperties(Map.of(
                                "bootstrap.servers", "127.0.0.1:9092", "batch.corruption.handler", name))
                                .batchCorruptionHandler();
                        BatchCorruptionHandler.Decision d = found.onCorruptBatch(new CorruptBatch(
                                new TopicPartition("t", 0), 0, 500, new RuntimeException("x"), ByteBuffer.allocate(0)));
                        System.out.println("found " + found.name() + " " + found.getClass().getName()
                                + " module " + found.getClass().getModule().getName() + " decides " + d);
                    }
                }
            }
            """;

    @TempDir
    static Path work;
    private static ServiceProviderProbe probe;

    @BeforeAll
    static void compileTheProviderModule() throws Exception {
        probe = ServiceProviderProbe.compile(work, MODULE_INFO,
                Map.of("example/handler/QuarantineHandler.java", HANDLER, "example/handler/Probe.java", PROBE),
                Map.of(BatchCorruptionHandler.class.getName(), "example.handler.QuarantineHandler"), LIBRARIES);
    }

    @Test
    void onTheModulePathAHandlerIsFoundThroughItsModulesProvides() throws Exception {
        assertThat(probe.run("found ", "--module-path", probe.libraryPathWithProvider(),
                "-m", "example.handler/example.handler.Probe", "example-quarantine", "stop")).containsExactly(
                "found example-quarantine example.handler.QuarantineHandler module example.handler decides STOP",
                "found stop dev.josef.kafka.consumer.spi.BuiltInCorruptionHandler module dev.josef.kafka.consumer "
                        + "decides STOP");
    }

    @Test
    void onTheClassPathAHandlerIsFoundThroughItsServicesFile() throws Exception {
        assertThat(probe.run("found ", "-cp", probe.libraryPathWithProvider(), "example.handler.Probe",
                "example-quarantine")).containsExactly(
                "found example-quarantine example.handler.QuarantineHandler module null decides STOP");
    }

    @Test
    void theConsumerModuleDeclaresItsSpis() {
        ModuleDescriptor descriptor = ModuleFinder.of(Path.of(CONSUMER)).find("dev.josef.kafka.consumer")
                .orElseThrow().descriptor();
        assertThat(descriptor.uses()).contains(BatchCorruptionHandler.class.getName(),
                "dev.josef.kafka.consumer.spi.ConsumerHook");
    }
}
