package dev.josef.kafka.testkit.internal;

import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.util.Locale;
import java.util.Map;

/**
 * A broker in a Docker container through Testcontainers' {@code KafkaContainer},
 * for {@code -Djosef.testkit.broker=testcontainers}. Testcontainers is reached by
 * reflection, so the kit needs neither it nor Docker unless this is asked for;
 * when it is asked for and no Docker engine answers, {@link #start} fails at once
 * and says so.
 */
public final class ContainerBroker implements AutoCloseable {
    private final Object container;

    private ContainerBroker(Object container) {
        this.container = container;
    }

    public static ContainerBroker start(String image, Map<String, String> brokerProperties) {
        Class<?> factory = load("org.testcontainers.DockerClientFactory");
        boolean docker;
        try {
            Object instance = factory.getMethod("instance").invoke(null);
            docker = (Boolean) factory.getMethod("isDockerAvailable").invoke(instance);
        } catch (ReflectiveOperationException | RuntimeException e) {
            docker = false;
        }
        if (!docker) {
            throw new IllegalStateException("-Djosef.testkit.broker=testcontainers was asked for, but no Docker engine"
                    + " answers here; run without it to start the brokers as child JVMs");
        }
        try {
            Object container = load("org.testcontainers.kafka.KafkaContainer").getConstructor(String.class).newInstance(image);
            Method withEnv = container.getClass().getMethod("withEnv", String.class, String.class);
            // The apache/kafka image reads broker settings from KAFKA_* variables.
            for (Map.Entry<String, String> p : brokerProperties.entrySet()) {
                withEnv.invoke(container, "KAFKA_" + p.getKey().toUpperCase(Locale.ROOT).replace('.', '_'), p.getValue());
            }
            container.getClass().getMethod("start").invoke(container);
            return new ContainerBroker(container);
        } catch (InvocationTargetException e) {
            throw new IllegalStateException("the Kafka container (" + image + ") did not start: " + e.getCause(), e.getCause());
        } catch (ReflectiveOperationException e) {
            throw new IllegalStateException("this Testcontainers version has no usable KafkaContainer: " + e, e);
        }
    }

    public String bootstrapServers() {
        return (String) call("getBootstrapServers");
    }

    public boolean isRunning() {
        return (Boolean) call("isRunning");
    }

    public void restart() {
        call("stop");
        call("start");
    }

    public void stop() {
        call("stop");
    }

    @Override
    public void close() {
        stop();
    }

    private Object call(String method) {
        try {
            return container.getClass().getMethod(method).invoke(container);
        } catch (InvocationTargetException e) {
            throw new IllegalStateException("Kafka container: " + method + " failed: " + e.getCause(), e.getCause());
        } catch (ReflectiveOperationException e) {
            throw new IllegalStateException("Kafka container: no " + method + "(): " + e, e);
        }
    }

    private static Class<?> load(String name) {
        try {
            return Class.forName(name, true, ContainerBroker.class.getClassLoader());
        } catch (ClassNotFoundException e) {
            throw new IllegalStateException("-Djosef.testkit.broker=testcontainers needs org.testcontainers:kafka"
                    + " on the test class path (missing " + name + ")", e);
        }
    }
}
