package dev.josef.kafka.testkit;

import java.lang.annotation.ElementType;
import java.lang.annotation.Inherited;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;

/**
 * Gives a test class its own cluster, started before its first test that asks
 * for one and stopped after its last; without it, classes share one cluster for
 * the whole run.
 */
@Target(ElementType.TYPE)
@Retention(RetentionPolicy.RUNTIME)
@Inherited
public @interface KafkaClusterConfig {
    int brokers() default 1;

    /** Listeners besides PLAINTEXT. */
    Listener[] listeners() default {};

    /** Broker settings as {@code key=value}. */
    String[] brokerProperties() default {};

    /** Feature levels the cluster is formatted with, as {@code name=level}: {@code group.version=0}. */
    String[] features() default {};
}
