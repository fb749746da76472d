package dev.josef.kafka.net.internal;

import dev.josef.kafka.net.Cluster;

import java.util.Objects;
import java.util.function.Function;

/**
 * How Josef's own modules reach the engine behind a public {@link Cluster}
 * without the engine appearing in Cluster's public API: Cluster hands over an
 * accessor when its class loads.
 */
public final class ClusterAccess {
    private static volatile Function<Cluster, NetworkClient> accessor;

    private ClusterAccess() {
    }

    public static void setAccessor(Function<Cluster, NetworkClient> access) {
        if (accessor != null) {
            throw new IllegalStateException("the Cluster accessor is set once");
        }
        accessor = Objects.requireNonNull(access, "access");
    }

    /** The engine of a shared cluster connection; its owner closes it, not the caller. */
    public static NetworkClient engine(Cluster cluster) {
        Objects.requireNonNull(cluster, "cluster");
        Function<Cluster, NetworkClient> a = accessor;
        if (a == null) {
            // Cluster's class initializer sets it; an instance exists, so it has run.
            throw new IllegalStateException("Cluster is not initialized");
        }
        return a.apply(cluster);
    }
}
