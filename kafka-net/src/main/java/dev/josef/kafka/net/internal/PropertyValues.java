package dev.josef.kafka.net.internal;

import java.time.Duration;
import java.util.Locale;

/**
 * Reading kafka-clients property values the way kafka-clients accepts them
 * (numbers as numbers or as text, booleans as booleans or as text), for every
 * Josef client's {@code fromProperties}. Errors say what was wrong with the
 * value; the caller adds the property's name.
 */
public final class PropertyValues {
    private PropertyValues() {
    }

    public static long number(Object value) {
        if (value instanceof Long || value instanceof Integer || value instanceof Short) {
            return ((Number) value).longValue();
        }
        if (!(value instanceof CharSequence || value instanceof Number)) {
            throw new IllegalArgumentException("a " + value.getClass().getName() + " is not a whole number");
        }
        try {
            return Long.parseLong(value.toString().trim());
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("not a whole number");
        }
    }

    public static int integer(Object value) {
        long n = number(value);
        if (n < Integer.MIN_VALUE || n > Integer.MAX_VALUE) {
            throw new IllegalArgumentException("out of range for an int");
        }
        return (int) n;
    }

    public static Duration millis(Object value) {
        return Duration.ofMillis(number(value));
    }

    public static boolean bool(Object value) {
        if (value instanceof Boolean b) {
            return b;
        }
        return switch (value.toString().trim().toLowerCase(Locale.ROOT)) {
            case "true" -> true;
            case "false" -> false;
            default -> throw new IllegalArgumentException("not true or false");
        };
    }
}
