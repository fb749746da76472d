package dev.josef.kafka.protocol;

import java.nio.ByteBuffer;
import java.util.Objects;

/**
 * What a record of a control batch says. The ones a client meets are the
 * end-transaction markers the transaction coordinator writes into every partition
 * of a transaction when it ends: {@link Type#COMMIT} or {@link Type#ABORT}, with
 * the coordinator epoch that wrote it. A control record's key is
 * {@code int16 version, int16 type}; a marker's value is
 * {@code int16 version, int32 coordinatorEpoch}.
 *
 * @param type             the control record type
 * @param coordinatorEpoch for markers, the transaction coordinator's epoch; -1 otherwise
 */
public record ControlRecord(Type type, int coordinatorEpoch) {

    /** The control record types Kafka defines; the ids are Kafka's. */
    public enum Type {
        ABORT(0),
        COMMIT(1),
        /** KRaft: a new quorum leader (KIP-595). */
        LEADER_CHANGE(2),
        /** KRaft snapshot framing (KIP-630). */
        SNAPSHOT_HEADER(3),
        SNAPSHOT_FOOTER(4),
        /** KRaft membership (KIP-853). */
        KRAFT_VERSION(5),
        KRAFT_VOTERS(6),
        /** A type newer than this client; such records are to be skipped, as Kafka's own clients do. */
        UNKNOWN(-1);

        private final short id;

        Type(int id) {
            this.id = (short) id;
        }

        public short id() {
            return id;
        }

        static Type forId(short id) {
            for (Type type : values()) {
                if (type.id == id && type != UNKNOWN) {
                    return type;
                }
            }
            return UNKNOWN;
        }
    }

    static final short CURRENT_KEY_VERSION = 0;
    static final short CURRENT_MARKER_VALUE_VERSION = 0;
    static final int KEY_SIZE = 4;
    static final int MARKER_VALUE_SIZE = 6;

    public ControlRecord {
        Objects.requireNonNull(type, "type");
    }

    /** A commit marker. */
    public static ControlRecord commit(int coordinatorEpoch) {
        return new ControlRecord(Type.COMMIT, coordinatorEpoch);
    }

    /** An abort marker. */
    public static ControlRecord abort(int coordinatorEpoch) {
        return new ControlRecord(Type.ABORT, coordinatorEpoch);
    }

    /** Whether this is a commit or abort marker. */
    public boolean isEndTransactionMarker() {
        return type == Type.COMMIT || type == Type.ABORT;
    }

    /**
     * Reads a record of a control batch ({@link RecordBatch#isControlBatch()}).
     * Newer key and value versions are read as version 0, whose fields come first
     * in every version.
     *
     * @throws ProtocolException if the key or a marker's value is malformed
     */
    public static ControlRecord parse(Record record) {
        Objects.requireNonNull(record, "record");
        byte[] key = record.key();
        if (key == null || key.length < KEY_SIZE) {
            throw new ProtocolException("control record at offset " + record.offset() + " has a "
                    + (key == null ? "null key" : key.length + "-byte key") + "; it needs " + KEY_SIZE
                    + " bytes (version, type)");
        }
        ByteBuffer keyBuffer = ByteBuffer.wrap(key);
        short keyVersion = keyBuffer.getShort();
        if (keyVersion < 0) {
            throw new ProtocolException("control record at offset " + record.offset()
                    + " has negative key version " + keyVersion);
        }
        Type type = Type.forId(keyBuffer.getShort());
        if (type != Type.ABORT && type != Type.COMMIT) {
            return new ControlRecord(type, -1);
        }
        byte[] value = record.value();
        if (value == null || value.length < MARKER_VALUE_SIZE) {
            throw new ProtocolException("end-transaction marker at offset " + record.offset() + " has a "
                    + (value == null ? "null value" : value.length + "-byte value") + "; it needs "
                    + MARKER_VALUE_SIZE + " bytes (version, coordinator epoch)");
        }
        ByteBuffer valueBuffer = ByteBuffer.wrap(value);
        short valueVersion = valueBuffer.getShort();
        if (valueVersion < 0) {
            throw new ProtocolException("end-transaction marker at offset " + record.offset()
                    + " has negative value version " + valueVersion);
        }
        return new ControlRecord(type, valueBuffer.getInt());
    }
}
