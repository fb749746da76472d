package dev.josef.kafka.testkit;

import dev.josef.kafka.protocol.ApiKey;
import dev.josef.kafka.protocol.ErrorCode;
import dev.josef.kafka.protocol.Uuid;
import dev.josef.kafka.protocol.internal.WireReader;
import dev.josef.kafka.protocol.internal.WireWriter;
import dev.josef.kafka.protocol.message.ApiMessage;
import dev.josef.kafka.protocol.message.ApiMessages;
import dev.josef.kafka.protocol.message.FindCoordinatorRequest;
import dev.josef.kafka.protocol.message.FindCoordinatorResponse;
import dev.josef.kafka.protocol.message.MetadataRequest;
import dev.josef.kafka.protocol.message.MetadataResponse;
import dev.josef.kafka.protocol.message.ProduceRequest;
import dev.josef.kafka.protocol.message.ProduceResponse;
import dev.josef.kafka.protocol.message.RequestHeader;
import dev.josef.kafka.protocol.message.ResponseHeader;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.io.DataInputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.OutputStream;
import java.net.ConnectException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.SocketException;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Function;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * The proxy against a scripted broker on loopback: address rewriting, rule
 * matching by learned topic ids, bad frames and close, without a real cluster.
 * The proxy against real brokers and kafka-clients is {@link KafkaProxyIT}.
 */
@Timeout(30)
class KafkaProxyTest {
    private static final Uuid ORDERS_ID = new Uuid(0x1234L, 0x5678L);

    private FakeBroker broker;

    @BeforeEach
    void startBroker() throws IOException {
        broker = new FakeBroker();
    }

    @AfterEach
    void stopBroker() throws IOException {
        broker.close();
    }

    @Test
    void metadataBrokerAddressesPointAtTheProxy() throws IOException {
        int otherBrokerPort = freePort();
        broker.handler = request -> new MetadataResponse()
                .setBrokers(List.of(
                        new MetadataResponse.MetadataResponseBroker().setNodeId(1).setHost("127.0.0.1").setPort(broker.port()),
                        new MetadataResponse.MetadataResponseBroker().setNodeId(2).setHost("127.0.0.1").setPort(otherBrokerPort)))
                .setClusterId("c").setControllerId(1);

        try (KafkaProxy proxy = KafkaProxy.start("127.0.0.1:" + broker.port());
             Client client = new Client(proxy.bootstrapServers())) {
            MetadataResponse response = (MetadataResponse) client.send(ApiKey.METADATA, (short) 12, new MetadataRequest());

            int proxyPort = Integer.parseInt(proxy.bootstrapServers().split(":")[1]);
            assertThat(response.brokers()).extracting(MetadataResponse.MetadataResponseBroker::host)
                    .containsOnly("127.0.0.1");
            assertThat(response.brokersByNodeId(1).port()).as("the bootstrap listener serves broker 1").isEqualTo(proxyPort);
            assertThat(response.brokersByNodeId(2).port()).isNotIn(proxyPort, otherBrokerPort, broker.port());
            assertThat(proxy.routes()).containsEntry("127.0.0.1:" + otherBrokerPort, "127.0.0.1:" + response.brokersByNodeId(2).port());
        }
    }

