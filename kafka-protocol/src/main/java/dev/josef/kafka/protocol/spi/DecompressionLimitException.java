package dev.josef.kafka.protocol.spi;

import java.io.IOException;

/**
 * Thrown by a codec that can tell, before decoding it, that compressed content
 * is larger than the {@code maxDecompressedBytes} it was given: the reader then
 * reports the batch as over its limit, as when it stops reading there itself.
 */
public class DecompressionLimitException extends IOException {
    private static final long serialVersionUID = 1L;

    public DecompressionLimitException(String message) {
        super(message);
    }
}
