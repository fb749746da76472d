package dev.josef.kafka.protocol;

import org.junit.jupiter.api.Test;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class RecordCursorTest {

    private static ByteBuffer batch() {
        return new RecordBatchBuilder(256)
                .baseOffset(100)
                .append(1_000L, bytes("k1"), bytes("v1"), List.of(Header.of("h", "x")))
                .append(1_005L, null, bytes("v2"))
                .append(1_010L, bytes("k3"), null)
                .build();
    }

    @Test
    void cursorReadsTheSameRecordsAsRecordsWithoutCopying() {
        RecordBatch batch = RecordBatchReader.defaults().batches(batch()).next();
        List<Record> viaCursor = new ArrayList<>();
        RecordCursor cursor = batch.cursor();
        while (cursor.next()) {
            viaCursor.add(cursor.toRecord());
        }
        assertThat(viaCursor).isEqualTo(batch.records());
        assertThat(viaCursor).extracting(Record::offset).containsExactly(100L, 101L, 102L);
        assertThat(viaCursor).extracting(Record::timestamp).containsExactly(1_000L, 1_005L, 1_010L);

        RecordCursor again = batch.cursor();
        assertThat(again.next()).isTrue();
        ByteBuffer value = again.value();
        assertThat(value.isReadOnly()).isTrue();
        assertThat(StandardCharsets.UTF_8.decode(value).toString()).isEqualTo("v1");
        assertThat(again.headerCount()).isEqualTo(1);
        assertThat(again.headers()).containsExactly(Header.of("h", "x"));
        assertThat(again.next()).isTrue();
        assertThat(again.keySize()).isEqualTo(-1);
        assertThat(again.key()).isNull();
        assertThat(again.next()).isTrue();
        assertThat(again.valueSize()).isEqualTo(-1);
        assertThat(again.value()).isNull();
        assertThat(again.next()).isFalse();
    }

    @Test
    void readingBeforeNextIsAnError() {
        RecordCursor cursor = RecordBatchReader.defaults().batches(batch()).next().cursor();
        assertThatThrownBy(cursor::offset).isInstanceOf(IllegalStateException.class);
    }

    @Test
    void aRecordWhoseValueRunsPastItsBodyFailsAtNextWithTheBatchOffsets() {
        ByteBuffer bytes = batch();
        // The first record starts right after the 61-byte header: body-size varint,
        // attributes, timestamp delta, offset delta, key length 2, key, value length.
        int valueLength = 61 + 1 + 1 + 1 + 1 + 1 + 2;
        bytes.put(valueLength, (byte) 100); // zigzag 50: far more than the record holds
        RecordBatch batch = RecordBatchReader.builder().verifyChecksums(false).build().batches(bytes).next();
        RecordCursor cursor = batch.cursor();
        assertThatThrownBy(cursor::next)
                .isInstanceOf(ProtocolException.class)
                .hasMessageContaining("offsets 100..102")
                .hasMessageContaining("record 0")
                .hasMessageContaining("value length 50");
    }

    private static byte[] bytes(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }
}