    @Test
    void findCoordinatorAddressesPointAtTheProxyInBothShapes() throws IOException {
        broker.handler = request -> {
            FindCoordinatorResponse response = new FindCoordinatorResponse();
            if (((FindCoordinatorRequest) request).coordinatorKeys().isEmpty()) {
                return response.setNodeId(1).setHost("127.0.0.1").setPort(broker.port());
            }
            return response.setCoordinators(List.of(
                    new FindCoordinatorResponse.Coordinator().setKey("g").setNodeId(1).setHost("127.0.0.1").setPort(broker.port()),
                    new FindCoordinatorResponse.Coordinator().setKey("lost").setNodeId(-1).setHost("").setPort(-1)
                            .setErrorCode(ErrorCode.COORDINATOR_NOT_AVAILABLE.code())));
        };

        try (KafkaProxy proxy = KafkaProxy.start("127.0.0.1:" + broker.port());
             Client client = new Client(proxy.bootstrapServers())) {
            int proxyPort = Integer.parseInt(proxy.bootstrapServers().split(":")[1]);

            FindCoordinatorResponse v3 = (FindCoordinatorResponse) client.send(ApiKey.FIND_COORDINATOR, (short) 3,
                    new FindCoordinatorRequest().setKey("g"));
            FindCoordinatorResponse v4 = (FindCoordinatorResponse) client.send(ApiKey.FIND_COORDINATOR, (short) 4,
                    new FindCoordinatorRequest().setCoordinatorKeys(List.of("g", "lost")));

            assertThat(v3.port()).isEqualTo(proxyPort);
            assertThat(v4.coordinators().get(0).port()).isEqualTo(proxyPort);
            assertThat(v4.coordinators().get(1).port()).as("a failed lookup stays as it was").isEqualTo(-1);
        }
    }

    @Test
    void findCoordinatorErrorGoesWhereTheVersionCarriesIt() throws IOException {
        broker.handler = request -> {
            FindCoordinatorResponse response = new FindCoordinatorResponse();
            if (((FindCoordinatorRequest) request).coordinatorKeys().isEmpty()) {
                return response.setNodeId(1).setHost("127.0.0.1").setPort(broker.port());
            }
            return response.setCoordinators(List.of(
                    new FindCoordinatorResponse.Coordinator().setKey("g").setNodeId(1).setHost("127.0.0.1").setPort(broker.port())));
        };

        try (KafkaProxy proxy = KafkaProxy.start("127.0.0.1:" + broker.port());
             Client client = new Client(proxy.bootstrapServers())) {
            ProxyRule rule = proxy.add(ProxyRule.on(ApiKey.FIND_COORDINATOR).times(2)
                    .replaceError(ErrorCode.COORDINATOR_NOT_AVAILABLE));

            FindCoordinatorResponse v3 = (FindCoordinatorResponse) client.send(ApiKey.FIND_COORDINATOR, (short) 3,
                    new FindCoordinatorRequest().setKey("g"));
            FindCoordinatorResponse v6 = (FindCoordinatorResponse) client.send(ApiKey.FIND_COORDINATOR, (short) 6,
                    new FindCoordinatorRequest().setCoordinatorKeys(List.of("g")));

            assertThat(v3.errorCode()).isEqualTo(ErrorCode.COORDINATOR_NOT_AVAILABLE.code());
            assertThat(v6.coordinators().get(0).errorCode()).isEqualTo(ErrorCode.COORDINATOR_NOT_AVAILABLE.code());
            assertThat(v6.coordinators().get(0).nodeId()).isEqualTo(-1);
            assertThat(rule.fired()).isEqualTo(2);
        }
    }

