package dev.josef.kafka.admin;

import java.util.Objects;

/** Kafka's rules for topic names, checked before a request is made. */
final class TopicNames {
    /** Longer names would not fit the partition directory names the broker makes from them. */
    static final int MAX_LENGTH = 249;

    private TopicNames() {
    }

    /**
     * @throws NullPointerException     for a null name
     * @throws IllegalArgumentException naming the rule the name breaks
     */
    static String validate(String name) {
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
