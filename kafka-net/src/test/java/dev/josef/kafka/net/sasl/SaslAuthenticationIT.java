package dev.josef.kafka.net.sasl;

import dev.josef.kafka.net.internal.sasl.SaslSession;
import dev.josef.kafka.net.spi.OAuthBearerToken;
import dev.josef.kafka.net.spi.SaslAuthenticationException;
import dev.josef.kafka.net.spi.SaslCredentials;
import dev.josef.kafka.net.spi.SaslExchange;
import dev.josef.kafka.net.spi.SaslMechanism;
import dev.josef.kafka.protocol.ApiKey;
import dev.josef.kafka.protocol.internal.WireReader;
import dev.josef.kafka.protocol.message.ApiMessage;
import dev.josef.kafka.protocol.message.ApiMessages;
import dev.josef.kafka.protocol.message.MetadataRequest;
import dev.josef.kafka.protocol.message.MetadataResponse;
import dev.josef.kafka.protocol.message.RequestFrames;
import dev.josef.kafka.protocol.message.ResponseHeader;
import dev.josef.kafka.protocol.message.SaslAuthenticateRequest;
import dev.josef.kafka.protocol.message.SaslAuthenticateResponse;
import dev.josef.kafka.protocol.message.SaslHandshakeResponse;
import dev.josef.kafka.testkit.KafkaCluster;
import dev.josef.kafka.testkit.Listener;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.io.Closeable;
import java.io.DataInputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.Base64;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * The built-in mechanisms against a real broker's SASL_PLAINTEXT listener, over a
 * plain blocking socket: SaslHandshake v1, SaslAuthenticate v2 until the session
 * says it is done, then a Metadata request that only an authenticated connection
 * gets an answer to.
 */
class SaslAuthenticationIT {
    private static final String PASSWORD = "alice-secret";
    private static final String WRONG_PASSWORD = "not-alice-secret";

    private static KafkaCluster cluster;
    private static String host;
    private static int port;

    @BeforeAll
    static void startBroker() {
        cluster = KafkaCluster.builder()
                .listeners(Listener.SASL_PLAINTEXT)
                .user("alice", PASSWORD)
                // OAUTHBEARER with Kafka's default, unsecured validator: it accepts
                // unsigned JWTs ("alg":"none") that have a "sub" and an "exp".
                .brokerProperty("sasl.enabled.mechanisms", "PLAIN,SCRAM-SHA-256,SCRAM-SHA-512,OAUTHBEARER")
                .brokerProperty("listener.name.sasl_plaintext.oauthbearer.sasl.jaas.config",
                        "org.apache.kafka.common.security.oauthbearer.OAuthBearerLoginModule required"
                                + " unsecuredLoginStringClaim_sub=\"admin\";")
                .start();
        String bootstrap = cluster.bootstrapServers(Listener.SASL_PLAINTEXT).split(",")[0];
        host = bootstrap.substring(0, bootstrap.lastIndexOf(':'));
        port = Integer.parseInt(bootstrap.substring(bootstrap.lastIndexOf(':') + 1));
    }

    @AfterAll
    static void stopBroker() {
        if (cluster != null) {
            cluster.close();
        }
    }

    private static SaslMechanism mechanism(String name) {
        switch (name) {
            case "PLAIN":
                return SaslMechanism.plain();
            case "SCRAM-SHA-256":
                return SaslMechanism.scramSha256();
            case "SCRAM-SHA-512":
                return SaslMechanism.scramSha512();
            default:
                throw new IllegalArgumentException(name);
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"PLAIN", "SCRAM-SHA-256", "SCRAM-SHA-512"})
    void aPasswordMechanismAuthenticatesTheConnection(String name) throws IOException {
        try (Connection connection = new Connection()) {
            SaslSession session = connection.authenticate(mechanism(name), SaslCredentials.password("alice", PASSWORD));

            assertThat(session.isAuthenticated()).isTrue();
            assertThat(connection.metadata().brokers()).isNotEmpty();
        }
    }

