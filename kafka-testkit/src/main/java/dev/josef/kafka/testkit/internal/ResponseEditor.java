package dev.josef.kafka.testkit.internal;

import dev.josef.kafka.protocol.ApiKey;
import dev.josef.kafka.protocol.internal.WireReader;
import dev.josef.kafka.protocol.internal.WireWriter;
import dev.josef.kafka.protocol.message.ApiMessage;
import dev.josef.kafka.protocol.message.ApiMessages;
import dev.josef.kafka.protocol.message.DescribeClusterResponse;
import dev.josef.kafka.protocol.message.FetchResponse;
import dev.josef.kafka.protocol.message.FindCoordinatorResponse;
import dev.josef.kafka.protocol.message.ListOffsetsResponse;
import dev.josef.kafka.protocol.message.MetadataResponse;
import dev.josef.kafka.protocol.message.ProduceResponse;
import dev.josef.kafka.protocol.message.ResponseHeader;
import dev.josef.kafka.protocol.message.ShareAcknowledgeResponse;
import dev.josef.kafka.protocol.message.ShareFetchResponse;
import dev.josef.kafka.testkit.internal.FaultRule.Corruption;
import dev.josef.kafka.testkit.internal.FaultRule.Drop;
import dev.josef.kafka.testkit.internal.Frames.BadFrameException;

import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;

/**
 * Turns one broker response into what the client gets: broker addresses
 * rewritten to the proxy's, and the effects of every rule that fires on it.
 *
 * <p>A response that no rule touches and that carries no broker address is
 * forwarded as the broker's bytes. Otherwise it is decoded with kafka-protocol,
 * edited, and encoded again at the version the client asked for; if nothing ended
 * up changing, the original bytes still go out.
 *
 * <p>Stateless apart from the server it reports to; called by each connection's
 * response thread.
 */
final class ResponseEditor {
    private static final System.Logger LOG = System.getLogger(ResponseEditor.class.getName());
    private static final ByteBuffer NO_RECORDS = ByteBuffer.allocate(0);

    /** What to send: {@code frame} after {@code delayNanos}, unless {@code drop} says otherwise. */
    record Outcome(byte[] frame, long delayNanos, Drop drop) {
    }

    private final ProxyServer server;

    ResponseEditor(ProxyServer server) {
        this.server = server;
    }

    /**
     * @param refusal the rule that made the broker refuse records of this exchange's
     *                request (it fired then); its error and delay apply here. Usually null.
     */
    Outcome edit(ApiKey apiKey, short version, byte[] frame, FaultRule refusal) throws BadFrameException {
        List<FaultRule> rules = server.responseRules(apiKey);
        boolean addresses = carriesBrokerAddresses(apiKey, version);
        if (rules.isEmpty() && !addresses && refusal == null) {
            return new Outcome(frame, 0, Drop.NONE);
        }
        boolean decode = addresses || refusal != null;
        for (FaultRule rule : rules) {
            decode |= rule.needsDecodedResponse();
        }
        short headerVersion = apiKey.responseHeaderVersion(version);
        ResponseHeader header = null;
        ApiMessage body = null;
        if (decode) {
            try {
                WireReader reader = new WireReader(ByteBuffer.wrap(frame));
                header = ResponseHeader.read(reader, headerVersion);
                body = ApiMessages.readResponse(apiKey, reader, version);
            } catch (RuntimeException e) {
                String reason = "cannot decode " + apiKey.title() + " v" + version + " response: " + e.getMessage();
                if (addresses) {
                    // Forwarding it would hand the client the broker's real address,
                    // and from then on its traffic would bypass the proxy.
                    throw new BadFrameException(reason);
                }
                LOG.log(System.Logger.Level.WARNING, "{0}; forwarding it unchanged, rules that need its content skip it", reason);
            }
        }

        boolean changed = body != null && addresses && rewriteAddresses(body);
        long delayNanos = 0;
        Drop drop = Drop.NONE;
        for (FaultRule rule : rules) {
            boolean fired;
            if (rule.needsDecodedResponse()) {
                if (body == null) {
                    continue;
                }
                fired = apply(rule, apiKey, version, body);
                changed |= fired && rule.editsResponse();
            } else {
                fired = rule.tryFire();
            }
            if (!fired) {
                continue;
            }
            LOG.log(System.Logger.Level.DEBUG, "{0} fired on a {1} v{2} response", rule, apiKey.title(), version);
            delayNanos += rule.spec().delay().toNanos();
            if (drop == Drop.NONE) {
                drop = rule.spec().drop();
            }
        }
        if (refusal != null && body instanceof ProduceResponse produce) {
            List<ProduceResponse.PartitionProduceResponse> targets = produceTargets(refusal, produce);
            if (refusal.spec().error() != null && !targets.isEmpty()) {
                editProduce(refusal.spec(), targets, produce);
                changed = true;
            }
            delayNanos += refusal.spec().delay().toNanos();
        }
        if (!changed) {
            return new Outcome(frame, delayNanos, drop);
        }
        ByteBuffer out = ByteBuffer.allocate(header.size(headerVersion) + body.size(version));
        WireWriter writer = new WireWriter(out);
        header.write(writer, headerVersion);
        body.write(writer, version);
        return new Outcome(out.array(), delayNanos, drop);
    }

