package dev.josef.kafka.net.internal;

/** What Josef calls itself in ApiVersions (KIP-511), so broker metrics can tell clients apart. */
final class ClientVersion {
    static final String VERSION = "0.1.0";

    private ClientVersion() {
    }
}
