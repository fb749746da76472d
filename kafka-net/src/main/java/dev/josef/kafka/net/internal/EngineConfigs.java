package dev.josef.kafka.net.internal;

import dev.josef.kafka.net.NetworkConfig;
import dev.josef.kafka.net.SslStore;

import javax.net.ssl.KeyManager;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLContextSpi;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.SSLParameters;
import javax.net.ssl.SSLServerSocketFactory;
import javax.net.ssl.SSLSessionContext;
import javax.net.ssl.SSLSocket;
import javax.net.ssl.SSLSocketFactory;
import javax.net.ssl.TrustManager;
import javax.net.ssl.TrustManagerFactory;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.security.KeyStoreException;
import java.security.SecureRandom;
import java.security.UnrecoverableKeyException;
import java.security.cert.Certificate;
import java.security.cert.CertificateException;
import java.security.cert.CertificateFactory;
import java.util.Arrays;
import java.util.Collection;
import java.util.Collections;
import java.util.List;
import java.util.Objects;
import java.util.Set;

/**
 * Turns the public {@link NetworkConfig} into the engine's {@link NetworkClientConfig},
 * making the SSL context from the configured stores with the JDK's own JSSE
 * factories. Stores are read here, when a client is built, so that a missing file
 * or wrong password fails then, with the setting named, not on the first connection.
 */
public final class EngineConfigs {

    private EngineConfigs() {
    }

    /**
     * The engine's settings for this configuration.
     *
     * @throws IllegalArgumentException if a store cannot be read or the SSL context
     *                                  cannot be made; the message names the setting and
     *                                  never holds a password
     */
    public static NetworkClientConfig from(NetworkConfig config) {
        return from(config, JosefThreads.clientId(config.clientId(), "client"));
    }

    /**
     * As {@link #from(NetworkConfig)}, under {@code clientId}: the configured one,
     * or the one the client generated ({@link JosefThreads#clientId}).
     */
    public static NetworkClientConfig from(NetworkConfig config, String clientId) {
        Objects.requireNonNull(config, "config");
        Objects.requireNonNull(clientId, "clientId");
        List<HostPort> bootstrap = config.bootstrapServers().stream().map(HostPort::parse).toList();
        return new NetworkClientConfig(bootstrap, clientId, config.requestTimeout(), config.connectTimeout(),
                config.maxInFlightPerConnection(), NetworkClientConfig.DEFAULT_MAX_RESPONSE_BYTES, security(config),
                config.reconnectBackoff(), config.reconnectBackoffMax(), config.connectionsMaxIdle(),
                Hooks.withInstalled(config.hooks()), config.metadataMaxAge(), config.threadFactory().orElse(null));
    }

    /** TLS and SASL as the engine takes them. */
    public static Security security(NetworkConfig config) {
        Objects.requireNonNull(config, "config");
        SSLContext context = config.securityProtocol().usesTls() ? sslContext(config) : null;
        return new Security(config.securityProtocol(), context, config.sslVerifyHostname(),
                config.saslMechanism().orElse(null), config.saslCredentials().orElse(null));
    }

    /**
     * The SSL context for this configuration: the application's own, or one made
     * from the trust store (or the JDK's default trust) and the key store; limited
     * to the enabled protocols when those are set.
     *
     * @throws IllegalStateException    if the security protocol does not use TLS
     * @throws IllegalArgumentException if a store cannot be read or the context made
     */
    public static SSLContext sslContext(NetworkConfig config) {
        Objects.requireNonNull(config, "config");
        if (!config.securityProtocol().usesTls()) {
            throw new IllegalStateException("security protocol " + config.securityProtocol() + " does not use TLS");
        }
        SSLContext context = config.sslContext().orElse(null);
        if (context == null) {
            TrustManager[] trust = trustManagers(config);
            KeyManager[] keys = config.sslKeyStore().map(EngineConfigs::keyManagers).orElse(null);
            try {
                context = SSLContext.getInstance(config.sslProtocol());
                context.init(keys, trust, null);
            } catch (GeneralSecurityException e) {
                throw new IllegalArgumentException("ssl.protocol '" + config.sslProtocol()
                        + "': cannot make an SSL context: " + e.getMessage(), e);
            }
        }
        List<String> enabled = config.sslEnabledProtocols();
        if (enabled.isEmpty()) {
            return context;
        }
        Set<String> supported = Set.of(context.getSupportedSSLParameters().getProtocols());
        for (String p : enabled) {
            if (!supported.contains(p)) {
                throw new IllegalArgumentException("ssl.enabled.protocols: '" + p + "' is not supported by the SSL"
                        + " context; it supports " + supported);
            }
        }
        return new ProtocolLimitedContext(context, enabled.toArray(String[]::new));
    }

