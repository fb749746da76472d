package dev.josef.kafka.protocol;

/**
 * Where things sit in Kafka's on-disk and on-wire record formats. Magic v2 is the
 * record batch (KIP-98); v0 and v1 are the older message sets, which a consumer
 * still meets in logs written before the format changed.
 */
final class BatchFormat {
    private BatchFormat() {
    }

    // Every format starts with offset (int64) and size (int32, the bytes after it).
    static final int OFFSET_OFFSET = 0;
    static final int SIZE_OFFSET = 8;
    static final int LOG_OVERHEAD = 12;
    // Magic sits at the same place in all three formats, which is how a reader
    // learns which one it is looking at.
    static final int MAGIC_OFFSET = 16;
    static final int HEADER_SIZE_UP_TO_MAGIC = MAGIC_OFFSET + 1;

    static final byte MAGIC_V0 = 0;
    static final byte MAGIC_V1 = 1;
    static final byte MAGIC_V2 = 2;

    // Magic v2: baseOffset, batchLength, partitionLeaderEpoch, magic, crc, attributes,
    // lastOffsetDelta, baseTimestamp, maxTimestamp, producerId, producerEpoch,
    // baseSequence, recordCount, records.
    static final int PARTITION_LEADER_EPOCH_OFFSET = 12;
    static final int CRC_OFFSET = 17;
    static final int ATTRIBUTES_OFFSET = 21;
    static final int LAST_OFFSET_DELTA_OFFSET = 23;
    static final int BASE_TIMESTAMP_OFFSET = 27;
    static final int MAX_TIMESTAMP_OFFSET = 35;
    static final int PRODUCER_ID_OFFSET = 43;
    static final int PRODUCER_EPOCH_OFFSET = 51;
    static final int BASE_SEQUENCE_OFFSET = 53;
    static final int RECORD_COUNT_OFFSET = 57;
    static final int RECORDS_OFFSET = 61;
    static final int BATCH_OVERHEAD = RECORDS_OFFSET;

    static final int COMPRESSION_MASK = 0x07;
    static final int TIMESTAMP_TYPE_MASK = 0x08;
    static final int TRANSACTIONAL_MASK = 0x10;
    static final int CONTROL_MASK = 0x20;

    // A v2 record body: attributes, timestampDelta, offsetDelta, key length, value
    // length, header count - one byte each at the least - after its own length.
    static final int MIN_RECORD_BODY_SIZE = 6;
    static final int MIN_RECORD_SIZE = 1 + MIN_RECORD_BODY_SIZE;
    static final int MIN_HEADER_SIZE = 2;

    // Magic v0/v1: offset, size, crc (CRC32 of magic..end), magic, attributes,
    // timestamp (v1 only), key (int32 length), value (int32 length).
    static final int LEGACY_CRC_OFFSET = 12;
    static final int LEGACY_ATTRIBUTES_OFFSET = 17;
    static final int LEGACY_TIMESTAMP_OFFSET = 18;
    static final int LEGACY_KEY_OFFSET_V0 = 18;
    static final int LEGACY_KEY_OFFSET_V1 = 26;
    // crc + magic + attributes + key length + value length, plus the timestamp in v1
    static final int LEGACY_RECORD_OVERHEAD_V0 = 14;
    static final int LEGACY_RECORD_OVERHEAD_V1 = 22;

    static final long NO_TIMESTAMP = -1L;
}
