package dev.josef.kafka.net;

import dev.josef.kafka.net.internal.HostPort;
import dev.josef.kafka.net.internal.sasl.SaslMechanisms;
import dev.josef.kafka.net.spi.ClientHook;
import dev.josef.kafka.net.spi.Hook;
import dev.josef.kafka.net.spi.SaslCredentials;
import dev.josef.kafka.net.spi.SaslMechanism;

import javax.net.ssl.SSLContext;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ThreadFactory;

/**
 * How a client reaches a Kafka cluster: where to bootstrap from, the timeouts and
 * backoffs of its connections, and how they are secured (TLS, SASL).
 *
 * <p>Immutable. Build one with {@link #builder()}, whose setters check each value
 * as it is given and whose {@link Builder#build()} checks the rules between them,
 * or from kafka-clients property names with {@link #fromProperties(Map)}.
 * Secrets (passwords, {@code sasl.jaas.config}) never appear in
 * {@link #toString()} or in an exception message.
 *
 * <p>{@link #retryBackoff()} and {@link #retryBackoffMax()} pace the retries of
 * the clients built on this configuration (kafka-admin's partition retries); the
 * network engine's own resends of requests that are safe to send again wait
 * 100 ms, doubling to 1 s.
 */
public final class NetworkConfig {

    /** Kafka's default: no client id. */
    public static final String DEFAULT_CLIENT_ID = "";
    public static final Duration DEFAULT_REQUEST_TIMEOUT = Duration.ofSeconds(30);
    public static final Duration DEFAULT_CONNECT_TIMEOUT = Duration.ofSeconds(10);
    public static final int DEFAULT_MAX_IN_FLIGHT_PER_CONNECTION = 5;
    public static final Duration DEFAULT_RECONNECT_BACKOFF = Duration.ofMillis(50);
    public static final Duration DEFAULT_RECONNECT_BACKOFF_MAX = Duration.ofSeconds(1);
    public static final Duration DEFAULT_RETRY_BACKOFF = Duration.ofMillis(100);
    public static final Duration DEFAULT_RETRY_BACKOFF_MAX = Duration.ofSeconds(1);
    public static final Duration DEFAULT_CONNECTIONS_MAX_IDLE = Duration.ofMinutes(9);
    public static final Duration DEFAULT_METADATA_MAX_AGE = Duration.ofMinutes(5);
    public static final SecurityProtocol DEFAULT_SECURITY_PROTOCOL = SecurityProtocol.PLAINTEXT;
    /** As in kafka-clients on Java 11 and later; the JDK then also enables TLSv1.2. */
    public static final String DEFAULT_SSL_PROTOCOL = "TLSv1.3";

    /**
     * The kafka-clients property names {@link #fromProperties(Map)} reads, for a
     * client's own configuration to pass these on and keep the rest.
     */
    public static final Set<String> PROPERTY_NAMES = Set.of("bootstrap.servers", "client.id", "request.timeout.ms",
            "socket.connection.setup.timeout.ms", "max.in.flight.requests.per.connection", "reconnect.backoff.ms",
            "reconnect.backoff.max.ms", "retry.backoff.ms", "retry.backoff.max.ms", "connections.max.idle.ms",
            "metadata.max.age.ms", "security.protocol", "sasl.mechanism", "sasl.jaas.config",
            "ssl.truststore.location", "ssl.truststore.password", "ssl.truststore.type", "ssl.truststore.certificates",
            "ssl.keystore.location", "ssl.keystore.password", "ssl.keystore.type", "ssl.key.password",
            "ssl.endpoint.identification.algorithm", "ssl.protocol", "ssl.enabled.protocols");

    // The request header's client id is a protocol string: an int16 length.
    private static final int MAX_CLIENT_ID_LENGTH = Short.MAX_VALUE;