    private static TrustManager[] trustManagers(NetworkConfig config) {
        KeyStore store = null;
        SslStore trust = config.sslTrustStore().orElse(null);
        if (trust != null) {
            store = trust.certificates().isPresent()
                    ? pemTrustStore("ssl.truststore.certificates", trust.certificates().get())
                    : load("ssl.truststore", trust);
            if (!holdsCertificates(store)) {
                // Trusting nothing would fail every handshake with a puzzling message.
                throw new IllegalArgumentException("ssl.truststore.location " + trust.location().orElseThrow()
                        + " holds no trusted certificate" + (trust.password() == null
                        ? " that can be read without a password: set ssl.truststore.password" : ""));
            }
        } else if (!config.sslTrustJdkDefault()) {
            throw new IllegalArgumentException("no trust source: set a trust store or the JDK default trust");
        }
        try {
            TrustManagerFactory factory = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
            // A null store is the JDK's default trust (cacerts, or javax.net.ssl.trustStore).
            factory.init(store);
            return factory.getTrustManagers();
        } catch (GeneralSecurityException e) {
            throw new IllegalArgumentException((trust == null ? "the JDK default trust" : "ssl.truststore")
                    + ": cannot make trust managers: " + e.getMessage(), e);
        }
    }

    private static boolean holdsCertificates(KeyStore store) {
        try {
            for (String alias : Collections.list(store.aliases())) {
                if (store.isCertificateEntry(alias)) {
                    return true;
                }
            }
            return false;
        } catch (KeyStoreException e) {
            throw new IllegalStateException(e);
        }
    }

    private static KeyManager[] keyManagers(SslStore keyStore) {
        KeyStore store = load("ssl.keystore", keyStore);
        char[] keyPassword = keyStore.keyPassword();
        if (keyPassword == null) {
            keyPassword = keyStore.password();
        }
        try {
            KeyManagerFactory factory = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
            factory.init(store, keyPassword);
            return factory.getKeyManagers();
        } catch (UnrecoverableKeyException e) {
            throw new IllegalArgumentException("ssl.key.password: cannot recover the key in ssl.keystore.location "
                    + keyStore.location().orElseThrow() + " (wrong key password?)", e);
        } catch (GeneralSecurityException e) {
            throw new IllegalArgumentException("ssl.keystore.location " + keyStore.location().orElseThrow()
                    + ": cannot make key managers: " + e.getMessage(), e);
        } finally {
            if (keyPassword != null) {
                Arrays.fill(keyPassword, '\0');
            }
        }
    }

    private static KeyStore load(String prefix, SslStore s) {
        Path location = s.location().orElseThrow();
        if (s.type().equals("PEM")) {
            String pem;
            try {
                pem = Files.readString(location, StandardCharsets.US_ASCII);
            } catch (IOException e) {
                throw cannotRead(prefix, s, e);
            }
            return pemTrustStore(prefix + ".location " + location, pem);
        }
        char[] password = s.password();
        try (InputStream in = Files.newInputStream(location)) {
            KeyStore store = KeyStore.getInstance(s.type());
            store.load(in, password);
            return store;
        } catch (IOException e) {
            if (e.getCause() instanceof UnrecoverableKeyException) {
                throw new IllegalArgumentException(prefix + ".password: wrong password for " + prefix + ".location "
                        + location, e.getCause());
            }
            throw cannotRead(prefix, s, e);
        } catch (GeneralSecurityException e) {
            throw cannotRead(prefix, s, e);
        } finally {
            if (password != null) {
                Arrays.fill(password, '\0');
            }
        }
    }

    private static IllegalArgumentException cannotRead(String prefix, SslStore s, Exception e) {
        String why = e instanceof NoSuchFileException ? "no such file" : e.getMessage();
        return new IllegalArgumentException(prefix + ".location " + s.location().orElseThrow() + ": cannot read it as "
                + prefix + ".type " + s.type() + ": " + why, e);
    }

