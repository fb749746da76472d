package dev.josef.kafka.admin;

/** Which offsets a reader may see: all written ones, or only those of committed transactions. */
public enum IsolationLevel {
    /** The latest offset is the high watermark. */
    READ_UNCOMMITTED((byte) 0),
    /** The latest offset is the last stable offset: no open transaction's records lie before it. */
    READ_COMMITTED((byte) 1);

    final byte wire;

    IsolationLevel(byte wire) {
        this.wire = wire;
    }
}
