package dev.josef.kafka.protocol;

import org.apache.kafka.common.compress.Compression;
import org.apache.kafka.common.record.internal.MemoryRecords;
import org.apache.kafka.common.record.internal.MemoryRecordsBuilder;
import org.junit.jupiter.api.Test;

import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.zip.CRC32C;
import java.util.zip.GZIPOutputStream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.fail;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;

/** Hostile and damaged input: only ProtocolException comes out, never a hang or an OOM. */
class MalformedRecordsTest {

    private static byte[] utf8(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    private static ByteBuffer josefBatch(long baseOffset, int records, CompressionCodecs codecs, String codec) {
        RecordBatchBuilder builder = new RecordBatchBuilder(256).baseOffset(baseOffset)
                .compression(codecs.byName(codec));
        for (int i = 0; i < records; i++) {
            builder.append(1_000L + i, utf8("key-" + i), utf8("value-" + i + "-" + "z".repeat(i)),
                    i % 2 == 0 ? List.of(Header.of("h", "v")) : List.of());
        }
        return builder.build();
    }

    /** Recomputes a v2 batch's CRC after a test changed it on purpose. */
    private static void fixCrc(ByteBuffer batch) {
        CRC32C crc = new CRC32C();
        crc.update(batch.duplicate().position(21));
        batch.putInt(17, (int) crc.getValue());
    }

    private static ByteBuffer concat(ByteBuffer... parts) {
        int size = 0;
        for (ByteBuffer part : parts) {
            size += part.remaining();
        }
        ByteBuffer all = ByteBuffer.allocate(size);
        for (ByteBuffer part : parts) {
            all.put(part.duplicate());
        }
        return all.flip();
    }

    @Test
    void flippedBitFailsTheCrcAndNamesTheOffsets() {
        ByteBuffer batch = josefBatch(100L, 50, CompressionCodecs.installed(), "none");
        batch.put(batch.limit() - 3, (byte) (batch.get(batch.limit() - 3) ^ 0x10));

        RecordBatch read = RecordBatchReader.defaults().batches(batch).next();

        assertThat(read.isValid()).isFalse();
        assertThat(read.baseOffset()).isEqualTo(100L);
        assertThat(read.nextOffset()).isEqualTo(150L);
        assertThatThrownBy(read::ensureValid).isInstanceOf(ProtocolException.class)
                .hasMessageContaining("100..149").hasMessageContaining("corrupt");
        assertThatThrownBy(read::records).isInstanceOf(ProtocolException.class).hasMessageContaining("100..149");
    }

    @Test
    void theChecksumIsComputedOncePerBatch() {
        ByteBuffer batch = josefBatch(0L, 3, CompressionCodecs.installed(), "none");
        RecordBatch read = RecordBatchReader.defaults().batches(batch).next();
        assertThat(read.isValid()).isTrue();

        // Against the contract (the bytes must not change), only to show that the outcome is kept: a
        // consumer checks it before it trusts the header, and decoding does not compute it again.
        batch.put(batch.limit() - 1, (byte) (batch.get(batch.limit() - 1) ^ 0x01));

        assertThat(read.isValid()).isTrue();
        assertThat(RecordBatchReader.defaults().batches(batch).next().isValid()).isFalse();
    }

    @Test
    void crcCheckCanBeTurnedOffForBytesCheckedElsewhere() {
        ByteBuffer batch = josefBatch(0L, 3, CompressionCodecs.installed(), "none");
        batch.putInt(17, batch.getInt(17) + 1);
        RecordBatchReader trusting = RecordBatchReader.builder().verifyChecksums(false).build();

        RecordBatch read = trusting.batches(batch).next();

        assertThat(read.isValid()).isFalse();
        assertThat(read.records()).hasSize(3);
    }

    @Test
    void partitionLeaderEpochIsOutsideTheCrc() {
        ByteBuffer batch = josefBatch(0L, 3, CompressionCodecs.installed(), "none");
        batch.putInt(12, 12345);

        RecordBatch read = RecordBatchReader.defaults().batches(batch).next();

        assertThat(read.isValid()).isTrue();
        assertThat(read.partitionLeaderEpoch()).isEqualTo(12345);
    }

    @Test
    void partialTrailingBatchEndsIterationWithoutError() {
        ByteBuffer first = josefBatch(0L, 5, CompressionCodecs.installed(), "none");
        ByteBuffer second = josefBatch(5L, 5, CompressionCodecs.installed(), "gzip");
        ByteBuffer both = concat(first, second);

        for (int cut = 0; cut < second.remaining(); cut++) {
            ByteBuffer fetched = both.duplicate().limit(first.remaining() + cut);
            RecordBatchReader.BatchIterator batches = RecordBatchReader.defaults().batches(fetched);
            List<Long> offsets = new ArrayList<>();
            while (batches.hasNext()) {
                batches.next().records().forEach(r -> offsets.add(r.offset()));
            }
            assertThat(offsets).as("cut at %d", cut).containsExactly(0L, 1L, 2L, 3L, 4L);
            assertThat(batches.trailingBytes()).isEqualTo(cut);
        }
    }

    @Test
    void sizeBelowAnyFormatsMinimumIsAProtocolError() {
        ByteBuffer batch = josefBatch(7L, 1, CompressionCodecs.installed(), "none");
        batch.putInt(8, 13);

        assertThatThrownBy(() -> RecordBatchReader.defaults().batches(batch).hasNext())
                .isInstanceOf(ProtocolException.class).hasMessageContaining("offset 7").hasMessageContaining("13");
    }

    @Test
    void v2SizeBelowTheHeaderIsAProtocolError() {
        ByteBuffer batch = josefBatch(7L, 1, CompressionCodecs.installed(), "none");
        batch.putInt(8, 40);

        assertThatThrownBy(() -> RecordBatchReader.defaults().batches(batch).hasNext())
                .isInstanceOf(ProtocolException.class).hasMessageContaining("magic v2");
    }

    @Test
    void unknownMagicIsAProtocolErrorAndEndsTheIteration() {
        ByteBuffer batch = josefBatch(7L, 1, CompressionCodecs.installed(), "none");
        batch.put(16, (byte) 3);
        RecordBatchReader.BatchIterator batches = RecordBatchReader.defaults().batches(batch);

        assertThatThrownBy(batches::hasNext).isInstanceOf(ProtocolException.class).hasMessageContaining("magic 3");
        assertThat(batches.hasNext()).isFalse();
        assertThat(batches.trailingBytes()).isEqualTo(batch.remaining());
    }

    @Test
    void recordCountLargerThanTheBytesIsAProtocolError() {
        ByteBuffer batch = josefBatch(0L, 2, CompressionCodecs.installed(), "none");
        batch.putInt(57, Integer.MAX_VALUE);
        fixCrc(batch);

        assertThatThrownBy(() -> RecordBatchReader.defaults().batches(batch).next().records())
                .isInstanceOf(ProtocolException.class).hasMessageContaining("0..1")
                .hasMessageContaining(String.valueOf(Integer.MAX_VALUE));
    }

    @Test
    void recordCountSmallerThanTheRecordsIsAProtocolError() {
        ByteBuffer batch = josefBatch(0L, 3, CompressionCodecs.installed(), "none");
        batch.putInt(57, 2);
        fixCrc(batch);

        assertThatThrownBy(() -> RecordBatchReader.defaults().batches(batch).next().records())
                .isInstanceOf(ProtocolException.class).hasMessageContaining("bytes follow");
    }

    @Test
    void decompressionBeyondTheCapIsAProtocolErrorNamingTheOffsets() {
        RecordBatchBuilder builder = new RecordBatchBuilder(1024).baseOffset(100L)
                .compression(CompressionCodecs.gzip());
        for (int i = 0; i < 50; i++) {
            builder.append(1L, null, new byte[10_000]);
        }
        ByteBuffer bomb = builder.build();
        assertThat(bomb.remaining()).isLessThan(5_000);
        RecordBatchReader capped = RecordBatchReader.builder().maxDecompressedBytes(100_000).build();

        RecordBatch batch = capped.batches(bomb).next();

        assertThatThrownBy(batch::records).isInstanceOf(ProtocolException.class)
                .hasMessageContaining("100..149")
                .hasMessageContaining("100000");
        assertThat(RecordBatchReader.builder().maxDecompressedBytes(600_000).build().batches(bomb).next().records())
                .hasSize(50);
    }

    @Test
    void legacyDecompressionBeyondTheCapIsAProtocolError() {
        MemoryRecordsBuilder kafka = MemoryRecords.builder(ByteBuffer.allocate(256), (byte) 1,
                Compression.gzip().build(), org.apache.kafka.common.record.TimestampType.CREATE_TIME, 40L);
        for (int i = 0; i < 20; i++) {
            kafka.append(1L, null, new byte[10_000]);
        }
        ByteBuffer bomb = kafka.build().buffer();
        RecordBatchReader capped = RecordBatchReader.builder().maxDecompressedBytes(50_000).build();

        assertThatThrownBy(() -> capped.batches(bomb).next().records()).isInstanceOf(ProtocolException.class)
                .hasMessageContaining("offset 59").hasMessageContaining("50000");
    }

    @Test
    void recordsThatAreNotGzipAreAProtocolError() {
        ByteBuffer batch = josefBatch(30L, 4, CompressionCodecs.installed(), "none");
        batch.putShort(21, (short) 1);
        fixCrc(batch);

        assertThatThrownBy(() -> RecordBatchReader.defaults().batches(batch).next().records())
                .isInstanceOf(ProtocolException.class)
                .hasMessageContaining("30..33")
                .hasMessageContaining("gzip");
    }

    @Test
    void truncatedGzipStreamIsAProtocolError() throws Exception {
        ByteArrayOutputStream gz = new ByteArrayOutputStream();
        try (GZIPOutputStream out = new GZIPOutputStream(gz)) {
            out.write(new byte[5000]);
        }
        byte[] compressed = gz.toByteArray();
        ByteBuffer batch = josefBatch(0L, 1, CompressionCodecs.installed(), "none");
        ByteBuffer forged = ByteBuffer.allocate(61 + compressed.length / 2);
        forged.put(batch.duplicate().limit(61)).put(compressed, 0, compressed.length / 2).flip();
        forged.putInt(8, forged.limit() - 12);
        forged.putShort(21, (short) 1);
        fixCrc(forged);

        assertThatThrownBy(() -> RecordBatchReader.defaults().batches(forged).next().records())
                .isInstanceOf(ProtocolException.class).hasMessageContaining("gzip");
    }

    @Test
    void unknownCodecIdIsAProtocolErrorListingTheInstalledCodecs() {
        ByteBuffer batch = josefBatch(0L, 1, CompressionCodecs.installed(), "none");
        batch.putShort(21, (short) 6);
        fixCrc(batch);

        assertThatThrownBy(() -> RecordBatchReader.defaults().batches(batch).next().records())
                .isInstanceOf(ProtocolException.class)
                .hasMessageContaining("id 6")
                .hasMessageContaining("none(0)")
                .hasMessageContaining("gzip(1)");
    }

    @Test
    void recordLengthPastItsBatchIsAProtocolError() {
        ByteBuffer batch = josefBatch(0L, 1, CompressionCodecs.installed(), "none");
        batch.put(61, (byte) 0x7E); // zigzag varint 63: more than the record has
        fixCrc(batch);

        assertThatThrownBy(() -> RecordBatchReader.defaults().batches(batch).next().records())
                .isInstanceOf(ProtocolException.class).hasMessageContaining("record 0");
    }

    @Test
    void randomlyDamagedBatchesOnlyEverFailWithProtocolException() {
        CompressionCodecs codecs = CompressionCodecs.installed();
        MemoryRecordsBuilder legacy = MemoryRecords.builder(ByteBuffer.allocate(256), (byte) 1,
                Compression.gzip().build(), org.apache.kafka.common.record.TimestampType.CREATE_TIME, 0L);
        for (int i = 0; i < 5; i++) {
            legacy.append(i, utf8("k" + i), utf8("v" + i));
        }
        List<ByteBuffer> originals = List.of(
                josefBatch(0L, 20, codecs, "none"),
                josefBatch(20L, 20, codecs, "gzip"),
                legacy.build().buffer(),
                MemoryRecords.withRecords((byte) 0, 0L, Compression.NONE,
                        new org.apache.kafka.common.record.internal.SimpleRecord(utf8("k"), utf8("v"))).buffer());
        RecordBatchReader[] readers = {
            RecordBatchReader.builder().verifyChecksums(false).maxDecompressedBytes(4096).build(),
            RecordBatchReader.defaults()
        };
        SplittableRandom random = new SplittableRandom(20240617L);
        int[] outcomes = new int[3];

        assertTimeoutPreemptively(Duration.ofSeconds(60), () -> {
            for (int round = 0; round < 20_000; round++) {
                ByteBuffer original = originals.get(round % originals.size());
                byte[] bytes = KafkaRecords.bytes(original);
                int damage = 1 + random.nextInt(4);
                for (int d = 0; d < damage; d++) {
                    int at = random.nextInt(bytes.length);
                    bytes[at] = random.nextBoolean() ? (byte) random.nextInt(256) : (byte) (bytes[at] ^ 0x80);
                }
                int length = random.nextInt(4) == 0 ? random.nextInt(bytes.length + 1) : bytes.length;
                outcomes[readAll(readers[round % 2], ByteBuffer.wrap(bytes, 0, length), round)]++;
            }
        });
        // The damage must reach the record decoder, not just the framing checks.
        assertThat(outcomes[DECODED]).isGreaterThan(1000);
        assertThat(outcomes[REFUSED_RECORDS]).isGreaterThan(1000);
    }

    @Test
    void randomBytesOnlyEverFailWithProtocolException() {
        SplittableRandom random = new SplittableRandom(7L);
        RecordBatchReader reader = RecordBatchReader.builder().verifyChecksums(false).build();
        assertTimeoutPreemptively(Duration.ofSeconds(60), () -> {
            for (int round = 0; round < 20_000; round++) {
                byte[] bytes = new byte[random.nextInt(200)];
                random.nextBytes(bytes);
                if (bytes.length > 17) {
                    // Mostly plausible framing, so the fuzz gets past the first checks.
                    ByteBuffer.wrap(bytes).putInt(8, bytes.length - 12).put(16, (byte) random.nextInt(3));
                }
                readAll(reader, ByteBuffer.wrap(bytes), round);
            }
        });
    }

    private static final int DECODED = 0;
    private static final int REFUSED_RECORDS = 1;
    private static final int REFUSED_FRAMING = 2;

    private static int readAll(RecordBatchReader reader, ByteBuffer buffer, int round) {
        int outcome = DECODED;
        try {
            RecordBatchReader.BatchIterator batches = reader.batches(buffer);
            while (batches.hasNext()) {
                RecordBatch batch = batches.next();
                batch.lastOffset();
                batch.isValid();
                batch.toString();
                try {
                    for (Record record : batch.records()) {
                        if (batch.isControlBatch()) {
                            try {
                                ControlRecord.parse(record);
                            } catch (ProtocolException expected) {
                                // fine: damaged control records are malformed input
                            }
                        }
                    }
                    batch.baseOffset();
                } catch (ProtocolException expected) {
                    // fine: the batch is damaged, and said so
                    outcome = REFUSED_RECORDS;
                }
            }
        } catch (ProtocolException expected) {
            outcome = REFUSED_FRAMING;
        } catch (RuntimeException e) {
            fail("round " + round + ": " + e + " escaped instead of a ProtocolException", e);
        }
        return outcome;
    }
}
