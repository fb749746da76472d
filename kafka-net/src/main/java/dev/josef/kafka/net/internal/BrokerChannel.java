package dev.josef.kafka.net.internal;

import dev.josef.kafka.net.NetworkException;
import dev.josef.kafka.net.RequestTimeoutException;
import dev.josef.kafka.protocol.ApiKey;
import dev.josef.kafka.protocol.ErrorCode;
import dev.josef.kafka.protocol.KafkaException;
import dev.josef.kafka.protocol.ProtocolException;
import dev.josef.kafka.protocol.UnsupportedVersionException;
import dev.josef.kafka.protocol.internal.WireReader;
import dev.josef.kafka.protocol.message.ApiMessage;
import dev.josef.kafka.protocol.message.ApiMessages;
import dev.josef.kafka.protocol.message.ApiVersionsRequest;
import dev.josef.kafka.protocol.message.ApiVersionsResponse;
import dev.josef.kafka.protocol.message.RequestFrames;
import dev.josef.kafka.protocol.message.ResponseHeader;
import dev.josef.kafka.protocol.message.SaslAuthenticateRequest;
import dev.josef.kafka.protocol.message.SaslAuthenticateResponse;
import dev.josef.kafka.protocol.message.SaslHandshakeResponse;
import dev.josef.kafka.net.internal.sasl.SaslSession;

import javax.net.ssl.SSLEngine;
import javax.net.ssl.SSLException;
import javax.net.ssl.SSLParameters;

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
import java.util.concurrent.Executor;
import java.util.function.BiConsumer;
import java.util.function.Consumer;

/**
 * One TCP connection to one broker, for one kind of traffic. Connects, shakes
 * hands over TLS when asked to, asks the broker's API versions (KIP-35/511),
 * authenticates with SASL when asked to, then writes requests
 * in order, up to {@code maxInFlight} unanswered at once, and matches each
 * response to the oldest unanswered request: Kafka answers in order on a
 * connection, so any other correlation id is a broken stream.
 *
 * <p>Confined to the I/O thread: every field is read and written there only.
 */
final class BrokerChannel {
    enum State { CONNECTING, TLS_HANDSHAKE, NEGOTIATING, AUTHENTICATING, READY, REAUTHENTICATING, CLOSED }

    private static final short API_VERSIONS_VERSION = 3;

    final HostPort address;
    private final NetworkClientConfig config;
    private final BiConsumer<PendingRequest, Object> completer;
    private final Consumer<Runnable> onIoThread;
    private final Executor offIoThread;
    private final HostLookup lookup;
    private final Clock clock;
    private final Events events;
    private final Hooks hooks;
    private Transport transport;
    private SaslSession sasl;
    private Selector selector;
    /** When a reconnect backoff holds the connect back: the nanoTime to connect at; else 0. */
    private long connectAtNanos;
    /** Every address the host resolves to (KIP-302), tried in turn until one connects. */
    private java.util.List<java.net.InetAddress> addresses;
    private int addressIndex;
    private long lastActivityNanos;
    /** A broker's throttle (KIP-219): nothing is written before this nanoTime; 0 when none. */
    private long mutedUntilNanos;
    /** When to authenticate again on this connection (KIP-368); 0 when the broker set no session lifetime. */
    private long reauthenticateAtNanos;
    private boolean readyOnce;

    /** What the client that owns the channel learns of it. */
    interface Events {
        void ready(BrokerChannel channel);

        /** @param failed whether it closed because something went wrong (as opposed to idle or shutdown) */
        void closed(BrokerChannel channel, boolean failed);
    }
    private final ArrayDeque<PendingRequest> waiting = new ArrayDeque<>();
    private final ArrayDeque<PendingRequest> inFlight = new ArrayDeque<>();
    /** Frames to write, each as its pieces (a Produce's record batches are written from where they are). */
    private final ArrayDeque<ByteBuffer[]> writes = new ArrayDeque<>();
    /**
     * Requests the broker will not answer, in the order of their frames in
     * {@link #writes}: each completes when its frame is fully written. Frames are
     * matched by identity, as a frame buffer belongs to one request.
     */
    private final ArrayDeque<PendingRequest> unanswered = new ArrayDeque<>();
    private final ArrayDeque<ByteBuffer[]> unansweredFrames = new ArrayDeque<>();
    private final ByteBuffer sizeBuffer = ByteBuffer.allocate(4);
    private final Map<ApiKey, short[]> brokerVersions = new EnumMap<>(ApiKey.class);
    /** The cluster's finalized features as this broker told them at the handshake, and their epoch (-1: none). */
    private volatile Map<String, Short> finalizedFeatures = Map.of();
    private volatile long finalizedFeaturesEpoch = -1;
    private SocketChannel socket;
    private SelectionKey key;
    private ByteBuffer body;
    private State state = State.CONNECTING;
    private long connectDeadlineNanos;
    private int nextCorrelationId;
    private PendingRequest handshake;

