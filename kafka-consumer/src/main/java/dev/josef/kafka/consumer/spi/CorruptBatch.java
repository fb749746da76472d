package dev.josef.kafka.consumer.spi;

import dev.josef.kafka.protocol.TopicPartition;

import java.nio.ByteBuffer;

/**
 * A fetched batch that failed its CRC or would not decompress: where it is,
 * what went wrong, and its bytes as fetched.
 *
 * @param partition  the batch's partition
 * @param baseOffset the batch's first offset
 * @param nextOffset the offset after it: base offset + last offset delta + 1; when the batch failed its
 *                   checksum and that header value is not believable (not past the base offset, or past
 *                   where the next batch starts), where the next batch starts
 * @param cause      what failed (a checksum mismatch, a codec's error, the decompression cap)
 * @param bytes      a read-only view of the batch as fetched, valid during the call
 */
public record CorruptBatch(TopicPartition partition, long baseOffset, long nextOffset, Throwable cause,
                           ByteBuffer bytes) {
}