    @Test
    void withoutAuthenticationTheBrokerAnswersNothing() throws IOException {
        // What makes the Metadata answer above a proof: on a SASL listener the broker
        // drops a connection whose first request is not ApiVersions or SaslHandshake.
        try (Connection connection = new Connection()) {
            assertThatThrownBy(connection::metadata).isInstanceOf(IOException.class);
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"PLAIN", "SCRAM-SHA-256", "SCRAM-SHA-512"})
    void aWrongPasswordIsRefusedWithAMessageThatNamesTheMechanismAndNotThePassword(String name) throws IOException {
        try (Connection connection = new Connection()) {
            SaslCredentials wrong = SaslCredentials.password("alice", WRONG_PASSWORD);

            assertThatThrownBy(() -> connection.authenticate(mechanism(name), wrong))
                    .isInstanceOfSatisfying(SaslAuthenticationException.class,
                            e -> assertThat(e.mechanism()).isEqualTo(name))
                    .hasMessageStartingWith("SASL " + name + " authentication failed: the broker refused it")
                    .hasMessageNotContaining(WRONG_PASSWORD)
                    .hasMessageNotContaining(PASSWORD);
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"PLAIN", "SCRAM-SHA-256", "SCRAM-SHA-512"})
    void theBrokerTakesTheUsersOwnAuthorizationIdAndNoOther(String name) throws IOException {
        SaslCredentials alice = SaslCredentials.password("alice", PASSWORD);
        try (Connection connection = new Connection()) {
            assertThat(connection.authenticate(mechanism(name), alice.withAuthorizationId("alice")).isAuthenticated())
                    .isTrue();
        }
        try (Connection connection = new Connection()) {
            assertThatThrownBy(() -> connection.authenticate(mechanism(name), alice.withAuthorizationId("admin")))
                    .isInstanceOf(SaslAuthenticationException.class)
                    .hasMessageContaining("authorization id")
                    .hasMessageNotContaining(PASSWORD);
        }
    }

    @Test
    void anUnknownUserIsRefusedByScram() throws IOException {
        try (Connection connection = new Connection()) {
            assertThatThrownBy(() -> connection.authenticate(SaslMechanism.scramSha512(),
                    SaslCredentials.password("mallory", PASSWORD)))
                    .isInstanceOf(SaslAuthenticationException.class)
                    .hasMessageStartingWith("SASL SCRAM-SHA-512 authentication failed: the broker refused it");
        }
    }

    @Test
    void oauthBearerAuthenticatesWithATokenTheBrokerAccepts() throws IOException {
        long now = Instant.now().getEpochSecond();
        String token = unsecuredJwt("{\"sub\":\"alice\",\"iat\":" + now + ",\"exp\":" + (now + 600) + "}");
        SaslCredentials credentials = SaslCredentials.oauthBearer(
                () -> OAuthBearerToken.of(token, "alice", Instant.ofEpochSecond(now + 600)))
                .withExtensions(Map.of("traceId", "abc123"));

        try (Connection connection = new Connection()) {
            SaslSession session = connection.authenticate(SaslMechanism.oauthBearer(), credentials);

            assertThat(session.isAuthenticated()).isTrue();
            assertThat(connection.metadata().brokers()).isNotEmpty();
        }
    }

    @Test
    void oauthBearerReportsTheBrokersStatusForATokenItRejects() throws IOException {
        long now = Instant.now().getEpochSecond();
        // No "sub": the broker's validator answers with {"status":"invalid_token"}.
        String token = unsecuredJwt("{\"iat\":" + now + ",\"exp\":" + (now + 600) + "}");
        SaslCredentials credentials = SaslCredentials.oauthBearer(
                () -> OAuthBearerToken.of(token, "nobody", Instant.ofEpochSecond(now + 600)));

        try (Connection connection = new Connection()) {
            assertThatThrownBy(() -> connection.authenticate(SaslMechanism.oauthBearer(), credentials))
                    .isInstanceOf(SaslAuthenticationException.class)
                    .hasMessageStartingWith("SASL OAUTHBEARER authentication failed: the broker refused it")
                    .hasMessageContaining("invalid_token")
                    .hasMessageNotContaining(token);
        }
    }

