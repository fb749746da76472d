package dev.josef.kafka.net.internal;

import dev.josef.kafka.protocol.ApiKey;
import dev.josef.kafka.protocol.internal.WireReader;
import dev.josef.kafka.protocol.internal.WireWriter;
import dev.josef.kafka.protocol.message.ApiMessage;
import dev.josef.kafka.protocol.message.ApiVersionsResponse;
import dev.josef.kafka.protocol.message.MetadataResponse;
import dev.josef.kafka.protocol.message.RequestHeader;
import dev.josef.kafka.protocol.message.ResponseHeader;

import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;

/**
 * A broker that speaks just enough Kafka for the network layer's tests:
 * ApiVersions and Metadata, answered with kafka-protocol's messages, and on
 * request a Metadata answer whose body is garbage. Loopback only; closed by the test.
 */
final class FakeBroker implements AutoCloseable {
    static final String CLUSTER_ID = "fake-cluster";

    private final ServerSocket server;
    /** How the next Metadata answer is broken, if at all. */
    enum Fault { GARBAGE_BODY, WRONG_CORRELATION_ID, HUGE_LENGTH, TRUNCATED_FRAME }

    private final java.util.concurrent.atomic.AtomicReference<Fault> nextFault = new java.util.concurrent.atomic.AtomicReference<>();
    private final List<Socket> sockets = new ArrayList<>();
    private final Thread acceptor;

    FakeBroker() throws IOException {
        server = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
        acceptor = new Thread(this::accept, "fake-broker-accept");
        acceptor.setDaemon(true);
        acceptor.start();
    }

    int port() {
        return server.getLocalPort();
    }

    /** Connections accepted so far. */
    int connections() {
        synchronized (sockets) {
            return sockets.size();
        }
    }

    void answerNextMetadataWithGarbage() {
        nextFault.set(Fault.GARBAGE_BODY);
    }

    void breakNextMetadata(Fault fault) {
        nextFault.set(fault);
    }

    private void accept() {
        while (!server.isClosed()) {
            try {
                Socket socket = server.accept();
                synchronized (sockets) {
                    sockets.add(socket);
                }
                Thread t = new Thread(() -> serve(socket), "fake-broker-conn");
                t.setDaemon(true);
                t.start();
            } catch (IOException e) {
                return;
            }
        }
    }

    private void serve(Socket socket) {
        try (socket) {
            DataInputStream in = new DataInputStream(socket.getInputStream());
            DataOutputStream out = new DataOutputStream(socket.getOutputStream());
            while (true) {
                byte[] frame = new byte[in.readInt()];
                in.readFully(frame);
                ByteBuffer buffer = ByteBuffer.wrap(frame);
                ApiKey api = ApiKey.forId(buffer.getShort(0));
                short version = buffer.getShort(2);
                WireReader reader = new WireReader(buffer);
                RequestHeader header = RequestHeader.read(reader, api.requestHeaderVersion(version));
                ResponseHeader responseHeader = new ResponseHeader().setCorrelationId(header.correlationId());
                short responseHeaderVersion = api.responseHeaderVersion(version);
                Fault fault = api == ApiKey.METADATA ? nextFault.getAndSet(null) : null;
                if (fault == Fault.HUGE_LENGTH) {
                    out.writeInt(Integer.MAX_VALUE); // 2 GiB announced, never sent
                    out.flush();
                    continue;
                }
                if (fault == Fault.TRUNCATED_FRAME) {
                    out.writeInt(100);
                    out.write(new byte[10]);
                    out.flush();
                    return; // and the connection ends inside the frame
                }
                if (fault == Fault.WRONG_CORRELATION_ID) {
                    responseHeader.setCorrelationId(header.correlationId() + 1000);
                }
                if (fault == Fault.GARBAGE_BODY) {
                    int headerSize = responseHeader.size(responseHeaderVersion);
                    ByteBuffer reply = ByteBuffer.allocate(headerSize + 8);
                    responseHeader.write(new WireWriter(reply), responseHeaderVersion);
                    while (reply.hasRemaining()) {
                        reply.put((byte) 0xFF); // a throttle time, then lengths that point nowhere
                    }
                    send(out, reply.array());
                    continue;
                }
                ApiMessage body = api == ApiKey.API_VERSIONS ? apiVersions() : metadata();
                ByteBuffer reply = ByteBuffer.allocate(responseHeader.size(responseHeaderVersion) + body.size(version));
                WireWriter writer = new WireWriter(reply);
                responseHeader.write(writer, responseHeaderVersion);
                body.write(writer, version);
                send(out, reply.array());
            }
        } catch (IOException | RuntimeException e) {
            // the client closed the connection, or the test ended
        }
    }

    private static void send(DataOutputStream out, byte[] bytes) throws IOException {
        out.writeInt(bytes.length);
        out.write(bytes);
        out.flush();
    }

    private static ApiVersionsResponse apiVersions() {
        ApiVersionsResponse response = new ApiVersionsResponse();
        for (ApiKey key : List.of(ApiKey.API_VERSIONS, ApiKey.METADATA)) {
            response.apiKeys().add(new ApiVersionsResponse.ApiVersion()
                    .setApiKey(key.id()).setMinVersion(key.lowestVersion()).setMaxVersion(key.highestVersion()));
        }
        return response;
    }

    private MetadataResponse metadata() {
        MetadataResponse response = new MetadataResponse().setClusterId(CLUSTER_ID);
        response.brokers().add(new MetadataResponse.MetadataResponseBroker().setNodeId(0).setHost("127.0.0.1").setPort(port()));
        return response;
    }

    @Override
    public void close() throws IOException {
        server.close();
        synchronized (sockets) {
            for (Socket s : sockets) {
                s.close();
            }
        }
    }
}
