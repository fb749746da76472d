package dev.josef.kafka.net.internal;

import dev.josef.kafka.net.spi.OAuthBearerToken;
import dev.josef.kafka.net.spi.SaslCredentials;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.Base64;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.catchThrowable;

class JaasConfigTest {
    private static final String PLAIN = "org.apache.kafka.common.security.plain.PlainLoginModule";
    private static final String SCRAM = "org.apache.kafka.common.security.scram.ScramLoginModule";
    private static final String OAUTH = "org.apache.kafka.common.security.oauthbearer.OAuthBearerLoginModule";
    private static final String SECRET = "pa55-w0rd-XYZ";

    @Test
    void readsPlainLoginModule() {
        SaslCredentials c = JaasConfig.credentials(PLAIN + " required username=\"alice\" password=\"" + SECRET + "\";");
        assertThat(c.kind()).isEqualTo(SaslCredentials.Kind.PASSWORD);
        assertThat(c.username()).isEqualTo("alice");
        assertThat(c.password()).containsExactly(SECRET.toCharArray());
        assertThat(c.extensions()).isEmpty();
    }

    @Test
    void readsScramLoginModuleWithTokenAuth() {
        SaslCredentials c = JaasConfig.credentials(SCRAM + " required\n  username='bob'\n  password=\"" + SECRET
                + "\"\n  tokenauth=true;");
        assertThat(c.username()).isEqualTo("bob");
        assertThat(c.password()).containsExactly(SECRET.toCharArray());
        assertThat(c.extensions()).containsExactly(Map.entry("tokenauth", "true"));
        assertThat(JaasConfig.credentials(SCRAM + " required username=bob password=x tokenauth=\"false\";")
                .extensions()).isEmpty();
        assertThatThrownBy(() -> JaasConfig.credentials(SCRAM + " required username=b password=x tokenauth=yes;"))
                .hasMessage("option 'tokenauth' must be true or false");
    }

    @Test
    void unquotesValuesWithEscapes() {
        SaslCredentials c = JaasConfig.credentials(PLAIN + " required username=\"a\\\"b\" password=\"p\\\\w\\\"d;=\";");
        assertThat(c.username()).isEqualTo("a\"b");
        assertThat(c.password()).containsExactly("p\\w\"d;=".toCharArray());
        assertThat(JaasConfig.credentials(PLAIN + " required username='x\\'y' password=p;").username()).isEqualTo("x'y");
        // Two quoted strings in a row are two tokens: a syntax error, not a concatenation.
        assertThatThrownBy(() -> JaasConfig.credentials(PLAIN + " required username='it''s' password=p;"))
                .hasMessageStartingWith("expected an option name at character");
    }

    @Test
    void skipsCommentsAndAcceptsAnyControlFlag() {
        JaasConfig j = JaasConfig.parse("/* ours */ " + PLAIN + " REQUIRED // the flag is ignored\n"
                + " username=u password=\"p\";\n");
        assertThat(j.loginModule()).isEqualTo(PLAIN);
        assertThat(j.controlFlag()).isEqualTo("REQUIRED");
        assertThat(j.options()).containsExactly(Map.entry("username", "u"), Map.entry("password", "p"));
        assertThat(j.toString()).contains("username", "password").doesNotContain("=u", "\"p\"");
    }

    @Test
    void missingUsernameOrPasswordIsNamed() {
        assertThatThrownBy(() -> JaasConfig.credentials(PLAIN + " required password=\"" + SECRET + "\";"))
                .hasMessage("PlainLoginModule needs option 'username'");
        assertThatThrownBy(() -> JaasConfig.credentials(SCRAM + " required username=\"a\";"))
                .hasMessage("ScramLoginModule needs option 'password'");
        assertThatThrownBy(() -> JaasConfig.credentials(PLAIN + " required username=\"a\" password=\"\";"))
                .hasMessageContaining("must not be empty");
    }

    @Test
    void unknownLoginModulesAndOptionsAreNamed() {
        assertThatThrownBy(() -> JaasConfig.credentials("com.sun.security.auth.module.Krb5LoginModule required;"))
                .hasMessageStartingWith("login module 'com.sun.security.auth.module.Krb5LoginModule' is not one Josef reads");
        assertThatThrownBy(() -> JaasConfig.credentials(PLAIN + " required username=a password=b tokenauth=true;"))
                .hasMessage("PlainLoginModule has no option 'tokenauth'; it takes " + messageSetOf("username", "password"));
        assertThatThrownBy(() -> JaasConfig.credentials(PLAIN + " required username=a username=b;"))
                .hasMessage("option 'username' is given twice");
        // A name Kafka's login modules do not use may be a piece of a password written without quotes.
        assertThatThrownBy(() -> JaasConfig.credentials(PLAIN + " required username=a password=b c" + SECRET + "=d;"))
                .hasMessageStartingWith("PlainLoginModule has an option it does not take (its name is not shown")
                .hasMessageNotContaining(SECRET);
        assertThatThrownBy(() -> JaasConfig.credentials(PLAIN + " required x" + SECRET + "=1 x" + SECRET + "=2;"))
                .hasMessage("an option is given twice");
        assertThatThrownBy(() -> JaasConfig.credentials("com.example.Auth" + SECRET.replace("-", "") + " required;"))
                .hasMessageStartingWith("its login module is not one Josef reads (the name is not shown")
                .hasMessageNotContaining(SECRET.replace("-", ""));
    }

