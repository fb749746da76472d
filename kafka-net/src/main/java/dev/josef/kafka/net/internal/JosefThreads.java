package dev.josef.kafka.net.internal;

import java.util.Map;
import java.util.Objects;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Every thread Josef starts comes from here: named
 * {@code josef-<client-id>-<role>}, a daemon, and made by the application's
 * {@link ThreadFactory} when it gave one (so it chooses the thread group,
 * priority, context class loader and uncaught-exception handler). And the
 * client id a client takes when none was configured: {@code producer-1},
 * {@code consumer-1}, {@code adminclient-1}, ... counted per kind in the JVM,
 * as kafka-clients does.
 */
public final class JosefThreads {
    private static final Map<String, AtomicInteger> COUNTERS = new ConcurrentHashMap<>();

    private JosefThreads() {
    }

    /**
     * The configured client id, or the next generated one for {@code kind}
     * ({@code producer}, {@code consumer}, {@code adminclient}, {@code cluster}).
     */
    public static String clientId(String configured, String kind) {
        Objects.requireNonNull(configured, "configured");
        if (!configured.isEmpty()) {
            return configured;
        }
        return kind + "-" + COUNTERS.computeIfAbsent(kind, k -> new AtomicInteger()).incrementAndGet();
    }

    /** A factory of daemon threads named {@code josef-<clientId>-<role>}, made by {@code given} if not null. */
    public static ThreadFactory factory(ThreadFactory given, String clientId, String role) {
        Objects.requireNonNull(clientId, "clientId");
        Objects.requireNonNull(role, "role");
        String name = "josef-" + clientId + "-" + role;
        return runnable -> {
            Thread t = given == null ? new Thread(runnable) : given.newThread(runnable);
            if (t == null) {
                throw new IllegalStateException("the application's ThreadFactory returned no thread for " + name);
            }
            t.setName(name);
            t.setDaemon(true);
            return t;
        };
    }

    /** One thread of {@link #factory}, not started. */
    public static Thread newThread(ThreadFactory given, String clientId, String role, Runnable task) {
        return factory(given, clientId, role).newThread(task);
    }
}