    /**
     * The responses a client learns broker addresses from: Metadata, FindCoordinator,
     * DescribeCluster, and the leader hints (KIP-951) in Produce v10+, Fetch v16+
     * and the share-group responses. Raft responses (Vote, DescribeQuorum, …) carry
     * controller endpoints, which clients never connect to through a broker, and
     * the Streams group responses carry application endpoints, not brokers.
     */
    static boolean carriesBrokerAddresses(ApiKey apiKey, short version) {
        switch (apiKey) {
            case METADATA:
            case FIND_COORDINATOR:
            case DESCRIBE_CLUSTER:
            case SHARE_FETCH:
            case SHARE_ACKNOWLEDGE:
                return true;
            case PRODUCE:
                return version >= 10;
            case FETCH:
                return version >= 16;
            default:
                return false;
        }
    }

    /** Points every broker address in {@code body} at the proxy; true if any was there. */
    private boolean rewriteAddresses(ApiMessage body) {
        boolean changed = false;
        if (body instanceof MetadataResponse metadata) {
            for (MetadataResponse.MetadataResponseBroker broker : metadata.brokers()) {
                ProxyServer.Address local = server.localAddress(broker.host(), broker.port());
                broker.setHost(local.host()).setPort(local.port());
                changed = true;
            }
            for (MetadataResponse.MetadataResponseTopic topic : metadata.topics()) {
                server.learnTopic(topic.topicId(), topic.name());
            }
        } else if (body instanceof FindCoordinatorResponse coordinator) {
            // v0-3 answer for one key at the top level; v4+ (KIP-699) in a list.
            // A failed lookup carries host "" and port -1, which stay as they are.
            if (coordinator.nodeId() >= 0 && !coordinator.host().isEmpty()) {
                ProxyServer.Address local = server.localAddress(coordinator.host(), coordinator.port());
                coordinator.setHost(local.host()).setPort(local.port());
                changed = true;
            }
            for (FindCoordinatorResponse.Coordinator c : coordinator.coordinators()) {
                if (c.nodeId() >= 0 && !c.host().isEmpty()) {
                    ProxyServer.Address local = server.localAddress(c.host(), c.port());
                    c.setHost(local.host()).setPort(local.port());
                    changed = true;
                }
            }
        } else if (body instanceof DescribeClusterResponse cluster) {
            for (DescribeClusterResponse.DescribeClusterBroker broker : cluster.brokers()) {
                ProxyServer.Address local = server.localAddress(broker.host(), broker.port());
                broker.setHost(local.host()).setPort(local.port());
                changed = true;
            }
        } else if (body instanceof ProduceResponse produce) {
            for (ProduceResponse.NodeEndpoint node : produce.nodeEndpoints()) {
                ProxyServer.Address local = server.localAddress(node.host(), node.port());
                node.setHost(local.host()).setPort(local.port());
                changed = true;
            }
        } else if (body instanceof FetchResponse fetch) {
            for (FetchResponse.NodeEndpoint node : fetch.nodeEndpoints()) {
                ProxyServer.Address local = server.localAddress(node.host(), node.port());
                node.setHost(local.host()).setPort(local.port());
                changed = true;
            }
        } else if (body instanceof ShareFetchResponse share) {
            for (ShareFetchResponse.NodeEndpoint node : share.nodeEndpoints()) {
                ProxyServer.Address local = server.localAddress(node.host(), node.port());
                node.setHost(local.host()).setPort(local.port());
                changed = true;
            }
        } else if (body instanceof ShareAcknowledgeResponse share) {
            for (ShareAcknowledgeResponse.NodeEndpoint node : share.nodeEndpoints()) {
                ProxyServer.Address local = server.localAddress(node.host(), node.port());
                node.setHost(local.host()).setPort(local.port());
                changed = true;
            }
        }
        return changed;
    }

