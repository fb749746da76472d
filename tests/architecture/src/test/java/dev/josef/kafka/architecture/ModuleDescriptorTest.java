package dev.josef.kafka.architecture;

import org.junit.jupiter.api.Test;

import java.lang.module.ModuleDescriptor;
import java.lang.module.ModuleDescriptor.Exports;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.stream.Collectors;

import static org.assertj.core.api.Assertions.assertThat;

/** Each module's compiled descriptor: what it exports, to whom, what it requires and uses. */
class ModuleDescriptorTest {
    private static final Set<String> SIBLINGS = Set.of(
            "dev.josef.kafka.compression", "dev.josef.kafka.net", "dev.josef.kafka.admin",
            "dev.josef.kafka.producer", "dev.josef.kafka.consumer", "dev.josef.kafka.otel",
            "dev.josef.kafka.testkit", "dev.josef.kafka.cli");

    @Test
    void kafkaProtocolExportsItsApiAndSpiToAllAndItsInternalsOnlyToSiblings() {
        ModuleDescriptor d = JosefModules.descriptorOf("dev.josef.kafka.protocol.KafkaException");
        assertThat(d.name()).isEqualTo("dev.josef.kafka.protocol");
        assertThat(exports(d)).isEqualTo(new TreeMap<>(Map.of(
                "dev.josef.kafka.protocol", Set.of(),
                "dev.josef.kafka.protocol.spi", Set.of(),
                "dev.josef.kafka.protocol.internal", SIBLINGS,
                "dev.josef.kafka.protocol.message", SIBLINGS)));
        assertThat(d.requires().stream().map(ModuleDescriptor.Requires::name).collect(Collectors.toSet()))
                .as("kafka-protocol depends on the JDK alone")
                .containsExactly("java.base");
        assertThat(d.uses()).containsExactly("dev.josef.kafka.protocol.spi.CompressionCodec");
        assertThat(d.provides()).isEmpty();
    }

    @Test
    void kafkaCompressionProvidesItsCodecsAndRequiresOnlyProtocolAndAircompressor() {
        ModuleDescriptor d = JosefModules.descriptorOf("dev.josef.kafka.compression.SnappyCodec");
        assertThat(d.name()).isEqualTo("dev.josef.kafka.compression");
        assertThat(exports(d)).isEqualTo(new TreeMap<>(Map.of("dev.josef.kafka.compression", Set.of())));
        assertThat(d.requires().stream().map(ModuleDescriptor.Requires::name).collect(Collectors.toSet()))
                .containsExactlyInAnyOrder("java.base", "dev.josef.kafka.protocol", "aircompressor", "jdk.unsupported");
        assertThat(d.provides()).hasSize(1);
        ModuleDescriptor.Provides provides = d.provides().iterator().next();
        assertThat(provides.service()).isEqualTo("dev.josef.kafka.protocol.spi.CompressionCodec");
        assertThat(provides.providers()).containsExactly("dev.josef.kafka.compression.SnappyCodec",
                "dev.josef.kafka.compression.Lz4Codec", "dev.josef.kafka.compression.ZstdCodec");
        assertThat(d.uses()).isEmpty();
    }

    @Test
    void kafkaProducerExportsItsApiAndSpiAndUsesItsThreeSpis() {
        ModuleDescriptor d = JosefModules.descriptorOf("dev.josef.kafka.producer.Producer");
        assertThat(d.name()).isEqualTo("dev.josef.kafka.producer");
        assertThat(exports(d)).isEqualTo(new TreeMap<>(Map.of("dev.josef.kafka.producer", Set.of(),
                "dev.josef.kafka.producer.spi", Set.of())));
        Map<String, Set<ModuleDescriptor.Requires.Modifier>> requires = new TreeMap<>();
        d.requires().forEach(r -> requires.put(r.name(), r.modifiers()));
        assertThat(requires).containsEntry("dev.josef.kafka.net", Set.of(ModuleDescriptor.Requires.Modifier.TRANSITIVE))
                .containsOnlyKeys("java.base", "dev.josef.kafka.net", "org.slf4j");
        assertThat(d.uses()).containsExactlyInAnyOrder("dev.josef.kafka.producer.spi.Partitioner",
                "dev.josef.kafka.producer.spi.OrderingPolicy", "dev.josef.kafka.producer.spi.ProducerHook");
    }

    @Test
    void kafkaConsumerExportsItsApiAndSpiAndUsesItsTwoSpis() {
        ModuleDescriptor d = JosefModules.descriptorOf("dev.josef.kafka.consumer.Consumer");
        assertThat(d.name()).isEqualTo("dev.josef.kafka.consumer");
        assertThat(exports(d)).isEqualTo(new TreeMap<>(Map.of("dev.josef.kafka.consumer", Set.of(),
                "dev.josef.kafka.consumer.spi", Set.of())));
        Map<String, Set<ModuleDescriptor.Requires.Modifier>> requires = new TreeMap<>();
        d.requires().forEach(r -> requires.put(r.name(), r.modifiers()));
        assertThat(requires).containsEntry("dev.josef.kafka.net", Set.of(ModuleDescriptor.Requires.Modifier.TRANSITIVE))
                .containsOnlyKeys("java.base", "dev.josef.kafka.net", "org.slf4j");
        assertThat(d.uses()).containsExactlyInAnyOrder("dev.josef.kafka.consumer.spi.BatchCorruptionHandler",
                "dev.josef.kafka.consumer.spi.ConsumerHook", "dev.josef.kafka.consumer.spi.GroupBalancer",
                "dev.josef.kafka.consumer.spi.RebalanceHook");
        assertThat(d.provides()).isEmpty();
    }

