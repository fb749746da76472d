package dev.josef.kafka.testkit.internal;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.KeyStore;
import java.security.SecureRandom;
import java.security.Signature;
import java.security.cert.Certificate;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.security.spec.ECGenParameterSpec;
import java.time.ZoneOffset;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;

/**
 * A self-signed X.509 v3 certificate for the brokers' TLS listeners: EC P-256,
 * SHA256withECDSA, CN=localhost, subject alternative names localhost and
 * 127.0.0.1. The JDK has no public API that builds certificates, so the
 * TBSCertificate is written with a few lines of DER and signed with
 * {@link Signature}; this avoids starting keytool processes (about 2 s).
 */
public final class SelfSignedCertificate {
    private final KeyPair keyPair;
    private final X509Certificate certificate;

    private SelfSignedCertificate(KeyPair keyPair, X509Certificate certificate) {
        this.keyPair = keyPair;
        this.certificate = certificate;
    }

    public static SelfSignedCertificate generate(int validDays) {
        try {
            KeyPairGenerator generator = KeyPairGenerator.getInstance("EC");
            generator.initialize(new ECGenParameterSpec("secp256r1"));
            KeyPair keyPair = generator.generateKeyPair();

            byte[] ecdsaWithSha256 = sequence(oid(1, 2, 840, 10045, 4, 3, 2));
            byte[] name = sequence(set(sequence(oid(2, 5, 4, 3), tlv(0x0c, "localhost".getBytes(StandardCharsets.UTF_8)))));
            ZonedDateTime notBefore = ZonedDateTime.now(ZoneOffset.UTC).minusMinutes(5);
            byte[] validity = sequence(utcTime(notBefore), utcTime(notBefore.plusDays(validDays)));
            byte[] alternativeNames = sequence(
                    tlv(0x82, "localhost".getBytes(StandardCharsets.US_ASCII)), // dNSName
                    tlv(0x87, new byte[] {127, 0, 0, 1}));                       // iPAddress
            byte[] extensions = tlv(0xa3, sequence(
                    sequence(oid(2, 5, 29, 17), tlv(0x04, alternativeNames)),   // subjectAltName
                    sequence(oid(2, 5, 29, 19), tlv(0x04, sequence()))));        // basicConstraints, not a CA
            byte[] serial = new BigInteger(63, new SecureRandom()).add(BigInteger.ONE).toByteArray();
            byte[] toBeSigned = sequence(
                    tlv(0xa0, tlv(0x02, new byte[] {2})), // v3
                    tlv(0x02, serial),
                    ecdsaWithSha256,
                    name,
                    validity,
                    name,
                    keyPair.getPublic().getEncoded(),     // SubjectPublicKeyInfo, already DER
                    extensions);
            Signature signer = Signature.getInstance("SHA256withECDSA");
            signer.initSign(keyPair.getPrivate());
            signer.update(toBeSigned);
            byte[] signature = signer.sign();
            byte[] bitString = new byte[signature.length + 1]; // leading 0: no unused bits
            System.arraycopy(signature, 0, bitString, 1, signature.length);
            byte[] der = sequence(toBeSigned, ecdsaWithSha256, tlv(0x03, bitString));
            X509Certificate certificate = (X509Certificate) CertificateFactory.getInstance("X.509")
                    .generateCertificate(new ByteArrayInputStream(der));
            certificate.verify(keyPair.getPublic());
            return new SelfSignedCertificate(keyPair, certificate);
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("cannot generate a self-signed certificate: " + e, e);
        }
    }

    /** Writes a PKCS12 key store with the key and certificate. */
    public void writeKeyStore(Path file, String password) {
        store(file, password, ks -> ks.setKeyEntry("broker", keyPair.getPrivate(), password.toCharArray(),
                new Certificate[] {certificate}));
    }

    /** Writes a PKCS12 trust store holding the certificate. */
    public void writeTrustStore(Path file, String password) {
        store(file, password, ks -> ks.setCertificateEntry("broker", certificate));
    }

    public X509Certificate certificate() {
        return certificate;
    }

    private interface Filler {
        void fill(KeyStore store) throws GeneralSecurityException;
    }

    private static void store(Path file, String password, Filler filler) {
        try {
            KeyStore store = KeyStore.getInstance("PKCS12");
            store.load(null, null);
            filler.fill(store);
            try (OutputStream out = Files.newOutputStream(file)) {
                store.store(out, password.toCharArray());
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("cannot write " + file + ": " + e, e);
        }
    }

    private static byte[] tlv(int tag, byte[] value) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        out.write(tag);
        int n = value.length;
        if (n < 0x80) {
            out.write(n);
        } else if (n < 0x100) {
            out.write(0x81);
            out.write(n);
        } else {
            out.write(0x82);
            out.write(n >> 8);
            out.write(n);
        }
        out.writeBytes(value);
        return out.toByteArray();
    }

    private static byte[] sequence(byte[]... parts) {
        return tlv(0x30, concat(parts));
    }

    private static byte[] set(byte[]... parts) {
        return tlv(0x31, concat(parts));
    }

    private static byte[] concat(byte[]... parts) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        for (byte[] p : parts) {
            out.writeBytes(p);
        }
        return out.toByteArray();
    }

    private static byte[] oid(int... arcs) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        out.write(arcs[0] * 40 + arcs[1]);
        for (int i = 2; i < arcs.length; i++) {
            int v = arcs[i];
            int shift = 28;
            while (shift > 0 && (v >>> shift) == 0) {
                shift -= 7;
            }
            for (; shift > 0; shift -= 7) {
                out.write(0x80 | ((v >>> shift) & 0x7f));
            }
            out.write(v & 0x7f);
        }
        return tlv(0x06, out.toByteArray());
    }

    private static byte[] utcTime(ZonedDateTime t) {
        // UTCTime has two-digit years; certificates valid past 2049 would need GeneralizedTime.
        return tlv(0x17, t.format(DateTimeFormatter.ofPattern("yyMMddHHmmss'Z'")).getBytes(StandardCharsets.US_ASCII));
    }
}
