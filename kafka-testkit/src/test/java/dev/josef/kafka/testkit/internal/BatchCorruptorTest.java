package dev.josef.kafka.testkit.internal;

import dev.josef.kafka.protocol.CompressionCodecs;
import dev.josef.kafka.protocol.ProtocolException;
import dev.josef.kafka.protocol.RecordBatch;
import dev.josef.kafka.protocol.RecordBatchBuilder;
import dev.josef.kafka.protocol.RecordBatchReader;
import org.junit.jupiter.api.Test;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.Iterator;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class BatchCorruptorTest {

    private static ByteBuffer batch(boolean gzip, long baseOffset) {
        RecordBatchBuilder builder = new RecordBatchBuilder(1024).baseOffset(baseOffset);
        if (gzip) {
            builder.compression(CompressionCodecs.gzip());
        }
        for (int i = 0; i < 5; i++) {
            builder.append(1_700_000_000_000L + i, null, ("value-" + i).getBytes(StandardCharsets.UTF_8));
        }
        return builder.build();
    }

    /** Two batches back to back, as a fetch response carries them. */
    private static ByteBuffer twoBatches(boolean gzip) {
        ByteBuffer first = batch(gzip, 0);
        ByteBuffer second = batch(gzip, 5);
        return ByteBuffer.allocate(first.remaining() + second.remaining()).put(first).put(second).flip();
    }

    private static RecordBatch[] read(ByteBuffer records) {
        RecordBatchReader reader = RecordBatchReader.builder().verifyChecksums(false).build();
        Iterator<RecordBatch> it = reader.batches(records);
        return new RecordBatch[] {it.next(), it.next()};
    }

    @Test
    void breakCrcFailsTheFirstBatchsChecksumOnly() {
        ByteBuffer records = twoBatches(false);
        ByteBuffer original = records.duplicate();

        RecordBatch[] batches = read(BatchCorruptor.breakCrc(records));

        assertThat(batches[0].isValid()).isFalse();
        assertThat(batches[1].isValid()).isTrue();
        assertThat(records).as("the input is left alone").isEqualTo(original);
    }

    @Test
    void garblePayloadKeepsTheChecksumValidButTheCompressedBatchWillNotDecode() {
        RecordBatch[] batches = read(BatchCorruptor.garblePayload(twoBatches(true)));

        assertThat(batches[0].compressionId()).isEqualTo((byte) 1);
        assertThat(batches[0].isValid()).isTrue();
        assertThatThrownBy(batches[0]::records).isInstanceOf(ProtocolException.class);
        assertThat(batches[1].isValid()).isTrue();
        assertThat(batches[1].records()).hasSize(5);
    }

    @Test
    void garblePayloadMakesAnUncompressedBatchUnparseable() {
        RecordBatch[] batches = read(BatchCorruptor.garblePayload(twoBatches(false)));

        assertThat(batches[0].isValid()).isTrue();
        assertThatThrownBy(batches[0]::records).isInstanceOf(ProtocolException.class);
    }

    @Test
    void nothingToDamageWithoutACompleteV2Batch() {
        ByteBuffer whole = batch(false, 0);
        ByteBuffer partial = whole.duplicate().limit(whole.remaining() - 1);

        assertThat(BatchCorruptor.breakCrc(partial)).isNull();
        assertThat(BatchCorruptor.garblePayload(ByteBuffer.allocate(0))).isNull();
    }
}
