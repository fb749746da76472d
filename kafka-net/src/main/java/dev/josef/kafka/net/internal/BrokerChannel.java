package dev.josef.kafka.net.internal;

import dev.josef.kafka.net.NetworkException;
import dev.josef.kafka.net.RequestTimeoutException;
import dev.josef.kafka.protocol.ApiKey;
import dev.josef.kafka.protocol.ErrorCode;
import dev.josef.kafka.protocol.ProtocolException;
import dev.josef.kafka.protocol.UnsupportedVersionException;
import dev.josef.kafka.protocol.internal.WireReader;
import dev.josef.kafka.protocol.message.ApiMessage;
import dev.josef.kafka.protocol.message.ApiMessages;
import dev.josef.kafka.protocol.message.ApiVersionsRequest;
import dev.josef.kafka.protocol.message.ApiVersionsResponse;
import dev.josef.kafka.protocol.message.RequestFrames;
import dev.josef.kafka.protocol.message.ResponseHeader;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.nio.channels.SocketChannel;
import java.util.ArrayDeque;
import java.util.EnumMap;
import java.util.Iterator;
import java.util.Map;
import java.util.function.BiConsumer;

/**
 * One TCP connection to one broker, for one kind of traffic. Connects, asks the
 * broker's API versions (KIP-35/511) before anything else, then writes requests
 * in order, up to {@code maxInFlight} unanswered at once, and matches each
 * response to the oldest unanswered request: Kafka answers in order on a
 * connection, so any other correlation id is a broken stream.
 *
 * <p>Confined to the I/O thread: every field is read and written there only.
 */
final class BrokerChannel {
    enum State { CONNECTING, NEGOTIATING, READY, CLOSED }

    private static final short API_VERSIONS_VERSION = 3;

    final HostPort address;
    private final NetworkClientConfig config;
    private final BiConsumer<PendingRequest, Object> completer;
    private final ArrayDeque<PendingRequest> waiting = new ArrayDeque<>();
    private final ArrayDeque<PendingRequest> inFlight = new ArrayDeque<>();
    private final ArrayDeque<ByteBuffer> writes = new ArrayDeque<>();
    private final ByteBuffer sizeBuffer = ByteBuffer.allocate(4);
    private final Map<ApiKey, short[]> brokerVersions = new EnumMap<>(ApiKey.class);
    private SocketChannel socket;
    private SelectionKey key;
    private ByteBuffer body;
    private State state = State.CONNECTING;
    private long connectDeadlineNanos;
    private int nextCorrelationId;
    private PendingRequest handshake;

    BrokerChannel(HostPort address, NetworkClientConfig config, BiConsumer<PendingRequest, Object> completer) {
        this.address = address;
        this.config = config;
        this.completer = completer;
    }

    State state() {
        return state;
    }

    boolean isIdle() {
        return waiting.isEmpty() && inFlight.isEmpty();
    }

    void connect(Selector selector, long now) {
        try {
            socket = SocketChannel.open();
            socket.configureBlocking(false);
            socket.socket().setTcpNoDelay(true);
            socket.socket().setKeepAlive(true);
            key = socket.register(selector, SelectionKey.OP_CONNECT, this);
            connectDeadlineNanos = now + config.connectTimeout().toNanos();
            if (socket.connect(new InetSocketAddress(address.host(), address.port()))) {
                onConnected(now);
            }
        } catch (IOException | RuntimeException e) {
            close(new NetworkException("cannot connect to " + address + ": " + e.getMessage(), false, e));
        }
    }

    void enqueue(PendingRequest request, long now) {
        waiting.add(request);
        if (state == State.READY) {
            writeWaiting(now);
        }
    }

    /** Handles the ready operations the selector reported for this channel. */
    void onSelected(long now) {
        try {
            if (key.isConnectable() && socket.finishConnect()) {
                onConnected(now);
            }
            if (state != State.CLOSED && key.isReadable()) {
                read(now);
            }
            if (state != State.CLOSED && key.isValid() && key.isWritable()) {
                flush();
            }
        } catch (IOException e) {
            if (state == State.CONNECTING) {
                close(new NetworkException("cannot connect to " + address + ": " + e.getMessage(), false, e));
            } else {
                close(new NetworkException("connection to " + address + " lost: " + e.getMessage(), true, e));
            }
        } catch (ProtocolException e) {
            close(new ProtocolException("broker " + address + " sent a malformed response; closing the connection: "
                    + e.getMessage(), e));
        }
    }

