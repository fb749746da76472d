package dev.josef.kafka.protocol.message;

import dev.josef.kafka.protocol.ApiKey;

/** The body of a request or a response. */
public interface ApiMessage extends Message {
    ApiKey apiKey();
}
