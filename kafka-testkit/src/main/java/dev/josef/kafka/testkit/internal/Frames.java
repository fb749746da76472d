package dev.josef.kafka.testkit.internal;

import java.io.DataInputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.OutputStream;

/** Kafka's framing: an int32 size, then that many bytes of header and body. */
final class Frames {
    /**
     * The largest frame either side may send. Brokers refuse requests above
     * {@code socket.request.max.bytes} (100 MiB by default) and a fetch response
     * is bounded by the client's {@code fetch.max.bytes} (50 MiB by default);
     * anything beyond this is a broken stream, not a big message.
     */
    static final int MAX_FRAME_BYTES = 128 << 20;

    private Frames() {
    }

    /** A frame that cannot be right; the connection it came on is closed. */
    static final class BadFrameException extends IOException {
        private static final long serialVersionUID = 1L;

        BadFrameException(String message) {
            super(message);
        }
    }

    /** The next frame without its size prefix, or null if the stream ended cleanly before one began. */
    static byte[] read(DataInputStream in) throws IOException {
        int first = in.read();
        if (first < 0) {
            return null;
        }
        int size = (first << 24) | (in.readUnsignedByte() << 16) | (in.readUnsignedByte() << 8) | in.readUnsignedByte();
        if (size < 0 || size > MAX_FRAME_BYTES) {
            throw new BadFrameException("frame size " + size + " is outside 0.." + MAX_FRAME_BYTES);
        }
        byte[] frame = new byte[size];
        try {
            in.readFully(frame);
        } catch (EOFException e) {
            throw new BadFrameException("stream ended inside a frame of " + size + " bytes");
        }
        return frame;
    }

    static void write(OutputStream out, byte[] frame) throws IOException {
        int size = frame.length;
        out.write(new byte[] {(byte) (size >>> 24), (byte) (size >>> 16), (byte) (size >>> 8), (byte) size});
        out.write(frame);
        out.flush();
    }
}