    private final List<String> bootstrapServers;
    private final String clientId;
    private final Duration requestTimeout;
    private final Duration connectTimeout;
    private final int maxInFlightPerConnection;
    private final Duration reconnectBackoff;
    private final Duration reconnectBackoffMax;
    private final Duration retryBackoff;
    private final Duration retryBackoffMax;
    private final Duration connectionsMaxIdle;
    private final Duration metadataMaxAge;
    private final SecurityProtocol securityProtocol;
    private final SaslMechanism saslMechanism;
    private final SaslCredentials saslCredentials;
    private final SslStore sslTrustStore;
    private final boolean sslTrustJdkDefault;
    private final SslStore sslKeyStore;
    private final SSLContext sslContext;
    private final boolean sslVerifyHostname;
    private final String sslProtocol;
    private final List<String> sslEnabledProtocols;
    private final List<ClientHook> hooks;
    private final List<Hook> clientHooks;
    private final ThreadFactory threadFactory;

    private NetworkConfig(Builder b, SaslMechanism saslMechanism, boolean sslTrustJdkDefault) {
        this.bootstrapServers = b.bootstrapServers;
        this.clientId = b.clientId;
        this.requestTimeout = b.requestTimeout;
        this.connectTimeout = b.connectTimeout;
        this.maxInFlightPerConnection = b.maxInFlightPerConnection;
        this.reconnectBackoff = b.reconnectBackoff;
        // As kafka-clients does: a maximum below the base means a constant backoff at the base.
        this.reconnectBackoffMax = max(b.reconnectBackoff, b.reconnectBackoffMax);
        this.retryBackoff = b.retryBackoff;
        this.retryBackoffMax = max(b.retryBackoff, b.retryBackoffMax);
        this.connectionsMaxIdle = b.connectionsMaxIdle;
        this.metadataMaxAge = b.metadataMaxAge;
        this.securityProtocol = b.securityProtocol;
        this.saslMechanism = saslMechanism;
        this.saslCredentials = b.saslCredentials;
        this.sslTrustStore = b.sslTrustStore;
        this.sslTrustJdkDefault = sslTrustJdkDefault;
        this.sslKeyStore = b.sslKeyStore;
        this.sslContext = b.sslContext;
        this.sslVerifyHostname = b.sslVerifyHostname;
        this.sslProtocol = b.sslProtocol;
        this.sslEnabledProtocols = b.sslEnabledProtocols;
        this.hooks = List.copyOf(b.hooks);
        this.clientHooks = List.copyOf(b.clientHooks);
        this.threadFactory = b.threadFactory;
    }

    public static Builder builder() {
        return new Builder();
    }

    /**
     * A configuration from kafka-clients property names; see
     * {@link Builder#properties(Map)} for the names and how they are read.
     *
     * @throws IllegalArgumentException naming the property for an unknown name or a
     *                                  bad value, or the rule between settings that fails
     */
    public static NetworkConfig fromProperties(Map<String, ?> properties) {
        return builder().properties(properties).build();
    }

    /** A builder holding this configuration, to change a few settings of it. */
    public Builder toBuilder() {
        Builder b = new Builder();
        b.bootstrapServers = bootstrapServers;
        b.clientId = clientId;
        b.requestTimeout = requestTimeout;
        b.connectTimeout = connectTimeout;
        b.maxInFlightPerConnection = maxInFlightPerConnection;
        b.reconnectBackoff = reconnectBackoff;
        b.reconnectBackoffMax = reconnectBackoffMax;
        b.retryBackoff = retryBackoff;
        b.retryBackoffMax = retryBackoffMax;
        b.connectionsMaxIdle = connectionsMaxIdle;
        b.metadataMaxAge = metadataMaxAge;
        b.securityProtocol = securityProtocol;
        b.saslMechanism = saslMechanism;
        b.saslCredentials = saslCredentials;
        b.sslTrustStore = sslTrustStore;
        b.sslTrustJdkDefault = sslTrustJdkDefault;
        b.sslKeyStore = sslKeyStore;
        b.sslContext = sslContext;
        b.sslVerifyHostname = sslVerifyHostname;
        b.sslProtocol = sslProtocol;
        b.sslEnabledProtocols = sslEnabledProtocols;
        b.hooks.addAll(hooks);
        b.clientHooks.addAll(clientHooks);
        b.threadFactory = threadFactory;
        return b;
    }

