package dev.josef.kafka.protocol;

import dev.josef.kafka.protocol.internal.Utf8;
import dev.josef.kafka.protocol.internal.Varints;
import dev.josef.kafka.protocol.spi.CompressionCodec;

import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.zip.CRC32C;

/** A magic v2 record batch (KIP-98). */
final class DefaultRecordBatch extends RecordBatch {

    DefaultRecordBatch(ByteBuffer batch, RecordBatchReader reader) {
        super(batch, reader);
    }

    @Override
    public byte magic() {
        return BatchFormat.MAGIC_V2;
    }

    @Override
    public long baseOffset() {
        return batch.getLong(BatchFormat.OFFSET_OFFSET);
    }

    @Override
    public long lastOffset() {
        return baseOffset() + batch.getInt(BatchFormat.LAST_OFFSET_DELTA_OFFSET);
    }

    @Override
    public int partitionLeaderEpoch() {
        return batch.getInt(BatchFormat.PARTITION_LEADER_EPOCH_OFFSET);
    }

    private int attributes() {
        return batch.getShort(BatchFormat.ATTRIBUTES_OFFSET);
    }

    @Override
    public TimestampType timestampType() {
        return (attributes() & BatchFormat.TIMESTAMP_TYPE_MASK) == 0
                ? TimestampType.CREATE_TIME : TimestampType.LOG_APPEND_TIME;
    }

    long baseTimestamp() {
        return batch.getLong(BatchFormat.BASE_TIMESTAMP_OFFSET);
    }

    @Override
    public long maxTimestamp() {
        return batch.getLong(BatchFormat.MAX_TIMESTAMP_OFFSET);
    }

    @Override
    public byte compressionId() {
        return (byte) (attributes() & BatchFormat.COMPRESSION_MASK);
    }

    @Override
    public boolean isTransactional() {
        return (attributes() & BatchFormat.TRANSACTIONAL_MASK) != 0;
    }

    @Override
    public boolean isControlBatch() {
        return (attributes() & BatchFormat.CONTROL_MASK) != 0;
    }

    @Override
    public long producerId() {
        return batch.getLong(BatchFormat.PRODUCER_ID_OFFSET);
    }

    @Override
    public short producerEpoch() {
        return batch.getShort(BatchFormat.PRODUCER_EPOCH_OFFSET);
    }

    @Override
    public int baseSequence() {
        return batch.getInt(BatchFormat.BASE_SEQUENCE_OFFSET);
    }

    @Override
    public int recordCount() {
        return batch.getInt(BatchFormat.RECORD_COUNT_OFFSET);
    }

    @Override
    public long checksum() {
        return Integer.toUnsignedLong(batch.getInt(BatchFormat.CRC_OFFSET));
    }

    @Override
    long computeChecksum() {
        CRC32C crc = new CRC32C();
        crc.update(batch.duplicate().position(BatchFormat.ATTRIBUTES_OFFSET));
        return crc.getValue();
    }

    @Override
    public boolean isValid() {
        return checksum() == computeChecksum();
    }

    @Override
    String describe() {
        return "record batch at offsets " + baseOffset() + ".." + lastOffset();
    }

    @Override
    public List<Record> records() {
        verifyIfAsked();
        int count = recordCount();
        if (count < 0) {
            throw new ProtocolException(describe() + " declares a negative record count " + count);
        }
        if (count == 0) {
            return List.of();
        }
        ByteBuffer records = batch.duplicate().position(BatchFormat.RECORDS_OFFSET).slice();
        int compressionId = compressionId();
        if (compressionId != 0) {
            CompressionCodec codec;
            try {
                codec = reader.codecs().byId(compressionId);
            } catch (IllegalArgumentException e) {
                throw new ProtocolException(describe() + " cannot be decompressed: " + e.getMessage(), e);
            }
            records = Decompression.decompress(codec, records, reader.maxDecompressedBytes(), this);
        }
        try {
            return readRecords(records, count);
        } catch (ProtocolException e) {
            throw new ProtocolException(describe() + ": " + e.getMessage(), e);
        } catch (RuntimeException e) {
            // A decoder bug must still surface as malformed input, never as a
            // BufferUnderflowException that a consumer would not expect.
            throw new ProtocolException(describe() + ": malformed records (" + e + ")", e);
        }
    }

