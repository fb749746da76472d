package dev.josef.kafka.protocol;

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
    String describe() {
        return "record batch at offsets " + baseOffset() + ".." + lastOffset();
    }

    @Override
    public RecordCursor cursor() {
        return cursor(null);
    }

    @Override
    public RecordCursor cursor(DecodeBuffer buffer) {
        verifyIfAsked();
        int count = recordCount();
        if (count < 0) {
            throw new ProtocolException(describe() + " declares a negative record count " + count);
        }
        ByteBuffer records = batch.duplicate().position(BatchFormat.RECORDS_OFFSET).slice();
        int compressionId = compressionId();
        if (compressionId != 0 && count > 0) {
            CompressionCodec codec;
            try {
                codec = reader.codecs().byId(compressionId);
            } catch (IllegalArgumentException e) {
                throw new ProtocolException(describe() + " cannot be decompressed: " + e.getMessage(), e);
            }
            records = Decompression.decompress(codec, records, reader.maxDecompressedBytes(), this, buffer);
        }
        if (count > records.remaining() / BatchFormat.MIN_RECORD_SIZE) {
            throw new ProtocolException(describe() + " declares " + count + " records but " + records.remaining()
                    + " bytes hold at most " + records.remaining() / BatchFormat.MIN_RECORD_SIZE);
        }
        return new RecordCursor.V2(this, records, count);
    }

    @Override
    public List<Record> records() {
        RecordCursor cursor = cursor();
        List<Record> records = new ArrayList<>(recordCount());
        while (cursor.next()) {
            records.add(cursor.toRecord());
        }
        return Collections.unmodifiableList(records);
    }
}
