package dev.josef.kafka.testkit.internal;

import java.nio.ByteBuffer;
import java.util.Arrays;
import java.util.zip.CRC32C;

/**
 * Damages the first record batch of a partition's fetched records, the two ways
 * a consumer has to survive: bytes that fail the batch's CRC (a flipped bit on a
 * disk or a wire), and a batch whose CRC is right but whose compressed payload
 * will not decode (a codec bug, or corruption before the CRC was computed).
 *
 * <p>Only magic v2 batches (KIP-98) are touched; the legacy message sets of
 * magic v0/v1 are left alone and report no corruption.
 */
public final class BatchCorruptor {
    // Magic v2 layout: baseOffset int64, batchLength int32, partitionLeaderEpoch
    // int32, magic int8, crc uint32, attributes int16, ... records from byte 61.
    // The CRC-32C covers attributes to the end of the batch.
    private static final int BATCH_LENGTH_OFFSET = 8;
    private static final int LOG_OVERHEAD = 12;
    private static final int MAGIC_OFFSET = 16;
    private static final int CRC_OFFSET = 17;
    private static final int ATTRIBUTES_OFFSET = 21;
    private static final int RECORDS_OFFSET = 61;
    private static final byte MAGIC_V2 = 2;

    private BatchCorruptor() {
    }

    /**
     * A copy of {@code records} whose first batch fails its CRC, or null if the
     * records hold no complete magic v2 batch with a payload.
     */
    public static ByteBuffer breakCrc(ByteBuffer records) {
        byte[] bytes = copy(records);
        int end = firstBatchEnd(bytes);
        if (end < 0) {
            return null;
        }
        // The last payload byte: inside what the CRC covers, whatever the codec.
        bytes[end - 1] ^= (byte) 0xFF;
        return ByteBuffer.wrap(bytes);
    }

    /**
     * A copy of {@code records} whose first batch has its payload overwritten
     * and its CRC recomputed to match, or null if the records hold no complete
     * magic v2 batch with a payload. Every codec Kafka has starts its stream
     * with a magic number or a length (gzip's 1f 8b, zstd's frame magic, lz4's
     * frame magic, snappy-java's stream header or raw varint length), so a payload
     * of 0xFF bytes cannot decompress; in an uncompressed batch it cannot be
     * parsed as records either (every varint runs past five bytes).
     */
    public static ByteBuffer garblePayload(ByteBuffer records) {
        byte[] bytes = copy(records);
        int end = firstBatchEnd(bytes);
        if (end < 0) {
            return null;
        }
        Arrays.fill(bytes, RECORDS_OFFSET, end, (byte) 0xFF);
        CRC32C crc = new CRC32C();
        crc.update(bytes, ATTRIBUTES_OFFSET, end - ATTRIBUTES_OFFSET);
        ByteBuffer.wrap(bytes).putInt(CRC_OFFSET, (int) crc.getValue());
        return ByteBuffer.wrap(bytes);
    }

    private static byte[] copy(ByteBuffer records) {
        byte[] bytes = new byte[records.remaining()];
        records.duplicate().get(bytes);
        return bytes;
    }

    /** The end of the first batch, or -1 if it is not a complete v2 batch with at least one payload byte. */
    private static int firstBatchEnd(byte[] bytes) {
        if (bytes.length <= RECORDS_OFFSET || bytes[MAGIC_OFFSET] != MAGIC_V2) {
            return -1;
        }
        int batchLength = ByteBuffer.wrap(bytes).getInt(BATCH_LENGTH_OFFSET);
        // A fetch may end in a partial batch; the first one is complete unless
        // the partition's max bytes cut it short, and then there is nothing to damage.
        long end = (long) LOG_OVERHEAD + batchLength;
        if (batchLength < 0 || end > bytes.length || end <= RECORDS_OFFSET) {
            return -1;
        }
        return (int) end;
    }
}
