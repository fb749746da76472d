package dev.josef.kafka.protocol;

/**
 * Bytes that do not follow the Kafka protocol: a truncated frame, a length that
 * points past the end of the data, a varint that never ends, a batch whose CRC
 * does not match. Decoding throws this and nothing else for malformed input.
 */
public class ProtocolException extends KafkaException {
    private static final long serialVersionUID = 1L;

    public ProtocolException(String message) {
        super(message);
    }

    public ProtocolException(String message, Throwable cause) {
        super(message, cause);
    }
}