    /** The bootstrap addresses as {@code host:port} ({@code [v6-address]:port}), in the order given. */
    public List<String> bootstrapServers() {
        return bootstrapServers;
    }

    /**
     * Sent in every request header, and names the client's threads
     * ({@code josef-<client-id>-<role>}). Empty by default, in which case each
     * client takes one of its own, as kafka-clients does: {@code producer-1},
     * {@code consumer-1}, {@code adminclient-1} ({@code cluster-1} for a shared
     * {@link Cluster}), counted per kind in the JVM.
     */
    public String clientId() {
        return clientId;
    }

    /** How long a request may wait for its answer, sending included. */
    public Duration requestTimeout() {
        return requestTimeout;
    }

    /** How long setting up a connection may take (kafka-clients' {@code socket.connection.setup.timeout.ms}). */
    public Duration connectTimeout() {
        return connectTimeout;
    }

    /** How many unanswered requests one connection may carry. */
    public int maxInFlightPerConnection() {
        return maxInFlightPerConnection;
    }

    /**
     * The first wait before connecting again to a broker whose connection failed;
     * it doubles with each failure in a row, with jitter.
     */
    public Duration reconnectBackoff() {
        return reconnectBackoff;
    }

    /**
     * The most that wait grows to; never below {@link #reconnectBackoff()}.
     */
    public Duration reconnectBackoffMax() {
        return reconnectBackoffMax;
    }

    /**
     * The first wait before a client built on this configuration retries a
     * failed operation; it doubles with each attempt, with jitter.
     */
    public Duration retryBackoff() {
        return retryBackoff;
    }

    /**
     * The most that wait grows to; never below {@link #retryBackoff()}.
     */
    public Duration retryBackoffMax() {
        return retryBackoffMax;
    }

    /**
     * How long a connection may sit unused before it is closed.
     */
    public Duration connectionsMaxIdle() {
        return connectionsMaxIdle;
    }

    /**
     * How old cluster metadata may grow before it is fetched again, even when
     * no error asked for a refresh.
     */
    public Duration metadataMaxAge() {
        return metadataMaxAge;
    }

    public SecurityProtocol securityProtocol() {
        return securityProtocol;
    }

    /** The SASL mechanism; present exactly when the security protocol uses SASL. */
    public Optional<SaslMechanism> saslMechanism() {
        return Optional.ofNullable(saslMechanism);
    }

    /** The SASL credentials; present exactly when the security protocol uses SASL. */
    public Optional<SaslCredentials> saslCredentials() {
        return Optional.ofNullable(saslCredentials);
    }

    /** The trust store, if the brokers' certificates are checked against one. */
    public Optional<SslStore> sslTrustStore() {
        return Optional.ofNullable(sslTrustStore);
    }

    /** Whether the brokers' certificates are checked against the JDK's default trust (its {@code cacerts}). */
    public boolean sslTrustJdkDefault() {
        return sslTrustJdkDefault;
    }

    /** The key store, if the client proves its own identity with a certificate (mutual TLS). */
    public Optional<SslStore> sslKeyStore() {
        return Optional.ofNullable(sslKeyStore);
    }

    /** The application's own SSL context, used instead of stores. */
    public Optional<SSLContext> sslContext() {
        return Optional.ofNullable(sslContext);
    }

    /** Whether a broker's certificate must name the host connected to; on unless turned off. */
    public boolean sslVerifyHostname() {
        return sslVerifyHostname;
    }

    /** The protocol the SSL context is made for, when Josef makes it from stores. */
    public String sslProtocol() {
        return sslProtocol;
    }

    /** The TLS versions a connection may use; empty for the SSL context's defaults. */
    public List<String> sslEnabledProtocols() {
        return sslEnabledProtocols;
    }

