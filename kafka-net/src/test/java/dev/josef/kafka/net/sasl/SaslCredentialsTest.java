package dev.josef.kafka.net.sasl;

import dev.josef.kafka.net.spi.OAuthBearerToken;
import dev.josef.kafka.net.spi.SaslCredentials;
import org.junit.jupiter.api.Test;

import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class SaslCredentialsTest {

    @Test
    void toStringNeverShowsThePassword() {
        SaslCredentials credentials = SaslCredentials.password("alice", "alice-secret")
                .withAuthorizationId("alice").withExtensions(Map.of("tokenauth", "true"));

        assertThat(credentials.toString())
                .isEqualTo("SaslCredentials[username=alice, password=<redacted>, authorizationId=alice,"
                        + " extensions=[tokenauth]]")
                .doesNotContain("alice-secret");
    }

    @Test
    void toStringNeverShowsTheToken() {
        OAuthBearerToken token = OAuthBearerToken.of("eyJhbGciOiJub25lIn0.eyJzdWIiOiJhIn0.", "alice", Instant.EPOCH);

        assertThat(token.toString()).doesNotContain("eyJ").contains("alice");
        assertThat(SaslCredentials.oauthBearer(() -> token).toString()).startsWith("SaslCredentials[oauthBearer");
    }

    @Test
    void thePasswordIsCopiedInAndOut() {
        char[] mine = "alice-secret".toCharArray();
        SaslCredentials credentials = SaslCredentials.password("alice", mine);
        java.util.Arrays.fill(mine, 'x');

        char[] copy = credentials.password();
        assertThat(copy).containsExactly("alice-secret".toCharArray());
        java.util.Arrays.fill(copy, 'y');
        assertThat(credentials.password()).containsExactly("alice-secret".toCharArray());
    }

    @Test
    void badUsernamesAndPasswordsAreRefusedWithoutShowingThePassword() {
        assertThatThrownBy(() -> SaslCredentials.password("", "pw")).hasMessageContaining("username must not be empty");
        assertThatThrownBy(() -> SaslCredentials.password("a\0b", "pw")).hasMessageContaining("NUL");
        assertThatThrownBy(() -> SaslCredentials.password("alice", ""))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("password for 'alice' must not be empty");
        assertThatThrownBy(() -> SaslCredentials.password("alice", "top\0secret"))
                .isInstanceOf(IllegalArgumentException.class).hasMessageNotContaining("top").hasMessageContaining("NUL");
        assertThatThrownBy(() -> SaslCredentials.password("alice", "pw").withAuthorizationId(""))
                .isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void extensionsKeepTheirOrderAndFollowRfc7628() {
        Map<String, String> given = new LinkedHashMap<>();
        given.put("zeta", "1");
        given.put("alpha", "two words");
        SaslCredentials credentials = SaslCredentials.password("alice", "pw").withExtensions(given);

        assertThat(credentials.extensions().keySet()).containsExactly("zeta", "alpha");
        assertThatThrownBy(() -> credentials.withExtensions(Map.of("auth", "x"))).hasMessageContaining("reserved");
        assertThatThrownBy(() -> credentials.withExtensions(Map.of("AUTH", "x"))).hasMessageContaining("reserved");
        assertThatThrownBy(() -> credentials.withExtensions(Map.of("k1", "x"))).hasMessageContaining("letters only");
        assertThatThrownBy(() -> credentials.withExtensions(Map.of("k", ""))).hasMessageContaining("'k'");
        assertThatThrownBy(() -> credentials.withExtensions(Map.of("k", "a\u0001b"))).hasMessageContaining("'k'");
    }

    @Test
    void askingForTheOtherKindIsAnError() {
        SaslCredentials oauth = SaslCredentials.oauthBearer(() -> null);
        SaslCredentials password = SaslCredentials.password("alice", "pw");

        assertThat(oauth.kind()).isEqualTo(SaslCredentials.Kind.OAUTH_BEARER);
        assertThatThrownBy(oauth::username).isInstanceOf(IllegalStateException.class).hasMessageContaining("no username");
        assertThatThrownBy(oauth::password).isInstanceOf(IllegalStateException.class);
        assertThatThrownBy(password::tokenProvider).isInstanceOf(IllegalStateException.class);
    }

    @Test
    void tokensMustBeB64TokensAndTheMessageDoesNotShowThem() {
        assertThatThrownBy(() -> OAuthBearerToken.of("has space", "alice", Instant.MAX))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("'alice'").hasMessageNotContaining("has space");
        assertThatThrownBy(() -> OAuthBearerToken.of("a\u0001b", "alice", Instant.MAX))
                .isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> OAuthBearerToken.of("", "alice", Instant.MAX)).hasMessageContaining("empty");
        assertThat(OAuthBearerToken.of("abc-._~+/==", "alice", Instant.MAX).value()).isEqualTo("abc-._~+/==");
    }
}
