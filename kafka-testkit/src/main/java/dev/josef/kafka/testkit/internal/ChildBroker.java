package dev.josef.kafka.testkit.internal;

import java.io.InputStream;
import java.io.PrintStream;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;

/**
 * The main class of a broker's child JVM.
 *
 * <pre>
 * ChildBroker --parent-pid PID [--format STORAGE-TOOL-ARGS... --] server.properties
 * </pre>
 *
 * <p>First it makes sure the broker never outlives the test JVM: a watchdog halts
 * this JVM when the parent process is gone or its end of stdin closes (which the
 * OS does when the parent dies, even by kill -9). Then it formats the KRaft
 * storage in this JVM (a second JVM start would cost about two seconds) and runs
 * {@code kafka.Kafka}. Kafka is reached by reflection so that this class compiles
 * against the JDK alone; it runs only on the broker's class path.
 */
public final class ChildBroker {
    private ChildBroker() {
    }

    public static void main(String[] args) throws Throwable {
        long parentPid = -1;
        List<String> format = null;
        int i = 0;
        for (; i < args.length; i++) {
            if (args[i].equals("--parent-pid")) {
                parentPid = Long.parseLong(args[++i]);
            } else if (args[i].equals("--format")) {
                format = new ArrayList<>();
                format.add("format");
                for (i++; !args[i].equals("--"); i++) {
                    format.add(args[i]);
                }
            } else {
                break;
            }
        }
        watchParent(parentPid);
        try {
            if (format != null) {
                Method execute = Class.forName("kafka.tools.StorageTool").getMethod("execute", String[].class, PrintStream.class);
                int code = (Integer) execute.invoke(null, format.toArray(new String[0]), System.out);
                if (code != 0) {
                    System.err.println("josef-testkit: formatting the storage failed with exit code " + code);
                    System.exit(code);
                }
            }
            String[] kafkaArgs = Arrays.copyOfRange(args, i, args.length);
            Class.forName("kafka.Kafka").getMethod("main", String[].class).invoke(null, (Object) kafkaArgs);
        } catch (InvocationTargetException e) {
            throw e.getCause();
        }
    }

    private static void watchParent(long parentPid) {
        Optional<ProcessHandle> parent = parentPid > 0 ? ProcessHandle.of(parentPid) : Optional.empty();
        daemon("josef-testkit-parent-watch", () -> {
            while (parent.map(ProcessHandle::isAlive).orElse(false)) {
                sleep(250);
            }
            orphaned("the test JVM (pid " + parentPid + ") is gone");
        });
        daemon("josef-testkit-stdin-watch", () -> {
            InputStream in = System.in;
            try {
                while (in.read() >= 0) {
                    // The parent never writes; any byte is ignored.
                }
            } catch (java.io.IOException e) {
                // A broken pipe means the same as end of input.
            }
            orphaned("stdin closed: the test JVM is gone");
        });
    }

    private static void orphaned(String why) {
        System.err.println("josef-testkit: halting the broker, " + why);
        System.err.flush();
        Runtime.getRuntime().halt(3);
    }

    private static void daemon(String name, Runnable body) {
        Thread t = new Thread(body, name);
        t.setDaemon(true);
        t.start();
    }

    private static void sleep(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