    /** Hooks given to the builder; those found with ServiceLoader are added to them. */
    public List<ClientHook> hooks() {
        return hooks;
    }

    /**
     * Every hook given to the builder, whatever its roles: on a {@link Cluster},
     * each producer and consumer built on it takes those of its own kind
     * (a {@code ProducerHook}, a {@code ConsumerHook}, ...) besides its own
     * configuration's. One tracing object given to the cluster so covers every
     * client on it.
     */
    public List<Hook> clientHooks() {
        return clientHooks;
    }

    /**
     * The application's factory for the client's threads, if it gave one: Josef
     * still names each thread {@code josef-<client-id>-<role>} and makes it a
     * daemon; the factory chooses the rest (group, priority, context class
     * loader, uncaught-exception handler).
     */
    public Optional<ThreadFactory> threadFactory() {
        return Optional.ofNullable(threadFactory);
    }

    /** Every setting, with secrets redacted. */
    @Override
    public String toString() {
        StringBuilder sb = new StringBuilder("NetworkConfig[bootstrapServers=").append(bootstrapServers)
                .append(", clientId=").append(clientId)
                .append(", requestTimeout=").append(requestTimeout)
                .append(", connectTimeout=").append(connectTimeout)
                .append(", maxInFlightPerConnection=").append(maxInFlightPerConnection)
                .append(", reconnectBackoff=").append(reconnectBackoff)
                .append(", reconnectBackoffMax=").append(reconnectBackoffMax)
                .append(", retryBackoff=").append(retryBackoff)
                .append(", retryBackoffMax=").append(retryBackoffMax)
                .append(", connectionsMaxIdle=").append(connectionsMaxIdle)
                .append(", metadataMaxAge=").append(metadataMaxAge)
                .append(", securityProtocol=").append(securityProtocol);
        if (threadFactory != null) {
            sb.append(", threadFactory=").append(threadFactory.getClass().getName());
        }
        if (saslMechanism != null) {
            sb.append(", saslMechanism=").append(saslMechanism.name())
                    .append(", saslCredentials=").append(saslCredentials);
        }
        if (securityProtocol.usesTls()) {
            if (sslContext != null) {
                sb.append(", sslContext=").append(sslContext.getProtocol());
            } else {
                sb.append(", sslTrust=").append(sslTrustJdkDefault ? "JDK default" : sslTrustStore);
                if (sslKeyStore != null) {
                    sb.append(", sslKeyStore=").append(sslKeyStore);
                }
                sb.append(", sslProtocol=").append(sslProtocol);
            }
            if (!sslEnabledProtocols.isEmpty()) {
                sb.append(", sslEnabledProtocols=").append(sslEnabledProtocols);
            }
            sb.append(", sslVerifyHostname=").append(sslVerifyHostname);
        }
        return sb.append(']').toString();
    }

    private static Duration max(Duration a, Duration b) {
        return a.compareTo(b) >= 0 ? a : b;
    }

    /**
     * Builds a {@link NetworkConfig}. Each setter refuses a bad value at once; the
     * rules between settings are checked by {@link #build()}. Not thread-safe.
     */
    public static final class Builder {
        private List<String> bootstrapServers;
        private String clientId = DEFAULT_CLIENT_ID;
        private Duration requestTimeout = DEFAULT_REQUEST_TIMEOUT;
        private Duration connectTimeout = DEFAULT_CONNECT_TIMEOUT;
        private int maxInFlightPerConnection = DEFAULT_MAX_IN_FLIGHT_PER_CONNECTION;
        private Duration reconnectBackoff = DEFAULT_RECONNECT_BACKOFF;
        private Duration reconnectBackoffMax = DEFAULT_RECONNECT_BACKOFF_MAX;
        private Duration retryBackoff = DEFAULT_RETRY_BACKOFF;
        private Duration retryBackoffMax = DEFAULT_RETRY_BACKOFF_MAX;
        private Duration connectionsMaxIdle = DEFAULT_CONNECTIONS_MAX_IDLE;
        private Duration metadataMaxAge = DEFAULT_METADATA_MAX_AGE;
        private SecurityProtocol securityProtocol = DEFAULT_SECURITY_PROTOCOL;
        private String saslMechanismName;
        private SaslMechanism saslMechanism;
        private SaslCredentials saslCredentials;
        private SslStore sslTrustStore;
        private boolean sslTrustJdkDefault;
        // kafka-clients trusts the JDK's defaults when no trust store is named;
        // properties() asks for that, and any explicit trust source replaces it.
        private boolean sslTrustJdkWhenUnset;
        private SslStore sslKeyStore;
        private SSLContext sslContext;
        private boolean sslVerifyHostname = true;
        private String sslProtocol = DEFAULT_SSL_PROTOCOL;
        private List<String> sslEnabledProtocols = List.of();
        private final List<ClientHook> hooks = new java.util.ArrayList<>();
        private final List<Hook> clientHooks = new java.util.ArrayList<>();
        private ThreadFactory threadFactory;

