package dev.josef.kafka.admin;

import dev.josef.kafka.protocol.TopicNames;
import java.util.Objects;

/**
 * Something that has configs: a topic, or a broker.
 *
 * @param type what kind of resource
 * @param name the topic name, or the broker id as a decimal string ("" for the
 *             dynamic defaults of every broker in the cluster)
 */
public record ConfigResource(Type type, String name) {

    public enum Type {
        TOPIC((byte) 2),
        BROKER((byte) 4);

        final byte wire;

        Type(byte wire) {
            this.wire = wire;
        }
    }

    public ConfigResource {
        Objects.requireNonNull(type, "type");
        Objects.requireNonNull(name, "name");
        if (type == Type.TOPIC) {
            TopicNames.validate(name);
        } else if (!name.isEmpty()) {
            try {
                if (Integer.parseInt(name) < 0) {
                    throw new NumberFormatException();
                }
            } catch (NumberFormatException e) {
                throw new IllegalArgumentException("a broker resource is named by the broker id (a number at least 0),"
                        + " or \"\" for the cluster-wide defaults; was '" + name + "'");
            }
        }
    }

    public static ConfigResource topic(String name) {
        return new ConfigResource(Type.TOPIC, name);
    }

    public static ConfigResource broker(int brokerId) {
        if (brokerId < 0) {
            throw new IllegalArgumentException("broker id must be at least 0, was " + brokerId);
        }
        return new ConfigResource(Type.BROKER, Integer.toString(brokerId));
    }

    /** The dynamic defaults every broker of the cluster falls back to. */
    public static ConfigResource brokerDefaults() {
        return new ConfigResource(Type.BROKER, "");
    }

    static ConfigResource fromWire(byte type, String name) {
        for (Type t : Type.values()) {
            if (t.wire == type) {
                return new ConfigResource(t, name);
            }
        }
        throw new IllegalArgumentException("unknown config resource type " + type);
    }

    /** The broker that must answer for this resource, or -1 when any may. */
    int brokerId() {
        return type == Type.BROKER && !name.isEmpty() ? Integer.parseInt(name) : -1;
    }

    @Override
    public String toString() {
        return type.name().toLowerCase(java.util.Locale.ROOT) + (name.isEmpty() ? " defaults" : " '" + name + "'");
    }
}
