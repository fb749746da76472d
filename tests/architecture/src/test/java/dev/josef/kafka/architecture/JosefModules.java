package dev.josef.kafka.architecture;

import java.lang.module.ModuleDescriptor;
import java.lang.module.ModuleFinder;
import java.lang.module.ModuleReference;
import java.net.URISyntaxException;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * Josef's modules as DESIGN.md draws them, and their compiled descriptors as
 * the build made them. A module that is not built yet is simply absent.
 */
final class JosefModules {
    private JosefModules() {
    }

    /** Module name to the Josef modules it may depend on, directly or not (DESIGN.md, "Module graph"). */
    static final Map<String, Set<String>> ALLOWED = Map.of(
            "dev.josef.kafka.protocol", Set.of(),
            "dev.josef.kafka.compression", Set.of("dev.josef.kafka.protocol"),
            "dev.josef.kafka.net", Set.of("dev.josef.kafka.protocol"),
            "dev.josef.kafka.admin", Set.of("dev.josef.kafka.net", "dev.josef.kafka.protocol"),
            "dev.josef.kafka.producer", Set.of("dev.josef.kafka.net", "dev.josef.kafka.protocol"),
            "dev.josef.kafka.consumer", Set.of("dev.josef.kafka.net", "dev.josef.kafka.protocol"),
            "dev.josef.kafka.otel", Set.of("dev.josef.kafka.producer", "dev.josef.kafka.consumer",
                    "dev.josef.kafka.net", "dev.josef.kafka.protocol"),
            "dev.josef.kafka.testkit", Set.of("dev.josef.kafka.protocol"),
            "dev.josef.kafka.transactions", Set.of("dev.josef.kafka.producer", "dev.josef.kafka.consumer",
                    "dev.josef.kafka.net", "dev.josef.kafka.protocol"),
            "dev.josef.kafka.cli", Set.of("dev.josef.kafka.producer", "dev.josef.kafka.consumer",
                    "dev.josef.kafka.admin", "dev.josef.kafka.compression", "dev.josef.kafka.testkit",
                    "dev.josef.kafka.net", "dev.josef.kafka.protocol"));

    /** Classes that mark each module; a module is present when its marker loads. */
    private static final Map<String, String> MARKERS = Map.of(
            "dev.josef.kafka.protocol", "dev.josef.kafka.protocol.KafkaException",
            "dev.josef.kafka.compression", "dev.josef.kafka.compression.SnappyCodec",
            "dev.josef.kafka.net", "dev.josef.kafka.net.NetworkException",
            "dev.josef.kafka.admin", "dev.josef.kafka.admin.Admin",
            "dev.josef.kafka.producer", "dev.josef.kafka.producer.Producer",
            "dev.josef.kafka.consumer", "dev.josef.kafka.consumer.Consumer",
            "dev.josef.kafka.testkit", "dev.josef.kafka.testkit.KafkaCluster",
            "dev.josef.kafka.transactions", "dev.josef.kafka.transactions.TransactionalSession",
            "dev.josef.kafka.otel", "dev.josef.kafka.otel.JosefTelemetry",
            "dev.josef.kafka.cli", "dev.josef.kafka.cli.Josef");

    /** The module a package belongs to: the longest module name that prefixes it. */
    static Optional<String> moduleOf(String packageName) {
        return ALLOWED.keySet().stream()
                .filter(m -> packageName.equals(m) || packageName.startsWith(m + "."))
                .max((a, b) -> Integer.compare(a.length(), b.length()));
    }

    /** The descriptors of the Josef modules on this test's class path, read from their jars or class folders. */
    static List<ModuleDescriptor> built() {
        return MARKERS.values().stream().map(JosefModules::descriptorOf).toList();
    }

    static ModuleDescriptor descriptorOf(String markerClass) {
        try {
            Class<?> marker = Class.forName(markerClass);
            Path location = Path.of(marker.getProtectionDomain().getCodeSource().getLocation().toURI());
            Set<ModuleReference> found = ModuleFinder.of(location).findAll();
            if (found.size() != 1) {
                throw new AssertionError("expected one module at " + location + ", found " + found.size());
            }
            return found.iterator().next().descriptor();
        } catch (ClassNotFoundException | URISyntaxException e) {
            throw new AssertionError("cannot locate the module of " + markerClass, e);
        }
    }
}
