package dev.josef.kafka.protocol.message;

import java.util.Arrays;

/**
 * A tagged field this version of Josef does not know. Kept as it was read and
 * written back unchanged, so a message passes through Josef without losing
 * fields that a newer broker or client added.
 */
public record RawTaggedField(int tag, byte[] data) {

    public int size() {
        return data.length;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof RawTaggedField other && tag == other.tag && Arrays.equals(data, other.data);
    }

    @Override
    public int hashCode() {
        return 31 * tag + Arrays.hashCode(data);
    }

    @Override
    public String toString() {
        return "RawTaggedField(tag=" + tag + ", " + data.length + " bytes)";
    }
}