    @Test
    void produceErrorFindsItsPartitionByATopicIdLearnedFromMetadata() throws IOException {
        broker.handler = request -> {
            if (request instanceof MetadataRequest) {
                return new MetadataResponse().setTopics(List.of(
                        new MetadataResponse.MetadataResponseTopic().setName("orders").setTopicId(ORDERS_ID)));
            }
            return new ProduceResponse().setResponses(List.of(new ProduceResponse.TopicProduceResponse()
                    .setTopicId(ORDERS_ID)
                    .setPartitionResponses(List.of(
                            new ProduceResponse.PartitionProduceResponse().setIndex(0).setBaseOffset(10).setLogStartOffset(0),
                            new ProduceResponse.PartitionProduceResponse().setIndex(1).setBaseOffset(20).setLogStartOffset(0)))));
        };

        try (KafkaProxy proxy = KafkaProxy.start("127.0.0.1:" + broker.port());
             Client client = new Client(proxy.bootstrapServers())) {
            ProxyRule rule = proxy.add(ProxyRule.on(ApiKey.PRODUCE).topic("orders").partition(1).times(1)
                    .replaceError(ErrorCode.UNKNOWN_PRODUCER_ID).logStartOffset(42));
            client.send(ApiKey.METADATA, (short) 12, new MetadataRequest());

            ProduceResponse first = (ProduceResponse) client.send(ApiKey.PRODUCE, (short) 13, produceToOrders());
            ProduceResponse second = (ProduceResponse) client.send(ApiKey.PRODUCE, (short) 13, produceToOrders());

            List<ProduceResponse.PartitionProduceResponse> partitions = first.responses().get(0).partitionResponses();
            assertThat(partitions.get(0).errorCode()).isZero();
            assertThat(partitions.get(0).baseOffset()).isEqualTo(10);
            assertThat(partitions.get(1).errorCode()).isEqualTo(ErrorCode.UNKNOWN_PRODUCER_ID.code());
            assertThat(partitions.get(1).logStartOffset()).isEqualTo(42);
            assertThat(partitions.get(1).baseOffset()).isEqualTo(-1);
            assertThat(second.responses().get(0).partitionResponses().get(1).errorCode()).as("times(1)").isZero();
            assertThat(rule.fired()).isEqualTo(1);
            assertThat(rule.exhausted()).isTrue();
        }
    }

    @Test
    void cutBeforeRequestNeverReachesTheBroker() throws IOException {
        broker.handler = request -> new MetadataResponse();

        try (KafkaProxy proxy = KafkaProxy.start("127.0.0.1:" + broker.port());
             Client client = new Client(proxy.bootstrapServers())) {
            proxy.add(ProxyRule.on(ApiKey.METADATA).times(1).cutBeforeRequest());

            assertThatThrownBy(() -> client.send(ApiKey.METADATA, (short) 12, new MetadataRequest()))
                    .isInstanceOfAny(EOFException.class, SocketException.class);
            assertThat(broker.requests).isEmpty();

            try (Client again = new Client(proxy.bootstrapServers())) {
                again.send(ApiKey.METADATA, (short) 12, new MetadataRequest());
            }
            assertThat(broker.requests).containsExactly(ApiKey.METADATA);
        }
    }

    @Test
    void aBadFrameFromTheClientClosesOnlyThatConnection() throws IOException {
        broker.handler = request -> new MetadataResponse();

        try (KafkaProxy proxy = KafkaProxy.start("127.0.0.1:" + broker.port());
             Client bad = new Client(proxy.bootstrapServers());
             Client good = new Client(proxy.bootstrapServers())) {
            bad.out.write(new byte[] {(byte) 0x7F, (byte) 0xFF, (byte) 0xFF, (byte) 0xFF});
            bad.out.flush();

            assertThat(bad.in.read()).as("the proxy closed the connection").isEqualTo(-1);
            assertThat(good.send(ApiKey.METADATA, (short) 12, new MetadataRequest())).isInstanceOf(MetadataResponse.class);
        }
    }

    @Test
    void aResponseToNoRequestClosesTheConnection() throws IOException {
        broker.handler = request -> new MetadataResponse();
        broker.correlationShift = 1000;

        try (KafkaProxy proxy = KafkaProxy.start("127.0.0.1:" + broker.port());
             Client client = new Client(proxy.bootstrapServers())) {
            assertThatThrownBy(() -> client.send(ApiKey.METADATA, (short) 12, new MetadataRequest()))
                    .isInstanceOfAny(EOFException.class, SocketException.class);
            broker.correlationShift = 0;
            try (Client again = new Client(proxy.bootstrapServers())) {
                assertThat(again.send(ApiKey.METADATA, (short) 12, new MetadataRequest())).isInstanceOf(MetadataResponse.class);
            }
        }
    }

