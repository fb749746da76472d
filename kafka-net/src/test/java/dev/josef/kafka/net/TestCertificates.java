package dev.josef.kafka.net;

import java.io.ByteArrayInputStream;
import java.nio.charset.StandardCharsets;
import java.security.cert.Certificate;
import java.security.cert.CertificateException;
import java.security.cert.CertificateFactory;

/**
 * A self-signed EC certificate (CN=josef-test-unrelated, no subject alternative
 * names) and its key, made once with openssl for tests: a server to trust in unit
 * tests, and a trust anchor that the test brokers' certificate does not chain to.
 * They protect nothing.
 */
public final class TestCertificates {
    public static final String UNRELATED_CERTIFICATE_PEM = """
            -----BEGIN CERTIFICATE-----
            MIIBljCCATugAwIBAgIUTx4EibaFcsjIO+DVUcCbMg/UPLswCgYIKoZIzj0EAwIw
            HzEdMBsGA1UEAwwUam9zZWYtdGVzdC11bnJlbGF0ZWQwIBcNMjYxMTIyMTIxOTI4
            WhgPMjEyNjEwMjkxMjE5MjhaMB8xHTAbBgNVBAMMFGpvc2VmLXRlc3QtdW5yZWxh
            dGVkMFkwEwYHKoZIzj0CAQYIKoZIzj0DAQcDQgAEhHFKedLBUIacfVD8f79rFOTM
            x3UAPmUVcGH3+zntpj8peG+5YyypezQKaaRD+EAXDzSlsLMcnvftege2BOufyKNT
            MFEwHQYDVR0OBBYEFExs5BbzY8N/2gCxWlXwSH1KoFCCMB8GA1UdIwQYMBaAFExs
            5BbzY8N/2gCxWlXwSH1KoFCCMA8GA1UdEwEB/wQFMAMBAf8wCgYIKoZIzj0EAwID
            SQAwRgIhAPaJzwyzgL3I5UvTzKwrVIE0JBqzfh5ikaV+fU39x4H1AiEAvPnQ5roM
            5k2tm2ZDIk7VV4nvTw7mF5J4d4kWizVlZ9c=
            -----END CERTIFICATE-----
            """;

    /** PKCS#8, unencrypted, base64 without the PEM armour. */
    public static final String UNRELATED_PRIVATE_KEY_PKCS8 = """
            MIGHAgEAMBMGByqGSM49AgEGCCqGSM49AwEHBG0wawIBAQQg+5dfT8JoVAIx+Zui
            Buns+3CiMjJjdZAvB4/F1D6YxBKhRANCAASEcUp50sFQhpx9UPx/v2sU5MzHdQA+
            ZRVwYff7Oe2mPyl4b7ljLKl7NApppEP4QBcPNKWwsxye9+16B7YE65/I
            """;

    private TestCertificates() {
    }

    public static Certificate unrelatedCertificate() {
        try {
            return CertificateFactory.getInstance("X.509").generateCertificate(
                    new ByteArrayInputStream(UNRELATED_CERTIFICATE_PEM.getBytes(StandardCharsets.US_ASCII)));
        } catch (CertificateException e) {
            throw new IllegalStateException(e);
        }
    }
}
