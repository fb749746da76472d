package dev.josef.kafka.net.sasl;

import dev.josef.kafka.net.internal.sasl.OAuthBearerMechanism;
import dev.josef.kafka.net.spi.OAuthBearerToken;
import dev.josef.kafka.net.spi.SaslAuthenticationException;
import dev.josef.kafka.net.spi.SaslCredentials;
import dev.josef.kafka.net.spi.SaslExchange;
import dev.josef.kafka.net.spi.SaslMechanism;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.LinkedHashMap;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class OAuthBearerMechanismTest {
    private static final Instant NOW = Instant.parse("2025-01-01T00:00:00Z");
    private static final String TOKEN = "eyJhbGciOiJub25lIn0.eyJzdWIiOiJhbGljZSJ9.";
    private static final SaslMechanism MECHANISM = new OAuthBearerMechanism(Clock.fixed(NOW, ZoneOffset.UTC));
    private static final SaslCredentials ALICE =
            SaslCredentials.oauthBearer(() -> OAuthBearerToken.of(TOKEN, "alice", NOW.plusSeconds(3600)));

    private static String text(byte[] b) {
        return new String(b, StandardCharsets.UTF_8);
    }

    @Test
    void theInitialResponseIsKafkasGs2HeaderAndAuthValue() {
        SaslExchange exchange = MECHANISM.start(ALICE, "broker");

        assertThat(text(exchange.initialResponse())).isEqualTo("n,,\u0001auth=Bearer " + TOKEN + "\u0001\u0001");
        assertThat(exchange.isComplete()).isFalse();
    }

    @Test
    void extensionsFollowTheTokenInOrder() {
        Map<String, String> extensions = new LinkedHashMap<>();
        extensions.put("logicalCluster", "lkc-1");
        extensions.put("identityPool", "pool a");
        SaslExchange exchange = MECHANISM.start(ALICE.withExtensions(extensions).withAuthorizationId("alice"), "broker");

        assertThat(text(exchange.initialResponse())).isEqualTo("n,a=alice,\u0001auth=Bearer " + TOKEN
                + "\u0001logicalCluster=lkc-1\u0001identityPool=pool a\u0001\u0001");
    }

    @Test
    void anEmptyAnswerCompletesTheExchange() {
        SaslExchange exchange = MECHANISM.start(ALICE, "broker");
        exchange.initialResponse();

        assertThat(exchange.evaluate(new byte[0])).isNull();
        assertThat(exchange.isComplete()).isTrue();
        assertThat(exchange.serverError()).isEmpty();
    }

    @Test
    void anErrorAnswerIsAcknowledgedThenFailsWithTheServersStatus() {
        SaslExchange exchange = MECHANISM.start(ALICE, "broker");
        exchange.initialResponse();
        byte[] error = ("{\"status\":\"invalid_token\", \"scope\":\"kafka\", \"openid-configuration\":"
                + "\"https://idp/.well-known/openid-configuration\"}").getBytes(StandardCharsets.UTF_8);

        assertThat(exchange.evaluate(error)).containsExactly(0x01);
        assertThat(exchange.isComplete()).isFalse();
        assertThat(exchange.serverError()).contains("status invalid_token, scope kafka,"
                + " openid-configuration https://idp/.well-known/openid-configuration");
        assertThatThrownBy(() -> exchange.evaluate(new byte[0]))
                .isInstanceOfSatisfying(SaslAuthenticationException.class,
                        e -> assertThat(e.mechanism()).isEqualTo("OAUTHBEARER"))
                .hasMessageStartingWith("SASL OAUTHBEARER authentication failed: the broker rejected the token (status invalid_token")
                .hasMessageNotContaining(TOKEN);
    }

    @Test
    void anErrorThatEchoesTheTokenDoesNotLeakIt() {
        SaslExchange exchange = MECHANISM.start(ALICE, "broker");
        exchange.initialResponse();

        exchange.evaluate(("{\"status\":\"bad " + TOKEN + "\"}").getBytes(StandardCharsets.UTF_8));

        assertThat(exchange.serverError()).hasValueSatisfying(e -> assertThat(e).doesNotContain(TOKEN).contains("<redacted>"));
    }

    @Test
    void anUnreadableErrorIsQuoted() {
        SaslExchange exchange = MECHANISM.start(ALICE, "broker");
        exchange.initialResponse();

        exchange.evaluate("not json".getBytes(StandardCharsets.UTF_8));

        assertThat(exchange.serverError()).contains("an error the client cannot read: 'not json'");
    }

    @Test
    void anExpiredTokenIsNotSent() {
        SaslCredentials expired = SaslCredentials.oauthBearer(() -> OAuthBearerToken.of(TOKEN, "alice", NOW));

        assertThatThrownBy(() -> MECHANISM.start(expired, "broker"))
                .isInstanceOf(SaslAuthenticationException.class)
                .hasMessage("SASL OAUTHBEARER authentication failed: the token for 'alice' expired at " + NOW);
    }

    @Test
    void aFailingProviderFailsTheAuthenticationAndKeepsItsCause() {
        IllegalStateException cause = new IllegalStateException("idp down; client secret was hunter2");
        SaslCredentials failing = SaslCredentials.oauthBearer(() -> {
            throw cause;
        });

        assertThatThrownBy(() -> MECHANISM.start(failing, "broker"))
                .isInstanceOf(SaslAuthenticationException.class)
                .hasMessage("SASL OAUTHBEARER authentication failed: the token provider failed with"
                        + " java.lang.IllegalStateException")
                .hasCause(cause);
    }

    @Test
    void aProviderThatGivesNoTokenFailsTheAuthentication() {
        assertThatThrownBy(() -> MECHANISM.start(SaslCredentials.oauthBearer(() -> null), "broker"))
                .isInstanceOf(SaslAuthenticationException.class)
                .hasMessageContaining("returned no token");
    }

    @Test
    void passwordCredentialsAreRefused() {
        assertThatThrownBy(() -> SaslMechanism.oauthBearer().validate(SaslCredentials.password("alice", "pw")))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("OAUTHBEARER needs an OAuth bearer token provider");
    }

    @Test
    void aMessageAfterCompletionFails() {
        SaslExchange exchange = MECHANISM.start(ALICE, "broker");
        exchange.initialResponse();
        exchange.evaluate(new byte[0]);

        assertThatThrownBy(() -> exchange.evaluate(new byte[0]))
                .isInstanceOf(SaslAuthenticationException.class)
                .hasMessageContaining("after the exchange was complete");
    }
}
