package dev.josef.kafka.protocol;

import dev.josef.kafka.protocol.spi.CompressionCodec;

import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.zip.CRC32;

/**
 * One magic v0 or v1 message: a record on its own, or a compressed wrapper whose
 * value is a whole message set of inner messages.
 *
 * <p>Inner offsets of a v1 wrapper are relative (0, 1, ...) and the wrapper's own
 * offset is the absolute offset of the last inner message (KIP-31); v0 inner
 * messages carry absolute offsets. Inner v1 messages under a {@code LogAppendTime}
 * wrapper take the wrapper's timestamp (KIP-32).
 */
final class LegacyRecordBatch extends RecordBatch {

    LegacyRecordBatch(ByteBuffer batch, RecordBatchReader reader) {
        super(batch, reader);
    }

    @Override
    public byte magic() {
        return batch.get(BatchFormat.MAGIC_OFFSET);
    }

    private byte attributes() {
        return batch.get(BatchFormat.LEGACY_ATTRIBUTES_OFFSET);
    }

    @Override
    public long baseOffset() {
        if (compressionId() == 0) {
            return lastOffset();
        }
        return records().get(0).offset();
    }

    @Override
    public long lastOffset() {
        return batch.getLong(BatchFormat.OFFSET_OFFSET);
    }

    @Override
    public int partitionLeaderEpoch() {
        return -1;
    }

    @Override
    public TimestampType timestampType() {
        return timestampType(magic(), attributes());
    }

    private static TimestampType timestampType(byte magic, byte attributes) {
        if (magic == BatchFormat.MAGIC_V0) {
            return TimestampType.NO_TIMESTAMP_TYPE;
        }
        return (attributes & BatchFormat.TIMESTAMP_TYPE_MASK) == 0
                ? TimestampType.CREATE_TIME : TimestampType.LOG_APPEND_TIME;
    }

    @Override
    public long maxTimestamp() {
        return magic() == BatchFormat.MAGIC_V0
                ? BatchFormat.NO_TIMESTAMP : batch.getLong(BatchFormat.LEGACY_TIMESTAMP_OFFSET);
    }

    @Override
    public byte compressionId() {
        return (byte) (attributes() & BatchFormat.COMPRESSION_MASK);
    }

    @Override
    public boolean isTransactional() {
        return false;
    }

    @Override
    public boolean isControlBatch() {
        return false;
    }

    @Override
    public long producerId() {
        return RecordBatchBuilder.NO_PRODUCER_ID;
    }

    @Override
    public short producerEpoch() {
        return RecordBatchBuilder.NO_PRODUCER_EPOCH;
    }

    @Override
    public int baseSequence() {
        return RecordBatchBuilder.NO_SEQUENCE;
    }

    @Override
    public int recordCount() {
        return compressionId() == 0 ? 1 : -1;
    }

    @Override
    public long checksum() {
        return Integer.toUnsignedLong(batch.getInt(BatchFormat.LEGACY_CRC_OFFSET));
    }

    @Override
    long computeChecksum() {
        return crcOf(batch, BatchFormat.MAGIC_OFFSET);
    }

    @Override
    String describe() {
        return compressionId() == 0
                ? "message (magic v" + magic() + ") at offset " + lastOffset()
                : "compressed message set (magic v" + magic() + ") ending at offset " + lastOffset();
    }

    @Override
    public RecordCursor cursor(DecodeBuffer buffer) {
        return cursor(); // v0/v1 message sets are rare enough to decode without reuse
    }

    @Override
    public RecordCursor cursor() {
        return new RecordCursor.OfList(records());
    }

    @Override
    public List<Record> records() {
        verifyIfAsked();
        try {
            return decode();
        } catch (ProtocolException e) {
            throw e;
        } catch (RuntimeException e) {
            throw new ProtocolException(describe() + ": malformed message (" + e + ")", e);
        }
    }

    private List<Record> decode() {
        byte magic = magic();
        ByteBuffer message = batch.duplicate().position(BatchFormat.LOG_OVERHEAD).slice();
        Message outer = Message.parse(message, magic);
        if (outer == null) {
            throw new ProtocolException(describe() + ": key or value length points past the end of the message");
        }
        long offset = lastOffset();
        if (outer.compressionId() == 0) {
            return List.of(new Record(offset, outer.timestamp, toBytes(outer.key), toBytes(outer.value), List.of()));
        }
        if (outer.value == null) {
            throw new ProtocolException(describe() + " has a null value where its inner messages should be");
        }
        CompressionCodec codec = codecFor(outer.compressionId());
        ByteBuffer inner = Decompression.decompress(codec, outer.value, reader.maxDecompressedBytes(), this);
        List<Message> messages = readInner(inner, magic);

        long absoluteBase = 0;
        if (magic == BatchFormat.MAGIC_V1) {
            long lastInner = messages.get(messages.size() - 1).offset;
            // Some producers (older librdkafka) leave a v1 wrapper's offset at 0;
            // Kafka reads those inner offsets as they are, and so does Josef.
            if (offset != 0) {
                if (offset < lastInner) {
                    throw new ProtocolException(describe() + ": wrapper offset " + offset
                            + " is below its last inner offset " + lastInner);
                }
                absoluteBase = offset - lastInner;
            }
        }
        boolean wrapperTime = outer.timestampType() == TimestampType.LOG_APPEND_TIME;
        List<Record> records = new ArrayList<>(messages.size());
        for (Message m : messages) {
            long recordOffset = magic == BatchFormat.MAGIC_V1 ? absoluteBase + m.offset : m.offset;
            long timestamp = wrapperTime ? outer.timestamp : m.timestamp;
            records.add(new Record(recordOffset, timestamp, toBytes(m.key), toBytes(m.value), List.of()));
        }
        return Collections.unmodifiableList(records);
    }