    /** Fires {@code rule} on {@code body} if it matches, and applies its edits; true if it fired. */
    private boolean apply(FaultRule rule, ApiKey apiKey, short version, ApiMessage body) {
        if (body instanceof ProduceResponse produce) {
            return applyToProduce(rule, produce);
        }
        if (body instanceof FetchResponse fetch) {
            return applyToFetch(rule, fetch);
        }
        if (body instanceof ListOffsetsResponse listOffsets) {
            return applyToListOffsets(rule, listOffsets);
        }
        FaultRule.Spec spec = rule.spec();
        // FindCoordinator v4+ (KIP-699) answers per key; its top-level error is v0-3's.
        boolean perCoordinator = body instanceof FindCoordinatorResponse && version >= 4;
        // A rule cannot act on a version that lacks its field; it waits for one that has it.
        if (spec.error() != null && !perCoordinator && !MessageFields.carriesErrorCode(apiKey, version)) {
            return false;
        }
        if (spec.throttle() != null && !MessageFields.carriesThrottleTime(apiKey, version)) {
            return false;
        }
        if (!rule.tryFire()) {
            return false;
        }
        if (spec.error() != null) {
            if (perCoordinator) {
                for (FindCoordinatorResponse.Coordinator c : ((FindCoordinatorResponse) body).coordinators()) {
                    c.setErrorCode(spec.error().code()).setNodeId(-1).setHost("").setPort(-1);
                }
            } else {
                MessageFields.setErrorCode(body, spec.error().code());
            }
        }
        if (spec.throttle() != null) {
            MessageFields.setThrottleTimeMs(body, throttleMs(spec));
        }
        return true;
    }

    private boolean applyToListOffsets(FaultRule rule, ListOffsetsResponse response) {
        List<ListOffsetsResponse.ListOffsetsPartitionResponse> targets = new ArrayList<>();
        for (ListOffsetsResponse.ListOffsetsTopicResponse topic : response.topics()) {
            if (rule.matchesTopic(topic.name(), dev.josef.kafka.protocol.Uuid.ZERO, server::topicName)) {
                for (ListOffsetsResponse.ListOffsetsPartitionResponse partition : topic.partitions()) {
                    if (rule.matchesPartition(partition.partitionIndex())) {
                        targets.add(partition);
                    }
                }
            }
        }
        if (targets.isEmpty() || !rule.tryFire()) {
            return false;
        }
        FaultRule.Spec spec = rule.spec();
        if (spec.error() != null) {
            for (ListOffsetsResponse.ListOffsetsPartitionResponse partition : targets) {
                // What a broker sends with an error: no offset, no timestamp.
                partition.setErrorCode(spec.error().code()).setOffset(-1L).setTimestamp(-1L);
            }
        }
        if (spec.throttle() != null) {
            response.setThrottleTimeMs(throttleMs(spec));
        }
        return true;
    }

