package dev.josef.kafka.admin;

import java.util.Objects;

/**
 * One change to one config, for {@link Admin#incrementalAlterConfigs}.
 *
 * @param value the value to set, append or subtract; {@code null} for {@link Type#DELETE}
 */
public record AlterConfigOp(String name, Type type, String value) {

    public enum Type {
        /** Set the value. */
        SET((byte) 0),
        /** Remove the value so the config falls back to its default. */
        DELETE((byte) 1),
        /** Add to a list config (such as {@code cleanup.policy}) if not already there. */
        APPEND((byte) 2),
        /** Remove from a list config. */
        SUBTRACT((byte) 3);

        final byte wire;

        Type(byte wire) {
            this.wire = wire;
        }
    }

    public AlterConfigOp {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(type, "type");
        if (name.isEmpty()) {
            throw new IllegalArgumentException("config name must not be empty");
        }
        if (type == Type.DELETE && value != null) {
            throw new IllegalArgumentException("DELETE of config '" + name + "' takes no value");
        }
        if (type != Type.DELETE) {
            Objects.requireNonNull(value, () -> type + " of config '" + name + "' needs a value");
        }
    }

    public static AlterConfigOp set(String name, String value) {
        return new AlterConfigOp(name, Type.SET, value);
    }

    public static AlterConfigOp delete(String name) {
        return new AlterConfigOp(name, Type.DELETE, null);
    }

    public static AlterConfigOp append(String name, String value) {
        return new AlterConfigOp(name, Type.APPEND, value);
    }

    public static AlterConfigOp subtract(String name, String value) {
        return new AlterConfigOp(name, Type.SUBTRACT, value);
    }
}
