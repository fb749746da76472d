package dev.josef.kafka.testkit;

/**
 * A JVM that starts a cluster, prints its broker's pid, and waits to be killed:
 * NoBrokerOutlivesItsJvmIT kills it with -9 and watches the broker go too.
 */
public final class OrphanedCluster {
    private OrphanedCluster() {
    }

    public static void main(String[] args) throws Exception {
        KafkaCluster cluster = KafkaCluster.start();
        System.out.println("BROKER-PID " + cluster.pid(1));
        System.out.flush();
        Thread.sleep(120_000); // bounded: if nobody kills this JVM, it ends by itself
        cluster.close();
    }
}
