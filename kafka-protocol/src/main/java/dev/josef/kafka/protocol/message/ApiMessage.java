package dev.josef.kafka.protocol.message;

import dev.josef.kafka.protocol.ApiKey;

/** The body of a request or a response. */
public interface ApiMessage extends Message {
    ApiKey apiKey();

    /**
     * How long the broker asks the client to hold back its next request on this
     * connection (KIP-219); 0 for messages without the field. Generated responses
     * that carry a ThrottleTimeMs field return it.
     */
    default int throttleTimeMs() {
        return 0;
    }
}
