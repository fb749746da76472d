package dev.josef.kafka.net.internal;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;

/**
 * The bytes of one connection: straight to the socket, or through TLS. The
 * channel above it speaks Kafka frames and does not care which.
 *
 * <p>Confined to the I/O thread, like the channel that owns it.
 */
interface Transport {

    /** Advances the TLS handshake, if any; true once application data can flow. */
    boolean handshake() throws IOException;

    /** Whether the handshake is waiting for the socket to be writable (else readable). */
    boolean handshakeWantsWrite();

    /** Reads application bytes into {@code dst}; -1 at end of stream. */
    int read(ByteBuffer dst) throws IOException;

    /** Writes from {@code src} as much as the socket takes now. */
    void write(ByteBuffer src) throws IOException;

    /** Writes from {@code srcs}, in order, as much as the socket takes now. */
    default void write(ByteBuffer[] srcs) throws IOException {
        for (ByteBuffer src : srcs) {
            write(src);
            if (src.hasRemaining()) {
                return;
            }
        }
    }

    /** Whether bytes accepted by {@link #write} still wait for the socket. */
    boolean hasPendingWrites();

    /** Pushes out bytes that {@link #write} could not; true when none remain. */
    boolean flushPending() throws IOException;

    static Transport plaintext(SocketChannel socket) {
        return new Transport() {
            @Override
            public boolean handshake() {
                return true;
            }

            @Override
            public boolean handshakeWantsWrite() {
                return false;
            }

            @Override
            public int read(ByteBuffer dst) throws IOException {
                return socket.read(dst);
            }

            @Override
            public void write(ByteBuffer src) throws IOException {
                socket.write(src);
            }

            @Override
            public void write(ByteBuffer[] srcs) throws IOException {
                socket.write(srcs); // one gathering write; pieces already written are skipped
            }

            @Override
            public boolean hasPendingWrites() {
                return false;
            }

            @Override
            public boolean flushPending() {
                return true;
            }
        };
    }
}
