package dev.josef.kafka.net.internal;

import dev.josef.kafka.net.spi.Hook;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

class GuardedHooksTest {

    private record Named(String name, boolean on) implements Hook {
        @Override
        public boolean enabled() {
            return on;
        }
    }

    private static final class Broken implements Hook {
        @Override
        public boolean enabled() {
            throw new IllegalStateException("cannot tell");
        }
    }

    @Test
    void aHookThatSaysItIsOffIsLeftOutSoTheClientSeesNoHooks() {
        GuardedHooks<Hook> hooks = new GuardedHooks<>(List.of(new Named("off", false)), "test");
        assertThat(hooks.isEmpty()).isTrue();
        assertThat(hooks.hooks()).isEmpty();
    }

    @Test
    void enabledHooksAreKeptInOrderAndOneThatThrowsInEnabledIsLeftOut() {
        Named first = new Named("first", true);
        Named last = new Named("last", true);
        GuardedHooks<Hook> hooks = new GuardedHooks<>(List.of(first, new Named("off", false), new Broken(), last),
                "test");
        assertThat(hooks.hooks()).containsExactly(first, last);
        List<String> called = new ArrayList<>();
        hooks.each("event", h -> called.add(((Named) h).name()));
        assertThat(called).containsExactly("first", "last");
    }
}