    /**
     * @param onIoThread  runs a task on the I/O thread (for work handed back from elsewhere)
     * @param offIoThread runs a task off the I/O thread (for user code: SASL token providers)
     * @param resolver    looks host names up, off the I/O thread: one slow resolver must not stall every broker
     */
    BrokerChannel(HostPort address, NetworkClientConfig config, BiConsumer<PendingRequest, Object> completer,
                  Consumer<Runnable> onIoThread, Executor offIoThread, Executor resolver, Clock clock, Events events,
                  Hooks hooks) {
        this.events = events;
        this.hooks = hooks;
        this.address = address;
        this.config = config;
        this.completer = completer;
        this.onIoThread = onIoThread;
        this.offIoThread = offIoThread;
        this.lookup = new HostLookup(resolver, onIoThread);
        this.clock = clock;
    }

    State state() {
        return state;
    }

    boolean isIdle() {
        return waiting.isEmpty() && inFlight.isEmpty() && unanswered.isEmpty();
    }

    /** Connects now, or at {@code notBeforeNanos} when a reconnect backoff holds it back. */
    void connect(Selector selector, long now, long notBeforeNanos) {
        this.selector = selector;
        this.lastActivityNanos = now;
        if (notBeforeNanos - now > 0) {
            connectAtNanos = notBeforeNanos;
            return;
        }
        startConnect(now);
    }

    /** Looks the host up (off the I/O thread, within the connect timeout), then connects. */
    private void startConnect(long now) {
        connectAtNanos = 0;
        connectDeadlineNanos = now + config.connectTimeout().toNanos();
        lookup.start(address.host(), new HostLookup.Answer() {
            @Override
            public void resolved(java.util.List<java.net.InetAddress> found) {
                addresses = found;
                addressIndex = 0;
                connectTo(clock.nanoTime());
            }

            @Override
            public void failed(Exception cause) {
                close(new NetworkException("cannot resolve " + address.host() + ": " + cause.getMessage(), false, cause));
            }
        });
    }

    private void connectTo(long now) {
        try {
            socket = SocketChannel.open();
            socket.configureBlocking(false);
            // Requests go out whole (one gathering write each): Nagle's algorithm would only hold back the
            // tail of one, waiting on the broker's delayed ACK, as kafka-clients also avoids.
            socket.setOption(java.net.StandardSocketOptions.TCP_NODELAY, true);
            socket.socket().setTcpNoDelay(true);
            socket.socket().setKeepAlive(true);
            key = socket.register(selector, SelectionKey.OP_CONNECT, this);
            connectDeadlineNanos = now + config.connectTimeout().toNanos();
            if (socket.connect(new InetSocketAddress(addresses.get(addressIndex), address.port()))) {
                onConnected(now);
            }
        } catch (IOException | RuntimeException e) {
            connectFailed(now, e);
        }
    }

