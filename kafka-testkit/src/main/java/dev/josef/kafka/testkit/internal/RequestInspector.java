package dev.josef.kafka.testkit.internal;

import dev.josef.kafka.protocol.ApiKey;
import dev.josef.kafka.protocol.Uuid;
import dev.josef.kafka.protocol.internal.WireReader;
import dev.josef.kafka.protocol.internal.WireWriter;
import dev.josef.kafka.protocol.message.ApiMessage;
import dev.josef.kafka.protocol.message.ApiMessages;
import dev.josef.kafka.protocol.message.FetchRequest;
import dev.josef.kafka.protocol.message.ProduceRequest;
import dev.josef.kafka.protocol.message.RequestHeader;

import java.nio.ByteBuffer;
import java.util.function.Function;

/** What the proxy needs to know about a request before it forwards it. */
final class RequestInspector {
    private static final System.Logger LOG = System.getLogger(RequestInspector.class.getName());
    /** Where a magic v2 batch keeps its CRC-32C. */
    private static final int CRC_OFFSET = 17;

    private RequestInspector() {
    }

    /**
     * The request body, or null if it does not decode (a version newer than
     * Josef's specs, or a malformed frame, which the broker will judge itself).
     */
    static ApiMessage decode(ApiKey apiKey, short version, byte[] frame) {
        if (!apiKey.isVersionSupported(version)) {
            return null;
        }
        try {
            WireReader reader = new WireReader(ByteBuffer.wrap(frame));
            RequestHeader.read(reader, apiKey.requestHeaderVersion(version));
            return ApiMessages.readRequest(apiKey, reader, version);
        } catch (RuntimeException e) {
            LOG.log(System.Logger.Level.DEBUG, "cannot decode {0} v{1} request: {2}", apiKey.title(), version, e.toString());
            return null;
        }
    }

    /**
     * {@code frame} again with the records of every partition {@code rule}
     * matches damaged so the broker refuses them: a byte of the first batch's CRC
     * is flipped, and a batch failing its CRC is never appended. Null when no
     * partition matches.
     */
    static byte[] refuseRecords(FaultRule rule, short version, byte[] frame, ProduceRequest decoded,
                                Function<Uuid, String> topicNames) {
        boolean any = false;
        for (ProduceRequest.TopicProduceData topic : decoded.topicData()) {
            if (rule.matchesTopic(topic.name(), topic.topicId(), topicNames)) {
                for (ProduceRequest.PartitionProduceData partition : topic.partitionData()) {
                    ByteBuffer records = partition.records();
                    if (rule.matchesPartition(partition.index()) && records != null && records.remaining() > CRC_OFFSET) {
                        byte[] copy = new byte[records.remaining()];
                        records.duplicate().get(copy);
                        copy[CRC_OFFSET] ^= (byte) 0xFF;
                        partition.setRecords(ByteBuffer.wrap(copy));
                        any = true;
                    }
                }
            }
        }
        if (!any) {
            return null;
        }
        short headerVersion = ApiKey.PRODUCE.requestHeaderVersion(version);
        RequestHeader header = RequestHeader.read(new WireReader(ByteBuffer.wrap(frame)), headerVersion);
        ByteBuffer out = ByteBuffer.allocate(header.size(headerVersion) + decoded.size(version));
        WireWriter writer = new WireWriter(out);
        header.write(writer, headerVersion);
        decoded.write(writer, version);
        return out.array();
    }

    /** Whether the broker answers; Produce with acks=0 is the one request that gets no response. */
    static boolean expectsResponse(ApiMessage request) {
        return !(request instanceof ProduceRequest produce) || produce.acks() != 0;
    }

    /** Whether {@code request} names a partition the rule targets. */
    static boolean matches(FaultRule rule, ApiMessage request, Function<Uuid, String> topicNames) {
        if (!rule.filtersPartitions()) {
            return true;
        }
        if (request instanceof ProduceRequest produce) {
            for (ProduceRequest.TopicProduceData topic : produce.topicData()) {
                if (rule.matchesTopic(topic.name(), topic.topicId(), topicNames)) {
                    for (ProduceRequest.PartitionProduceData partition : topic.partitionData()) {
                        if (rule.matchesPartition(partition.index())) {
                            return true;
                        }
                    }
                }
            }
            return false;
        }
        if (request instanceof FetchRequest fetch) {
            // An incremental fetch (KIP-227) names only the partitions that changed,
            // so a filtered rule may wait for a fetch that names its partition.
            for (FetchRequest.FetchTopic topic : fetch.topics()) {
                if (rule.matchesTopic(topic.topic(), topic.topicId(), topicNames)) {
                    for (FetchRequest.FetchPartition partition : topic.partitions()) {
                        if (rule.matchesPartition(partition.partition())) {
                            return true;
                        }
                    }
                }
            }
            return false;
        }
        return false;
    }
}
