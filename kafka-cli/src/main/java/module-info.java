/** The {@code josef} command line. */
module dev.josef.kafka.cli {
    requires dev.josef.kafka.protocol;
    requires dev.josef.kafka.admin;
    requires dev.josef.kafka.producer;
    requires dev.josef.kafka.consumer;
    requires dev.josef.kafka.testkit;
    // com.sun.management: the process CPU time josef bench reports.
    requires jdk.management;
}
