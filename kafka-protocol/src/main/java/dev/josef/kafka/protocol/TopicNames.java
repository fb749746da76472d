package dev.josef.kafka.protocol;

import java.util.Objects;

/**
 * Kafka's rules for topic names: 1 to 249 ASCII letters, digits, '.', '_' and
 * '-', and not "." or "..". Josef's clients check names with it before a
 * request is made, so a bad name fails at the call and names the rule it breaks.
 */
public final class TopicNames {
    /** Longer names would not fit the partition directory names the broker makes from them. */
    public static final int MAX_LENGTH = 249;

    private TopicNames() {
    }

    /**
     * @throws NullPointerException     for a null name
     * @throws IllegalArgumentException naming the rule the name breaks
     */
    public static String validate(String name) {
        Objects.requireNonNull(name, "topic name");
        if (name.isEmpty()) {
            throw new IllegalArgumentException("topic name must not be empty");
        }
        if (name.equals(".") || name.equals("..")) {
            throw new IllegalArgumentException("topic name cannot be '" + name + "'");
        }
        if (name.length() > MAX_LENGTH) {
            throw new IllegalArgumentException("topic name is " + name.length() + " characters long; the limit is "
                    + MAX_LENGTH + ": '" + name.substring(0, 20) + "...'");
        }
        for (int i = 0; i < name.length(); i++) {
            char c = name.charAt(i);
            boolean legal = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9')
                    || c == '.' || c == '_' || c == '-';
            if (!legal) {
                throw new IllegalArgumentException("topic name '" + name + "' has the character '" + c
                        + "' at index " + i + "; only ASCII letters, digits, '.', '_' and '-' are allowed");
            }
        }
        return name;
    }
}
