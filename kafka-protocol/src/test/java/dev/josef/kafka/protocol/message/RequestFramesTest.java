package dev.josef.kafka.protocol.message;

import dev.josef.kafka.protocol.ApiKey;
import dev.josef.kafka.protocol.RecordBatchBuilder;
import org.junit.jupiter.api.Test;

import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

class RequestFramesTest {

    private static ByteBuffer batch(int valueSize) {
        return new RecordBatchBuilder(0).append(1L, new byte[] {1}, new byte[valueSize]).build();
    }

    private static ProduceRequest produce(ByteBuffer... batches) {
        List<ProduceRequest.PartitionProduceData> partitions = new ArrayList<>();
        for (int i = 0; i < batches.length; i++) {
            partitions.add(new ProduceRequest.PartitionProduceData().setIndex(i).setRecords(batches[i]));
        }
        return new ProduceRequest().setAcks((short) -1).setTimeoutMs(30_000).setTopicData(List.of(
                new ProduceRequest.TopicProduceData().setName("orders").setPartitionData(partitions)));
    }

    private static byte[] joined(ByteBuffer[] pieces) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        for (ByteBuffer piece : pieces) {
            byte[] bytes = new byte[piece.remaining()];
            piece.duplicate().get(bytes);
            out.writeBytes(bytes);
        }
        return out.toByteArray();
    }

    private static byte[] bytes(ByteBuffer buffer) {
        byte[] bytes = new byte[buffer.remaining()];
        buffer.duplicate().get(bytes);
        return bytes;
    }

    @Test
    void gatheredPiecesAreTheSameBytesAsTheCopiedFrameAndShareTheBatches() {
        ByteBuffer large = batch(5000);
        ByteBuffer small = batch(10);
        ByteBuffer other = batch(3000);
        for (short version : new short[] {3, 9, ApiKey.PRODUCE.latestStableVersion()}) {
            ProduceRequest request = produce(large, small, other);

            ByteBuffer[] pieces = RequestFrames.encodeGathering(request, version, 7, "client");

            assertThat(joined(pieces)).isEqualTo(bytes(RequestFrames.encode(request, version, 7, "client")));
            // Header, the large batch, the middle (the small batch copied in), the other batch, and the
            // tagged fields behind it in flexible versions.
            assertThat(pieces).hasSize(version >= 9 ? 5 : 4);
            assertThat(pieces[1].array()).isSameAs(large.array());
            assertThat(pieces[3].array()).isSameAs(other.array());
            assertThat(large.remaining()).as("the batch's own position does not move").isEqualTo(large.limit());
        }
    }

    @Test
    void requestsWithoutLargeBatchesAreOnePiece() {
        ByteBuffer[] produce = RequestFrames.encodeGathering(produce(batch(10)), (short) 9, 1, "c");
        ByteBuffer[] metadata = RequestFrames.encodeGathering(new MetadataRequest(), (short) 12, 1, "c");

        assertThat(produce).hasSize(1);
        assertThat(metadata).hasSize(1);
        assertThat(bytes(metadata[0])).isEqualTo(bytes(RequestFrames.encode(new MetadataRequest(), (short) 12, 1, "c")));
    }
}