        private Builder() {
        }

        /**
         * The addresses to learn the cluster from, comma-separated, as in
         * {@code bootstrap.servers}: {@code host:port} or {@code [v6-address]:port}.
         *
         * @throws IllegalArgumentException if there is none or one is malformed
         */
        public Builder bootstrapServers(String addresses) {
            Objects.requireNonNull(addresses, "addresses");
            this.bootstrapServers = HostPort.parseList(addresses).stream().map(HostPort::toString).toList();
            return this;
        }

        /**
         * The addresses to learn the cluster from, each {@code host:port} or
         * {@code [v6-address]:port}.
         *
         * @throws IllegalArgumentException if there is none or one is malformed
         */
        public Builder bootstrapServers(Collection<String> addresses) {
            Objects.requireNonNull(addresses, "addresses");
            List<String> list = new ArrayList<>();
            for (String a : addresses) {
                list.add(HostPort.parse(Objects.requireNonNull(a, "address")).toString());
            }
            if (list.isEmpty()) {
                throw new IllegalArgumentException("bootstrapServers needs at least one address");
            }
            this.bootstrapServers = List.copyOf(list);
            return this;
        }

        /** Sent in every request header and seen in the brokers' logs and quotas; empty for none. */
        public Builder clientId(String clientId) {
            Objects.requireNonNull(clientId, "clientId");
            if (clientId.length() > MAX_CLIENT_ID_LENGTH) {
                throw new IllegalArgumentException("clientId may be at most " + MAX_CLIENT_ID_LENGTH
                        + " characters, was " + clientId.length());
            }
            this.clientId = clientId;
            return this;
        }

        /** How long a request may wait for its answer, sending included; positive. */
        public Builder requestTimeout(Duration timeout) {
            this.requestTimeout = positive(timeout, "requestTimeout");
            return this;
        }

        /** How long setting up a connection (TCP, then TLS) may take; positive. */
        public Builder connectTimeout(Duration timeout) {
            this.connectTimeout = positive(timeout, "connectTimeout");
            return this;
        }

        /** How many unanswered requests one connection may carry; at least 1. */
        public Builder maxInFlightPerConnection(int maxInFlight) {
            if (maxInFlight < 1) {
                throw new IllegalArgumentException("maxInFlightPerConnection must be at least 1, was " + maxInFlight);
            }
            this.maxInFlightPerConnection = maxInFlight;
            return this;
        }

        /** See {@link NetworkConfig#reconnectBackoff()}; zero or more. */
        public Builder reconnectBackoff(Duration backoff) {
            this.reconnectBackoff = notNegative(backoff, "reconnectBackoff");
            return this;
        }

        /** See {@link NetworkConfig#reconnectBackoffMax()}; zero or more. */
        public Builder reconnectBackoffMax(Duration backoff) {
            this.reconnectBackoffMax = notNegative(backoff, "reconnectBackoffMax");
            return this;
        }