    private static KeyStore pemTrustStore(String what, String pem) {
        Collection<? extends Certificate> certificates;
        try {
            certificates = CertificateFactory.getInstance("X.509")
                    .generateCertificates(new ByteArrayInputStream(pem.getBytes(StandardCharsets.US_ASCII)));
        } catch (CertificateException e) {
            throw new IllegalArgumentException(what + ": not PEM X.509 certificates: " + e.getMessage(), e);
        }
        if (certificates.isEmpty()) {
            throw new IllegalArgumentException(what + ": holds no certificate");
        }
        try {
            KeyStore store = KeyStore.getInstance("PKCS12");
            store.load(null, null);
            int i = 0;
            for (Certificate c : certificates) {
                store.setCertificateEntry("ca-" + i++, c);
            }
            return store;
        } catch (IOException | GeneralSecurityException e) {
            throw new IllegalArgumentException(what + ": cannot hold the certificates in a trust store: "
                    + e.getMessage(), e);
        }
    }

    /**
     * An SSL context whose engines and sockets enable only the given protocols
     * ({@code ssl.enabled.protocols}); everything else is the wrapped context's.
     * The engine is given an {@link SSLContext}, so this is how the setting reaches it.
     */
    private static final class ProtocolLimitedContext extends SSLContext {
        ProtocolLimitedContext(SSLContext delegate, String[] protocols) {
            super(new Spi(delegate, protocols), delegate.getProvider(), delegate.getProtocol());
        }
    }

    private static final class Spi extends SSLContextSpi {
        private final SSLContext delegate;
        private final String[] protocols;

        Spi(SSLContext delegate, String[] protocols) {
            this.delegate = delegate;
            this.protocols = protocols;
        }

        @Override
        protected void engineInit(KeyManager[] km, TrustManager[] tm, SecureRandom sr) {
            throw new IllegalStateException("already initialized");
        }

        @Override
        protected SSLSocketFactory engineGetSocketFactory() {
            return new LimitedSocketFactory(delegate.getSocketFactory(), protocols);
        }

        @Override
        protected SSLServerSocketFactory engineGetServerSocketFactory() {
            return delegate.getServerSocketFactory();
        }

        @Override
        protected SSLEngine engineCreateSSLEngine() {
            SSLEngine engine = delegate.createSSLEngine();
            engine.setEnabledProtocols(protocols.clone());
            return engine;
        }

        @Override
        protected SSLEngine engineCreateSSLEngine(String host, int port) {
            SSLEngine engine = delegate.createSSLEngine(host, port);
            engine.setEnabledProtocols(protocols.clone());
            return engine;
        }

        @Override
        protected SSLSessionContext engineGetServerSessionContext() {
            return delegate.getServerSessionContext();
        }

        @Override
        protected SSLSessionContext engineGetClientSessionContext() {
            return delegate.getClientSessionContext();
        }

        @Override
        protected SSLParameters engineGetDefaultSSLParameters() {
            SSLParameters parameters = delegate.getDefaultSSLParameters();
            parameters.setProtocols(protocols.clone());
            return parameters;
        }

        @Override
        protected SSLParameters engineGetSupportedSSLParameters() {
            return delegate.getSupportedSSLParameters();
        }
    }

    private static final class LimitedSocketFactory extends SSLSocketFactory {
        private final SSLSocketFactory delegate;
        private final String[] protocols;

        LimitedSocketFactory(SSLSocketFactory delegate, String[] protocols) {
            this.delegate = delegate;
            this.protocols = protocols;
        }

        private Socket limit(Socket socket) {
            ((SSLSocket) socket).setEnabledProtocols(protocols.clone());
            return socket;
        }

        @Override
        public String[] getDefaultCipherSuites() {
            return delegate.getDefaultCipherSuites();
        }

        @Override
        public String[] getSupportedCipherSuites() {
            return delegate.getSupportedCipherSuites();
        }

        @Override
        public Socket createSocket() throws IOException {
            return limit(delegate.createSocket());
        }

        @Override
        public Socket createSocket(Socket s, String host, int port, boolean autoClose) throws IOException {
            return limit(delegate.createSocket(s, host, port, autoClose));
        }

        @Override
        public Socket createSocket(String host, int port) throws IOException {
            return limit(delegate.createSocket(host, port));
        }

        @Override
        public Socket createSocket(String host, int port, InetAddress localHost, int localPort) throws IOException {
            return limit(delegate.createSocket(host, port, localHost, localPort));
        }

        @Override
        public Socket createSocket(InetAddress host, int port) throws IOException {
            return limit(delegate.createSocket(host, port));
        }

        @Override
        public Socket createSocket(InetAddress address, int port, InetAddress localAddress, int localPort)
                throws IOException {
            return limit(delegate.createSocket(address, port, localAddress, localPort));
        }
    }
}
