package dev.josef.kafka.net.internal.sasl;

/**
 * A built-in exchange that can take its own secrets out of text it did not write,
 * such as a broker's error message, before that text goes into an exception.
 */
interface Redacting {

    String REDACTED = "<redacted>";

    String redact(String text);

    /** {@code text} with every occurrence of {@code secret} replaced. */
    static String redact(String text, char[] secret) {
        if (text == null || secret == null || secret.length == 0 || text.length() < secret.length) {
            return text;
        }
        StringBuilder sb = null;
        int copiedUpTo = 0;
        int i = 0;
        while (i <= text.length() - secret.length) {
            if (regionMatches(text, i, secret)) {
                if (sb == null) {
                    sb = new StringBuilder(text.length());
                }
                sb.append(text, copiedUpTo, i).append(REDACTED);
                i += secret.length;
                copiedUpTo = i;
            } else {
                i++;
            }
        }
        return sb == null ? text : sb.append(text, copiedUpTo, text.length()).toString();
    }

    private static boolean regionMatches(String text, int offset, char[] secret) {
        for (int j = 0; j < secret.length; j++) {
            if (text.charAt(offset + j) != secret[j]) {
                return false;
            }
        }
        return true;
    }
}