        /** See {@link NetworkConfig#retryBackoff()}; zero or more. */
        public Builder retryBackoff(Duration backoff) {
            this.retryBackoff = notNegative(backoff, "retryBackoff");
            return this;
        }

        /** See {@link NetworkConfig#retryBackoffMax()}; zero or more. */
        public Builder retryBackoffMax(Duration backoff) {
            this.retryBackoffMax = notNegative(backoff, "retryBackoffMax");
            return this;
        }

        /** See {@link NetworkConfig#connectionsMaxIdle()}; positive. */
        public Builder connectionsMaxIdle(Duration idle) {
            this.connectionsMaxIdle = positive(idle, "connectionsMaxIdle");
            return this;
        }

        /** See {@link NetworkConfig#metadataMaxAge()}; zero or more. */
        public Builder metadataMaxAge(Duration age) {
            this.metadataMaxAge = notNegative(age, "metadataMaxAge");
            return this;
        }

        public Builder securityProtocol(SecurityProtocol protocol) {
            this.securityProtocol = Objects.requireNonNull(protocol, "protocol");
            return this;
        }

        /**
         * The SASL mechanism by name, as in {@code sasl.mechanism}: a built-in
         * (PLAIN, SCRAM-SHA-256, SCRAM-SHA-512, OAUTHBEARER) or one a
         * {@link java.util.ServiceLoader} provider installs; looked up by {@link #build()}.
         */
        public Builder saslMechanism(String name) {
            Objects.requireNonNull(name, "name");
            if (name.isBlank()) {
                throw new IllegalArgumentException("the SASL mechanism name must not be blank");
            }
            this.saslMechanismName = name.trim();
            this.saslMechanism = null;
            return this;
        }

        /** The SASL mechanism as an instance, which wins over one of the same name found by discovery. */
        public Builder saslMechanism(SaslMechanism mechanism) {
            this.saslMechanism = Objects.requireNonNull(mechanism, "mechanism");
            this.saslMechanismName = null;
            return this;
        }

        /**
         * Whom to authenticate as: {@link SaslCredentials#password} for PLAIN and
         * SCRAM, {@link SaslCredentials#oauthBearer} for OAUTHBEARER.
         */
        public Builder saslCredentials(SaslCredentials credentials) {
            this.saslCredentials = Objects.requireNonNull(credentials, "credentials");
            return this;
        }

        /**
         * Check the brokers' certificates against this trust store (a JKS, PKCS12 or
         * PEM file, or PEM certificates). Replaces any other trust source.
         *
         * @throws IllegalArgumentException if it carries a key password, which only a key store has
         */
        public Builder sslTrustStore(SslStore trustStore) {
            Objects.requireNonNull(trustStore, "trustStore");
            if (trustStore.keyPassword() != null) {
                throw new IllegalArgumentException("a trust store has no key password; that belongs to the key store");
            }
            clearTrust();
            this.sslTrustStore = trustStore;
            return this;
        }

        /**
         * Check the brokers' certificates against the JDK's default trust (its
         * {@code cacerts}), right for brokers with publicly issued certificates.
         * Replaces any other trust source.
         */
        public Builder sslTrustJdkDefault() {
            clearTrust();
            this.sslTrustJdkDefault = true;
            return this;
        }

        /**
         * Prove the client's identity with the key and certificate in this key store
         * (mutual TLS). JKS and PKCS12 files are read; a PEM key store is not yet.
         *
         * @throws IllegalArgumentException for a PEM key store, or one without a store password
         */
        public Builder sslKeyStore(SslStore keyStore) {
            Objects.requireNonNull(keyStore, "keyStore");
            if (keyStore.type().equals("PEM")) {
                throw new IllegalArgumentException("a PEM key store is not supported yet; use a JKS or PKCS12 key store");
            }
            char[] password = keyStore.password();
            if (password == null) {
                throw new IllegalArgumentException("a key store needs its store password");
            }
            Arrays.fill(password, '\0');
            this.sslKeyStore = keyStore;
            return this;
        }

