package dev.josef.kafka.protocol;

import org.junit.jupiter.api.Test;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** One buffer decompresses batch after batch: the same records as without it, in memory kept between them. */
class DecodeBufferTest {

    private static ByteBuffer gzipBatch(long base, int records, int valueSize) {
        RecordBatchBuilder b = new RecordBatchBuilder(1024).baseOffset(base)
                .compression(CompressionCodecs.installed().byName("gzip"));
        for (int i = 0; i < records; i++) {
            b.append(1000 + i, ("k" + i).getBytes(StandardCharsets.UTF_8),
                    ("v" + base + "-" + i + "-" + "x".repeat(valueSize)).getBytes(StandardCharsets.UTF_8));
        }
        return b.build();
    }

    private static List<Record> read(RecordCursor cursor) {
        List<Record> out = new ArrayList<>();
        while (cursor.next()) {
            out.add(cursor.toRecord());
        }
        return out;
    }

    @Test
    void batchesDecodedIntoOneBufferReadAsWithoutIt() {
        DecodeBuffer buffer = new DecodeBuffer();
        for (ByteBuffer batch : List.of(gzipBatch(0, 10, 10), gzipBatch(10, 200, 300), gzipBatch(210, 3, 5))) {
            RecordBatch b = RecordBatchReader.defaults().batches(batch).next();
            assertThat(read(b.cursor(buffer))).isEqualTo(b.records());
        }
        assertThat(buffer.capacity()).as("kept for the next batch").isGreaterThan(200 * 300);
    }

    @Test
    void theDecompressionCapHoldsWithAReusedBuffer() {
        DecodeBuffer buffer = new DecodeBuffer();
        RecordBatchReader capped = RecordBatchReader.builder().maxDecompressedBytes(4096).build();
        RecordBatch small = capped.batches(gzipBatch(0, 10, 10)).next();
        assertThat(read(small.cursor(buffer))).hasSize(10);
        RecordBatch big = capped.batches(gzipBatch(10, 200, 300)).next();
        assertThatThrownBy(() -> big.cursor(buffer)).isInstanceOf(ProtocolException.class)
                .hasMessageContaining("4096");
    }
}
