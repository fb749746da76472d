package dev.josef.kafka.benchmarks;

import java.lang.management.ManagementFactory;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.util.HashMap;
import java.util.Map;

/**
 * CPU time of this process and bytes allocated on its heap, read before and
 * after a trial. The broker runs in a child JVM, so both are the client's (plus
 * this JVM's own JIT and GC threads, which both clients pay alike).
 *
 * <p>Allocation comes from {@code com.sun.management.ThreadMXBean}. JDK 21 added
 * {@code getTotalThreadAllocatedBytes()}, which also counts threads that have
 * ended; on JDK 17 it does not exist, so the meter sums
 * {@code getThreadAllocatedBytes} over the threads alive at each reading, and
 * what a thread allocated between the readings is lost if it ended before the
 * second one. Each producer's threads start before the first reading and end
 * after the second, so for this benchmark that loss is threads neither client
 * owns.
 */
final class ResourceMeter {
    private final com.sun.management.OperatingSystemMXBean os;
    private final com.sun.management.ThreadMXBean threads;
    /** {@code getTotalThreadAllocatedBytes()} on JDK 21 and later, else null. */
    private final Method totalAllocated;

    ResourceMeter() {
        java.lang.management.OperatingSystemMXBean osBean = ManagementFactory.getOperatingSystemMXBean();
        this.os = osBean instanceof com.sun.management.OperatingSystemMXBean o && o.getProcessCpuTime() >= 0 ? o : null;
        java.lang.management.ThreadMXBean threadBean = ManagementFactory.getThreadMXBean();
        com.sun.management.ThreadMXBean t = null;
        if (threadBean instanceof com.sun.management.ThreadMXBean hotspot && hotspot.isThreadAllocatedMemorySupported()) {
            if (!hotspot.isThreadAllocatedMemoryEnabled()) {
                hotspot.setThreadAllocatedMemoryEnabled(true);
            }
            t = hotspot;
        }
        this.threads = t;
        this.totalAllocated = t == null ? null : totalAllocatedMethod(t);
    }

    private static Method totalAllocatedMethod(com.sun.management.ThreadMXBean bean) {
        try {
            Method m = com.sun.management.ThreadMXBean.class.getMethod("getTotalThreadAllocatedBytes");
            return ((Long) m.invoke(bean)) >= 0 ? m : null;
        } catch (NoSuchMethodException | IllegalAccessException | InvocationTargetException | RuntimeException e) {
            return null;
        }
    }

    boolean measuresCpu() {
        return os != null;
    }

    boolean measuresAllocation() {
        return threads != null;
    }

    /** How allocation is read, for the report. */
    String allocationMethod() {
        if (threads == null) {
            return "not supported by this JVM";
        }
        return totalAllocated != null ? "ThreadMXBean.getTotalThreadAllocatedBytes (all threads)"
                : "sum of ThreadMXBean.getThreadAllocatedBytes over live threads (threads that end mid-trial are not counted)";
    }

    Reading read() {
        long cpu = os == null ? -1 : os.getProcessCpuTime();
        if (threads == null) {
            return new Reading(cpu, -1, Map.of());
        }
        if (totalAllocated != null) {
            try {
                return new Reading(cpu, (Long) totalAllocated.invoke(threads), Map.of());
            } catch (IllegalAccessException | InvocationTargetException e) {
                throw new IllegalStateException("cannot read " + totalAllocated.getName(), e);
            }
        }
        long[] ids = threads.getAllThreadIds();
        long[] bytes = threads.getThreadAllocatedBytes(ids);
        Map<Long, Long> perThread = new HashMap<>(ids.length * 2);
        for (int i = 0; i < ids.length; i++) {
            if (bytes[i] >= 0) {
                perThread.put(ids[i], bytes[i]);
            }
        }
        return new Reading(cpu, -1, perThread);
    }

    /** Process CPU nanoseconds between two readings, or -1 when not measured. */
    static long cpuNanos(Reading before, Reading after) {
        return before.cpuNanos < 0 || after.cpuNanos < 0 ? -1 : after.cpuNanos - before.cpuNanos;
    }

    /** Heap bytes allocated between two readings, or -1 when not measured. */
    long allocatedBytes(Reading before, Reading after) {
        if (threads == null) {
            return -1;
        }
        if (totalAllocated != null) {
            return after.totalAllocated - before.totalAllocated;
        }
        long sum = 0;
        for (Map.Entry<Long, Long> e : after.perThread.entrySet()) {
            // A thread started between the readings allocated all it has in between.
            sum += e.getValue() - before.perThread.getOrDefault(e.getKey(), 0L);
        }
        return sum;
    }

    /** One reading; its per-thread map is empty unless allocation is summed per thread. */
    record Reading(long cpuNanos, long totalAllocated, Map<Long, Long> perThread) {
    }
}
