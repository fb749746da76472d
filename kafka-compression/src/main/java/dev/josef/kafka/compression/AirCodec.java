package dev.josef.kafka.compression;

import dev.josef.kafka.protocol.spi.CompressionCodec;

/**
 * What Josef's codecs share: their Kafka id and name, the level range Kafka's
 * configuration accepts for them, and the check that a level is in it.
 */
abstract class AirCodec implements CompressionCodec {
    private final byte id;
    private final String name;
    private final int minLevel;
    private final int maxLevel;
    private final int defaultLevel;

    AirCodec(int id, String name, int minLevel, int maxLevel, int defaultLevel) {
        this.id = (byte) id;
        this.name = name;
        this.minLevel = minLevel;
        this.maxLevel = maxLevel;
        this.defaultLevel = defaultLevel;
    }

    @Override
    public final byte id() {
        return id;
    }

    @Override
    public final String name() {
        return name;
    }

    @Override
    public final int defaultLevel() {
        return defaultLevel;
    }

    @Override
    public final boolean isValidLevel(int level) {
        return level >= minLevel && level <= maxLevel;
    }

    /** Fails with a message naming the codec's range unless {@code level} is in it. */
    final void checkLevel(int level) {
        if (isValidLevel(level)) {
            return;
        }
        if (minLevel == maxLevel) {
            throw new IllegalArgumentException(name + " has no compression levels: only " + minLevel
                    + " is valid, not " + level);
        }
        throw new IllegalArgumentException(name + " level " + level + " is outside " + minLevel + ".." + maxLevel);
    }

    @Override
    public final String toString() {
        return name + " (aircompressor)";
    }
}