    /** A connect attempt failed: the next address of the host, or the end. */
    private void connectFailed(long now, Exception e) {
        if (addresses != null && addressIndex + 1 < addresses.size()) {
            closeSocket();
            addressIndex++;
            connectTo(now);
            return;
        }
        String why = e == null ? "not within " + config.connectTimeout() : e.getMessage();
        close(new NetworkException("cannot connect to " + address + ": " + why, false, e));
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
            if (state == State.CONNECTING) {
                try {
                    if (key.isConnectable() && socket.finishConnect()) {
                        onConnected(now);
                    }
                } catch (IOException e) {
                    connectFailed(now, e);
                }
                return;
            }
            if (state == State.TLS_HANDSHAKE) {
                progressTlsHandshake(now);
                return;
            }
            if (state != State.CLOSED && key.isValid() && key.isReadable()) {
                read(now);
            }
            if (state != State.CLOSED && key.isValid() && key.isWritable()) {
                flush();
            }
        } catch (SSLException e) {
            close(new dev.josef.kafka.net.TlsException("TLS with " + address + " failed: " + e.getMessage()
                    + " (no request was sent)", e));
        } catch (IOException e) {
            if (state == State.CONNECTING) {
                close(new NetworkException("cannot connect to " + address + ": " + e.getMessage(), false, e));
            } else {
                close(new NetworkException("connection to " + address + " lost: " + e.getMessage(), true, e));
            }
        } catch (ProtocolException e) {
            close(new ProtocolException("broker " + address + " sent a malformed response; closing the connection: "
                    + e.getMessage(), e));
        } catch (KafkaException e) {
            // SASL refused the credentials, or the broker refused the mechanism: every
            // request waiting on this connection fails with that, not with a retry.
            close(e);
        } catch (RuntimeException e) {
            // Anything else (a TLS provider's runtime error, say) must still end this
            // connection cleanly, never leave it half set up.
            String what = state == State.TLS_HANDSHAKE ? "TLS with " + address + " failed: "
                    : "connection to " + address + " failed: ";
            close(new NetworkException(what + e, state == State.READY, e));
        }
    }

    /** Fails what waited or went unanswered too long; returns the nanoTime of the next deadline. */
    long checkDeadlines(long now) {
        if (state == State.CONNECTING && socket == null && connectAtNanos != 0 && now - connectAtNanos >= 0) {
            startConnect(now);
        }
        if (state == State.CONNECTING && lookup.running() && now - connectDeadlineNanos >= 0) {
            lookup.cancel();
            close(new NetworkException("cannot resolve " + address.host() + ": no answer within "
                    + config.connectTimeout(), false, null));
            return Long.MAX_VALUE;
        }
        if (state == State.CONNECTING && socket != null && now - connectDeadlineNanos >= 0) {
            connectFailed(now, null);
            if (state == State.CLOSED) {
                return Long.MAX_VALUE;
            }
        }
        if (state == State.READY && isIdle() && writes.isEmpty()
                && now - lastActivityNanos >= config.connectionsMaxIdle().toNanos()) {
            close(null); // idle: nothing waits on it
            return Long.MAX_VALUE;
        }
        if (mutedUntilNanos != 0 && now - mutedUntilNanos >= 0) {
            mutedUntilNanos = 0;
            writeWaiting(now);
        }
        if (state == State.READY && reauthenticateAtNanos != 0 && now - reauthenticateAtNanos >= 0) {
            // KIP-368: hold new requests, let those in flight finish, then authenticate again.
            reauthenticateAtNanos = 0;
            state = State.REAUTHENTICATING;
            reauthenticateWhenDrained(now);
        }
        if (state != State.READY && state != State.CONNECTING && state != State.CLOSED && state != State.REAUTHENTICATING
                && now - (connectDeadlineNanos + config.requestTimeout().toNanos()) >= 0) {
            close(new NetworkException("could not set up the connection to " + address + " in time (still in "
                    + state + ")", false, null));
            return Long.MAX_VALUE;
        }
        for (PendingRequest r : inFlight) {
            if (now - r.deadlineNanos >= 0) {
                // A late answer could no longer be matched: the connection goes.
                RequestTimeoutException timeout = new RequestTimeoutException(r.describe() + " to " + address
                        + " got no answer within " + config.requestTimeout(), true);
                inFlight.remove(r);
                if (r.future != null) {
                    completer.accept(r, timeout);
                }
                close(new NetworkException("connection to " + address + " closed after a request timed out", true, null));
                return Long.MAX_VALUE;
            }
        }
        PendingRequest oldestUnanswered = unanswered.peek();
        if (oldestUnanswered != null && now - oldestUnanswered.deadlineNanos >= 0) {
            // Its bytes could not all be written in time: the socket is stuck.
            close(new NetworkException("connection to " + address + " closed: " + oldestUnanswered.describe()
                    + " could not be written within " + config.requestTimeout(), true, null));
            return Long.MAX_VALUE;
        }
        long next = state != State.CONNECTING ? Long.MAX_VALUE
                : lookup.running() || socket != null ? connectDeadlineNanos : connectAtNanos;
        if (oldestUnanswered != null) {
            next = Math.min(next, oldestUnanswered.deadlineNanos);
        }
        if (reauthenticateAtNanos != 0) {
            next = Math.min(next, reauthenticateAtNanos);
        }
        if (mutedUntilNanos != 0) {
            next = Math.min(next, mutedUntilNanos);
        }
        if (state == State.READY && isIdle()) {
            next = Math.min(next, lastActivityNanos + config.connectionsMaxIdle().toNanos());
        }
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
        Security security = config.security();
        if (security.protocol().usesTls()) {
            SSLEngine engine = security.sslContext().createSSLEngine(address.host(), address.port());
            engine.setUseClientMode(true);
            if (security.verifyHostname()) {
                SSLParameters parameters = engine.getSSLParameters();
                parameters.setEndpointIdentificationAlgorithm("HTTPS");
                engine.setSSLParameters(parameters);
            }
            transport = new TlsTransport(socket, engine);
            state = State.TLS_HANDSHAKE;
            progressTlsHandshake(now);
            return;
        }
        transport = Transport.plaintext(socket);
        askApiVersions(now);
    }

    private void progressTlsHandshake(long now) throws IOException {
        if (transport.handshake()) {
            askApiVersions(now);
        } else {
            key.interestOps(transport.handshakeWantsWrite() ? SelectionKey.OP_WRITE : SelectionKey.OP_READ);
        }
    }

    private void askApiVersions(long now) throws IOException {
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
        if (state != State.READY) {
            return; // still setting up, or re-authenticating: requests wait
        }
        if (mutedUntilNanos != 0 && mutedUntilNanos - now > 0) {
            return; // the broker asked us to hold back (KIP-219)
        }
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
        ApiKey api = r.api;
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
        ApiMessage message = r.bodyForVersion.apply(version);
        if (message.apiKey() != r.api) {
            throw new IllegalArgumentException("a " + r.api.title() + " request was asked for, but the body is "
                    + message.apiKey().title());
        }
        ByteBuffer[] frame = RequestFrames.encodeGathering(message, version, r.correlationId, config.clientId());
        writes.add(frame);
        if (r.expectsResponse) {
            inFlight.add(r);
        } else {
            unanswered.add(r);
            unansweredFrames.add(frame);
        }
        r.sent = true;
        r.sentAtNanos = clock.nanoTime();
        lastActivityNanos = r.sentAtNanos;
        if (!hooks.isEmpty()) {
            int bytes = 0;
            for (ByteBuffer piece : frame) {
                bytes += piece.remaining();
            }
            hooks.requestWritten(address.toString(), r.api, version, bytes);
        }
    }

    private void flush() throws IOException {
        while (true) {
            if (!transport.flushPending()) {
                key.interestOps(key.interestOps() | SelectionKey.OP_WRITE);
                return;
            }
            ByteBuffer[] head = writes.peek();
            if (head == null) {
                break;
            }
            transport.write(head);
            if (head[head.length - 1].hasRemaining()) {
                key.interestOps(key.interestOps() | SelectionKey.OP_WRITE);
                return;
            }
            writes.poll();
            if (unansweredFrames.peek() == head) {
                unansweredFrames.poll();
                completer.accept(unanswered.poll(), null);
            }
        }
        key.interestOps(key.interestOps() & ~SelectionKey.OP_WRITE);
    }

    private void read(long now) throws IOException {
        while (true) {
            if (body == null) {
                if (transport.read(sizeBuffer) < 0) {
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
            if (transport.read(body) < 0) {
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
        ApiKey api = r.api;
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
        lastActivityNanos = now;
        // A fresh reading: the answer may come within the same read loop that wrote
        // the request, after the loop's 'now' was taken.
        hooks.responseRead(address.toString(), api, r.version, frame.limit() + 4, clock.nanoTime() - r.sentAtNanos);
        int throttleMs = response.throttleTimeMs();
        if (throttleMs > 0) {
            mutedUntilNanos = now + throttleMs * 1_000_000L;
        }
        if (r.future == null) {
            onOwnResponse(response, now);
        } else {
            completer.accept(r, response);
            if (state == State.REAUTHENTICATING) {
                reauthenticateWhenDrained(now);
            } else {
                writeWaiting(now);
            }
        }
    }

    /** Answers to the channel's own requests: ApiVersions, then the SASL exchange. */
    private void onOwnResponse(ApiMessage response, long now) {
        if (response instanceof ApiVersionsResponse versions) {
            onApiVersions(versions, now);
        } else if (response instanceof SaslHandshakeResponse handshakeResponse) {
            sendOwn(sasl.onHandshake(handshakeResponse), now);
        } else if (response instanceof SaslAuthenticateResponse authenticate) {
            SaslAuthenticateRequest next = sasl.onAuthenticate(authenticate);
            if (next != null) {
                sendOwn(next, now);
            } else {
                becomeReady(now);
            }
        }
    }

    /** Writes one of the channel's own requests, at the highest version both sides speak. */
    private void sendOwn(ApiMessage request, long now) {
        PendingRequest own = new PendingRequest(request, request.apiKey().latestStableVersion(),
                now + config.requestTimeout().toNanos(), null);
        write(own, negotiate(own));
        try {
            flush();
        } catch (IOException e) {
            close(new NetworkException("connection to " + address + " lost: " + e.getMessage(), true, e));
        }
    }

    private void reauthenticateWhenDrained(long now) {
        if (inFlight.isEmpty()) {
            startSasl(now);
        }
    }

    private void startSasl(long now) {
        Security security = config.security();
        State authenticating = state == State.REAUTHENTICATING ? State.REAUTHENTICATING : State.AUTHENTICATING;
        state = authenticating;
        // Starting an exchange may call user code (an OAuth token provider) that
        // can block: it runs off the I/O thread and hands the session back.
        offIoThread.execute(() -> {
            try {
                SaslSession session = new SaslSession(security.saslMechanism(), security.saslCredentials(), address.host());
                onIoThread.accept(() -> {
                    if (state == authenticating) {
                        sasl = session;
                        PendingRequest own = new PendingRequest(session.handshakeRequest(), SaslSession.HANDSHAKE_VERSION,
                                clock.nanoTime() + config.requestTimeout().toNanos(), null);
                        write(own, SaslSession.HANDSHAKE_VERSION);
                        try {
                            flush();
                        } catch (IOException e) {
                            close(new NetworkException("connection to " + address + " lost: " + e.getMessage(), true, e));
                        }
                    }
                });
            } catch (RuntimeException e) {
                onIoThread.accept(() -> close(e));
            }
        });
    }

    /** The cluster's finalized features (name to level) this broker told at the handshake. */
    Map<String, Short> finalizedFeatures() {
        return finalizedFeatures;
    }

    long finalizedFeaturesEpoch() {
        return finalizedFeaturesEpoch;
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
        Map<String, Short> features = new java.util.TreeMap<>();
        for (ApiVersionsResponse.FinalizedFeatureKey f : response.finalizedFeatures()) {
            features.put(f.name(), f.maxVersionLevel());
        }
        finalizedFeatures = Map.copyOf(features);
        finalizedFeaturesEpoch = response.finalizedFeaturesEpoch();
        if (config.security().protocol().usesSasl()) {
            startSasl(now);
            return;
        }
        becomeReady(now);
    }

    private void becomeReady(long now) {
        state = State.READY;
        lastActivityNanos = now;
        if (sasl != null && sasl.sessionLifetimeMs() > 0) {
            // Ahead of expiry by a random 5-15%, as kafka-clients does, so that many
            // connections made together do not all re-authenticate together.
            double share = 0.85 + 0.10 * java.util.concurrent.ThreadLocalRandom.current().nextDouble();
            reauthenticateAtNanos = now + (long) (sasl.sessionLifetimeMs() * share) * 1_000_000L;
        }
        if (!readyOnce) {
            readyOnce = true;
            events.ready(this);
            hooks.connected(address.toString());
        }
        writeWaiting(now);
    }

    /**
     * Closes the socket and fails every request: those written with {@code cause}
     * as sent, the rest as not sent. A null cause is a close the client chose
     * (idle), with nothing waiting.
     */
    void close(RuntimeException cause) {
        if (state == State.CLOSED) {
            return;
        }
        boolean wasConnected = readyOnce || state == State.READY;
        state = State.CLOSED;
        lookup.cancel();
        closeSocket();
        RuntimeException failure = cause != null ? cause
                : new NetworkException("connection to " + address + " closed", false, null);
        for (PendingRequest r : inFlight) {
            if (r.future != null) {
                completer.accept(r, sentVariant(failure, true));
            }
        }
        inFlight.clear();
        // Not wholly written: the broker may have seen a part, or all but the end.
        for (PendingRequest r : unanswered) {
            completer.accept(r, sentVariant(failure, true));
        }
        unanswered.clear();
        unansweredFrames.clear();
        for (PendingRequest r : waiting) {
            completer.accept(r, sentVariant(failure, false));
        }
        waiting.clear();
        writes.clear();
        events.closed(this, cause != null);
        if (wasConnected) {
            hooks.disconnected(address.toString(), cause);
        }
    }

    private void closeSocket() {
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
    }

    private static RuntimeException sentVariant(RuntimeException cause, boolean sent) {
        if (cause instanceof NetworkException n && n.requestSent() != sent) {
            String message = n.getMessage().replaceFirst(" \\(the request (had been sent|was not sent).*\\)$", "");
            return new NetworkException(message, sent, n.getCause());
        }
        return cause;
    }
}
