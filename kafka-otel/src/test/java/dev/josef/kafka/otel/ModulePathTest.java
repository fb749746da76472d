package dev.josef.kafka.otel;

import dev.josef.kafka.consumer.ConsumerConfig;
import dev.josef.kafka.net.NetworkConfig;
import dev.josef.kafka.producer.ProducerConfig;
import dev.josef.kafka.protocol.CompressionCodecs;
import dev.josef.kafka.testkit.ServiceProviderProbe;
import io.opentelemetry.api.OpenTelemetry;
import io.opentelemetry.common.ComponentLoader;
import io.opentelemetry.context.Context;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.slf4j.LoggerFactory;

import java.io.File;
import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import static dev.josef.kafka.testkit.ServiceProviderProbe.locationOf;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * kafka-otel as an application ships it, in a child JVM: on the module path
 * (its module resolves with {@code opentelemetry-api} (with the context and
 * common artifacts it brings) and Josef's modules alone, {@code ServiceLoader} finds its hook through the module's
 * {@code provides}, and {@code JosefTelemetry} writes the trace context into a
 * record), and the same on the class path through its services files.
 */
class ModulePathTest {
    private static final List<String> LIBRARIES = List.of(locationOf(JosefTelemetry.class),
            locationOf(ProducerConfig.class), locationOf(ConsumerConfig.class), locationOf(NetworkConfig.class),
            locationOf(CompressionCodecs.class), locationOf(LoggerFactory.class), locationOf(OpenTelemetry.class),
            locationOf(Context.class), locationOf(ComponentLoader.class));

    private static final String MODULE_INFO = """
            module example.traced {
                requires dev.josef.kafka.otel;

                uses dev.josef.kafka.producer.spi.ProducerHook;
                uses dev.josef.kafka.consumer.spi.ConsumerHook;
            }
            """;

    /** Says which hooks ServiceLoader finds, and the headers telemetry gives a record produced inside a span. */
    private static final String PROBE_SOURCE = """
            package example.traced;

            import dev.josef.kafka.consumer.spi.ConsumerHook;
            import dev.josef.kafka.otel.JosefTelemetry;
            import dev.josef.kafka.producer.ProducerRecord;
            import dev.josef.kafka.producer.spi.ProducerHook;
            import io.opentelemetry.api.OpenTelemetry;
import io.opentelemetry.common.ComponentLoader;
            import io.opentelemetry.api.trace.Span;
            import io.opentelemetry.api.trace.SpanContext;
            import io.opentelemetry.api.trace.TraceFlags;
            import io.opentelemetry.api.trace.TraceState;
            import io.opentelemetry.api.trace.propagation.W3CTraceContextPropagator;
            import io.opentelemetry.context.Scope;
            import io.opentelemetry.context.propagation.ContextPropagators;

            import java.nio.charset.StandardCharsets;
            import java.util.ServiceLoader;

            public final class Probe {
                public static void main(String[] args) {
                    for (ProducerHook h : ServiceLoader.load(ProducerHook.class)) {
                        System.out.println("traced producer hook " + h.getClass().getName() + " module "
                                + h.getClass().getModule().getName() + " enabled " + h.enabled());
                    }
                    for (ConsumerHook h : ServiceLoader.load(ConsumerHook.class)) {
                        System.out.println("traced consumer hook " + h.getClass().getName() + " enabled "
                                + h.enabled());
                    }
                    JosefTelemetry telemetry = JosefTelemetry.create(OpenTelemetry.propagating(
                            ContextPropagators.create(W3CTraceContextPropagator.getInstance())));
                    SpanContext parent = SpanContext.create("0af7651916cd43dd8448eb211c80319c", "b7ad6b7169203331",
                            TraceFlags.getSampled(), TraceState.getDefault());
                    try (Scope scope = Span.wrap(parent).makeCurrent()) {
                        ProducerRecord out = telemetry.onProduce("probe",
                                ProducerRecord.of("t", "v".getBytes(StandardCharsets.UTF_8)));
                        out.headers().forEach(h -> System.out.println("traced header " + h.key() + "="
                                + new String(h.value(), StandardCharsets.UTF_8)));
                    }
                }
            }
            """;

    private static final String HEADER = "traced header traceparent=00-0af7651916cd43dd8448eb211c80319c-"
            + "b7ad6b7169203331-01";

    @TempDir
    static Path work;
    private static ServiceProviderProbe probe;

    @BeforeAll
    static void compileTheApplication() throws IOException {
        probe = ServiceProviderProbe.compile(work, MODULE_INFO, Map.of("example/traced/Probe.java", PROBE_SOURCE),
                Map.of(), LIBRARIES);
    }

    @Test
    void onTheModulePathTheModuleResolvesItsHookIsFoundAndItTraces() throws Exception {
        List<String> out = probe.run("traced ", "--module-path", probe.libraryPathWithProvider(),
                "-m", "example.traced/example.traced.Probe");
        assertThat(out).containsExactly(
                "traced producer hook dev.josef.kafka.otel.GlobalTelemetry module dev.josef.kafka.otel enabled true",
                "traced consumer hook dev.josef.kafka.otel.GlobalTelemetry enabled true",
                HEADER);
    }

    @Test
    void onTheClassPathItsServicesFilesServeAndTheSwitchTurnsTheFoundHookOff() throws Exception {
        String classPath = probe.libraryPathWithProvider().replace(File.pathSeparator + File.pathSeparator,
                File.pathSeparator);
        assertThat(probe.run("traced ", "-cp", classPath, "example.traced.Probe")).containsExactly(
                "traced producer hook dev.josef.kafka.otel.GlobalTelemetry module null enabled true",
                "traced consumer hook dev.josef.kafka.otel.GlobalTelemetry enabled true",
                HEADER);
        assertThat(probe.run("traced ", "-Djosef.otel.auto=false", "-cp", classPath, "example.traced.Probe"))
                .containsExactly(
                        "traced producer hook dev.josef.kafka.otel.GlobalTelemetry module null enabled false",
                        "traced consumer hook dev.josef.kafka.otel.GlobalTelemetry enabled false",
                        HEADER);
    }
}
