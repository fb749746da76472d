package dev.josef.kafka.net.sasl;

import dev.josef.kafka.net.internal.sasl.ScramMechanism;
import dev.josef.kafka.net.spi.SaslAuthenticationException;
import dev.josef.kafka.net.spi.SaslCredentials;
import dev.josef.kafka.net.spi.SaslExchange;
import dev.josef.kafka.net.spi.SaslMechanism;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.params.provider.ValueSource;

import javax.crypto.Mac;
import javax.crypto.SecretKeyFactory;
import javax.crypto.spec.PBEKeySpec;
import javax.crypto.spec.SecretKeySpec;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class ScramMechanismTest {
    private static final String PASSWORD = "pencil";
    private static final SaslCredentials USER = SaslCredentials.password("user", PASSWORD);

    // RFC 7677 section 3: SCRAM-SHA-256, user "user", password "pencil".
    private static final String RFC7677_CLIENT_NONCE = "rOprNGfwEbeRWgbNEkqO";
    private static final String RFC7677_SERVER_FIRST =
            "r=rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0,s=W22ZaJ0SNY7soEsUEjb6gQ==,i=4096";
    private static final String RFC7677_CLIENT_FINAL =
            "c=biws,r=rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0,p=dHzbZapWIk4jUhN+Ute9ytag9zjfMHgsqmmiz7AndVQ=";
    private static final String RFC7677_SERVER_FINAL = "v=6rriTRBi23WpRR/wtup+mMhUZUn/dB5nLTJRsjl95G4=";

    private static ScramMechanism sha256WithNonce(String nonce) {
        return new ScramMechanism("SCRAM-SHA-256", "SHA-256", "HmacSHA256", () -> nonce);
    }

    private static byte[] utf8(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    private static String text(byte[] b) {
        return new String(b, StandardCharsets.UTF_8);
    }

    @Test
    void scramSha256ReproducesTheRfc7677Example() {
        SaslExchange exchange = sha256WithNonce(RFC7677_CLIENT_NONCE).start(USER, "broker");

        assertThat(text(exchange.initialResponse())).isEqualTo("n,,n=user,r=rOprNGfwEbeRWgbNEkqO");
        assertThat(text(exchange.evaluate(utf8(RFC7677_SERVER_FIRST)))).isEqualTo(RFC7677_CLIENT_FINAL);
        assertThat(exchange.isComplete()).isFalse();
        assertThat(exchange.evaluate(utf8(RFC7677_SERVER_FINAL))).isNull();
        assertThat(exchange.isComplete()).isTrue();
    }

    @Test
    void theRfc5802ExampleRunsWithSha1() {
        // RFC 5802 section 5 uses SCRAM-SHA-1, which Kafka does not offer; the message
        // structure and the proof are the same computation with another hash.
        ScramMechanism sha1 = new ScramMechanism("SCRAM-SHA-1", "SHA-1", "HmacSHA1", () -> "fyko+d2lbbFgONRv9qkxdawL");
        SaslExchange exchange = sha1.start(USER, "broker");

        assertThat(text(exchange.initialResponse())).isEqualTo("n,,n=user,r=fyko+d2lbbFgONRv9qkxdawL");
        assertThat(text(exchange.evaluate(utf8("r=fyko+d2lbbFgONRv9qkxdawL3rfcNHYJY1ZVvWVs7j,s=QSXCR+Q6sek8bf92,i=4096"))))
                .isEqualTo("c=biws,r=fyko+d2lbbFgONRv9qkxdawL3rfcNHYJY1ZVvWVs7j,p=v0X8v3Bz2T0CJGbJQyF0X+HI4Ts=");
        assertThat(exchange.evaluate(utf8("v=rmF9pqV8S7suAoZWja4dJRkFsKQ="))).isNull();
        assertThat(exchange.isComplete()).isTrue();
    }

    @ParameterizedTest
    @ValueSource(strings = {"SCRAM-SHA-256", "SCRAM-SHA-512"})
    void builtInsAgreeWithAServerBuiltOnTheJdksPbkdf2(String name) throws Exception {
        SaslMechanism mechanism = name.endsWith("256") ? SaslMechanism.scramSha256() : SaslMechanism.scramSha512();
        String hash = name.endsWith("256") ? "SHA-256" : "SHA-512";
        SaslCredentials alice = SaslCredentials.password("alice", "alice-secret");
        SaslExchange exchange = mechanism.start(alice, "broker");

        String clientFirst = text(exchange.initialResponse());
        assertThat(clientFirst).matches("n,,n=alice,r=[A-Za-z0-9+/=]{32}");
        String clientFirstBare = clientFirst.substring(3);
        String nonce = clientFirstBare.substring(clientFirstBare.indexOf("r=") + 2) + "server-part";
        byte[] salt = utf8("some salt");
        String serverFirst = "r=" + nonce + ",s=" + Base64.getEncoder().encodeToString(salt) + ",i=8192";

        String clientFinal = text(exchange.evaluate(utf8(serverFirst)));
        String withoutProof = clientFinal.substring(0, clientFinal.indexOf(",p="));
        assertThat(withoutProof).isEqualTo("c=biws,r=" + nonce);
        byte[] proof = Base64.getDecoder().decode(clientFinal.substring(clientFinal.indexOf(",p=") + 3));

        // The server side of RFC 5802 section 3, with Hi() from the JDK's PBKDF2.
        String hmac = "Hmac" + hash.replace("-", "");
        byte[] saltedPassword = SecretKeyFactory.getInstance("PBKDF2With" + hmac)
                .generateSecret(new PBEKeySpec("alice-secret".toCharArray(), salt, 8192, proof.length * 8))
                .getEncoded();
        byte[] storedKey = MessageDigest.getInstance(hash).digest(hmac(hmac, saltedPassword, utf8("Client Key")));
        byte[] authMessage = utf8(clientFirstBare + "," + serverFirst + "," + withoutProof);
        byte[] clientSignature = hmac(hmac, storedKey, authMessage);
        byte[] clientKey = new byte[proof.length];
        for (int i = 0; i < proof.length; i++) {
            clientKey[i] = (byte) (proof[i] ^ clientSignature[i]);
        }
        assertThat(MessageDigest.getInstance(hash).digest(clientKey)).isEqualTo(storedKey);

        byte[] serverSignature = hmac(hmac, hmac(hmac, saltedPassword, utf8("Server Key")), authMessage);
        assertThat(exchange.evaluate(utf8("v=" + Base64.getEncoder().encodeToString(serverSignature)))).isNull();
        assertThat(exchange.isComplete()).isTrue();
    }

    private static byte[] hmac(String algorithm, byte[] key, byte[] data) throws Exception {
        Mac mac = Mac.getInstance(algorithm);
        mac.init(new SecretKeySpec(key, algorithm));
        return mac.doFinal(data);
    }

    @Test
    void usernameIsEscapedAsASaslName() {
        SaslExchange exchange = sha256WithNonce("abc").start(SaslCredentials.password("a=b,c", PASSWORD), "broker");

        assertThat(text(exchange.initialResponse())).isEqualTo("n,,n=a=3Db=2Cc,r=abc");
    }

    @Test
    void authorizationIdGoesInTheGs2HeaderAndTheChannelBinding() {
        SaslCredentials credentials = USER.withAuthorizationId("us,er");
        SaslExchange exchange = sha256WithNonce("abc").start(credentials, "broker");

        assertThat(text(exchange.initialResponse())).isEqualTo("n,a=us=2Cer,n=user,r=abc");
        String clientFinal = text(exchange.evaluate(utf8("r=abcdef,s=W22ZaJ0SNY7soEsUEjb6gQ==,i=4096")));
        assertThat(clientFinal).startsWith("c=" + Base64.getEncoder().encodeToString(utf8("n,a=us=2Cer,")) + ",r=abcdef,p=");
    }

    @Test
    void extensionsFollowTheNonceInOrder() {
        Map<String, String> extensions = new LinkedHashMap<>();
        extensions.put("tokenauth", "true");
        extensions.put("other", "x y");
        SaslExchange exchange = sha256WithNonce("abc").start(USER.withExtensions(extensions), "broker");

        assertThat(text(exchange.initialResponse())).isEqualTo("n,,n=user,r=abc,tokenauth=true,other=x y");
    }

    @Test
    void anExtensionValueWithACommaIsRefusedWhenTheClientIsBuilt() {
        SaslCredentials credentials = USER.withExtensions(Map.of("k", "a,b"));

        assertThatThrownBy(() -> SaslMechanism.scramSha512().validate(credentials))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("'k'").hasMessageContaining("SCRAM-SHA-512");
    }

    @Test
    void oauthCredentialsAreRefused() {
        SaslCredentials oauth = SaslCredentials.oauthBearer(() -> null);

        assertThatThrownBy(() -> SaslMechanism.scramSha256().start(oauth, "broker"))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("SCRAM-SHA-256 needs a username and password");
    }

    @Test
    void eachExchangeHasAFreshNonce() {
        String first = text(SaslMechanism.scramSha256().start(USER, "b").initialResponse());
        String second = text(SaslMechanism.scramSha256().start(USER, "b").initialResponse());

        assertThat(first).isNotEqualTo(second);
    }

    static Stream<Arguments> malformedServerFirst() {
        String salt = "W22ZaJ0SNY7soEsUEjb6gQ==";
        return Stream.of(
                Arguments.of("r=xyzdef,s=" + salt + ",i=4096", "nonce does not extend"),
                Arguments.of("r=abc,s=" + salt + ",i=4096", "nonce does not extend"),
                Arguments.of("r=abcdef,s=" + salt + ",i=4095", "fewer than the minimum of 4096"),
                Arguments.of("r=abcdef,s=" + salt + ",i=0", "fewer than the minimum"),
                Arguments.of("r=abcdef,s=" + salt + ",i=16385", "more than the maximum of 16384"),
                Arguments.of("r=abcdef,s=" + salt + ",i=4294967296", "more than the maximum"),
                Arguments.of("r=abcdef,s=" + salt + ",i=99999999999", "not a number"),
                Arguments.of("r=abcdef,s=" + salt + ",i=-4096", "not a number"),
                Arguments.of("r=abcdef,s=" + salt + ",i=4k", "not a number"),
                Arguments.of("r=abcdef,s=" + salt + ",i=", "not a number"),
                Arguments.of("r=abcdef,s=%%not-base64%%,i=4096", "salt in the server-first message is not valid base64"),
                Arguments.of("r=abcdef,s=,i=4096", "salt in the server-first message is empty"),
                Arguments.of("r=abcdef,i=4096", "expected r=, s= and i="),
                Arguments.of("r=abcdef,s=" + salt, "expected r=, s= and i="),
                Arguments.of("s=" + salt + ",r=abcdef,i=4096", "expected r="),
                Arguments.of("r=abcdef,x=" + salt + ",i=4096", "expected s="),
                Arguments.of("m=must-know,r=abcdef,s=" + salt + ",i=4096", "mandatory SCRAM extension"),
                Arguments.of("e=unknown-user", "reported an error: unknown-user"),
                Arguments.of("", "expected r=, s= and i="));
    }

    @ParameterizedTest
    @MethodSource("malformedServerFirst")
    void aMalformedServerFirstMessageFailsTheExchange(String serverFirst, String reason) {
        SaslExchange exchange = sha256WithNonce("abc").start(USER, "broker");
        exchange.initialResponse();

        assertThatThrownBy(() -> exchange.evaluate(utf8(serverFirst)))
                .isInstanceOfSatisfying(SaslAuthenticationException.class,
                        e -> assertThat(e.mechanism()).isEqualTo("SCRAM-SHA-256"))
                .hasMessageStartingWith("SASL SCRAM-SHA-256 authentication failed: ")
                .hasMessageContaining(reason)
                .hasMessageNotContaining(PASSWORD);
        assertThat(exchange.isComplete()).isFalse();
        assertThatThrownBy(() -> exchange.evaluate(utf8(RFC7677_SERVER_FINAL)))
                .isInstanceOf(SaslAuthenticationException.class).hasMessageContaining("already failed");
    }

    @Test
    void aServerFirstMessageThatIsNotUtf8FailsTheExchange() {
        SaslExchange exchange = sha256WithNonce("abc").start(USER, "broker");
        exchange.initialResponse();

        assertThatThrownBy(() -> exchange.evaluate(new byte[] {'r', '=', (byte) 0xC3, (byte) 0x28}))
                .isInstanceOf(SaslAuthenticationException.class)
                .hasMessageContaining("server-first message is not valid UTF-8");
    }

    static Stream<Arguments> badServerFinal() {
        return Stream.of(
                Arguments.of("v=7rriTRBi23WpRR/wtup+mMhUZUn/dB5nLTJRsjl95G4=", "signature is wrong"),
                Arguments.of("v=AAAA", "signature is wrong"),
                Arguments.of("v=", "signature is wrong"),
                Arguments.of("v=***", "server signature is not valid base64"),
                Arguments.of("e=invalid-proof", "reported an error: invalid-proof"),
                Arguments.of("e=other-error,ext=1", "reported an error: other-error"),
                Arguments.of("x=6rriTRBi23WpRR/wtup+mMhUZUn/dB5nLTJRsjl95G4=", "expected v= or e="),
                Arguments.of("", "expected v= or e="));
    }

    @ParameterizedTest
    @MethodSource("badServerFinal")
    void aServerFinalMessageThatDoesNotProveTheBrokerFailsTheExchange(String serverFinal, String reason) {
        SaslExchange exchange = sha256WithNonce(RFC7677_CLIENT_NONCE).start(USER, "broker");
        exchange.initialResponse();
        exchange.evaluate(utf8(RFC7677_SERVER_FIRST));

        assertThatThrownBy(() -> exchange.evaluate(utf8(serverFinal)))
                .isInstanceOf(SaslAuthenticationException.class)
                .hasMessageStartingWith("SASL SCRAM-SHA-256 authentication failed: ")
                .hasMessageContaining(reason)
                .hasMessageNotContaining(PASSWORD);
        assertThat(exchange.isComplete()).isFalse();
    }

    @Test
    void extensionsAfterTheIterationCountAreAccepted() {
        SaslExchange exchange = sha256WithNonce("abc").start(USER, "broker");
        exchange.initialResponse();

        assertThat(text(exchange.evaluate(utf8("r=abcdef,s=W22ZaJ0SNY7soEsUEjb6gQ==,i=4096,x=future"))))
                .startsWith("c=biws,r=abcdef,p=");
    }

    @Test
    void aMessageAfterCompletionFailsTheExchange() {
        SaslExchange exchange = sha256WithNonce(RFC7677_CLIENT_NONCE).start(USER, "broker");
        exchange.initialResponse();
        exchange.evaluate(utf8(RFC7677_SERVER_FIRST));
        exchange.evaluate(utf8(RFC7677_SERVER_FINAL));

        assertThatThrownBy(() -> exchange.evaluate(utf8(RFC7677_SERVER_FINAL)))
                .isInstanceOf(SaslAuthenticationException.class).hasMessageContaining("after the exchange was complete");
    }

    @Test
    void serverTextQuotedInAMessageHasNoControlCharacters() {
        SaslExchange exchange = sha256WithNonce("abc").start(USER, "broker");
        exchange.initialResponse();

        assertThatThrownBy(() -> exchange.evaluate(utf8("e=bad\nforged log line")))
                .isInstanceOf(SaslAuthenticationException.class)
                .hasMessageContaining("bad?forged log line")
                .hasMessageNotContaining("\n");
    }
}
