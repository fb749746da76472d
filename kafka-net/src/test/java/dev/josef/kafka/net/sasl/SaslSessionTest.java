package dev.josef.kafka.net.sasl;

import dev.josef.kafka.net.internal.sasl.OAuthBearerMechanism;
import dev.josef.kafka.net.internal.sasl.SaslSession;
import dev.josef.kafka.net.internal.sasl.ScramMechanism;
import dev.josef.kafka.net.spi.OAuthBearerToken;
import dev.josef.kafka.net.spi.SaslAuthenticationException;
import dev.josef.kafka.net.spi.SaslCredentials;
import dev.josef.kafka.net.spi.SaslExchange;
import dev.josef.kafka.net.spi.SaslMechanism;
import dev.josef.kafka.protocol.ErrorCode;
import dev.josef.kafka.protocol.message.SaslAuthenticateRequest;
import dev.josef.kafka.protocol.message.SaslAuthenticateResponse;
import dev.josef.kafka.protocol.message.SaslHandshakeResponse;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class SaslSessionTest {
    private static final SaslCredentials ALICE = SaslCredentials.password("alice", "alice-secret");

    private static SaslHandshakeResponse handshakeOk() {
        return new SaslHandshakeResponse().setErrorCode(ErrorCode.NONE.code())
                .setMechanisms(List.of("PLAIN", "SCRAM-SHA-256"));
    }

    private static SaslAuthenticateResponse answer(String authBytes) {
        return new SaslAuthenticateResponse().setErrorCode(ErrorCode.NONE.code())
                .setAuthBytes(authBytes.getBytes(StandardCharsets.UTF_8)).setSessionLifetimeMs(60_000);
    }

    private static SaslAuthenticateResponse refused(String message) {
        return new SaslAuthenticateResponse().setErrorCode(ErrorCode.SASL_AUTHENTICATION_FAILED.code())
                .setErrorMessage(message).setAuthBytes(new byte[0]);
    }

    @Test
    void plainIsAuthenticatedByTheBrokersFirstAnswer() {
        SaslSession session = new SaslSession(SaslMechanism.plain(), ALICE, "broker");

        assertThat(session.handshakeRequest().mechanism()).isEqualTo("PLAIN");
        SaslAuthenticateRequest first = session.onHandshake(handshakeOk());
        assertThat(first.authBytes()).isEqualTo("\0alice\0alice-secret".getBytes(StandardCharsets.UTF_8));
        assertThat(session.onAuthenticate(answer(""))).isNull();
        assertThat(session.isAuthenticated()).isTrue();
        assertThat(session.sessionLifetimeMs()).isEqualTo(60_000);
    }

    @Test
    void scramTakesTwoRoundTrips() {
        ScramMechanism mechanism = new ScramMechanism("SCRAM-SHA-256", "SHA-256", "HmacSHA256", () -> "rOprNGfwEbeRWgbNEkqO");
        SaslSession session = new SaslSession(mechanism, SaslCredentials.password("user", "pencil"), "broker");

        session.onHandshake(handshakeOk());
        SaslAuthenticateRequest clientFinal = session.onAuthenticate(answer(
                "r=rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0,s=W22ZaJ0SNY7soEsUEjb6gQ==,i=4096"));
        assertThat(new String(clientFinal.authBytes(), StandardCharsets.UTF_8)).startsWith("c=biws,");
        assertThat(session.isAuthenticated()).isFalse();
        assertThat(session.onAuthenticate(answer("v=6rriTRBi23WpRR/wtup+mMhUZUn/dB5nLTJRsjl95G4="))).isNull();
        assertThat(session.isAuthenticated()).isTrue();
    }

    @Test
    void aMechanismTheBrokerDoesNotEnableIsNamedWithTheOnesItDoes() {
        SaslSession session = new SaslSession(SaslMechanism.scramSha512(), ALICE, "broker");

        assertThatThrownBy(() -> session.onHandshake(new SaslHandshakeResponse()
                .setErrorCode(ErrorCode.UNSUPPORTED_SASL_MECHANISM.code()).setMechanisms(List.of("PLAIN"))))
                .isInstanceOf(SaslAuthenticationException.class)
                .hasMessage("SASL SCRAM-SHA-512 authentication failed: the broker does not enable it on this"
                        + " listener; it enables [PLAIN]");
    }

    @Test
    void aRefusalNamesTheMechanismAndNeverThePasswordEvenIfTheBrokerEchoesIt() {
        SaslSession session = new SaslSession(SaslMechanism.plain(), ALICE, "broker");
        session.onHandshake(handshakeOk());

        assertThatThrownBy(() -> session.onAuthenticate(refused("bad password alice-secret for alice")))
                .isInstanceOf(SaslAuthenticationException.class)
                .hasMessage("SASL PLAIN authentication failed: the broker refused it: bad password <redacted> for alice");
        assertThat(session.isAuthenticated()).isFalse();
    }

    @Test
    void anOauthRefusalCarriesTheStatusFromInsideTheExchange() {
        String token = "eyJhbGciOiJub25lIn0.eyJzdWIiOiJhbGljZSJ9.";
        SaslCredentials credentials = SaslCredentials.oauthBearer(
                () -> OAuthBearerToken.of(token, "alice", Instant.now().plusSeconds(60)));
        SaslSession session = new SaslSession(OAuthBearerMechanism.INSTANCE, credentials, "broker");
        session.onHandshake(handshakeOk());

        SaslAuthenticateRequest ack = session.onAuthenticate(answer("{\"status\":\"invalid_token\"}"));
        assertThat(ack.authBytes()).containsExactly(0x01);
        assertThatThrownBy(() -> session.onAuthenticate(refused("{\"status\":\"invalid_token\"}")))
                .isInstanceOf(SaslAuthenticationException.class)
                .hasMessageContaining("OAUTHBEARER")
                .hasMessageContaining("earlier in the exchange it reported status invalid_token")
                .hasMessageNotContaining(token);
    }

    @Test
    void aThirdPartyMechanismThatThrowsSomethingElseStillFailsAsAuthentication() {
        SaslMechanism broken = new SaslMechanism() {
            @Override
            public String name() {
                return "BROKEN";
            }

            @Override
            public SaslExchange start(SaslCredentials credentials, String brokerHost) {
                return new SaslExchange() {
                    @Override
                    public byte[] initialResponse() {
                        return new byte[0];
                    }

                    @Override
                    public byte[] evaluate(byte[] challenge) {
                        throw new IllegalStateException("secret stuff");
                    }

                    @Override
                    public boolean isComplete() {
                        return false;
                    }
                };
            }
        };
        SaslSession session = new SaslSession(broken, ALICE, "broker");
        session.onHandshake(handshakeOk());

        assertThatThrownBy(() -> session.onAuthenticate(answer("x")))
                .isInstanceOf(SaslAuthenticationException.class)
                .hasMessage("SASL BROKEN authentication failed: the mechanism failed with java.lang.IllegalStateException")
                .hasCauseInstanceOf(IllegalStateException.class);
    }

    @Test
    void aBrokerThatNeverStopsChallengingIsCutOff() {
        SaslMechanism chatty = new SaslMechanism() {
            @Override
            public String name() {
                return "CHATTY";
            }

            @Override
            public SaslExchange start(SaslCredentials credentials, String brokerHost) {
                return new SaslExchange() {
                    @Override
                    public byte[] initialResponse() {
                        return new byte[0];
                    }

                    @Override
                    public byte[] evaluate(byte[] challenge) {
                        return new byte[] {1};
                    }

                    @Override
                    public boolean isComplete() {
                        return false;
                    }
                };
            }
        };
        SaslSession session = new SaslSession(chatty, ALICE, "broker");
        session.onHandshake(handshakeOk());

        assertThatThrownBy(() -> {
            for (int i = 0; i < 100; i++) {
                session.onAuthenticate(answer("more"));
            }
        }).isInstanceOf(SaslAuthenticationException.class).hasMessageContaining("more than 16 challenges");
    }
}