    private boolean applyToProduce(FaultRule rule, ProduceResponse produce) {
        List<ProduceResponse.PartitionProduceResponse> targets = produceTargets(rule, produce);
        if (targets.isEmpty() || !rule.tryFire()) {
            return false;
        }
        editProduce(rule.spec(), targets, produce);
        return true;
    }

    private List<ProduceResponse.PartitionProduceResponse> produceTargets(FaultRule rule, ProduceResponse produce) {
        List<ProduceResponse.PartitionProduceResponse> targets = new ArrayList<>();
        for (ProduceResponse.TopicProduceResponse topic : produce.responses()) {
            if (rule.matchesTopic(topic.name(), topic.topicId(), server::topicName)) {
                for (ProduceResponse.PartitionProduceResponse partition : topic.partitionResponses()) {
                    if (rule.matchesPartition(partition.index())) {
                        targets.add(partition);
                    }
                }
            }
        }
        return targets;
    }

    private static void editProduce(FaultRule.Spec spec, List<ProduceResponse.PartitionProduceResponse> targets,
                                    ProduceResponse produce) {
        if (spec.error() != null) {
            for (ProduceResponse.PartitionProduceResponse partition : targets) {
                // What a broker sends with an error: no offset, no append time.
                // Unless the rule refused them, the records were appended all the same; only the answer changed.
                partition.setErrorCode(spec.error().code()).setBaseOffset(-1L).setLogAppendTimeMs(-1L);
                if (spec.logStartOffset() != null) {
                    partition.setLogStartOffset(spec.logStartOffset());
                }
            }
        }
        if (spec.throttle() != null) {
            produce.setThrottleTimeMs(throttleMs(spec));
        }
    }

    private boolean applyToFetch(FaultRule rule, FetchResponse fetch) {
        FaultRule.Spec spec = rule.spec();
        List<FetchResponse.PartitionData> targets = new ArrayList<>();
        List<ByteBuffer> damaged = new ArrayList<>();
        for (FetchResponse.FetchableTopicResponse topic : fetch.responses()) {
            if (!rule.matchesTopic(topic.topic(), topic.topicId(), server::topicName)) {
                continue;
            }
            for (FetchResponse.PartitionData partition : topic.partitions()) {
                if (!rule.matchesPartition(partition.partitionIndex())) {
                    continue;
                }
                if (spec.corruption() == Corruption.NONE) {
                    targets.add(partition);
                    continue;
                }
                ByteBuffer records = partition.records();
                if (records == null || !records.hasRemaining()) {
                    continue;
                }
                ByteBuffer broken = spec.corruption() == Corruption.CRC
                        ? BatchCorruptor.breakCrc(records)
                        : BatchCorruptor.garblePayload(records);
                if (broken != null) {
                    targets.add(partition);
                    damaged.add(broken);
                }
            }
        }
        if (targets.isEmpty() || !rule.tryFire()) {
            return false;
        }
        for (int i = 0; i < targets.size(); i++) {
            FetchResponse.PartitionData partition = targets.get(i);
            if (spec.error() != null) {
                // A broker that answers a partition with an error sends no records.
                partition.setErrorCode(spec.error().code()).setRecords(NO_RECORDS.duplicate())
                        .setHighWatermark(-1L).setLastStableOffset(-1L);
                if (spec.logStartOffset() != null) {
                    partition.setLogStartOffset(spec.logStartOffset());
                }
            }
            if (spec.corruption() != Corruption.NONE) {
                partition.setRecords(damaged.get(i));
            }
        }
        if (spec.throttle() != null) {
            fetch.setThrottleTimeMs(throttleMs(spec));
        }
        return true;
    }

    private static int throttleMs(FaultRule.Spec spec) {
        return (int) Math.min(Integer.MAX_VALUE, spec.throttle().toMillis());
    }
}