        /**
         * The application's own SSL context, holding its trust and keys; replaces
         * the trust store, the JDK default trust and the key store.
         */
        public Builder sslContext(SSLContext context) {
            Objects.requireNonNull(context, "context");
            clearTrust();
            this.sslKeyStore = null;
            this.sslContext = context;
            return this;
        }

        /**
         * Whether a broker's certificate must name the host connected to (on by
         * default, as {@code ssl.endpoint.identification.algorithm=https}). Turning it
         * off lets anyone holding any certificate the trust accepts pose as a broker.
         */
        public Builder sslVerifyHostname(boolean verify) {
            this.sslVerifyHostname = verify;
            return this;
        }

        /**
         * The protocol of the SSL context Josef makes from the stores, as in
         * {@code ssl.protocol}; {@value NetworkConfig#DEFAULT_SSL_PROTOCOL} by default.
         *
         * @throws IllegalArgumentException if this JVM has no SSL context for it
         */
        public Builder sslProtocol(String protocol) {
            Objects.requireNonNull(protocol, "protocol");
            try {
                SSLContext.getInstance(protocol);
            } catch (NoSuchAlgorithmException e) {
                throw new IllegalArgumentException("sslProtocol '" + protocol + "' is not supported by this JVM", e);
            }
            this.sslProtocol = protocol;
            return this;
        }

        /**
         * The TLS versions a connection may use, as in {@code ssl.enabled.protocols}
         * (e.g. {@code TLSv1.3}); empty for the SSL context's defaults.
         */
        public Builder sslEnabledProtocols(List<String> protocols) {
            Objects.requireNonNull(protocols, "protocols");
            for (String p : protocols) {
                Objects.requireNonNull(p, "protocol");
                if (p.isBlank()) {
                    throw new IllegalArgumentException("sslEnabledProtocols must not hold a blank name");
                }
            }
            this.sslEnabledProtocols = List.copyOf(protocols);
            return this;
        }

        /**
         * Makes the client's threads; see {@link NetworkConfig#threadFactory()}.
         * Josef's own daemon threads by default.
         */
        public Builder threadFactory(ThreadFactory factory) {
            this.threadFactory = Objects.requireNonNull(factory, "factory");
            return this;
        }

        /**
         * Adds a hook (metrics, tracing) to those found with ServiceLoader. A
         * {@link ClientHook} observes connections and requests; on a
         * {@link Cluster}, a hook of a client's kind (a {@code ProducerHook},
         * {@code ConsumerHook}, ...) is taken by every client built on it (see
         * {@link NetworkConfig#clientHooks()}). An object with several roles takes each.
         */
        public Builder hook(Hook hook) {
            Objects.requireNonNull(hook, "hook");
            if (hook instanceof ClientHook c) {
                hooks.add(c);
            }
            clientHooks.add(hook);
            return this;
        }

        /**
         * Sets everything these kafka-clients properties name. Values are strings
         * as in a properties file, or numbers for the {@code .ms} and count settings,
         * or lists for {@code bootstrap.servers} and {@code ssl.enabled.protocols}.
         * Accepted names:
         * <ul>
         *   <li>{@code bootstrap.servers}, {@code client.id}</li>
         *   <li>{@code request.timeout.ms}, {@code socket.connection.setup.timeout.ms} (the connect timeout),
         *       {@code max.in.flight.requests.per.connection}</li>
         *   <li>{@code reconnect.backoff.ms}, {@code reconnect.backoff.max.ms}, {@code retry.backoff.ms},
         *       {@code retry.backoff.max.ms}, {@code connections.max.idle.ms}, {@code metadata.max.age.ms}</li>
         *   <li>{@code security.protocol}, {@code sasl.mechanism}, {@code sasl.jaas.config} (PlainLoginModule,
         *       ScramLoginModule, and OAuthBearerLoginModule's unsecured test tokens only: a real
         *       OAUTHBEARER token provider is given with {@link #saslCredentials})</li>
         *   <li>{@code ssl.truststore.location}, {@code .password}, {@code .type} (JKS, PKCS12, PEM),
         *       {@code ssl.truststore.certificates}; {@code ssl.keystore.location}, {@code .password},
         *       {@code .type} (JKS, PKCS12), {@code ssl.key.password};
         *       {@code ssl.endpoint.identification.algorithm} ({@code https}, or empty to turn host name
         *       checks off); {@code ssl.protocol}, {@code ssl.enabled.protocols}</li>
         * </ul>
         * With TLS and no trust store named, the JDK's default trust is used, as
         * kafka-clients does, unless this builder is given a trust source.
         *
         * @throws IllegalArgumentException naming the property, for an unknown name or
         *                                  a bad value (a secret's value is never shown)
         */
        public Builder properties(Map<String, ?> properties) {
            Objects.requireNonNull(properties, "properties");
            PropertyReader.apply(this, properties);
            return this;
        }

