package dev.josef.kafka.compression;

import dev.josef.kafka.protocol.CompressionCodecs;
import dev.josef.kafka.protocol.spi.CompressionCodec;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.util.HexFormat;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class CodecRoundTripTest {
    // Sizes around every block boundary the formats have: snappy 32 KiB, lz4 64 KiB, zstd 128 KiB.
    private static final int[] SIZES = {0, 1, 15, 16, 1000, 32 * 1024 - 1, 32 * 1024, 32 * 1024 + 1, 64 * 1024 - 1,
            64 * 1024, 64 * 1024 + 1, 128 * 1024 + 7, 1 << 20, 5 << 20};

    static Stream<Arguments> cases() {
        return TestData.codecSizeData(SIZES);
    }

    @ParameterizedTest(name = "{0} {1} bytes compressible={2}")
    @MethodSource("cases")
    void roundTripsWholeWritesAndReadsInPieces(String name, int size, boolean compressible) throws IOException {
        CompressionCodec codec = TestData.josef(name);
        byte[] data = TestData.data(compressible, size, size);
        byte[] compressed = TestData.josefCompress(codec, codec.defaultLevel(), data);
        if (compressible && size >= 1000) {
            assertThat(compressed.length).isLessThan(data.length / 2);
        }
        assertThat(TestData.josefDecompress(codec, ByteBuffer.wrap(compressed))).isEqualTo(data);
        // Read through a direct buffer, and a few bytes at a time.
        ByteBuffer direct = ByteBuffer.allocateDirect(compressed.length).put(compressed).flip();
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try (InputStream in = codec.decompress(direct)) {
            byte[] piece = new byte[777];
            int n;
            while ((n = in.read(piece, 0, piece.length)) >= 0) {
                out.write(piece, 0, n);
            }
        }
        assertThat(out.toByteArray()).isEqualTo(data);
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("codecNames")
    void smallRaggedWritesMakeTheSameStreamAsOneWrite(String name) throws IOException {
        CompressionCodec codec = TestData.josef(name);
        byte[] data = TestData.compressible(200_000, 7);
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (OutputStream out = codec.compress(bytes, codec.defaultLevel())) {
            int p = 0;
            int step = 1;
            while (p < data.length) {
                int n = Math.min(step, data.length - p);
                if (n == 1) {
                    out.write(data[p]);
                } else {
                    out.write(data, p, n);
                }
                p += n;
                step = step * 3 % 10_007 + 1;
            }
        }
        assertThat(bytes.toByteArray()).isEqualTo(TestData.josefCompress(codec, codec.defaultLevel(), data));
        assertThat(TestData.josefDecompress(codec, ByteBuffer.wrap(bytes.toByteArray()))).isEqualTo(data);
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("codecNames")
    void interleavedStreamsOnOneThreadDoNotShareBuffers(String name) throws IOException {
        CompressionCodec codec = TestData.josef(name);
        byte[] a = TestData.compressible(100_000, 1);
        byte[] b = TestData.incompressible(100_000, 2);
        ByteArrayOutputStream outA = new ByteArrayOutputStream();
        ByteArrayOutputStream outB = new ByteArrayOutputStream();
        try (OutputStream first = codec.compress(outA, codec.defaultLevel());
             OutputStream second = codec.compress(outB, codec.defaultLevel())) {
            for (int p = 0; p < a.length; p += 10_000) {
                first.write(a, p, 10_000);
                second.write(b, p, 10_000);
            }
        }
        try (InputStream inA = codec.decompress(ByteBuffer.wrap(outA.toByteArray()));
             InputStream inB = codec.decompress(ByteBuffer.wrap(outB.toByteArray()))) {
            ByteArrayOutputStream readA = new ByteArrayOutputStream();
            ByteArrayOutputStream readB = new ByteArrayOutputStream();
            byte[] piece = new byte[5000];
            boolean moreA = true;
            boolean moreB = true;
            while (moreA || moreB) {
                int n = moreA ? inA.read(piece) : -1;
                if (n < 0) {
                    moreA = false;
                } else {
                    readA.write(piece, 0, n);
                }
                n = moreB ? inB.read(piece) : -1;
                if (n < 0) {
                    moreB = false;
                } else {
                    readB.write(piece, 0, n);
                }
            }
            assertThat(readA.toByteArray()).isEqualTo(a);
            assertThat(readB.toByteArray()).isEqualTo(b);
        }
    }

    static Stream<String> codecNames() {
        return TestData.CODECS.stream();
    }

    @Test
    void zstdConcatenatedFramesAreReadWhateverTheFirstReadCanHold() throws IOException {
        ZstdCodec zstd = new ZstdCodec();
        byte[] first = TestData.compressible(50_000, 1);
        byte[] second = TestData.incompressible(20_000, 2);
        ByteArrayOutputStream both = new ByteArrayOutputStream();
        both.write(TestData.josefCompress(zstd, 3, first));
        both.write(TestData.josefCompress(zstd, 3, second));
        byte[] expected = new byte[first.length + second.length];
        System.arraycopy(first, 0, expected, 0, first.length);
        System.arraycopy(second, 0, expected, first.length, second.length);
        // Room for the first frame only (streamed frame by frame), then for both at once.
        for (int firstRead : new int[] {first.length, expected.length}) {
            try (InputStream in = zstd.decompress(ByteBuffer.wrap(both.toByteArray()))) {
                assertThat(in.available()).as("both frames declare their sizes").isEqualTo(expected.length);
                byte[] out = new byte[expected.length];
                int n = in.read(out, 0, firstRead);
                while (n >= 0 && n < expected.length) {
                    int more = in.read(out, n, out.length - n);
                    if (more < 0) {
                        break;
                    }
                    n += more;
                }
                assertThat(n).isEqualTo(expected.length);
                assertThat(out).isEqualTo(expected);
                assertThat(in.read()).isEqualTo(-1);
            }
        }
    }

    @Test
    void installedCodecsAreFoundByNameAndId() {
        CompressionCodecs codecs = CompressionCodecs.installed();
        assertThat(codecs.byName("snappy")).isInstanceOf(SnappyCodec.class);
        assertThat(codecs.byName("lz4")).isInstanceOf(Lz4Codec.class);
        assertThat(codecs.byName("zstd")).isInstanceOf(ZstdCodec.class);
        assertThat(codecs.byId(2).name()).isEqualTo("snappy");
        assertThat(codecs.byId(3).name()).isEqualTo("lz4");
        assertThat(codecs.byId(4).name()).isEqualTo("zstd");
    }

    @Test
    void framesStartTheWayKafkaWritesThem() {
        byte[] lz4 = TestData.josefCompress(new Lz4Codec(), 9, new byte[] {1, 2, 3});
        // Magic 0x184D2204 little-endian, FLG 0x60, BD 0x40, header checksum 0x82: Kafka's exact header.
        assertThat(HexFormat.of().formatHex(lz4, 0, 7)).isEqualTo("04224d18604082");
        byte[] snappy = TestData.josefCompress(new SnappyCodec(), 0, new byte[] {1, 2, 3});
        assertThat(HexFormat.of().formatHex(snappy, 0, 16)).isEqualTo("82534e41505059000000000100000001");
        byte[] zstd = TestData.josefCompress(new ZstdCodec(), 3, new byte[] {1, 2, 3});
        assertThat(HexFormat.of().formatHex(zstd, 0, 4)).isEqualTo("28b52ffd");
    }

    @Test
    void levelsFollowKafkasRangesAndSayWhenOutside() {
        assertThat(new SnappyCodec().isValidLevel(0)).isTrue();
        assertThat(new SnappyCodec().isValidLevel(1)).isFalse();
        assertThat(new Lz4Codec().defaultLevel()).isEqualTo(9);
        assertThat(new Lz4Codec().isValidLevel(1)).isTrue();
        assertThat(new Lz4Codec().isValidLevel(17)).isTrue();
        assertThat(new Lz4Codec().isValidLevel(18)).isFalse();
        assertThat(new ZstdCodec().defaultLevel()).isEqualTo(3);
        assertThat(new ZstdCodec().isValidLevel(-131072)).isTrue();
        assertThat(new ZstdCodec().isValidLevel(22)).isTrue();
        assertThat(new ZstdCodec().isValidLevel(23)).isFalse();
        assertThatThrownBy(() -> new Lz4Codec().compress(new ByteArrayOutputStream(), 18))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("lz4 level 18 is outside 1..17");
        assertThatThrownBy(() -> new SnappyCodec().compress(new ByteArrayOutputStream(), 3))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("snappy has no compression levels");
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("codecNames")
    void closedStreamsRefuseFurtherUse(String name) throws IOException {
        CompressionCodec codec = TestData.josef(name);
        OutputStream out = codec.compress(new ByteArrayOutputStream(), codec.defaultLevel());
        out.close();
        out.close();
        assertThatThrownBy(() -> out.write(new byte[10])).isInstanceOf(IOException.class).hasMessageContaining("closed");
        InputStream in = codec.decompress(ByteBuffer.wrap(TestData.josefCompress(codec, codec.defaultLevel(), new byte[10])));
        in.close();
        assertThatThrownBy(() -> in.read(new byte[10])).isInstanceOf(IOException.class).hasMessageContaining("closed");
    }
}
