package dev.josef.kafka.testkit;

import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;

/**
 * A topic created for one test, with a name no other test uses. Ask for it as a
 * test method parameter under {@link KafkaClusterExtension}; annotate the
 * parameter with {@link Partitions} for more than one partition.
 */
public record TestTopic(String name, int partitions) {

    @Target(ElementType.PARAMETER)
    @Retention(RetentionPolicy.RUNTIME)
    public @interface Partitions {
        int value();
    }
}