    private CompressionCodec codecFor(int compressionId) {
        // zstd arrived with magic v2 (KIP-110); a v0/v1 message claiming it is corrupt.
        if (compressionId > 3) {
            throw new ProtocolException(describe() + " claims codec id " + compressionId
                    + ", which magic v0/v1 does not allow");
        }
        try {
            return reader.codecs().byId(compressionId);
        } catch (IllegalArgumentException e) {
            throw new ProtocolException(describe() + " cannot be decompressed: " + e.getMessage(), e);
        }
    }

    private List<Message> readInner(ByteBuffer in, byte wrapperMagic) {
        List<Message> messages = new ArrayList<>();
        while (in.hasRemaining()) {
            int at = messages.size();
            if (in.remaining() < BatchFormat.LOG_OVERHEAD) {
                throw new ProtocolException(describe() + ": inner message " + at + " is cut off after "
                        + in.remaining() + " bytes");
            }
            long innerOffset = in.getLong();
            int size = in.getInt();
            if (size < BatchFormat.LEGACY_RECORD_OVERHEAD_V0 || size > in.remaining()) {
                throw new ProtocolException(describe() + ": inner message " + at + " declares " + size
                        + " bytes but " + in.remaining() + " remain");
            }
            ByteBuffer body = in.slice(in.position(), size);
            in.position(in.position() + size);
            byte magic = body.get(BatchFormat.MAGIC_OFFSET - BatchFormat.LOG_OVERHEAD);
            if (magic != wrapperMagic) {
                throw new ProtocolException(describe() + ": inner message " + at + " has magic v" + magic
                        + " inside a v" + wrapperMagic + " wrapper");
            }
            if (size < overhead(magic)) {
                throw new ProtocolException(describe() + ": inner message " + at + " is " + size
                        + " bytes, less than the " + overhead(magic) + " a v" + magic + " message needs");
            }
            if (reader.verifiesChecksums()) {
                long stored = Integer.toUnsignedLong(body.getInt(0));
                long computed = crcOf(body, BatchFormat.MAGIC_OFFSET - BatchFormat.LOG_OVERHEAD);
                if (stored != computed) {
                    throw new ProtocolException(describe() + " is corrupt: inner message " + at
                            + " has stored checksum " + stored + " but its bytes give " + computed);
                }
            }
            Message message = Message.parse(body, magic);
            if (message == null) {
                throw new ProtocolException(describe() + ": inner message " + at
                        + " has a key or value length past its end");
            }
            if (message.compressionId() != 0) {
                throw new ProtocolException(describe() + ": inner message " + at
                        + " is itself compressed, which Kafka does not allow");
            }
            message.offset = innerOffset;
            messages.add(message);
        }
        if (messages.isEmpty()) {
            throw new ProtocolException(describe() + " holds no inner messages");
        }
        return messages;
    }

    static int overhead(byte magic) {
        return magic == BatchFormat.MAGIC_V0
                ? BatchFormat.LEGACY_RECORD_OVERHEAD_V0 : BatchFormat.LEGACY_RECORD_OVERHEAD_V1;
    }

    private static long crcOf(ByteBuffer buffer, int from) {
        CRC32 crc = new CRC32();
        crc.update(buffer.duplicate().position(from));
        return crc.getValue();
    }

    private static byte[] toBytes(ByteBuffer slice) {
        if (slice == null) {
            return null;
        }
        byte[] bytes = new byte[slice.remaining()];
        slice.duplicate().get(bytes);
        return bytes;
    }

    /** One v0/v1 message, from its CRC on; key and value are views of its bytes. */
    private static final class Message {
        long offset;
        byte attributes;
        long timestamp;
        ByteBuffer key;
        ByteBuffer value;
        byte magic;

        int compressionId() {
            return attributes & BatchFormat.COMPRESSION_MASK;
        }

        TimestampType timestampType() {
            return LegacyRecordBatch.timestampType(magic, attributes);
        }

        /**
         * @param in the message from its CRC to its end, at least the overhead of
         *           its magic long
         * @return null if a length points outside the message or bytes are left over
         */
        static Message parse(ByteBuffer in, byte magic) {
            Message m = new Message();
            m.magic = magic;
            in.position(4 + 1); // crc, magic
            m.attributes = in.get();
            m.timestamp = magic == BatchFormat.MAGIC_V0 ? BatchFormat.NO_TIMESTAMP : in.getLong();
            m.key = slice(in);
            if (m.key == MALFORMED || in.remaining() < 4) {
                return null;
            }
            m.value = slice(in);
            if (m.value == MALFORMED || in.hasRemaining()) {
                return null;
            }
            return m;
        }

        private static final ByteBuffer MALFORMED = ByteBuffer.allocate(0);

        private static ByteBuffer slice(ByteBuffer in) {
            int length = in.getInt();
            if (length == -1) {
                return null;
            }
            if (length < -1 || length > in.remaining()) {
                return MALFORMED;
            }
            ByteBuffer slice = in.slice(in.position(), length);
            in.position(in.position() + length);
            return slice;
        }
    }
}
