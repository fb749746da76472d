package dev.josef.kafka.cli;

import dev.josef.kafka.protocol.ApiKey;
import dev.josef.kafka.protocol.CompressionCodecs;
import dev.josef.kafka.protocol.Header;
import dev.josef.kafka.protocol.Record;
import dev.josef.kafka.protocol.RecordBatch;
import dev.josef.kafka.protocol.RecordBatchBuilder;
import dev.josef.kafka.protocol.RecordBatchReader;
import dev.josef.kafka.protocol.Uuid;
import dev.josef.kafka.protocol.internal.WireReader;
import dev.josef.kafka.protocol.message.ApiMessage;
import dev.josef.kafka.protocol.message.ApiMessages;
import dev.josef.kafka.protocol.message.ProduceRequest;
import dev.josef.kafka.protocol.message.RequestFrames;
import dev.josef.kafka.protocol.message.RequestHeader;

import java.io.PrintStream;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.List;

/**
 * {@code josef demo}. Until Josef's network layer exists, it shows the protocol
 * layer end to end without a broker: keyed records become a record batch, the
 * batch goes into a Produce request, the request becomes a size-prefixed frame
 * exactly as it would go on the wire, and the frame is decoded back.
 */
final class DemoCommand {
    private static final Uuid TOPIC_ID = Uuid.fromString("Sm9zZWYtZGVtby10b3BpYw");
    private static final String CLIENT_ID = "josef-demo";

    private DemoCommand() {
    }

    static int run(String[] args, PrintStream out, PrintStream err) {
        for (String arg : args) {
            if (arg.equals("-h") || arg.equals("--help")) {
                out.println("usage: josef demo");
                out.println("Builds a record batch and a Produce request, encodes the frame, decodes it back, and prints both.");
                return Josef.OK;
            }
            err.println("josef demo: unknown option '" + arg + "'");
            err.println("usage: josef demo");
            return Josef.USAGE;
        }
        out.println("Josef demo: the protocol layer on its own (no broker needed yet)");
        out.println();

        long now = System.currentTimeMillis();
        RecordBatchBuilder builder = new RecordBatchBuilder(512);
        String[][] keyed = {{"user-1", "login"}, {"user-2", "add-to-cart"}, {"user-1", "checkout"}};
        for (int i = 0; i < keyed.length; i++) {
            builder.append(now + i, utf8(keyed[i][0]), utf8(keyed[i][1]), List.of(Header.of("source", "demo")));
        }
        ByteBuffer batchBytes = builder.build();
        RecordBatch batch = RecordBatchReader.defaults().batches(batchBytes).next();
        out.printf("record batch   %d records, %d bytes, magic v%d, CRC-32C %08x (%s)%n",
                batch.recordCount(), batch.sizeInBytes(), batch.magic(), batch.checksum(),
                batch.isValid() ? "verified" : "MISMATCH");
        for (Record r : batch.records()) {
            out.printf("  offset %d  key=%s  value=%s  headers=%s%n",
                    r.offset(), text(r.key()), text(r.value()), r.headers().size());
        }

        RecordBatchBuilder gzip = new RecordBatchBuilder(512).compression(CompressionCodecs.gzip());
        for (int i = 0; i < keyed.length; i++) {
            gzip.append(now + i, utf8(keyed[i][0]), utf8(keyed[i][1]), List.of(Header.of("source", "demo")));
        }
        RecordBatch gzipBatch = RecordBatchReader.defaults().batches(gzip.build()).next();
        out.printf("gzip batch     %d bytes, decodes to the same records: %s%n",
                gzipBatch.sizeInBytes(), gzipBatch.records().equals(batch.records()));

        ApiKey api = ApiKey.PRODUCE;
        short version = api.latestStableVersion();
        // From Produce v13 topics go by id (KIP-516); a producer learns the id from Metadata.
        ProduceRequest request = new ProduceRequest().setAcks((short) -1).setTimeoutMs(30_000);
        request.topicData().add(new ProduceRequest.TopicProduceData()
                .setTopicId(TOPIC_ID)
                .setPartitionData(List.of(new ProduceRequest.PartitionProduceData().setIndex(0).setRecords(batchBytes))));
        short headerVersion = api.requestHeaderVersion(version);
        int correlationId = 1;
        ByteBuffer frame = RequestFrames.encode(request, version, correlationId, CLIENT_ID);
        out.printf("produce frame  %d bytes: Produce v%d (versions %d-%d), request header v%d, correlation id %d%n",
                frame.remaining(), version, api.lowestVersion(), api.highestVersion(), headerVersion, correlationId);

        WireReader reader = new WireReader(frame.duplicate());
        int frameSize = reader.readInt();
        RequestHeader readHeader = RequestHeader.read(reader, (short) 2);
        ApiKey readApi = ApiKey.forId(readHeader.requestApiKey());
        ApiMessage body = ApiMessages.readRequest(readApi, reader, readHeader.requestApiVersion());
        ProduceRequest decoded = (ProduceRequest) body;
        ByteBuffer records = decoded.topicData().get(0).partitionData().get(0).records();
        RecordBatch decodedBatch = RecordBatchReader.defaults().batches(records).next();
        out.printf("decoded        %d-byte frame: %s v%d from client '%s', acks=%d, topic id %s, %d records, equal: %s%n",
                frameSize, readApi.title(), readHeader.requestApiVersion(), readHeader.clientId(),
                decoded.acks(), decoded.topicData().get(0).topicId(), decodedBatch.recordCount(),
                decoded.equals(request) && decodedBatch.records().equals(batch.records()));
        out.println();
        out.printf("Josef speaks %d Kafka APIs; this build knows the codecs %s.%n",
                ApiKey.values().length, CompressionCodecs.installed().codecs().stream()
                        .map(c -> c.name()).toList());
        return Josef.OK;
    }

    private static byte[] utf8(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    private static String text(byte[] bytes) {
        return bytes == null ? "null" : new String(bytes, StandardCharsets.UTF_8);
    }
}
