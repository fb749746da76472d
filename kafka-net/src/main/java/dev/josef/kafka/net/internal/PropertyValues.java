package dev.josef.kafka.net.internal;

import dev.josef.kafka.net.NetworkConfig;

import java.time.Duration;
import java.util.HashMap;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.function.BiConsumer;

/**
 * Reading kafka-clients property values the way kafka-clients accepts them
 * (numbers as numbers or as text, booleans as booleans or as text), for every
 * Josef client's {@code fromProperties}. Errors say what was wrong with the
 * value; the caller adds the property's name.
 */
public final class PropertyValues {
    private PropertyValues() {
    }

    /**
     * Walks a client's kafka-clients properties: those of
     * {@link NetworkConfig#PROPERTY_NAMES} make the returned network configuration,
     * every other one goes to {@code own}, whose {@link IllegalArgumentException}
     * (for a name it does not know, or a bad value) comes back naming the property
     * and its value.
     *
     * @throws IllegalArgumentException for a null value, or as {@code own} throws
     */
    public static NetworkConfig parse(Map<String, ?> properties, BiConsumer<String, Object> own) {
        Objects.requireNonNull(properties, "properties");
        Map<String, Object> network = new HashMap<>();
        for (Map.Entry<String, ?> e : properties.entrySet()) {
            String key = Objects.requireNonNull(e.getKey(), "property name");
            Object value = e.getValue();
            if (value == null) {
                throw new IllegalArgumentException(key + ": the value is null");
            }
            if (NetworkConfig.PROPERTY_NAMES.contains(key)) {
                network.put(key, value);
                continue;
            }
            try {
                own.accept(key, value);
            } catch (IllegalArgumentException ex) {
                throw new IllegalArgumentException(key + "=" + value + ": " + ex.getMessage(), ex);
            }
        }
        return NetworkConfig.fromProperties(network);
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
