package dev.josef.kafka.net;

/** How a connection to a broker is secured, named as Kafka's {@code security.protocol} setting names it. */
public enum SecurityProtocol {
    PLAINTEXT(false, false),
    SSL(true, false),
    SASL_PLAINTEXT(false, true),
    SASL_SSL(true, true);

    private final boolean tls;
    private final boolean sasl;

    SecurityProtocol(boolean tls, boolean sasl) {
        this.tls = tls;
        this.sasl = sasl;
    }

    public boolean usesTls() {
        return tls;
    }

    public boolean usesSasl() {
        return sasl;
    }
}