    @Test
    void closeEndsEveryThreadAndClosesEveryPort() throws Exception {
        broker.handler = request -> new MetadataResponse();
        KafkaProxy proxy = KafkaProxy.start("127.0.0.1:" + broker.port());
        int port = Integer.parseInt(proxy.bootstrapServers().split(":")[1]);
        Client client = new Client(proxy.bootstrapServers());
        client.send(ApiKey.METADATA, (short) 12, new MetadataRequest());
        KafkaProxy.Chaos chaos = proxy.chaos(Duration.ofMinutes(1), Duration.ofMinutes(2));
        assertThat(proxyThreads()).isNotEmpty();

        proxy.close();
        proxy.close();

        assertThat(proxyThreadsAfterClose()).isEmpty();
        assertThat(client.in.read()).isEqualTo(-1);
        client.close();
        assertThatThrownBy(() -> new Socket("127.0.0.1", port).close()).isInstanceOf(ConnectException.class);
        assertThatThrownBy(() -> proxy.add(ProxyRule.on(ApiKey.METADATA).countOnly())).isInstanceOf(IllegalStateException.class);
        chaos.close();
    }

    @Test
    void chaosCutsEveryConnectionWithinItsBound() throws Exception {
        broker.handler = request -> new MetadataResponse();

        try (KafkaProxy proxy = KafkaProxy.start("127.0.0.1:" + broker.port());
             Client first = new Client(proxy.bootstrapServers());
             Client second = new Client(proxy.bootstrapServers());
             KafkaProxy.Chaos chaos = proxy.chaos(Duration.ofMillis(50), Duration.ofMillis(150))) {
            long start = System.nanoTime();

            assertThat(first.in.read()).isEqualTo(-1);
            assertThat(second.in.read()).isEqualTo(-1);

            assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofSeconds(5));
            assertThat(chaos.cuts()).isEqualTo(2);
        }
    }

    /** The proxy's threads still alive; a worker of the chaos timer may take a moment to finish exiting. */
    private static List<String> proxyThreadsAfterClose() throws InterruptedException {
        long deadline = System.nanoTime() + Duration.ofSeconds(2).toNanos();
        while (!proxyThreads().isEmpty() && System.nanoTime() < deadline) {
            Thread.sleep(10);
        }
        return proxyThreads();
    }

    private static List<String> proxyThreads() {
        List<String> names = new ArrayList<>();
        for (Thread thread : Thread.getAllStackTraces().keySet()) {
            if (thread.isAlive() && thread.getName().startsWith("josef-proxy")) {
                names.add(thread.getName());
            }
        }
        return names;
    }

    private static ProduceRequest produceToOrders() {
        return new ProduceRequest().setAcks((short) -1).setTimeoutMs(1000).setTopicData(List.of(
                new ProduceRequest.TopicProduceData().setTopicId(ORDERS_ID).setPartitionData(List.of(
                        new ProduceRequest.PartitionProduceData().setIndex(0).setRecords(ByteBuffer.allocate(0)),
                        new ProduceRequest.PartitionProduceData().setIndex(1).setRecords(ByteBuffer.allocate(0))))));
    }

    private static int freePort() throws IOException {
        try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getByName("127.0.0.1"))) {
            return socket.getLocalPort();
        }
    }

    private static byte[] readFrame(DataInputStream in) throws IOException {
        int size = in.readInt();
        byte[] frame = new byte[size];
        in.readFully(frame);
        return frame;
    }

    private static void writeFrame(OutputStream out, ByteBuffer frame) throws IOException {
        byte[] bytes = new byte[frame.remaining()];
        frame.get(bytes);
        out.write(ByteBuffer.allocate(4).putInt(bytes.length).array());
        out.write(bytes);
        out.flush();
    }

    /** A blocking client that speaks one request at a time with kafka-protocol's messages. */
    private static final class Client implements AutoCloseable {
        final Socket socket;
        final DataInputStream in;
        final OutputStream out;
        private int correlationId;

        Client(String address) throws IOException {
            String[] hostPort = address.split(",")[0].split(":");
            socket = new Socket();
            socket.connect(new InetSocketAddress(hostPort[0], Integer.parseInt(hostPort[1])), 5000);
            socket.setSoTimeout(10_000);
            in = new DataInputStream(socket.getInputStream());
            out = socket.getOutputStream();
        }

        ApiMessage send(ApiKey apiKey, short version, ApiMessage request) throws IOException {
            int id = ++correlationId;
            RequestHeader header = new RequestHeader().setRequestApiKey(apiKey.id()).setRequestApiVersion(version)
                    .setCorrelationId(id).setClientId("test");
            short headerVersion = apiKey.requestHeaderVersion(version);
            ByteBuffer frame = ByteBuffer.allocate(header.size(headerVersion) + request.size(version));
            header.write(new WireWriter(frame), headerVersion);
            request.write(new WireWriter(frame), version);
            writeFrame(out, frame.flip());
            WireReader reader = new WireReader(ByteBuffer.wrap(readFrame(in)));
            ResponseHeader responseHeader = ResponseHeader.read(reader, apiKey.responseHeaderVersion(version));
            assertThat(responseHeader.correlationId()).isEqualTo(id);
            return ApiMessages.readResponse(apiKey, reader, version);
        }

        @Override
        public void close() throws IOException {
            socket.close();
        }
    }

    /** Answers each request with whatever {@code handler} makes of it, at the request's version. */
    private static final class FakeBroker implements AutoCloseable {
        final ServerSocket server = new ServerSocket(0, 50, InetAddress.getByName("127.0.0.1"));
        final List<ApiKey> requests = new CopyOnWriteArrayList<>();
        final List<Socket> sockets = new CopyOnWriteArrayList<>();
        final AtomicInteger threads = new AtomicInteger();
        volatile Function<ApiMessage, ApiMessage> handler;
        volatile int correlationShift;

        FakeBroker() throws IOException {
            Thread acceptor = new Thread(this::accept, "fake-broker-accept");
            acceptor.setDaemon(true);
            acceptor.start();
        }

        int port() {
            return server.getLocalPort();
        }

        private void accept() {
            while (!server.isClosed()) {
                try {
                    Socket socket = server.accept();
                    sockets.add(socket);
                    Thread thread = new Thread(() -> serve(socket), "fake-broker-" + threads.incrementAndGet());
                    thread.setDaemon(true);
                    thread.start();
                } catch (IOException e) {
                    return;
                }
            }
        }

        private void serve(Socket socket) {
            try (socket) {
                DataInputStream in = new DataInputStream(socket.getInputStream());
                OutputStream out = socket.getOutputStream();
                while (true) {
                    WireReader reader = new WireReader(ByteBuffer.wrap(readFrame(in)));
                    ByteBuffer peek = reader.buffer().duplicate();
                    ApiKey apiKey = ApiKey.forId(peek.getShort(0));
                    short version = peek.getShort(2);
                    RequestHeader header = RequestHeader.read(reader, apiKey.requestHeaderVersion(version));
                    ApiMessage request = ApiMessages.readRequest(apiKey, reader, version);
                    requests.add(apiKey);
                    ApiMessage response = handler.apply(request);
                    ResponseHeader responseHeader = new ResponseHeader().setCorrelationId(header.correlationId() + correlationShift);
                    short headerVersion = apiKey.responseHeaderVersion(version);
                    ByteBuffer frame = ByteBuffer.allocate(responseHeader.size(headerVersion) + response.size(version));
                    responseHeader.write(new WireWriter(frame), headerVersion);
                    response.write(new WireWriter(frame), version);
                    writeFrame(out, frame.flip());
                }
            } catch (IOException e) {
                // the proxy closed the connection
            }
        }

        @Override
        public void close() throws IOException {
            server.close();
            for (Socket socket : sockets) {
                socket.close();
            }
        }
    }
}