    /** Fails what waited or went unanswered too long; returns the nanoTime of the next deadline. */
    long checkDeadlines(long now) {
        if (state == State.CONNECTING && now - connectDeadlineNanos >= 0) {
            close(new NetworkException("cannot connect to " + address + " within " + config.connectTimeout(), false, null));
            return Long.MAX_VALUE;
        }
        for (PendingRequest r : inFlight) {
            if (now - r.deadlineNanos >= 0) {
                // A late answer could no longer be matched: the connection goes.
                RequestTimeoutException timeout = new RequestTimeoutException(r.describe() + " to " + address
                        + " got no answer within " + config.requestTimeout(), true);
                inFlight.remove(r);
                if (r != handshake) {
                    completer.accept(r, timeout);
                }
                close(new NetworkException("connection to " + address + " closed after a request timed out", true, null));
                return Long.MAX_VALUE;
            }
        }
        long next = state == State.CONNECTING ? connectDeadlineNanos : Long.MAX_VALUE;
        for (Iterator<PendingRequest> it = waiting.iterator(); it.hasNext(); ) {
            PendingRequest r = it.next();
            if (now - r.deadlineNanos >= 0) {
                it.remove();
                completer.accept(r, new RequestTimeoutException(r.describe() + " to " + address
                        + " could not be sent within " + config.requestTimeout() + " (connection " + state + ")", false));
            } else {
                next = Math.min(next, r.deadlineNanos);
            }
        }
        for (PendingRequest r : inFlight) {
            next = Math.min(next, r.deadlineNanos);
        }
        return next;
    }

    private void onConnected(long now) throws IOException {
        key.interestOps(SelectionKey.OP_READ);
        state = State.NEGOTIATING;
        handshake = new PendingRequest(new ApiVersionsRequest()
                .setClientSoftwareName("josef")
                .setClientSoftwareVersion(ClientVersion.VERSION),
                API_VERSIONS_VERSION, now + config.requestTimeout().toNanos(), null);
        write(handshake, API_VERSIONS_VERSION);
        flush();
    }

    private void writeWaiting(long now) {
        while (!waiting.isEmpty() && inFlight.size() < config.maxInFlightPerConnection()) {
            PendingRequest r = waiting.poll();
            short version;
            try {
                version = negotiate(r);
            } catch (UnsupportedVersionException e) {
                completer.accept(r, e);
                continue;
            }
            try {
                write(r, version);
            } catch (RuntimeException e) {
                // The request cannot be encoded at this version: only it fails.
                completer.accept(r, e);
            }
        }
        try {
            flush();
        } catch (IOException e) {
            close(new NetworkException("connection to " + address + " lost: " + e.getMessage(), true, e));
        }
    }

    /** The highest version both sides speak, capped by the caller's maximum. */
    private short negotiate(PendingRequest r) {
        ApiKey api = r.body.apiKey();
        short[] broker = brokerVersions.get(api);
        if (broker == null) {
            throw new UnsupportedVersionException("broker " + address + " does not support " + api.title());
        }
        short ours = (short) Math.min(api.latestStableVersion(), r.maxVersion);
        short version = (short) Math.min(ours, broker[1]);
        short lowest = (short) Math.max(api.lowestVersion(), broker[0]);
        if (version < lowest) {
            throw new UnsupportedVersionException("no common version of " + api.title() + " with broker " + address
                    + ": it supports " + broker[0] + "-" + broker[1] + ", Josef " + api.lowestVersion() + "-" + ours);
        }
        return version;
    }

    private void write(PendingRequest r, short version) {
        r.version = version;
        r.correlationId = nextCorrelationId++;
        ByteBuffer frame = RequestFrames.encode(r.body, version, r.correlationId, config.clientId());
        writes.add(frame);
        inFlight.add(r);
        r.sent = true;
    }

