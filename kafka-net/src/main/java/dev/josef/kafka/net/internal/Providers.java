package dev.josef.kafka.net.internal;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.ServiceConfigurationError;

/**
 * Collects what a ServiceLoader finds, skipping (and logging) each provider that
 * fails to load. The caller makes the ServiceLoader: under JPMS only the module
 * that declares {@code uses} may.
 */
public final class Providers {
    private static final Logger LOG = LoggerFactory.getLogger(Providers.class);
    // A broken META-INF/services file can fail every step; give up after this many in a row.
    private static final int MAX_CONSECUTIVE_FAILURES = 64;

    private Providers() {
    }

    public static <S> List<S> collect(Iterator<S> providers, String kind) {
        List<S> found = new ArrayList<>();
        for (int failures = 0; failures < MAX_CONSECUTIVE_FAILURES; ) {
            try {
                if (!providers.hasNext()) {
                    break;
                }
                found.add(providers.next());
                failures = 0;
            } catch (ServiceConfigurationError e) {
                failures++;
                LOG.warn("skipping a {} provider that failed to load: {}", kind, e.getMessage());
            }
        }
        return found;
    }
}
