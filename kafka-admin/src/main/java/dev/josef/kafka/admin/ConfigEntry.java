package dev.josef.kafka.admin;

/**
 * One config of a resource as the broker describes it.
 *
 * @param value     the value, or {@code null} when it is sensitive (a password) or unset
 * @param source    where the value comes from
 * @param readOnly  whether it can be altered
 * @param sensitive whether the broker hides the value
 */
public record ConfigEntry(String name, String value, Source source, boolean readOnly, boolean sensitive) {

    /** Where a config value comes from (DescribeConfigs' ConfigSource), most specific first. */
    public enum Source {
        UNKNOWN,
        /** Set on the topic. */
        DYNAMIC_TOPIC_CONFIG,
        /** Set dynamically on this broker. */
        DYNAMIC_BROKER_CONFIG,
        /** Set dynamically as the default of every broker. */
        DYNAMIC_DEFAULT_BROKER_CONFIG,
        /** From the broker's properties file. */
        STATIC_BROKER_CONFIG,
        /** Kafka's built-in default. */
        DEFAULT_CONFIG,
        DYNAMIC_BROKER_LOGGER_CONFIG,
        CLIENT_METRICS_CONFIG,
        GROUP_CONFIG;

        static Source fromWire(byte code) {
            Source[] all = values();
            return code >= 0 && code < all.length ? all[code] : UNKNOWN;
        }
    }

    public ConfigEntry {
        java.util.Objects.requireNonNull(name, "name");
        java.util.Objects.requireNonNull(source, "source");
    }

    /** Whether the value is Kafka's default rather than something set on the topic or broker. */
    public boolean isDefault() {
        return source == Source.DEFAULT_CONFIG;
    }
}
