package dev.josef.kafka.net.internal;

import dev.josef.kafka.net.spi.Hook;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.function.Consumer;

/**
 * Calls a client's hooks of one kind (connection, producer or consumer hooks),
 * in the order they were sorted into, each call guarded: a hook that throws is
 * logged and harms neither the client nor the hooks after it. The one
 * dispatcher behind {@code ClientHook}, {@code ProducerHook} and
 * {@code ConsumerHook}; where the calls run (which thread) is the caller's
 * choice, and never under a Josef lock.
 *
 * <p>Immutable and thread-safe.
 */
public final class GuardedHooks<H> {
    private static final Logger LOG = LoggerFactory.getLogger(GuardedHooks.class);

    private final List<H> hooks;
    private final String owner;

    /**
     * @param hooks in the order they are called
     * @param owner who calls them, for the log ({@code producer orders-1})
     */
    public GuardedHooks(List<? extends H> hooks, String owner) {
        this.owner = Objects.requireNonNull(owner, "owner");
        List<H> kept = new ArrayList<>(hooks.size());
        for (H hook : hooks) {
            if (enabled(hook)) {
                kept.add(hook);
            }
        }
        this.hooks = List.copyOf(kept);
    }

    /** {@link Hook#enabled()}, asked once; a hook that throws there is left out, and the log says why. */
    private boolean enabled(H hook) {
        if (!(hook instanceof Hook h)) {
            return true;
        }
        try {
            return h.enabled();
        } catch (RuntimeException | LinkageError e) {
            LOG.warn("{}: hook {} failed in enabled(); leaving it out", owner, hook.getClass().getName(), e);
            return false;
        }
    }

    public boolean isEmpty() {
        return hooks.isEmpty();
    }

    public List<H> hooks() {
        return hooks;
    }

    /** Calls {@code call} on each hook in order; {@code event} names it in the log when one fails. */
    public void each(String event, Consumer<? super H> call) {
        for (H hook : hooks) {
            try {
                call.accept(hook);
            } catch (RuntimeException | LinkageError e) {
                LOG.warn("{}: hook {} failed in {}; ignoring it for this event", owner, hook.getClass().getName(),
                        event, e);
            }
        }
    }

    /**
     * Passes {@code value} through each hook in order, as {@code onProduce}
     * does: a hook that throws or answers null leaves the value as it was.
     */
    public <T> T transform(String event, T value, Transform<H, T> call) {
        T current = value;
        for (H hook : hooks) {
            try {
                T changed = call.apply(hook, current);
                if (changed != null) {
                    current = changed;
                }
            } catch (RuntimeException | LinkageError e) {
                LOG.warn("{}: hook {} failed in {}; going on as if it had changed nothing", owner,
                        hook.getClass().getName(), event, e);
            }
        }
        return current;
    }

    /** One hook's step of {@link #transform}. */
    @FunctionalInterface
    public interface Transform<H, T> {
        T apply(H hook, T value);
    }
}