    private List<Record> readRecords(ByteBuffer in, int count) {
        if (count > in.remaining() / BatchFormat.MIN_RECORD_SIZE) {
            throw new ProtocolException("declares " + count + " records but " + in.remaining()
                    + " bytes hold at most " + in.remaining() / BatchFormat.MIN_RECORD_SIZE);
        }
        long baseOffset = baseOffset();
        long baseTimestamp = baseTimestamp();
        boolean logAppendTime = timestampType() == TimestampType.LOG_APPEND_TIME;
        long maxTimestamp = maxTimestamp();
        int end = in.limit();
        List<Record> records = new ArrayList<>(count);
        for (int i = 0; i < count; i++) {
            int bodySize = Varints.readVarint(in);
            if (bodySize < BatchFormat.MIN_RECORD_BODY_SIZE || bodySize > in.remaining()) {
                throw new ProtocolException("record " + i + " declares " + bodySize + " bytes but "
                        + in.remaining() + " remain (at least " + BatchFormat.MIN_RECORD_BODY_SIZE + " needed)");
            }
            // Fence the record in, so that no field of it can read into the next.
            in.limit(in.position() + bodySize);
            in.get(); // record attributes: none defined yet
            long timestampDelta = Varints.readVarlong(in);
            int offsetDelta = Varints.readVarint(in);
            byte[] key = readBytes(in, i, "key", -1);
            byte[] value = readBytes(in, i, "value", -1);
            List<Header> headers = readHeaders(in, i);
            if (in.hasRemaining()) {
                throw new ProtocolException("record " + i + " declares " + bodySize + " bytes but its fields end "
                        + in.remaining() + " bytes early");
            }
            in.limit(end);
            long timestamp = logAppendTime ? maxTimestamp : baseTimestamp + timestampDelta;
            records.add(new Record(baseOffset + offsetDelta, timestamp, key, value, headers));
        }
        if (in.hasRemaining()) {
            throw new ProtocolException(in.remaining() + " bytes follow the " + count + " records the batch declares");
        }
        return Collections.unmodifiableList(records);
    }

    /** @param header which header the bytes are the value of, or -1 for the record's own key and value */
    private static byte[] readBytes(ByteBuffer in, int index, String field, int header) {
        int length = Varints.readVarint(in);
        if (length == -1) {
            return null;
        }
        if (length < -1 || length > in.remaining()) {
            throw new ProtocolException("record " + index + ": " + (header >= 0 ? "header " + header + " " : "")
                    + field + " length " + length
                    + " but " + in.remaining() + " bytes remain in the record");
        }
        byte[] bytes = new byte[length];
        in.get(bytes);
        return bytes;
    }

    private static List<Header> readHeaders(ByteBuffer in, int index) {
        int count = Varints.readVarint(in);
        if (count == 0) {
            return List.of();
        }
        if (count < 0 || count > in.remaining() / BatchFormat.MIN_HEADER_SIZE) {
            throw new ProtocolException("record " + index + ": header count " + count + " but "
                    + in.remaining() + " bytes remain in the record");
        }
        Header[] headers = new Header[count];
        for (int h = 0; h < count; h++) {
            int keyLength = Varints.readVarint(in);
            if (keyLength < 0 || keyLength > in.remaining()) {
                throw new ProtocolException("record " + index + ": header " + h + " key length " + keyLength
                        + " but " + in.remaining() + " bytes remain in the record");
            }
            String key = Utf8.decode(in, keyLength);
            byte[] value = readBytes(in, index, "value", h);
            headers[h] = new Header(key, value);
        }
        return List.of(headers);
    }
}