    @Test
    void kafkaOtelNeedsOnlyOpenTelemetrysApiBesideJosefAndProvidesItsHooks() {
        ModuleDescriptor d = JosefModules.descriptorOf("dev.josef.kafka.otel.JosefTelemetry");
        assertThat(d.name()).isEqualTo("dev.josef.kafka.otel");
        assertThat(d.requires().stream().map(ModuleDescriptor.Requires::name).collect(Collectors.toSet()))
                .containsExactlyInAnyOrder("java.base", "dev.josef.kafka.producer", "dev.josef.kafka.consumer",
                        "io.opentelemetry.api", "io.opentelemetry.context");
        assertThat(d.provides()).extracting(ModuleDescriptor.Provides::service).containsExactlyInAnyOrder(
                "dev.josef.kafka.producer.spi.ProducerHook", "dev.josef.kafka.consumer.spi.ConsumerHook");
    }

    @Test
    void kafkaTransactionsNeedsOnlyTheProducerAndTheConsumer() {
        ModuleDescriptor d = JosefModules.descriptorOf("dev.josef.kafka.transactions.TransactionalSession");
        assertThat(d.requires().stream().map(ModuleDescriptor.Requires::name).collect(Collectors.toSet()))
                .containsExactlyInAnyOrder("java.base", "dev.josef.kafka.producer", "dev.josef.kafka.consumer",
                        "org.slf4j");
    }

    @Test
    void kafkaCliExportsNothingAndRequiresOnlyJosefModules() {
        ModuleDescriptor d = JosefModules.descriptorOf("dev.josef.kafka.cli.Josef");
        assertThat(d.name()).isEqualTo("dev.josef.kafka.cli");
        assertThat(d.exports()).isEmpty();
        assertThat(d.requires().stream().map(ModuleDescriptor.Requires::name).collect(Collectors.toSet()))
                .containsExactlyInAnyOrder("java.base", "dev.josef.kafka.protocol", "dev.josef.kafka.admin",
                        "dev.josef.kafka.producer", "dev.josef.kafka.consumer", "dev.josef.kafka.testkit",
                        "jdk.management");
    }

    @Test
    void kafkaNetExportsItsApiAndSpiAndItsEngineOnlyToTheClientModules() {
        ModuleDescriptor d = JosefModules.descriptorOf("dev.josef.kafka.net.NetworkException");
        assertThat(d.name()).isEqualTo("dev.josef.kafka.net");
        assertThat(exports(d)).isEqualTo(new TreeMap<>(Map.of(
                "dev.josef.kafka.net", Set.of(),
                "dev.josef.kafka.net.spi", Set.of(),
                "dev.josef.kafka.net.internal", Set.of("dev.josef.kafka.admin", "dev.josef.kafka.producer",
                        "dev.josef.kafka.consumer", "dev.josef.kafka.otel", "dev.josef.kafka.cli"))));
        assertThat(d.requires().stream().map(ModuleDescriptor.Requires::name).collect(Collectors.toSet()))
                .containsExactlyInAnyOrder("java.base", "dev.josef.kafka.protocol", "org.slf4j");
        assertThat(d.uses()).containsExactlyInAnyOrder("dev.josef.kafka.net.spi.SaslMechanism",
                "dev.josef.kafka.net.spi.ClientHook");
    }

    @Test
    void kafkaAdminExportsOnlyItsApiAndCarriesKafkaNetToItsUsers() {
        ModuleDescriptor d = JosefModules.descriptorOf("dev.josef.kafka.admin.Admin");
        assertThat(d.name()).isEqualTo("dev.josef.kafka.admin");
        assertThat(exports(d)).isEqualTo(new TreeMap<>(Map.of("dev.josef.kafka.admin", Set.of())));
        Map<String, Set<ModuleDescriptor.Requires.Modifier>> requires = new TreeMap<>();
        d.requires().forEach(r -> requires.put(r.name(), r.modifiers()));
        assertThat(requires).containsEntry("dev.josef.kafka.net", Set.of(ModuleDescriptor.Requires.Modifier.TRANSITIVE))
                .containsOnlyKeys("java.base", "dev.josef.kafka.net", "org.slf4j");
        assertThat(d.uses()).isEmpty();
        assertThat(d.provides()).isEmpty();
    }

    @Test
    void kafkaTestkitExportsOnlyItsApiAndNeedsJUnitOnlyForItsExtension() {
        ModuleDescriptor d = JosefModules.descriptorOf("dev.josef.kafka.testkit.KafkaCluster");
        assertThat(d.name()).isEqualTo("dev.josef.kafka.testkit");
        assertThat(exports(d)).isEqualTo(new TreeMap<>(Map.of("dev.josef.kafka.testkit", Set.of())));
        Map<String, Set<ModuleDescriptor.Requires.Modifier>> requires = new TreeMap<>();
        d.requires().forEach(r -> requires.put(r.name(), r.modifiers()));
        assertThat(requires).containsEntry("dev.josef.kafka.protocol", Set.of(ModuleDescriptor.Requires.Modifier.TRANSITIVE))
                .containsEntry("org.junit.jupiter.api", Set.of(ModuleDescriptor.Requires.Modifier.STATIC))
                .containsOnlyKeys("java.base", "dev.josef.kafka.protocol", "org.junit.jupiter.api");
    }

    private static Map<String, Set<String>> exports(ModuleDescriptor d) {
        Map<String, Set<String>> map = new TreeMap<>();
        for (Exports e : d.exports()) {
            map.put(e.source(), new TreeSet<>(e.targets()));
        }
        return map;
    }
}
