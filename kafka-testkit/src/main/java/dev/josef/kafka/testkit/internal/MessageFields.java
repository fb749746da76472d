package dev.josef.kafka.testkit.internal;

import dev.josef.kafka.protocol.ApiKey;
import dev.josef.kafka.protocol.UnsupportedVersionException;
import dev.josef.kafka.protocol.internal.WireWriter;
import dev.josef.kafka.protocol.message.ApiMessage;
import dev.josef.kafka.protocol.message.ApiMessages;

import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.nio.ByteBuffer;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The top-level {@code ErrorCode} and {@code ThrottleTimeMs} of any response.
 *
 * <p>Most of the ~90 generated responses carry these two fields under the same
 * names, but the generator gives them no common interface (their presence and
 * the versions that carry them differ per spec). A test proxy can afford to find
 * the accessors reflectively, once per class, rather than keep a hand-written
 * switch over every API in step with the specs. The message package is exported
 * to this module, so the calls pass the module system's access checks.
 */
public final class MessageFields {

    private record Accessors(Method setErrorCode, Method setThrottleTimeMs) {
    }

    private static final ClassValue<Accessors> ACCESSORS = new ClassValue<>() {
        @Override
        protected Accessors computeValue(Class<?> type) {
            return new Accessors(find(type, "setErrorCode", short.class), find(type, "setThrottleTimeMs", int.class));
        }
    };

    private MessageFields() {
    }

    /** Whether the responses of {@code apiKey} have a top-level error code (at some of their versions). */
    public static boolean hasErrorCode(ApiKey apiKey) {
        return ACCESSORS.get(ApiMessages.newResponse(apiKey).getClass()).setErrorCode != null;
    }

    /** Whether the responses of {@code apiKey} have a throttle time (at some of their versions). */
    public static boolean hasThrottleTime(ApiKey apiKey) {
        return ACCESSORS.get(ApiMessages.newResponse(apiKey).getClass()).setThrottleTimeMs != null;
    }

    /** Whether responses of {@code apiKey} at {@code version} carry a top-level error code. */
    public static boolean carriesErrorCode(ApiKey apiKey, short version) {
        return CARRIED.computeIfAbsent(new Probe(apiKey, version, true), MessageFields::carries);
    }

    /** Whether responses of {@code apiKey} at {@code version} carry a throttle time. */
    public static boolean carriesThrottleTime(ApiKey apiKey, short version) {
        return CARRIED.computeIfAbsent(new Probe(apiKey, version, false), MessageFields::carries);
    }

    /** Sets the top-level error code; false if the message has none. */
    public static boolean setErrorCode(ApiMessage message, short errorCode) {
        return invoke(ACCESSORS.get(message.getClass()).setErrorCode, message, errorCode);
    }

    /** Sets the throttle time; false if the message has none. */
    public static boolean setThrottleTimeMs(ApiMessage message, int throttleTimeMs) {
        return invoke(ACCESSORS.get(message.getClass()).setThrottleTimeMs, message, throttleTimeMs);
    }

    private record Probe(ApiKey apiKey, short version, boolean errorCode) {
    }

    private static final Map<Probe, Boolean> CARRIED = new ConcurrentHashMap<>();

    /**
     * Asks the generated code itself: it refuses to write a field with a value
     * other than its default at a version that lacks the field.
     */
    private static boolean carries(Probe probe) {
        ApiMessage message = ApiMessages.newResponse(probe.apiKey);
        Accessors accessors = ACCESSORS.get(message.getClass());
        boolean set = probe.errorCode
                ? invoke(accessors.setErrorCode, message, (short) 1)
                : invoke(accessors.setThrottleTimeMs, message, 1);
        if (!set || !probe.apiKey.isVersionSupported(probe.version)) {
            return false;
        }
        try {
            message.write(new WireWriter(ByteBuffer.allocate(message.size(probe.version))), probe.version);
            return true;
        } catch (UnsupportedVersionException e) {
            return false;
        }
    }

    private static Method find(Class<?> type, String name, Class<?> parameter) {
        try {
            return type.getMethod(name, parameter);
        } catch (NoSuchMethodException e) {
            return null;
        }
    }

    private static boolean invoke(Method setter, ApiMessage message, Object value) {
        if (setter == null) {
            return false;
        }
        try {
            setter.invoke(message, value);
            return true;
        } catch (IllegalAccessException e) {
            throw new IllegalStateException("cannot call " + setter, e);
        } catch (InvocationTargetException e) {
            throw new IllegalStateException("calling " + setter + " failed", e.getCause());
        }
    }
}