    private static String messageSetOf(String... names) {
        // Set.of iteration order is unspecified; ask the same kind of set how it prints.
        return java.util.Set.of(names).toString();
    }

    @Test
    void syntaxErrorsGiveAPositionAndNeverTheText() {
        String[] bad = {
                "",
                PLAIN + ";",
                PLAIN + " always username=a;",
                PLAIN + " required username=\"" + SECRET + "\"",
                PLAIN + " required username \"" + SECRET + "\";",
                PLAIN + " required username= ;" + SECRET,
                PLAIN + " required password=\"" + SECRET,
                PLAIN + " required password=" + SECRET + " " + SECRET + ";",
                PLAIN + " required password=x; " + PLAIN + " required;",
                PLAIN + " required password=#" + SECRET + ";",
                PLAIN + " required /* " + SECRET,
        };
        for (String text : bad) {
            Throwable t = catchThrowable(() -> JaasConfig.parse(text));
            assertThat(t).as(text).isInstanceOf(IllegalArgumentException.class);
            assertThat(t.getMessage()).as(text).doesNotContain(SECRET).doesNotContain(PLAIN + " ");
        }
        assertThatThrownBy(() -> JaasConfig.parse(PLAIN + " required username=a"))
                .hasMessage("the login module entry must end with ';'");
        assertThatThrownBy(() -> JaasConfig.parse(PLAIN + " required username a;"))
                .hasMessage("expected '=' after an option name at character " + (PLAIN.length() + 20));
        assertThatThrownBy(() -> JaasConfig.parse(PLAIN + " required password=\"x"))
                .hasMessageContaining("has no closing quote");
        assertThatThrownBy(() -> JaasConfig.parse(PLAIN + " required; " + SCRAM + " required;"))
                .hasMessageContaining("more than one login module entry");
    }

    @Test
    void makesUnsecuredOAuthBearerTokens() {
        SaslCredentials c = JaasConfig.credentials(OAUTH + " required unsecuredLoginStringClaim_sub=\"alice\""
                + " unsecuredLoginStringClaim_scope=\"a b\" unsecuredLoginLifetimeSeconds=\"60\""
                + " unsecuredLoginExtension_traceId=\"abc\";");
        assertThat(c.kind()).isEqualTo(SaslCredentials.Kind.OAUTH_BEARER);
        assertThat(c.extensions()).containsExactly(Map.entry("traceId", "abc"));
        Instant before = Instant.now();
        OAuthBearerToken token = c.tokenProvider().token();
        assertThat(token.principalName()).isEqualTo("alice");
        assertThat(token.expiresAt()).isBetween(before.plus(Duration.ofSeconds(58)), Instant.now().plusSeconds(61));
        String[] parts = token.value().split("\\.", -1);
        assertThat(parts).hasSize(3);
        assertThat(parts[2]).isEmpty();
        Base64.Decoder d = Base64.getUrlDecoder();
        assertThat(new String(d.decode(parts[0]), StandardCharsets.UTF_8)).isEqualTo("{\"alg\":\"none\"}");
        String claims = new String(d.decode(parts[1]), StandardCharsets.UTF_8);
        assertThat(claims).contains("\"sub\":\"alice\"", "\"scope\":\"a b\"", "\"iat\":", "\"exp\":");
    }

    @Test
    void oauthBearerWithoutUnsecuredClaimsAsksForATokenProvider() {
        assertThatThrownBy(() -> JaasConfig.credentials(OAUTH + " required;"))
                .hasMessageContaining("names no token")
                .hasMessageContaining("saslCredentials(SaslCredentials.oauthBearer(provider))");
        assertThatThrownBy(() -> JaasConfig.credentials(OAUTH + " required clientId=\"x\" clientSecret=\""
                + SECRET + "\";"))
                .hasMessageContaining("option 'clientId' is not read by Josef")
                .hasMessageNotContaining(SECRET);
        assertThatThrownBy(() -> JaasConfig.credentials(OAUTH + " required unsecuredLoginStringClaim_sub=a"
                + " unsecuredLoginLifetimeSeconds=soon;"))
                .hasMessage("option 'unsecuredLoginLifetimeSeconds' must be a positive number");
    }
}
