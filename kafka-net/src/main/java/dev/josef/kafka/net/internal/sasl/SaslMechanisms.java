package dev.josef.kafka.net.internal.sasl;

import dev.josef.kafka.net.spi.SaslMechanism;
import dev.josef.kafka.protocol.internal.Providers;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.Collections;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.ServiceLoader;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * The SASL mechanisms a client can choose from by name: the four built-ins, the
 * providers {@link ServiceLoader} finds, and instances given to a builder, which
 * win over both ({@link #with}).
 *
 * <p>Immutable and thread-safe.
 */
public final class SaslMechanisms {
    private static final Logger LOG = LoggerFactory.getLogger(SaslMechanisms.class);

    // RFC 4422 section 3.1.
    private static final Pattern MECHANISM_NAME = Pattern.compile("[A-Z0-9_-]{1,20}");

    private final Map<String, SaslMechanism> byName;

    private SaslMechanisms(Map<String, SaslMechanism> byName) {
        this.byName = Collections.unmodifiableMap(byName);
    }

    /** PLAIN, SCRAM-SHA-256, SCRAM-SHA-512 and OAUTHBEARER, with no discovery. */
    public static SaslMechanisms builtIns() {
        return new SaslMechanisms(builtInTable());
    }

    /**
     * The built-ins plus every provider {@link ServiceLoader} finds, looked up once
     * per JVM. A provider that fails to load or has an invalid name is logged and
     * skipped; one that claims a name already taken (a built-in's, say) too.
     */
    public static SaslMechanisms installed() {
        return Installed.MECHANISMS;
    }

    /** The built-ins plus the providers {@code loader} (or its module layer) offers. */
    public static SaslMechanisms load(ClassLoader loader) {
        return discover(ServiceLoader.load(SaslMechanism.class, loader).iterator());
    }

    /** The built-ins plus the providers {@code providers} yields, skipping those that fail. */
    public static SaslMechanisms discover(Iterator<SaslMechanism> providers) {
        Map<String, SaslMechanism> table = builtInTable();
        for (SaslMechanism mechanism : Providers.all(providers, "SASL mechanism")) {
            String name;
            try {
                name = mechanism.name();
            } catch (RuntimeException e) {
                LOG.warn("skipping SASL mechanism provider {}: its name() failed", mechanism.getClass().getName(), e);
                continue;
            }
            String problem = problemWithName(name);
            if (problem != null) {
                LOG.warn("skipping SASL mechanism provider {}: {}", mechanism.getClass().getName(), problem);
                continue;
            }
            SaslMechanism taken = table.get(name);
            if (taken != null) {
                LOG.warn("skipping SASL mechanism provider {}: {} is already provided by {}",
                        mechanism.getClass().getName(), name, taken.getClass().getName());
                continue;
            }
            table.put(name, mechanism);
            LOG.debug("SASL mechanism {} installed from {}", name, mechanism.getClass().getName());
        }
        return new SaslMechanisms(table);
    }

    /**
     * These mechanisms with {@code mechanism} in place of any of the same name: an
     * instance given to a client's builder wins over discovery and the built-ins.
     *
     * @throws IllegalArgumentException if its name is not a valid SASL mechanism name
     */
    public SaslMechanisms with(SaslMechanism mechanism) {
        Objects.requireNonNull(mechanism, "mechanism");
        String name = mechanism.name();
        String problem = problemWithName(name);
        if (problem != null) {
            throw new IllegalArgumentException("SASL mechanism " + mechanism.getClass().getName() + ": " + problem);
        }
        Map<String, SaslMechanism> table = new LinkedHashMap<>(byName);
        table.put(name, mechanism);
        return new SaslMechanisms(table);
    }

    /** The mechanism with this name, ignoring case (SASL names are upper case), if there is one. */
    public Optional<SaslMechanism> find(String name) {
        Objects.requireNonNull(name, "name");
        return Optional.ofNullable(byName.get(name.toUpperCase(Locale.ROOT)));
    }

    /**
     * The mechanism that the {@code sasl.mechanism} setting names.
     *
     * @throws IllegalArgumentException if there is none; the message lists those there are
     */
    public SaslMechanism byName(String name) {
        return find(name).orElseThrow(() -> new IllegalArgumentException("sasl.mechanism '" + name
                + "' is not installed; installed SASL mechanisms: " + byName.keySet()));
    }

    /** The names, built-ins first. */
    public Set<String> names() {
        return byName.keySet();
    }

    @Override
    public String toString() {
        return byName.keySet().toString();
    }

    private static Map<String, SaslMechanism> builtInTable() {
        Map<String, SaslMechanism> table = new LinkedHashMap<>();
        for (SaslMechanism m : new SaslMechanism[] {PlainMechanism.INSTANCE, ScramMechanism.SHA_256,
                ScramMechanism.SHA_512, OAuthBearerMechanism.INSTANCE}) {
            table.put(m.name(), m);
        }
        return table;
    }

    private static String problemWithName(String name) {
        if (name == null) {
            return "it has no name";
        }
        if (!MECHANISM_NAME.matcher(name).matches()) {
            return "'" + name + "' is not a SASL mechanism name (1 to 20 of A-Z, 0-9, '-' and '_', RFC 4422)";
        }
        return null;
    }

    /** Discovery runs on first use, not when the class loads. */
    private static final class Installed {
        // The context class loader, as ServiceLoader.load(Class) would use: it sees
        // the application's jars where this module's own loader might not.
        static final SaslMechanisms MECHANISMS = load(Thread.currentThread().getContextClassLoader());
    }
}