    private void flush() throws IOException {
        while (!writes.isEmpty()) {
            ByteBuffer head = writes.peek();
            socket.write(head);
            if (head.hasRemaining()) {
                key.interestOps(key.interestOps() | SelectionKey.OP_WRITE);
                return;
            }
            writes.poll();
        }
        key.interestOps(key.interestOps() & ~SelectionKey.OP_WRITE);
    }

    private void read(long now) throws IOException {
        while (true) {
            if (body == null) {
                if (socket.read(sizeBuffer) < 0) {
                    throw new IOException("the broker closed the connection");
                }
                if (sizeBuffer.hasRemaining()) {
                    return;
                }
                int size = sizeBuffer.flip().getInt();
                sizeBuffer.clear();
                if (size < 0 || size > config.maxResponseBytes()) {
                    throw new ProtocolException("response frame of " + size + " bytes, outside 0.." + config.maxResponseBytes());
                }
                body = ByteBuffer.allocate(size);
            }
            if (socket.read(body) < 0) {
                throw new IOException("the broker closed the connection inside a response");
            }
            if (body.hasRemaining()) {
                return;
            }
            ByteBuffer frame = body.flip();
            body = null;
            onResponse(frame, now);
            if (state == State.CLOSED) {
                return;
            }
        }
    }

    private void onResponse(ByteBuffer frame, long now) {
        PendingRequest r = inFlight.poll();
        if (r == null) {
            throw new ProtocolException("a response arrived with no request awaiting one");
        }
        ApiKey api = r.body.apiKey();
        WireReader reader = new WireReader(frame);
        ResponseHeader header = ResponseHeader.read(reader, api.responseHeaderVersion(r.version));
        if (header.correlationId() != r.correlationId) {
            inFlight.addFirst(r);
            throw new ProtocolException("response has correlation id " + header.correlationId()
                    + " where " + r.correlationId + " (" + api.title() + ") was next");
        }
        ApiMessage response;
        try {
            response = ApiMessages.readResponse(api, reader, r.version);
        } catch (ProtocolException e) {
            inFlight.addFirst(r);
            throw new ProtocolException(api.title() + " v" + r.version + " response: " + e.getMessage(), e);
        }
        if (r == handshake) {
            onApiVersions((ApiVersionsResponse) response, now);
        } else {
            completer.accept(r, response);
            writeWaiting(now);
        }
    }

    private void onApiVersions(ApiVersionsResponse response, long now) {
        handshake = null;
        if (response.errorCode() != ErrorCode.NONE.code()) {
            close(new NetworkException("broker " + address + " refused ApiVersions: "
                    + ErrorCode.forCode(response.errorCode()), true, null));
            return;
        }
        for (ApiVersionsResponse.ApiVersion v : response.apiKeys()) {
            if (ApiKey.isKnown(v.apiKey())) {
                brokerVersions.put(ApiKey.forId(v.apiKey()), new short[] {v.minVersion(), v.maxVersion()});
            }
        }
        state = State.READY;
        writeWaiting(now);
    }

    /** Closes the socket and fails every request: those not written with {@code cause} as not sent. */
    void close(RuntimeException cause) {
        if (state == State.CLOSED) {
            return;
        }
        state = State.CLOSED;
        if (key != null) {
            key.cancel();
        }
        if (socket != null) {
            try {
                socket.close();
            } catch (IOException ignored) {
                // closing anyway
            }
        }
        for (PendingRequest r : inFlight) {
            if (r != handshake) {
                completer.accept(r, sentVariant(cause, true));
            }
        }
        inFlight.clear();
        for (PendingRequest r : waiting) {
            completer.accept(r, sentVariant(cause, false));
        }
        waiting.clear();
        writes.clear();
    }

    private static RuntimeException sentVariant(RuntimeException cause, boolean sent) {
        if (cause instanceof NetworkException n && n.requestSent() != sent) {
            String message = n.getMessage().replaceFirst(" \\(the request (had been sent|was not sent).*\\)$", "");
            return new NetworkException(message, sent, n.getCause());
        }
        return cause;
    }
}
