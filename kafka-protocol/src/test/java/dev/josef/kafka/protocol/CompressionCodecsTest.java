package dev.josef.kafka.protocol;

import dev.josef.kafka.protocol.internal.ByteBufferInputStream;
import dev.josef.kafka.protocol.spi.CompressionCodec;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.FilterOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.URL;
import java.net.URLClassLoader;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Iterator;
import java.util.List;
import java.util.NoSuchElementException;
import java.util.ServiceConfigurationError;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class CompressionCodecsTest {

    /** A stand-in for a provider's codec: id 7, bytes inverted, so it cannot pass for "none". */
    public static final class InvertingCodec implements CompressionCodec {
        @Override
        public byte id() {
            return 7;
        }

        @Override
        public String name() {
            return "invert";
        }

        @Override
        public OutputStream compress(OutputStream out, int level) {
            return new FilterOutputStream(out) {
                @Override
                public void write(int b) throws IOException {
                    out.write(~b);
                }
            };
        }

        @Override
        public InputStream decompress(ByteBuffer compressed) {
            InputStream in = new ByteBufferInputStream(compressed);
            return new InputStream() {
                @Override
                public int read() throws IOException {
                    int b = in.read();
                    return b < 0 ? b : ~b & 0xFF;
                }
            };
        }
    }

    /** A provider whose construction fails, as one with a missing dependency would. */
    public static final class BrokenCodec implements CompressionCodec {
        public BrokenCodec() {
            throw new IllegalStateException("native library missing");
        }

        @Override
        public byte id() {
            return 5;
        }

        @Override
        public String name() {
            return "broken";
        }

        @Override
        public OutputStream compress(OutputStream out, int level) {
            return out;
        }

        @Override
        public InputStream decompress(ByteBuffer compressed) {
            return InputStream.nullInputStream();
        }
    }

    /** Claims gzip's id: the built-in must win. */
    public static class ImpostorGzip implements CompressionCodec {
        @Override
        public byte id() {
            return 1;
        }

        @Override
        public String name() {
            return "gzip";
        }

        @Override
        public OutputStream compress(OutputStream out, int level) {
            return out;
        }

        @Override
        public InputStream decompress(ByteBuffer compressed) {
            return InputStream.nullInputStream();
        }
    }

    @Test
    void noneAndGzipAreAlwaysThere() {
        for (CompressionCodecs codecs : List.of(CompressionCodecs.installed(), CompressionCodecs.of())) {
            assertThat(codecs.byId(0).name()).isEqualTo("none");
            assertThat(codecs.byId(1).name()).isEqualTo("gzip");
            assertThat(codecs.byName("GZIP")).isSameAs(CompressionCodecs.gzip());
            assertThat(codecs.byName("none")).isSameAs(CompressionCodecs.none());
        }
    }

    @Test
    void unknownIdOrNameIsRefusedNamingItAndTheKnownCodecs() {
        CompressionCodecs codecs = CompressionCodecs.of();

        assertThatThrownBy(() -> codecs.byId(4)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("id 4 (zstd)")
                .hasMessageContaining("[none(0), gzip(1)]")
                .hasMessageContaining("kafka-compression");
        assertThatThrownBy(() -> codecs.byId(-3)).hasMessageContaining("id -3");
        assertThatThrownBy(() -> codecs.byName("brotli")).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("'brotli'")
                .hasMessageContaining("[none(0), gzip(1)]");
        assertThat(codecs.supports(2)).isFalse();
        assertThat(codecs.supports(1)).isTrue();
    }

    @Test
    void gzipLevelsAreKafkas() {
        CompressionCodec gzip = CompressionCodecs.gzip();

        assertThat(gzip.defaultLevel()).isEqualTo(-1);
        assertThat(gzip.isValidLevel(-1)).isTrue();
        assertThat(gzip.isValidLevel(1)).isTrue();
        assertThat(gzip.isValidLevel(9)).isTrue();
        assertThat(gzip.isValidLevel(0)).isFalse();
        assertThat(gzip.isValidLevel(10)).isFalse();
        assertThat(CompressionCodecs.none().isValidLevel(0)).isTrue();
        assertThat(CompressionCodecs.none().isValidLevel(3)).isFalse();
    }

    @Test
    void providersAreDiscoveredAndBrokenOnesSkipped(@TempDir Path dir) throws Exception {
        Path services = dir.resolve("META-INF/services");
        Files.createDirectories(services);
        Files.writeString(services.resolve(CompressionCodec.class.getName()), String.join("\n",
                BrokenCodec.class.getName(),
                "dev.josef.kafka.protocol.NoSuchCodec",
                ImpostorGzip.class.getName(),
                InvertingCodec.class.getName()), StandardCharsets.UTF_8);

        CompressionCodecs codecs;
        try (URLClassLoader loader = new URLClassLoader(new URL[] {dir.toUri().toURL()},
                getClass().getClassLoader())) {
            codecs = CompressionCodecs.load(loader);
        }

        assertThat(codecs.codecs()).extracting(CompressionCodec::name).containsExactly("none", "gzip", "invert");
        assertThat(codecs.byId(1)).isSameAs(CompressionCodecs.gzip());
        assertThat(codecs.byName("invert")).isInstanceOf(InvertingCodec.class);
    }

    @Test
    void discoveryGivesUpOnAProviderIteratorThatFailsForever() {
        Iterator<CompressionCodec> failing = new Iterator<>() {
            @Override
            public boolean hasNext() {
                throw new ServiceConfigurationError("always broken");
            }

            @Override
            public CompressionCodec next() {
                throw new NoSuchElementException();
            }
        };

        assertThat(CompressionCodecs.discover(failing).codecs()).hasSize(2);
    }

    @Test
    void explicitCodecsAreUsedForWritingAndReading() {
        CompressionCodecs codecs = CompressionCodecs.of(new InvertingCodec());
        ByteBuffer batch = new RecordBatchBuilder(64).compression(codecs.byName("invert"))
                .append(5L, "k".getBytes(StandardCharsets.UTF_8), "v".getBytes(StandardCharsets.UTF_8))
                .build();
        RecordBatchReader reader = RecordBatchReader.builder().codecs(codecs).build();

        RecordBatch read = reader.batches(batch).next();

        assertThat(read.compressionId()).isEqualTo((byte) 7);
        assertThat(read.records()).singleElement().extracting(Record::value)
                .isEqualTo("v".getBytes(StandardCharsets.UTF_8));
        assertThatThrownBy(() -> RecordBatchReader.defaults().batches(batch).next().records())
                .isInstanceOf(ProtocolException.class).hasMessageContaining("id 7");
    }

    @Test
    void explicitCodecsMustBeCoherent() {
        assertThatThrownBy(() -> CompressionCodecs.of(new ImpostorGzip() {
            @Override
            public byte id() {
                return 6;
            }
        })).isInstanceOf(IllegalArgumentException.class).hasMessageContaining("gzip");
        CompressionCodec replacement = new ImpostorGzip();
        assertThat(CompressionCodecs.of(replacement).byId(1)).isSameAs(replacement);
    }
}
