package dev.josef.kafka.testkit;

/** A broker listener, named by its security protocol. PLAINTEXT is always on. */
public enum Listener {
    PLAINTEXT,
    SSL,
    SASL_PLAINTEXT,
    SASL_SSL;

    boolean usesTls() {
        return this == SSL || this == SASL_SSL;
    }

    boolean usesSasl() {
        return this == SASL_PLAINTEXT || this == SASL_SSL;
    }
}
