/** The {@code josef} command line. */
module dev.josef.kafka.cli {
    requires dev.josef.kafka.protocol;
}
