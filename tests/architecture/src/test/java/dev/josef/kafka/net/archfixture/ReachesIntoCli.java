package dev.josef.kafka.net.archfixture;

import dev.josef.kafka.cli.Josef;

/**
 * A deliberate violation for ModuleGraphTest to catch: a class in kafka-net's
 * package space that uses kafka-cli, which the graph forbids and which kafka-cli
 * does not export. Only imported by the test that proves the rules can fail.
 */
public final class ReachesIntoCli {
    private ReachesIntoCli() {
    }

    public static void run() {
        Josef.main(new String[] {"--help"});
    }
}
