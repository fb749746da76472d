package dev.josef.kafka.net.internal;

import javax.net.ssl.SSLEngine;
import javax.net.ssl.SSLEngineResult;
import javax.net.ssl.SSLException;
import java.io.EOFException;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;

/**
 * TLS over a non-blocking socket with the JDK's {@link SSLEngine}. Records read
 * from the socket collect in {@code netIn} until one is complete; decrypted bytes
 * wait in {@code appIn} until the channel asks for them; encrypted bytes wait in
 * {@code netOut} until the socket takes them.
 *
 * <p>Confined to the I/O thread. The engine's delegated tasks (certificate
 * checks) run inline: they take milliseconds, once per connection.
 */
final class TlsTransport implements Transport {
    private static final ByteBuffer EMPTY = ByteBuffer.allocate(0);

    private final SocketChannel socket;
    private final SSLEngine engine;
    private ByteBuffer netIn;
    private ByteBuffer netOut;
    private ByteBuffer appIn;
    private boolean wantsWrite;

    TlsTransport(SocketChannel socket, SSLEngine engine) throws SSLException {
        this.socket = socket;
        this.engine = engine;
        int packet = engine.getSession().getPacketBufferSize();
        int app = engine.getSession().getApplicationBufferSize();
        this.netIn = ByteBuffer.allocate(packet);
        this.netOut = ByteBuffer.allocate(packet);
        this.netOut.flip(); // empty, in read mode
        this.appIn = ByteBuffer.allocate(app);
        this.appIn.flip();
        engine.beginHandshake();
    }

    @Override
    public boolean handshake() throws IOException {
        while (true) {
            if (!flushPending()) {
                wantsWrite = true;
                return false;
            }
            wantsWrite = false;
            switch (engine.getHandshakeStatus()) {
                case NEED_WRAP: {
                    netOut.compact();
                    SSLEngineResult result = engine.wrap(EMPTY, netOut);
                    netOut.flip();
                    if (result.getStatus() == SSLEngineResult.Status.BUFFER_OVERFLOW) {
                        netOut = growReadMode(netOut, engine.getSession().getPacketBufferSize());
                    } else if (result.getStatus() == SSLEngineResult.Status.CLOSED) {
                        throw new SSLException("the TLS engine closed during the handshake");
                    }
                    break;
                }
                case NEED_UNWRAP:
                case NEED_UNWRAP_AGAIN: {
                    if (!unwrapOnce()) {
                        return false; // wait for more bytes from the broker
                    }
                    break;
                }
                case NEED_TASK: {
                    Runnable task;
                    while ((task = engine.getDelegatedTask()) != null) {
                        task.run();
                    }
                    break;
                }
                default:
                    return flushPending();
            }
        }
    }

    @Override
    public boolean handshakeWantsWrite() {
        return wantsWrite;
    }

    /** Unwraps what {@code netIn} holds, reading the socket first; false when a whole record is not there yet. */
    private boolean unwrapOnce() throws IOException {
        int read = socket.read(netIn);
        if (read < 0 && netIn.position() == 0) {
            throw new EOFException("the broker closed the connection during the TLS handshake");
        }
        SSLEngineResult result = unwrap();
        switch (result.getStatus()) {
            case BUFFER_UNDERFLOW:
                if (netIn.position() == netIn.capacity()) {
                    netIn = growWriteMode(netIn, engine.getSession().getPacketBufferSize());
                }
                return false;
            case BUFFER_OVERFLOW:
                appIn = growReadMode(appIn, engine.getSession().getApplicationBufferSize());
                return true;
            case CLOSED:
                throw new EOFException("the broker closed the TLS session");
            default:
                return true;
        }
    }

    /**
     * Decrypts what {@code netIn} holds into {@code appIn}; both keep their modes
     * (netIn write mode, appIn read mode) whatever the engine does.
     */
    private SSLEngineResult unwrap() throws SSLException {
        netIn.flip();
        appIn.compact();
        try {
            return engine.unwrap(netIn, appIn);
        } finally {
            netIn.compact();
            appIn.flip();
        }
    }

    @Override
    public int read(ByteBuffer dst) throws IOException {
        int total = 0;
        while (dst.hasRemaining()) {
            if (appIn.hasRemaining()) {
                int n = Math.min(appIn.remaining(), dst.remaining());
                ByteBuffer slice = appIn.slice(appIn.position(), n);
                dst.put(slice);
                appIn.position(appIn.position() + n);
                total += n;
                continue;
            }
            int before = netIn.position();
            int read = socket.read(netIn);
            if (read < 0 && before == 0) {
                return total > 0 ? total : -1;
            }
            SSLEngineResult result = unwrap();
            if (result.getStatus() == SSLEngineResult.Status.CLOSED) {
                return total > 0 ? total : -1;
            }
            if (result.getStatus() == SSLEngineResult.Status.BUFFER_OVERFLOW) {
                appIn = growReadMode(appIn, engine.getSession().getApplicationBufferSize());
                continue;
            }
            if (result.getStatus() == SSLEngineResult.Status.BUFFER_UNDERFLOW) {
                if (netIn.position() == netIn.capacity()) {
                    netIn = growWriteMode(netIn, engine.getSession().getPacketBufferSize());
                    continue;
                }
                if (read <= 0) {
                    break; // nothing more for now
                }
            }
            if (result.bytesProduced() == 0 && read <= 0 && !appIn.hasRemaining()) {
                break;
            }
        }
        return total;
    }

    @Override
    public void write(ByteBuffer src) throws IOException {
        while (src.hasRemaining()) {
            if (!flushPending()) {
                return; // the socket is full; the channel waits for OP_WRITE
            }
            netOut.compact();
            SSLEngineResult result;
            try {
                result = engine.wrap(src, netOut);
            } finally {
                netOut.flip();
            }
            if (result.getStatus() == SSLEngineResult.Status.BUFFER_OVERFLOW) {
                netOut = growReadMode(netOut, engine.getSession().getPacketBufferSize());
            } else if (result.getStatus() == SSLEngineResult.Status.CLOSED) {
                throw new SSLException("the TLS session is closed");
            }
        }
        flushPending();
    }

    @Override
    public boolean hasPendingWrites() {
        return netOut.hasRemaining();
    }

    @Override
    public boolean flushPending() throws IOException {
        while (netOut.hasRemaining()) {
            if (socket.write(netOut) == 0) {
                return false;
            }
        }
        return true;
    }

    /** netIn is kept in write mode (its data is 0..position): a larger one, still in write mode. */
    private static ByteBuffer growWriteMode(ByteBuffer buffer, int atLeast) {
        ByteBuffer bigger = ByteBuffer.allocate(Math.max(buffer.capacity() * 2, atLeast));
        bigger.put(buffer.duplicate().flip());
        return bigger;
    }

    /** netOut and appIn are kept in read mode (data is position..limit): a larger one, still in read mode. */
    private static ByteBuffer growReadMode(ByteBuffer buffer, int atLeast) {
        ByteBuffer bigger = ByteBuffer.allocate(Math.max(buffer.capacity() * 2, atLeast));
        bigger.put(buffer.duplicate());
        return bigger.flip();
    }
}