    @Test
    void aMechanismTheBrokerDoesNotEnableIsNamedWithTheOnesItDoes() throws IOException {
        // The broker refuses the handshake before the exchange is asked for anything.
        SaslMechanism anonymous = new SaslMechanism() {
            @Override
            public String name() {
                return "ANONYMOUS";
            }

            @Override
            public SaslExchange start(SaslCredentials credentials, String brokerHost) {
                return new SaslExchange() {
                    @Override
                    public byte[] initialResponse() {
                        throw new AssertionError("the broker should have refused the handshake");
                    }

                    @Override
                    public byte[] evaluate(byte[] challenge) {
                        throw new AssertionError("the broker should have refused the handshake");
                    }

                    @Override
                    public boolean isComplete() {
                        return false;
                    }
                };
            }
        };

        try (Connection connection = new Connection()) {
            assertThatThrownBy(() -> connection.authenticate(anonymous, SaslCredentials.password("alice", PASSWORD)))
                    .isInstanceOf(SaslAuthenticationException.class)
                    .hasMessageStartingWith("SASL ANONYMOUS authentication failed: the broker does not enable it"
                            + " on this listener; it enables [")
                    .hasMessageContainingAll("PLAIN", "SCRAM-SHA-256", "SCRAM-SHA-512", "OAUTHBEARER");
        }
    }

    private static String unsecuredJwt(String claims) {
        Base64.Encoder b64 = Base64.getUrlEncoder().withoutPadding();
        return b64.encodeToString("{\"alg\":\"none\"}".getBytes(StandardCharsets.UTF_8)) + "."
                + b64.encodeToString(claims.getBytes(StandardCharsets.UTF_8)) + ".";
    }

    /** One blocking connection to the SASL_PLAINTEXT listener. */
    private static final class Connection implements Closeable {
        private static final short SASL_HANDSHAKE_VERSION = SaslSession.HANDSHAKE_VERSION;
        private static final short SASL_AUTHENTICATE_VERSION = 2;
        private static final short METADATA_VERSION = 12;
        private static final int MAX_RESPONSE_BYTES = 16 << 20;

        private final Socket socket = new Socket();
        private final DataInputStream in;
        private final OutputStream out;
        private int correlationId;

        Connection() throws IOException {
            socket.connect(new InetSocketAddress(host, port), 10_000);
            socket.setSoTimeout(30_000);
            in = new DataInputStream(socket.getInputStream());
            out = socket.getOutputStream();
        }

        SaslHandshakeResponse handshake(SaslSession session) throws IOException {
            return (SaslHandshakeResponse) send(ApiKey.SASL_HANDSHAKE, SASL_HANDSHAKE_VERSION, session.handshakeRequest());
        }

        SaslSession authenticate(SaslMechanism mechanism, SaslCredentials credentials) throws IOException {
            SaslSession session = new SaslSession(mechanism, credentials, host);
            SaslAuthenticateRequest request = session.onHandshake(handshake(session));
            while (request != null) {
                SaslAuthenticateResponse response = (SaslAuthenticateResponse) send(
                        ApiKey.SASL_AUTHENTICATE, SASL_AUTHENTICATE_VERSION, request);
                request = session.onAuthenticate(response);
            }
            return session;
        }

        MetadataResponse metadata() throws IOException {
            // A broker answers Metadata only on an authenticated connection; before
            // that it accepts nothing but ApiVersions and the SASL requests.
            return (MetadataResponse) send(ApiKey.METADATA, METADATA_VERSION,
                    new MetadataRequest().setTopics(null).setAllowAutoTopicCreation(false));
        }

        private ApiMessage send(ApiKey api, short version, ApiMessage body) throws IOException {
            ByteBuffer frame = RequestFrames.encode(body, version, ++correlationId, "josef-sasl-it");
            out.write(frame.array(), frame.arrayOffset() + frame.position(), frame.remaining());
            out.flush();
            int size = in.readInt();
            if (size < 0 || size > MAX_RESPONSE_BYTES) {
                throw new IOException(api.title() + " response of " + size + " bytes");
            }
            byte[] bytes = new byte[size];
            in.readFully(bytes);
            WireReader reader = new WireReader(ByteBuffer.wrap(bytes));
            ResponseHeader header = ResponseHeader.read(reader, api.responseHeaderVersion(version));
            assertThat(header.correlationId()).isEqualTo(correlationId);
            return ApiMessages.readResponse(api, reader, version);
        }

        @Override
        public void close() throws IOException {
            socket.close();
        }
    }
}
