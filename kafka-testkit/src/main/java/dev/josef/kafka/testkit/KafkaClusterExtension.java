package dev.josef.kafka.testkit;

import org.junit.jupiter.api.extension.ExtensionContext;
import org.junit.jupiter.api.extension.ParameterContext;
import org.junit.jupiter.api.extension.ParameterResolutionException;
import org.junit.jupiter.api.extension.ParameterResolver;

import java.util.Locale;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * JUnit Jupiter support: test methods (and constructors, and lifecycle methods)
 * may take a {@link KafkaCluster} and a fresh {@link TestTopic}.
 *
 * <pre>{@code
 * @ExtendWith(KafkaClusterExtension.class)
 * class OrdersTest {
 *     @Test
 *     void roundTrip(KafkaCluster cluster, @TestTopic.Partitions(3) TestTopic topic) { ... }
 * }
 * }</pre>
 *
 * <p>By default one cluster serves the whole test run: it starts when a test
 * first asks for it and stops when the run ends. A class annotated with
 * {@link KafkaClusterConfig} gets a cluster of its own, stopped after the class.
 * Either way each test gets topics of its own, so tests do not see each other's
 * records.
 */
public final class KafkaClusterExtension implements ParameterResolver {
    private static final ExtensionContext.Namespace NAMESPACE = ExtensionContext.Namespace.create(KafkaClusterExtension.class);
    private static final AtomicInteger TOPICS = new AtomicInteger();

    @Override
    public boolean supportsParameter(ParameterContext parameter, ExtensionContext context) {
        Class<?> type = parameter.getParameter().getType();
        return type == KafkaCluster.class || type == TestTopic.class;
    }

    @Override
    public Object resolveParameter(ParameterContext parameter, ExtensionContext context) {
        KafkaCluster cluster = cluster(context);
        if (parameter.getParameter().getType() == KafkaCluster.class) {
            return cluster;
        }
        int partitions = parameter.findAnnotation(TestTopic.Partitions.class).map(TestTopic.Partitions::value).orElse(1);
        if (partitions < 1) {
            throw new ParameterResolutionException("@TestTopic.Partitions must be at least 1, was " + partitions);
        }
        String name = topicName(context);
        cluster.createTopic(name, partitions, Math.min(3, cluster.brokerIds().size()));
        return new TestTopic(name, partitions);
    }

    private static String topicName(ExtensionContext context) {
        String test = context.getTestClass().map(Class::getSimpleName).orElse("test")
                + context.getTestMethod().map(m -> "-" + m.getName()).orElse("");
        String safe = test.replaceAll("[^A-Za-z0-9._-]", "-").toLowerCase(Locale.ROOT);
        if (safe.length() > 180) {
            safe = safe.substring(0, 180);
        }
        return safe + "-" + TOPICS.incrementAndGet();
    }

    private static KafkaCluster cluster(ExtensionContext context) {
        Optional<KafkaClusterConfig> config = context.getTestClass()
                .map(c -> c.getAnnotation(KafkaClusterConfig.class));
        if (config.isEmpty()) {
            return context.getRoot().getStore(NAMESPACE)
                    .getOrComputeIfAbsent("shared-cluster", key -> new Running(KafkaCluster.start()), Running.class)
                    .cluster;
        }
        ExtensionContext classContext = context;
        while (classContext.getTestMethod().isPresent() && classContext.getParent().isPresent()) {
            classContext = classContext.getParent().get();
        }
        KafkaClusterConfig c = config.get();
        return classContext.getStore(NAMESPACE)
                .getOrComputeIfAbsent("class-cluster", key -> new Running(start(c)), Running.class)
                .cluster;
    }

    private static KafkaCluster start(KafkaClusterConfig config) {
        KafkaCluster.Builder builder = KafkaCluster.builder().brokers(config.brokers()).listeners(config.listeners());
        for (String property : config.brokerProperties()) {
            int eq = property.indexOf('=');
            if (eq <= 0) {
                throw new IllegalArgumentException("@KafkaClusterConfig brokerProperties must be key=value, was '" + property + "'");
            }
            builder.brokerProperty(property.substring(0, eq).trim(), property.substring(eq + 1).trim());
        }
        for (String feature : config.features()) {
            int eq = feature.indexOf('=');
            if (eq <= 0) {
                throw new IllegalArgumentException("@KafkaClusterConfig features must be name=level, was '" + feature + "'");
            }
            builder.feature(feature.substring(0, eq).trim(), Integer.parseInt(feature.substring(eq + 1).trim()));
        }
        return builder.start();
    }

    /** Closes the cluster when JUnit closes the store that holds it. */
    @SuppressWarnings("deprecation") // CloseableResource: the form JUnit 5.11 closes
    private static final class Running implements ExtensionContext.Store.CloseableResource {
        final KafkaCluster cluster;

        Running(KafkaCluster cluster) {
            this.cluster = cluster;
        }

        @Override
        public void close() {
            cluster.close();
        }
    }
}