        void sslTrustJdkWhenUnset() {
            this.sslTrustJdkWhenUnset = true;
        }

        /**
         * Checks the rules between the settings and makes the configuration.
         *
         * @throws IllegalArgumentException saying which rule failed and which settings to change
         */
        public NetworkConfig build() {
            if (bootstrapServers == null) {
                throw new IllegalArgumentException("bootstrapServers (bootstrap.servers) must be set");
            }
            SaslMechanism mechanism = saslMechanism;
            if (securityProtocol.usesSasl()) {
                if (mechanism == null && saslMechanismName == null) {
                    throw new IllegalArgumentException("security protocol " + securityProtocol
                            + " needs a SASL mechanism: saslMechanism(...) or sasl.mechanism");
                }
                if (mechanism == null) {
                    mechanism = SaslMechanisms.installed().byName(saslMechanismName);
                }
                if (saslCredentials == null) {
                    throw new IllegalArgumentException("security protocol " + securityProtocol
                            + " needs SASL credentials: saslCredentials(...) or sasl.jaas.config"
                            + (mechanism.name().equals("OAUTHBEARER")
                            ? "; for OAUTHBEARER, saslCredentials(SaslCredentials.oauthBearer(tokenProvider))" : ""));
                }
                // The SPI promises a message without secrets.
                mechanism.validate(saslCredentials);
            } else if (mechanism != null || saslMechanismName != null || saslCredentials != null) {
                throw new IllegalArgumentException("a SASL mechanism or credentials are set, but security protocol "
                        + securityProtocol + " does not use SASL: set SASL_SSL or SASL_PLAINTEXT, or drop them");
            }
            boolean jdkTrust = sslTrustJdkDefault;
            if (securityProtocol.usesTls()) {
                if (sslContext == null && sslTrustStore == null && !sslTrustJdkDefault) {
                    if (!sslTrustJdkWhenUnset) {
                        throw new IllegalArgumentException("security protocol " + securityProtocol
                                + " needs a trust source: sslTrustStore(...), sslTrustJdkDefault() or sslContext(...)");
                    }
                    jdkTrust = true;
                }
            } else if (sslContext != null || sslTrustStore != null || sslTrustJdkDefault || sslKeyStore != null) {
                throw new IllegalArgumentException("TLS settings (a trust store, key store or SSL context) are set, but"
                        + " security protocol " + securityProtocol + " does not use TLS: set SSL or SASL_SSL, or drop them");
            }
            return new NetworkConfig(this, mechanism, jdkTrust);
        }

        private void clearTrust() {
            this.sslTrustStore = null;
            this.sslTrustJdkDefault = false;
            this.sslContext = null;
        }

        private static Duration positive(Duration d, String name) {
            Objects.requireNonNull(d, name);
            if (d.isNegative() || d.isZero()) {
                throw new IllegalArgumentException(name + " must be positive, was " + d);
            }
            return d;
        }

        private static Duration notNegative(Duration d, String name) {
            Objects.requireNonNull(d, name);
            if (d.isNegative()) {
                throw new IllegalArgumentException(name + " must not be negative, was " + d);
            }
            return d;
        }
    }
}
