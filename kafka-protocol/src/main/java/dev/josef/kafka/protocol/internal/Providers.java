package dev.josef.kafka.protocol.internal;

import java.lang.System.Logger.Level;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.Iterator;
import java.util.List;
import java.util.Optional;
import java.util.ServiceConfigurationError;
import java.util.function.Function;
import java.util.function.ToIntFunction;

/**
 * The one way Josef's modules read what {@link java.util.ServiceLoader} finds:
 * every provider, providers in order, or one provider by name. A provider that
 * fails to load is logged and skipped, never fatal, whichever of the three asks.
 *
 * <p>The caller makes the {@code ServiceLoader} and passes its iterator: under
 * JPMS only the module that declares {@code uses} may load a service. Logged
 * through {@link System.Logger}, as kafka-protocol depends on the JDK alone
 * (SLF4J 2's {@code slf4j-jdk-platform-logging} routes it to SLF4J).
 */
public final class Providers {
    private static final System.Logger LOG = System.getLogger(Providers.class.getName());
    // A broken META-INF/services file can fail every step the same way; give up after this many in a row.
    private static final int MAX_CONSECUTIVE_FAILURES = 64;

    private Providers() {
    }

    /** Every provider that loads, in the order found. */
    public static <S> List<S> all(Iterator<S> providers, String kind) {
        List<S> found = new ArrayList<>();
        int failures = 0;
        while (failures < MAX_CONSECUTIVE_FAILURES) {
            try {
                if (!providers.hasNext()) {
                    return found;
                }
                found.add(providers.next());
                failures = 0;
            } catch (ServiceConfigurationError e) {
                failures++;
                LOG.log(Level.WARNING, "skipping a " + kind + " provider that failed to load: " + e.getMessage(), e);
            }
        }
        LOG.log(Level.WARNING, "gave up looking for {0} providers after {1} failures in a row", kind, failures);
        return found;
    }

    /**
     * {@code given} and then every provider that loads, sorted by {@code order}
     * ascending (a stable sort, so equal orders keep that sequence). An order
     * that throws counts as 0.
     */
    public static <S> List<S> ordered(List<? extends S> given, Iterator<S> providers, String kind,
                                      ToIntFunction<S> order) {
        List<S> all = new ArrayList<>(given);
        all.addAll(all(providers, kind));
        ToIntFunction<S> guarded = s -> {
            try {
                return order.applyAsInt(s);
            } catch (RuntimeException e) {
                LOG.log(Level.WARNING, kind + " " + s.getClass().getName() + ": order() failed; taking 0", e);
                return 0;
            }
        };
        all.sort(Comparator.comparingInt(guarded));
        return List.copyOf(all);
    }

    /**
     * The first provider that loads and answers {@code wanted} as its name. A
     * provider that fails to load, or whose name fails, is logged and skipped;
     * the ones after it are still looked at.
     */
    public static <S> Optional<S> named(Iterator<S> providers, String kind, Function<S, String> nameOf, String wanted) {
        for (S provider : all(providers, kind)) {
            String name;
            try {
                name = nameOf.apply(provider);
            } catch (RuntimeException e) {
                LOG.log(Level.WARNING, "skipping " + kind + " provider " + provider.getClass().getName()
                        + ": its name() failed", e);
                continue;
            }
            if (wanted.equals(name)) {
                return Optional.of(provider);
            }
        }
        return Optional.empty();
    }
}
