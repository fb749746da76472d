package dev.josef.kafka.protocol;

/**
 * A message cannot be written at the version asked for: the version is outside
 * the message's range, or a field holds a value that this version cannot carry
 * and the field is not marked ignorable in Kafka's spec.
 */
public class UnsupportedVersionException extends KafkaException {
    private static final long serialVersionUID = 1L;

    public UnsupportedVersionException(String message) {
        super(message);
    }
}
