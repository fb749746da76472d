/** The {@code josef} command line. */
module dev.josef.kafka.cli {
    requires dev.josef.kafka.protocol;
    requires dev.josef.kafka.admin;
    requires dev.josef.kafka.testkit;
}
