package dev.josef.kafka.testkit.internal;

import dev.josef.kafka.protocol.ApiKey;
import dev.josef.kafka.protocol.ErrorCode;
import dev.josef.kafka.protocol.internal.WireReader;
import dev.josef.kafka.protocol.message.ApiMessage;
import dev.josef.kafka.protocol.message.ApiMessages;
import dev.josef.kafka.protocol.message.ApiVersionsRequest;
import dev.josef.kafka.protocol.message.ApiVersionsResponse;
import dev.josef.kafka.protocol.message.CreateTopicsRequest;
import dev.josef.kafka.protocol.message.CreateTopicsResponse;
import dev.josef.kafka.protocol.message.ListOffsetsRequest;
import dev.josef.kafka.protocol.message.ListOffsetsResponse;
import dev.josef.kafka.protocol.message.MetadataRequest;
import dev.josef.kafka.protocol.message.MetadataResponse;
import dev.josef.kafka.protocol.message.RequestFrames;
import dev.josef.kafka.protocol.message.ResponseHeader;

import java.io.Closeable;
import java.io.DataInputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.List;

/**
 * One blocking PLAINTEXT connection to a broker, for the kit's own needs: is the
 * broker ready, which brokers does it know, create a topic, does it lead it. Spoken with
 * kafka-protocol's generated messages, at versions every supported broker line
 * (3.9 and 4.x) has.
 *
 * <p>Not thread-safe; opened, used and closed by one thread.
 */
public final class BrokerConnection implements Closeable {
    private static final short API_VERSIONS_VERSION = 3;
    private static final short METADATA_VERSION = 12;
    private static final short CREATE_TOPICS_VERSION = 7;
    private static final short LIST_OFFSETS_VERSION = 4;
    private static final int MAX_RESPONSE_BYTES = 64 << 20;

    private final Socket socket;
    private final DataInputStream in;
    private final OutputStream out;
    private int correlationId;

    public BrokerConnection(String host, int port, Duration timeout) throws IOException {
        socket = new Socket();
        try {
            socket.connect(new InetSocketAddress(host, port), (int) timeout.toMillis());
            socket.setSoTimeout((int) timeout.toMillis());
            socket.setTcpNoDelay(true);
            in = new DataInputStream(socket.getInputStream());
            out = socket.getOutputStream();
        } catch (IOException e) {
            socket.close();
            throw e;
        }
    }

    /** ApiVersions answered without error: the broker listens and serves requests. */
    public boolean apiVersionsOk() throws IOException {
        ApiVersionsResponse response = (ApiVersionsResponse) send(ApiKey.API_VERSIONS, API_VERSIONS_VERSION,
                new ApiVersionsRequest().setClientSoftwareName("josef-testkit").setClientSoftwareVersion("0"));
        return response.errorCode() == ErrorCode.NONE.code();
    }

    public MetadataResponse metadata(List<String> topics) throws IOException {
        MetadataRequest request = new MetadataRequest().setAllowAutoTopicCreation(false);
        if (topics == null) {
            request.setTopics(null);
        } else {
            for (String t : topics) {
                request.topics().add(new MetadataRequest.MetadataRequestTopic().setName(t));
            }
        }
        return (MetadataResponse) send(ApiKey.METADATA, METADATA_VERSION, request);
    }

    /** Creates a topic; an error other than TOPIC_ALREADY_EXISTS (when allowed) is thrown with its name. */
    public void createTopic(String name, int partitions, short replicationFactor, boolean mayExist, Duration timeout)
            throws IOException {
        CreateTopicsRequest request = new CreateTopicsRequest().setTimeoutMs((int) timeout.toMillis());
        request.topics().add(new CreateTopicsRequest.CreatableTopic()
                .setName(name).setNumPartitions(partitions).setReplicationFactor(replicationFactor));
        CreateTopicsResponse response = (CreateTopicsResponse) send(ApiKey.CREATE_TOPICS, CREATE_TOPICS_VERSION, request);
        for (CreateTopicsResponse.CreatableTopicResult result : response.topics()) {
            ErrorCode error = ErrorCode.forCode(result.errorCode());
            if (error == ErrorCode.NONE || (mayExist && error == ErrorCode.TOPIC_ALREADY_EXISTS)) {
                continue;
            }
            throw new IllegalStateException("creating topic '" + name + "' failed: " + error
                    + (result.errorMessage() == null ? "" : " (" + result.errorMessage() + ")"));
        }
    }

    /**
     * Whether this broker answers ListOffsets for each of {@code partitions} of
     * {@code topic} without error: it does not only know that it leads them (its
     * metadata), it has taken them up (its replica manager), so a Produce to them
     * is not refused as NOT_LEADER_OR_FOLLOWER.
     */
    public boolean serves(String topic, List<Integer> partitions) throws IOException {
        ListOffsetsRequest.ListOffsetsTopic asked = new ListOffsetsRequest.ListOffsetsTopic().setName(topic);
        for (int p : partitions) {
            asked.partitions().add(new ListOffsetsRequest.ListOffsetsPartition()
                    .setPartitionIndex(p).setCurrentLeaderEpoch(-1).setTimestamp(-1L));
        }
        ListOffsetsResponse response = (ListOffsetsResponse) send(ApiKey.LIST_OFFSETS, LIST_OFFSETS_VERSION,
                new ListOffsetsRequest().setReplicaId(-1).setIsolationLevel((byte) 0).setTopics(List.of(asked)));
        int fine = 0;
        for (ListOffsetsResponse.ListOffsetsTopicResponse t : response.topics()) {
            for (ListOffsetsResponse.ListOffsetsPartitionResponse p : t.partitions()) {
                if (t.name().equals(topic) && p.errorCode() == ErrorCode.NONE.code()) {
                    fine++;
                }
            }
        }
        return fine == partitions.size();
    }

    private ApiMessage send(ApiKey api, short version, ApiMessage body) throws IOException {
        ByteBuffer frame = RequestFrames.encode(body, version, ++correlationId, "josef-testkit");
        out.write(frame.array());
        out.flush();

        int responseSize = in.readInt();
        if (responseSize < 0 || responseSize > MAX_RESPONSE_BYTES) {
            throw new IOException("broker answered " + api.title() + " with a frame of " + responseSize + " bytes");
        }
        byte[] bytes = new byte[responseSize];
        in.readFully(bytes);
        WireReader reader = new WireReader(ByteBuffer.wrap(bytes));
        ResponseHeader responseHeader = ResponseHeader.read(reader, api.responseHeaderVersion(version));
        if (responseHeader.correlationId() != correlationId) {
            throw new IOException("broker answered correlation id " + responseHeader.correlationId()
                    + " where " + correlationId + " was expected");
        }
        return ApiMessages.readResponse(api, reader, version);
    }

    @Override
    public void close() throws IOException {
        socket.close();
    }
}
