package dev.josef.kafka.protocol;

import dev.josef.kafka.protocol.internal.Providers;
import dev.josef.kafka.protocol.spi.CompressionCodec;

import java.lang.System.Logger.Level;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Iterator;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import java.util.ServiceLoader;
import java.util.StringJoiner;

/**
 * The compression codecs a client can use, by Kafka codec id and by name.
 * {@code none} and {@code gzip} are always present; snappy, lz4 and zstd come from
 * {@link CompressionCodec} providers, e.g. Josef's {@code kafka-compression} module.
 *
 * <p>Immutable and thread-safe.
 */
public final class CompressionCodecs {
    private static final System.Logger LOG = System.getLogger(CompressionCodecs.class.getName());

    // Three attribute bits hold the id.
    private static final int MAX_ID = 7;

    private final CompressionCodec[] byId;

    private CompressionCodecs(CompressionCodec[] byId) {
        this.byId = byId;
    }

    /** The built-in {@code none} codec, id 0. */
    public static CompressionCodec none() {
        return NoCompressionCodec.INSTANCE;
    }

    /** The built-in {@code gzip} codec, id 1, on the JDK's zlib. */
    public static CompressionCodec gzip() {
        return GzipCodec.INSTANCE;
    }

    /**
     * The built-ins plus every provider {@link ServiceLoader} finds, looked up once
     * per JVM. A provider that fails to load is logged and skipped; where two claim
     * the same id or name, the built-in or the first one found is kept.
     */
    public static CompressionCodecs installed() {
        return Installed.CODECS;
    }

    /**
     * The built-ins plus exactly the codecs given, with no discovery. A codec given
     * here replaces a built-in with the same id.
     */
    public static CompressionCodecs of(CompressionCodec... codecs) {
        Objects.requireNonNull(codecs, "codecs");
        CompressionCodec[] table = builtIns();
        for (CompressionCodec codec : codecs) {
            Objects.requireNonNull(codec, "codec");
            String problem = problemWith(codec);
            if (problem != null) {
                throw new IllegalArgumentException(problem);
            }
            CompressionCodec sameName = findByName(table, codec.name());
            if (sameName != null && sameName.id() != codec.id()) {
                throw new IllegalArgumentException("codec '" + codec.name() + "' with id " + codec.id()
                        + " clashes with " + describe(sameName) + " of the same name");
            }
            table[codec.id()] = codec;
        }
        return new CompressionCodecs(table);
    }

    /**
     * The codec for a Kafka codec id.
     *
     * @throws IllegalArgumentException if no codec has that id; the message lists the ones there are
     */
    public CompressionCodec byId(int id) {
        CompressionCodec codec = id >= 0 && id <= MAX_ID ? byId[id] : null;
        if (codec == null) {
            throw new IllegalArgumentException("no compression codec with id " + id + knownName(id)
                    + " is installed; installed codecs: " + this
                    + (id >= 2 && id <= 4 ? " (snappy, lz4 and zstd come with dev.josef:kafka-compression)" : ""));
        }
        return codec;
    }

    /**
     * The codec for a {@code compression.type} name, ignoring case.
     *
     * @throws IllegalArgumentException if no codec has that name; the message lists the ones there are
     */
    public CompressionCodec byName(String name) {
        Objects.requireNonNull(name, "name");
        CompressionCodec codec = findByName(byId, name);
        if (codec == null) {
            throw new IllegalArgumentException("no compression codec named '" + name
                    + "' is installed; installed codecs: " + this);
        }
        return codec;
    }

    /** Whether a codec with this id is present. */
    public boolean supports(int id) {
        return id >= 0 && id <= MAX_ID && byId[id] != null;
    }

    /** Every codec present, by ascending id. */
    public List<CompressionCodec> codecs() {
        List<CompressionCodec> list = new ArrayList<>();
        for (CompressionCodec codec : byId) {
            if (codec != null) {
                list.add(codec);
            }
        }
        return Collections.unmodifiableList(list);
    }

    /** The codecs as {@code name(id)}, e.g. {@code [none(0), gzip(1)]}. */
    @Override
    public String toString() {
        StringJoiner joiner = new StringJoiner(", ", "[", "]");
        for (CompressionCodec codec : byId) {
            if (codec != null) {
                joiner.add(describe(codec));
            }
        }
        return joiner.toString();
    }

    private static CompressionCodec[] builtIns() {
        CompressionCodec[] table = new CompressionCodec[MAX_ID + 1];
        table[0] = NoCompressionCodec.INSTANCE;
        table[1] = GzipCodec.INSTANCE;
        return table;
    }

    /** The built-ins plus the providers {@code loader} (or its module layer) offers. */
    static CompressionCodecs load(ClassLoader loader) {
        return discover(ServiceLoader.load(CompressionCodec.class, loader).iterator());
    }

    static CompressionCodecs discover(Iterator<CompressionCodec> providers) {
        CompressionCodec[] table = builtIns();
        for (CompressionCodec codec : Providers.all(providers, "compression codec")) {
            String problem;
            try {
                problem = problemWith(codec);
            } catch (RuntimeException e) {
                LOG.log(Level.WARNING, "skipping compression codec provider " + codec.getClass().getName()
                        + ": it failed to describe itself", e);
                continue;
            }
            if (problem != null) {
                LOG.log(Level.WARNING, "skipping compression codec provider {0}: {1}",
                        codec.getClass().getName(), problem);
                continue;
            }
            CompressionCodec sameId = table[codec.id()];
            CompressionCodec sameName = findByName(table, codec.name());
            if (sameId != null || sameName != null) {
                CompressionCodec kept = sameId != null ? sameId : sameName;
                LOG.log(Level.WARNING,
                        "skipping compression codec provider {0} ({1}): {2} from {3} is already installed",
                        codec.getClass().getName(), describe(codec), describe(kept), kept.getClass().getName());
                continue;
            }
            table[codec.id()] = codec;
            LOG.log(Level.DEBUG, "compression codec {0} installed from {1}",
                    describe(codec), codec.getClass().getName());
        }
        return new CompressionCodecs(table);
    }

    private static String problemWith(CompressionCodec codec) {
        byte id = codec.id();
        String name = codec.name();
        if (id < 0 || id > MAX_ID) {
            return "codec id " + id + " is outside 0.." + MAX_ID + " (three attribute bits)";
        }
        if (name == null || name.isBlank()) {
            return "codec with id " + id + " has no name";
        }
        if (!codec.isValidLevel(codec.defaultLevel())) {
            return "codec " + name + " refuses its own default level " + codec.defaultLevel();
        }
        return null;
    }

    private static CompressionCodec findByName(CompressionCodec[] table, String name) {
        String wanted = name.toLowerCase(Locale.ROOT);
        for (CompressionCodec codec : table) {
            if (codec != null && codec.name().toLowerCase(Locale.ROOT).equals(wanted)) {
                return codec;
            }
        }
        return null;
    }

    private static String describe(CompressionCodec codec) {
        return codec.name() + "(" + codec.id() + ")";
    }

    private static String knownName(int id) {
        switch (id) {
            case 2:
                return " (snappy)";
            case 3:
                return " (lz4)";
            case 4:
                return " (zstd)";
            default:
                return "";
        }
    }

    /** Discovery runs on first use, not when the class loads. */
    private static final class Installed {
        // The context class loader, as ServiceLoader.load(Class) would use: it sees
        // the application's jars where this module's own loader might not.
        static final CompressionCodecs CODECS = load(Thread.currentThread().getContextClassLoader());
    }
}
