package dev.josef.kafka.compression;

import dev.josef.kafka.protocol.ProtocolException;
import dev.josef.kafka.protocol.RecordBatch;
import dev.josef.kafka.protocol.RecordBatchBuilder;
import dev.josef.kafka.protocol.RecordBatchReader;
import dev.josef.kafka.protocol.spi.CompressionCodec;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.Arrays;
import java.util.SplittableRandom;
import java.util.stream.Stream;
import java.util.zip.CRC32C;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;

/**
 * Broken and hostile compressed payloads: each must end in a clear error (or, where
 * the format has no checksum to notice a flipped byte, in other bytes), never in a
 * hang, a JVM crash or an out-of-memory error.
 */
class CorruptPayloadTest {
    private static final int CASES = Integer.getInteger("josef.fuzz.cases", 1_000_000) >= 1_000_000 ? 3000 : 300;
    private static final int CAP = 4 << 20;

    static Stream<String> codecs() {
        return TestData.CODECS.stream();
    }

    /**
     * Decompresses as the record batch reader does, bounded by {@link #CAP}; returns
     * null when the codec refused the input.
     */
    private static byte[] decompressBounded(CompressionCodec codec, byte[] compressed) {
        try (var in = codec.decompress(ByteBuffer.wrap(compressed))) {
            byte[] out = new byte[64 * 1024];
            int size = 0;
            int n;
            while ((n = in.read(out, size, out.length - size)) >= 0) {
                size += n;
                if (size == out.length) {
                    if (out.length >= CAP) {
                        return null;
                    }
                    out = Arrays.copyOf(out, out.length * 2);
                }
            }
            return Arrays.copyOf(out, size);
        } catch (IOException | RuntimeException e) {
            assertThat(e.getMessage()).as("error from %s has a message: %s", codec.name(), e).isNotBlank();
            return null;
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("codecs")
    void mutatedPayloadsFailCleanly(String name) {
        CompressionCodec codec = TestData.josef(name);
        byte[][] originals = {
                TestData.josefCompress(codec, codec.defaultLevel(), TestData.compressible(70_000, 1)),
                TestData.josefCompress(codec, codec.defaultLevel(), TestData.incompressible(5_000, 2)),
                TestData.josefCompress(codec, codec.defaultLevel(), TestData.compressible(300, 3)),
        };
        SplittableRandom random = new SplittableRandom(name.hashCode());
        int[] refused = new int[1];
        assertTimeoutPreemptively(Duration.ofMinutes(2), () -> {
            for (int i = 0; i < CASES; i++) {
                byte[] original = originals[i % originals.length];
                byte[] mutated = mutate(original, random);
                if (decompressBounded(codec, mutated) == null) {
                    refused[0]++;
                }
            }
        });
        // Most mutations break a length, a header or an entropy table; a few land in literal bytes.
        assertThat(refused[0]).as("mutations %s refused", name).isGreaterThan(CASES / 4);
    }

    private static byte[] mutate(byte[] original, SplittableRandom random) {
        switch (random.nextInt(5)) {
            case 0: { // flip bits
                byte[] copy = original.clone();
                for (int flips = 1 + random.nextInt(4); flips > 0; flips--) {
                    copy[random.nextInt(copy.length)] ^= (byte) (1 << random.nextInt(8));
                }
                return copy;
            }
            case 1: // truncate
                return Arrays.copyOf(original, random.nextInt(original.length));
            case 2: { // overwrite a run with random bytes
                byte[] copy = original.clone();
                int start = random.nextInt(copy.length);
                int end = Math.min(copy.length, start + 1 + random.nextInt(16));
                for (int p = start; p < end; p++) {
                    copy[p] = (byte) random.nextInt(256);
                }
                return copy;
            }
            case 3: { // a header that is right, followed by garbage
                byte[] copy = original.clone();
                for (int p = Math.min(copy.length, 24); p < copy.length; p++) {
                    copy[p] = (byte) random.nextInt(256);
                }
                return copy;
            }
            default: { // bytes from the middle of the stream as if it started there
                int start = random.nextInt(original.length);
                return Arrays.copyOfRange(original, start, original.length);
            }
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("codecs")
    void aRefusedPayloadLeavesTheThreadsBuffersReusable(String name) {
        CompressionCodec codec = TestData.josef(name);
        byte[] garbage = TestData.incompressible(100, 3);
        if (name.equals("snappy")) {
            // Starts as a xerial stream, so that it is the header that fails.
            System.arraycopy(SnappyCodec.MAGIC, 0, garbage, 0, SnappyCodec.MAGIC.length);
        }
        assertThat(decompressBounded(codec, garbage)).isNull();
        // Had the failed stream kept the thread's scratch, every acquire would make a new one.
        Scratch first = Scratch.acquire();
        first.release();
        Scratch second = Scratch.acquire();
        second.release();
        assertThat(second).isSameAs(first);
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("codecs")
    void emptyAndTinyInputsAreRefusedOrEmpty(String name) {
        CompressionCodec codec = TestData.josef(name);
        for (int size = 0; size < 40; size++) {
            byte[] garbage = TestData.incompressible(size, size);
            byte[] out = decompressBounded(codec, garbage);
            if (size == 0) {
                // No input: snappy and zstd read it as no content, lz4 misses its frame header.
                assertThat(out == null ? "refused" : out.length + " bytes")
                        .isEqualTo(name.equals("lz4") ? "refused" : "0 bytes");
            } else if (out != null) {
                // Raw snappy may be valid for a few random bytes; nothing else may be.
                assertThat(name).isEqualTo("snappy");
            }
        }
    }

    @Test
    void lz4ChecksumsAndBoundsAreEnforced() {
        Lz4Codec lz4 = new Lz4Codec();
        byte[] good = TestData.josefCompress(lz4, 9, TestData.compressible(1000, 9));
        byte[] badHeader = good.clone();
        badHeader[6] ^= 0x55;
        assertThatThrownBy(() -> TestData.josefDecompress(lz4, ByteBuffer.wrap(badHeader)))
                .hasMessageContaining("LZ4 frame header checksum");
        byte[] linked = good.clone();
        linked[4] = 0x40; // independence bit cleared
        linked[6] = (byte) (XxHash32.hash(linked, 4, 2, 0) >>> 8);
        assertThatThrownBy(() -> TestData.josefDecompress(lz4, ByteBuffer.wrap(linked)))
                .hasMessageContaining("linked blocks is not supported");
        byte[] hugeBlock = good.clone();
        BlockOutputStream.writeIntLE(hugeBlock, 7, 0x7FFF_FFF0);
        assertThatThrownBy(() -> TestData.josefDecompress(lz4, ByteBuffer.wrap(hugeBlock)))
                .hasMessageContaining("larger than the frame's maximum of 65536");
        byte[] noEnd = Arrays.copyOf(good, good.length - 4);
        assertThatThrownBy(() -> TestData.josefDecompress(lz4, ByteBuffer.wrap(noEnd)))
                .hasMessageContaining("truncated").hasMessageContaining("no end mark");
    }

    @Test
    void snappyLengthsThatLieAreRefusedBeforeAllocating() {
        SnappyCodec snappy = new SnappyCodec();
        // A raw block whose varint claims 2 GiB from 6 bytes of input.
        byte[] raw = {(byte) 0xFF, (byte) 0xFF, (byte) 0xFF, (byte) 0xFF, 0x07, 0x00};
        assertThatThrownBy(() -> TestData.josefDecompress(snappy, ByteBuffer.wrap(raw)))
                .hasMessageContaining("more than snappy can expand");
        byte[] good = TestData.josefCompress(snappy, 0, TestData.compressible(1000, 9));
        byte[] longChunk = good.clone();
        BlockOutputStream.writeIntBE(longChunk, 16, 1 << 30);
        assertThatThrownBy(() -> TestData.josefDecompress(snappy, ByteBuffer.wrap(longChunk)))
                .hasMessageContaining("truncated: a snappy chunk needs 1073741824 bytes");
        byte[] future = good.clone();
        BlockOutputStream.writeIntBE(future, 12, 2);
        assertThatThrownBy(() -> TestData.josefDecompress(snappy, ByteBuffer.wrap(future)))
                .hasMessageContaining("needs reader version 2");
    }

    @Test
    void zstdTruncatedFrameIsNamed() {
        ZstdCodec zstd = new ZstdCodec();
        byte[] good = TestData.josefCompress(zstd, 3, TestData.compressible(100_000, 9));
        byte[] cut = Arrays.copyOf(good, good.length / 2);
        assertThatThrownBy(() -> TestData.josefDecompress(zstd, ByteBuffer.wrap(cut)))
                .hasMessageContaining("truncated zstd frame");
    }

    @Test
    void zstdFrameReachingPastTheBoundedWindowFailsInsteadOfDecodingWrongly() throws IOException {
        // 9 MiB of noise twice: at level 20 (32 MiB window) zstd encodes the second copy as
        // matches 9 MiB back, past the 8 MiB Josef keeps.
        byte[] noise = TestData.incompressible(9 << 20, 4);
        byte[] twice = new byte[noise.length * 2];
        System.arraycopy(noise, 0, twice, 0, noise.length);
        System.arraycopy(noise, 0, twice, noise.length, noise.length);
        byte[] compressed = TestData.kafkaCompress(TestData.kafka("zstd", 20), twice);
        assertThat(compressed.length).isLessThan(twice.length * 3 / 4);
        assertThatThrownBy(() -> TestData.josefDecompress(new ZstdCodec(), ByteBuffer.wrap(compressed)))
                .hasMessageContaining("corrupted");
    }

    @Test
    void zstdSingleSegmentFrameLargerThanTheWindowIsReadWholeOrRefusedCleanly() throws IOException {
        // A 10 MiB single-segment frame: no window byte, the decoder must keep all of it.
        byte[] data = TestData.compressible(10 << 20, 5);
        byte[] frame;
        try (com.github.luben.zstd.ZstdCompressCtx ctx = new com.github.luben.zstd.ZstdCompressCtx()) {
            ctx.setLevel(1).setWindowLog(24).setContentSize(true);
            frame = ctx.compress(data);
        }
        assertThat(frame[4] & 0x20).as("single-segment flag").isNotZero();
        ZstdCodec zstd = new ZstdCodec();
        try (var in = zstd.decompress(ByteBuffer.wrap(frame))) {
            assertThat(in.available()).isEqualTo(data.length);
            byte[] out = new byte[data.length];
            assertThat(in.read(out, 0, out.length)).isEqualTo(data.length);
            assertThat(out).isEqualTo(data);
        }
        // Read in small pieces, it is decoded once into a buffer of its declared size...
        ByteArrayOutputStream pieces = new ByteArrayOutputStream();
        try (var in = zstd.decompress(ByteBuffer.wrap(frame))) {
            byte[] piece = new byte[64 * 1024];
            int n;
            while ((n = in.read(piece, 0, piece.length)) >= 0) {
                pieces.write(piece, 0, n);
            }
        }
        assertThat(pieces.toByteArray()).isEqualTo(data);
        // ...if the reader accepts that much: otherwise refused before anything is decoded.
        assertThatThrownBy(() -> {
            try (var in = zstd.decompress(ByteBuffer.wrap(frame), 8 << 20)) {
                in.read(new byte[1024]);
            }
        }).isInstanceOf(IOException.class)
                .hasMessageContaining("declares 10485760 bytes in one segment, more than the 8388608 bytes");
        RecordBatch batch = RecordBatchReader.defaults().batches(new RecordBatchBuilder(1024).compression(zstd)
                .append(0L, null, data).build()).next();
        assertThat(batch.records().get(0).value()).isEqualTo(data);
    }

    @Test
    void zstdSingleSegmentBombIsRefusedWithoutDecodingIt() throws IOException {
        // A single segment of 100 KB, its 4-byte content size then raised to 1 GiB: the
        // decoder would keep all it decodes before handing out a byte.
        byte[] frame;
        try (com.github.luben.zstd.ZstdCompressCtx ctx = new com.github.luben.zstd.ZstdCompressCtx()) {
            ctx.setLevel(1).setWindowLog(20).setContentSize(true);
            frame = ctx.compress(new byte[100_000]);
        }
        assertThat(frame[4] & 0xE0).as("single segment, 4-byte content size").isEqualTo(0xA0);
        BlockOutputStream.writeIntLE(frame, 5, 1 << 30);
        ByteBuffer batch = ByteBuffer.wrap(frame);
        assertThatThrownBy(() -> TestData.josefDecompress(new ZstdCodec(), batch))
                .isInstanceOf(IOException.class)
                .hasMessageContaining("declares 1073741824 bytes of content but its blocks hold at most");
    }

    @Test
    void zstdLaterFramesAreBoundedToo() throws IOException {
        // An empty frame, then one declaring a 1.875 GiB window made of 1000 RLE blocks of
        // 128 KiB: 125 MiB from 4 KiB. Streamed with an 8 MiB window, it comes out as it is
        // decoded, so the reader's limit stops it.
        ByteArrayOutputStream frames = new ByteArrayOutputStream();
        frames.write(new byte[] {0x28, (byte) 0xB5, 0x2F, (byte) 0xFD, 0x20, 0x00, 0x01, 0x00, 0x00});
        frames.write(new byte[] {0x28, (byte) 0xB5, 0x2F, (byte) 0xFD, 0x00, (byte) 0xA7});
        for (int i = 0; i < 1000; i++) {
            int header = (128 * 1024) << 3 | 1 << 1 | (i == 999 ? 1 : 0);
            frames.write(new byte[] {(byte) header, (byte) (header >>> 8), (byte) (header >>> 16), 0x61});
        }
        byte[] bomb = frames.toByteArray();
        try (var in = new ZstdCodec().decompress(ByteBuffer.wrap(bomb), 1 << 30)) {
            byte[] piece = new byte[1 << 20];
            for (int read = 0; read < (20 << 20); ) {
                int n = in.read(piece, 0, piece.length);
                assertThat(n).as("bytes after %d", read).isPositive();
                for (int i = 0; i < n; i++) {
                    assertThat(piece[i]).isEqualTo((byte) 0x61);
                }
                read += n;
            }
        }
        assertThatThrownBy(() -> RecordBatchReader.builder().maxDecompressedBytes(1 << 20).build()
                .batches(batchWithPayload(4, bomb)).next().records())
                .isInstanceOf(ProtocolException.class).hasMessageContaining("decompresses (zstd) to more than 1048576");
    }

    /** A one-record batch whose records section is {@code payload}, compressed as codec {@code id}, with a valid CRC. */
    private static ByteBuffer batchWithPayload(int id, byte[] payload) {
        ByteBuffer plain = new RecordBatchBuilder(64).append(0L, null, new byte[] {1}).build();
        int recordsOffset = 61;
        ByteBuffer batch = ByteBuffer.allocate(recordsOffset + payload.length);
        batch.put(plain.duplicate().limit(recordsOffset)).put(payload).flip();
        batch.putInt(8, batch.remaining() - 12);
        batch.putShort(21, (short) id);
        CRC32C crc = new CRC32C();
        crc.update(batch.duplicate().position(21));
        batch.putInt(17, (int) crc.getValue());
        return batch;
    }

    @Test
    void zstdEmptyInputIsEmptyWhateverTheThreadDecodedBefore() throws Exception {
        ZstdCodec zstd = new ZstdCodec();
        int[] fresh = new int[1];
        Thread thread = new Thread(() -> {
            try (var in = zstd.decompress(ByteBuffer.allocate(0))) {
                fresh[0] = in.read(new byte[10]);
            } catch (IOException e) {
                fresh[0] = -2;
            }
        });
        thread.start();
        thread.join(10_000);
        TestData.josefDecompress(zstd, ByteBuffer.wrap(TestData.josefCompress(zstd, 3, new byte[100])));
        try (var in = zstd.decompress(ByteBuffer.allocate(0))) {
            assertThat(in.read(new byte[10])).isEqualTo(-1);
        }
        assertThat(fresh[0]).isEqualTo(-1);
    }

    @Test
    void zstdBlockReusingAnUndefinedHuffmanTableIsRefused() {
        ZstdCodec zstd = new ZstdCodec();
        byte[] frame = TestData.josefCompress(zstd, 3, TestData.compressible(50_000, 8));
        ZstdFrames.Header header = ZstdFrames.Header.parse(frame, 0, frame.length);
        int block = header.size();
        assertThat((frame[block] >>> 1) & 0x3).as("first block is compressed").isEqualTo(2);
        frame[block + 3] |= 0x3; // its literals: "treeless", reusing a table never defined
        assertThatThrownBy(() -> TestData.josefDecompress(zstd, ByteBuffer.wrap(frame)))
                .isInstanceOf(IOException.class).hasMessageContaining("reuses a Huffman table its frame never defined");
    }

    @Test
    void aFailedHeaderFailsEveryRead() throws IOException {
        try (var in = new Lz4Codec().decompress(ByteBuffer.wrap(new byte[] {0, 0, 0, 0}))) {
            assertThatThrownBy(() -> in.read(new byte[10])).hasMessageContaining("truncated");
            assertThatThrownBy(() -> in.read(new byte[10])).hasMessageContaining("truncated");
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("codecs")
    void decompressionBombIsStoppedAtTheCapAndNamesTheBatch(String name) {
        CompressionCodec codec = TestData.josef(name);
        // 40 MiB of zeros as one record: a few KiB compressed (zstd, lz4) or ~2 MiB (snappy).
        ByteBuffer batch = new RecordBatchBuilder(1024).baseOffset(5000).compression(codec)
                .append(0L, null, new byte[40 << 20]).build();
        assertThat(batch.remaining()).isLessThan(3 << 20);
        RecordBatchReader reader = RecordBatchReader.builder().maxDecompressedBytes(1 << 20).build();
        RecordBatch read = reader.batches(batch).next();
        assertThatThrownBy(read::records)
                .isInstanceOf(ProtocolException.class)
                .hasMessageContaining("record batch at offsets 5000..5000")
                .hasMessageContaining("decompresses (" + name + ") to more than 1048576 bytes");
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("codecs")
    void corruptPayloadUnderAValidCrcIsAProtocolErrorNamingTheBatch(String name) {
        CompressionCodec codec = TestData.josef(name);
        RecordBatchBuilder builder = new RecordBatchBuilder(1024).baseOffset(700).compression(codec);
        for (int i = 0; i < 100; i++) {
            builder.append(i, null, TestData.compressible(200, i));
        }
        ByteBuffer batch = builder.build();
        // Cut the payload short but keep the batch consistent: shrink the length field
        // and recompute the CRC, as a broken writer (not a broken wire) would.
        int cut = 40;
        ByteBuffer broken = ByteBuffer.allocate(batch.remaining() - cut);
        broken.put(batch.duplicate().limit(batch.limit() - cut)).flip();
        broken.putInt(8, broken.remaining() - 12);
        CRC32C crc = new CRC32C();
        crc.update(broken.duplicate().position(21));
        broken.putInt(17, (int) crc.getValue());
        RecordBatch read = RecordBatchReader.defaults().batches(broken).next();
        assertThatThrownBy(read::records)
                .isInstanceOf(ProtocolException.class)
                .hasMessageContaining("record batch at offsets 700..799")
                .hasMessageContaining("does not decompress with " + name);
    }
}
