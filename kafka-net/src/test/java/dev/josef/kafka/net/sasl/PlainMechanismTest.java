package dev.josef.kafka.net.sasl;

import dev.josef.kafka.net.spi.SaslAuthenticationException;
import dev.josef.kafka.net.spi.SaslCredentials;
import dev.josef.kafka.net.spi.SaslExchange;
import dev.josef.kafka.net.spi.SaslMechanism;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.time.Instant;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class PlainMechanismTest {

    @Test
    void theMessageIsAuthzidNulUsernameNulPassword() {
        SaslExchange exchange = SaslMechanism.plain().start(SaslCredentials.password("alice", "s3cret"), "broker");

        assertThat(exchange.initialResponse()).isEqualTo("\0alice\0s3cret".getBytes(StandardCharsets.UTF_8));
        assertThat(exchange.isComplete()).isTrue();
    }

    @Test
    void anAuthorizationIdLeadsTheMessage() {
        SaslCredentials credentials = SaslCredentials.password("alice", "s3cret").withAuthorizationId("bob");

        assertThat(SaslMechanism.plain().start(credentials, "broker").initialResponse())
                .isEqualTo("bob\0alice\0s3cret".getBytes(StandardCharsets.UTF_8));
    }

    @Test
    void nonAsciiIsSentAsUtf8() {
        SaslExchange exchange = SaslMechanism.plain().start(SaslCredentials.password("jürgen", "pässwörd€"), "broker");

        assertThat(exchange.initialResponse()).isEqualTo("\0jürgen\0pässwörd€".getBytes(StandardCharsets.UTF_8));
    }

    @Test
    void theBrokersEmptyAnswerEndsTheExchange() {
        SaslExchange exchange = SaslMechanism.plain().start(SaslCredentials.password("alice", "s3cret"), "broker");
        exchange.initialResponse();

        assertThat(exchange.evaluate(new byte[0])).isNull();
    }

    @Test
    void aChallengeIsNotPlain() {
        SaslExchange exchange = SaslMechanism.plain().start(SaslCredentials.password("alice", "s3cret"), "broker");
        exchange.initialResponse();

        assertThatThrownBy(() -> exchange.evaluate(new byte[] {1, 2, 3}))
                .isInstanceOf(SaslAuthenticationException.class)
                .hasMessage("SASL PLAIN authentication failed: the broker sent a 3-byte challenge,"
                        + " but PLAIN has only the client's one message");
    }

    @Test
    void oauthCredentialsAreRefusedWhenTheClientIsBuilt() {
        SaslCredentials oauth = SaslCredentials.oauthBearer(() -> dev.josef.kafka.net.spi.OAuthBearerToken.of(
                "t", "p", Instant.MAX));

        assertThatThrownBy(() -> SaslMechanism.plain().validate(oauth))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("SASL mechanism PLAIN needs a username and password, but the credentials hold"
                        + " an OAuth bearer token provider");
    }
}
