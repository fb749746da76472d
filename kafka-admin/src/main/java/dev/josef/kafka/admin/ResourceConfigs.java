package dev.josef.kafka.admin;

import dev.josef.kafka.protocol.ErrorCode;

import java.util.Map;
import java.util.Optional;

/**
 * The configs of one resource, by name; empty when {@link #error()} is not NONE.
 */
public record ResourceConfigs(ConfigResource resource, Map<String, ConfigEntry> entries, ErrorCode error,
                              String errorMessage) implements Outcome {
    public ResourceConfigs {
        entries = java.util.Collections.unmodifiableMap(new java.util.TreeMap<>(entries));
    }

    public Optional<ConfigEntry> entry(String name) {
        return Optional.ofNullable(entries.get(name));
    }

    /** The value of a config, when described and not hidden. */
    public Optional<String> value(String name) {
        return entry(name).map(ConfigEntry::value);
    }
}
