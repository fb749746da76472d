package dev.josef.kafka.net.sasl;

import dev.josef.kafka.net.internal.sasl.SaslMechanisms;
import dev.josef.kafka.net.spi.SaslCredentials;
import dev.josef.kafka.net.spi.SaslExchange;
import dev.josef.kafka.net.spi.SaslMechanism;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.net.URL;
import java.net.URLClassLoader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Iterator;
import java.util.NoSuchElementException;
import java.util.ServiceConfigurationError;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class SaslMechanismsTest {

    /** A provider's mechanism, as a third-party jar would bring it. */
    public static final class AnonymousMechanism implements SaslMechanism {
        @Override
        public String name() {
            return "ANONYMOUS";
        }

        @Override
        public SaslExchange start(SaslCredentials credentials, String brokerHost) {
            throw new UnsupportedOperationException();
        }
    }

    /** A provider whose construction fails, as one with a missing dependency would. */
    public static final class BrokenMechanism implements SaslMechanism {
        public BrokenMechanism() {
            throw new IllegalStateException("missing library");
        }

        @Override
        public String name() {
            return "BROKEN";
        }

        @Override
        public SaslExchange start(SaslCredentials credentials, String brokerHost) {
            throw new UnsupportedOperationException();
        }
    }

    /** A provider that claims a built-in's name. */
    public static final class ImpostorPlain implements SaslMechanism {
        @Override
        public String name() {
            return "PLAIN";
        }

        @Override
        public SaslExchange start(SaslCredentials credentials, String brokerHost) {
            throw new UnsupportedOperationException();
        }
    }

    /** A provider with a name SASL does not allow. */
    public static final class BadlyNamed implements SaslMechanism {
        @Override
        public String name() {
            return "lower case";
        }

        @Override
        public SaslExchange start(SaslCredentials credentials, String brokerHost) {
            throw new UnsupportedOperationException();
        }
    }

    @Test
    void theFourBuiltInsAreThereWithoutDiscovery() {
        SaslMechanisms builtIns = SaslMechanisms.builtIns();

        assertThat(builtIns.names()).containsExactly("PLAIN", "SCRAM-SHA-256", "SCRAM-SHA-512", "OAUTHBEARER");
        assertThat(builtIns.byName("SCRAM-SHA-512")).isSameAs(SaslMechanism.scramSha512());
        assertThat(builtIns.byName("scram-sha-256")).isSameAs(SaslMechanism.scramSha256());
        assertThat(SaslMechanisms.installed().names()).contains("PLAIN", "OAUTHBEARER");
    }

    @Test
    void anUnknownNameListsTheInstalledOnes() {
        assertThatThrownBy(() -> SaslMechanisms.builtIns().byName("GSSAPI"))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("sasl.mechanism 'GSSAPI' is not installed; installed SASL mechanisms:"
                        + " [PLAIN, SCRAM-SHA-256, SCRAM-SHA-512, OAUTHBEARER]");
    }

    @Test
    void providersAreDiscoveredAndBrokenOnesSkipped(@TempDir Path dir) throws Exception {
        Path services = dir.resolve("META-INF/services");
        Files.createDirectories(services);
        Files.writeString(services.resolve(SaslMechanism.class.getName()), String.join("\n",
                BrokenMechanism.class.getName(),
                "dev.josef.kafka.net.sasl.NoSuchMechanism",
                ImpostorPlain.class.getName(),
                BadlyNamed.class.getName(),
                AnonymousMechanism.class.getName()), StandardCharsets.UTF_8);

        SaslMechanisms mechanisms;
        try (URLClassLoader loader = new URLClassLoader(new URL[] {dir.toUri().toURL()}, getClass().getClassLoader())) {
            mechanisms = SaslMechanisms.load(loader);
        }

        assertThat(mechanisms.names()).containsExactly("PLAIN", "SCRAM-SHA-256", "SCRAM-SHA-512", "OAUTHBEARER", "ANONYMOUS");
        assertThat(mechanisms.byName("PLAIN")).isSameAs(SaslMechanism.plain());
        assertThat(mechanisms.byName("ANONYMOUS")).isInstanceOf(AnonymousMechanism.class);
    }

    @Test
    void discoveryGivesUpOnAProviderIteratorThatFailsForever() {
        Iterator<SaslMechanism> failing = new Iterator<>() {
            @Override
            public boolean hasNext() {
                throw new ServiceConfigurationError("always broken");
            }

            @Override
            public SaslMechanism next() {
                throw new NoSuchElementException();
            }
        };

        assertThat(SaslMechanisms.discover(failing).names()).hasSize(4);
    }

    @Test
    void anInstanceGivenToABuilderWinsOverABuiltIn() {
        SaslMechanism mine = new ImpostorPlain();

        SaslMechanisms mechanisms = SaslMechanisms.builtIns().with(mine);

        assertThat(mechanisms.byName("PLAIN")).isSameAs(mine);
        assertThatThrownBy(() -> SaslMechanisms.builtIns().with(new BadlyNamed()))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("RFC 4422");
    }
}
