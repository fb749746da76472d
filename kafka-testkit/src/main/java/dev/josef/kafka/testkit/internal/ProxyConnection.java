package dev.josef.kafka.testkit.internal;

import dev.josef.kafka.protocol.ApiKey;
import dev.josef.kafka.protocol.message.ApiMessage;
import dev.josef.kafka.protocol.message.ProduceRequest;
import dev.josef.kafka.testkit.internal.Frames.BadFrameException;

import java.io.BufferedInputStream;
import java.io.BufferedOutputStream;
import java.io.DataInputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.net.Socket;
import java.nio.ByteBuffer;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * One client connection and the broker connection behind it, pumped by two
 * threads: requests (client to broker) and responses (broker to client).
 *
 * <p>Threading: the request thread alone reads the client socket and writes the
 * broker socket; the response thread alone reads the broker socket and writes the
 * client socket. They share {@code inFlight} (a concurrent map: the request thread
 * adds before it forwards, the response thread removes). Any thread may call
 * {@link #close}; {@code closed} makes it happen once, and closing both sockets
 * wakes both threads from their blocking reads.
 */
final class ProxyConnection {
    private static final System.Logger LOG = System.getLogger(ProxyConnection.class.getName());
    // Every request header (v1 and v2) starts with api key, api version, correlation id.
    private static final int REQUEST_HEADER_PREFIX = 8;
    private static final int RESPONSE_HEADER_PREFIX = 4;

    /**
     * The API and version of a request, to read its response with; apiKey is null
     * for an API Josef does not know. {@code refusal} is the rule that made the
     * broker refuse records of this request, to edit its response; usually null.
     */
    private record InFlight(ApiKey apiKey, short version, FaultRule refusal) {
    }

    private final ProxyServer server;
    private final String name;
    private final Socket client;
    private final Socket broker;
    private final ResponseEditor editor;
    private final Map<Integer, InFlight> inFlight = new ConcurrentHashMap<>();
    private final AtomicBoolean closed = new AtomicBoolean();
    private final CountDownLatch closedLatch = new CountDownLatch(1);
    // Written by the response thread only; once a response is swallowed, every later
    // one on the connection is too: Kafka answers a connection's requests in order,
    // and a client that got a later answer would see a correlation id mismatch
    // instead of the timeout the rule is there to cause.
    private boolean silenced;

    ProxyConnection(ProxyServer server, String name, Socket client, Socket broker) {
        this.server = server;
        this.name = name;
        this.client = client;
        this.broker = broker;
        this.editor = new ResponseEditor(server);
    }

    String name() {
        return name;
    }

    boolean isOpen() {
        return !closed.get();
    }

    void start() {
        server.startThread(name + "-requests", this::pumpRequests);
        server.startThread(name + "-responses", this::pumpResponses);
    }

    /** Closes both sockets; true if this call closed the connection, false if it already was. */
    boolean close(String reason) {
        return close(reason, null);
    }

    /** As {@link #close(String)}, running {@code onClose} once it is decided, before the client can see it. */
    boolean close(String reason, Runnable onClose) {
        if (!closed.compareAndSet(false, true)) {
            return false;
        }
        if (onClose != null) {
            onClose.run();
        }
        LOG.log(System.Logger.Level.DEBUG, "{0} closed: {1}", name, reason);
        closedLatch.countDown();
        closeQuietly(client);
        closeQuietly(broker);
        server.connectionClosed(this);
        return true;
    }

    private void pumpRequests() {
        try {
            DataInputStream in = new DataInputStream(new BufferedInputStream(client.getInputStream(), 64 * 1024));
            OutputStream out = new BufferedOutputStream(broker.getOutputStream(), 64 * 1024);
            while (!closed.get()) {
                byte[] frame = Frames.read(in);
                if (frame == null) {
                    close("the client closed the connection");
                    return;
                }
                if (frame.length < REQUEST_HEADER_PREFIX) {
                    throw new BadFrameException("a request of " + frame.length + " bytes cannot hold a request header");
                }
                ByteBuffer prefix = ByteBuffer.wrap(frame);
                short apiKeyId = prefix.getShort(0);
                short version = prefix.getShort(2);
                int correlationId = prefix.getInt(4);
                ApiKey apiKey = ApiKey.isKnown(apiKeyId) ? ApiKey.forId(apiKeyId) : null;
                boolean expectsResponse = true;
                FaultRule refusal = null;
                if (apiKey != null) {
                    ApiMessage request = null;
                    boolean decoded = false;
                    if (apiKey == ApiKey.PRODUCE) {
                        request = RequestInspector.decode(apiKey, version, frame);
                        decoded = true;
                        expectsResponse = request == null || RequestInspector.expectsResponse(request);
                    }
                    for (FaultRule rule : server.requestRules(apiKey)) {
                        if (rule.filtersPartitions() && !decoded) {
                            request = RequestInspector.decode(apiKey, version, frame);
                            decoded = true;
                        }
                        boolean matches = !rule.filtersPartitions()
                                || (request != null && RequestInspector.matches(rule, request, server::topicName));
                        if (rule.spec().refuse()) {
                            byte[] refused = request instanceof ProduceRequest produce && matches && refusal == null
                                    ? RequestInspector.refuseRecords(rule, version, frame, produce, server::topicName)
                                    : null;
                            if (refused != null && rule.tryFire()) {
                                frame = refused;
                                refusal = rule;
                            }
                            continue;
                        }
                        if (matches && rule.tryFire()) {
                            close(rule + " cut the connection before a " + apiKey.title() + " request");
                            return;
                        }
                    }
                }
                if (expectsResponse && inFlight.putIfAbsent(correlationId, new InFlight(apiKey, version, refusal)) != null) {
                    throw new BadFrameException("the client reused correlation id " + correlationId + " while a request with it was in flight");
                }
                Frames.write(out, frame);
            }
        } catch (BadFrameException e) {
            if (isOpen()) {
                LOG.log(System.Logger.Level.WARNING, "{0}: bad frame from the client, closing: {1}", name, e.getMessage());
            }
            close("bad frame from the client: " + e.getMessage());
        } catch (IOException e) {
            close("request side: " + e);
        } catch (RuntimeException e) {
            if (isOpen()) {
                LOG.log(System.Logger.Level.WARNING, name + ": unexpected failure on the request side, closing", e);
            }
            close("unexpected failure on the request side: " + e);
        }
    }

    private void pumpResponses() {
        try {
            DataInputStream in = new DataInputStream(new BufferedInputStream(broker.getInputStream(), 64 * 1024));
            OutputStream out = new BufferedOutputStream(client.getOutputStream(), 64 * 1024);
            while (!closed.get()) {
                byte[] frame = Frames.read(in);
                if (frame == null) {
                    close("the broker closed the connection");
                    return;
                }
                if (frame.length < RESPONSE_HEADER_PREFIX) {
                    throw new BadFrameException("a response of " + frame.length + " bytes cannot hold a response header");
                }
                int correlationId = ByteBuffer.wrap(frame).getInt(0);
                InFlight request = inFlight.remove(correlationId);
                if (request == null) {
                    throw new BadFrameException("the broker answered correlation id " + correlationId + ", which no request in flight has");
                }
                if (silenced) {
                    continue;
                }
                ResponseEditor.Outcome outcome = request.apiKey() == null
                        ? new ResponseEditor.Outcome(frame, 0, FaultRule.Drop.NONE)
                        : editor.edit(request.apiKey(), request.version(), frame, request.refusal());
                if (outcome.delayNanos() > 0 && closedLatch.await(outcome.delayNanos(), TimeUnit.NANOSECONDS)) {
                    return;
                }
                switch (outcome.drop()) {
                    case SWALLOW_RESPONSE:
                        silenced = true;
                        LOG.log(System.Logger.Level.DEBUG, "{0}: swallowed the response to correlation id {1}; the connection stays silent",
                                name, correlationId);
                        break;
                    case CUT_AFTER_REQUEST:
                        close("a rule cut the connection after the broker answered correlation id " + correlationId);
                        return;
                    default:
                        Frames.write(out, outcome.frame());
                }
            }
        } catch (BadFrameException e) {
            if (isOpen()) {
                LOG.log(System.Logger.Level.WARNING, "{0}: bad frame from the broker, closing: {1}", name, e.getMessage());
            }
            close("bad frame from the broker: " + e.getMessage());
        } catch (IOException e) {
            close("response side: " + e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            close("interrupted");
        } catch (RuntimeException e) {
            if (isOpen()) {
                LOG.log(System.Logger.Level.WARNING, name + ": unexpected failure on the response side, closing", e);
            }
            close("unexpected failure on the response side: " + e);
        }
    }

    private static void closeQuietly(Socket socket) {
        try {
            socket.close();
        } catch (IOException e) {
            // closing; nothing left to do with it
        }
    }
}
