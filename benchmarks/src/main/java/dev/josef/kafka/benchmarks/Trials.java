package dev.josef.kafka.benchmarks;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.function.Function;
import java.util.function.ToDoubleFunction;

/** The trials of one {@link GroupBenchmark} row: warm-up, alternating pairs, medians. */
final class Trials {
    enum Client {
        KAFKA_CLIENTS("kafka-clients", "kafka-clients"), JOSEF("Josef", "josef");

        final String label;
        /** The member's {@code --client}. */
        final String arg;

        Client(String label, String arg) {
            this.label = label;
            this.arg = arg;
        }
    }

    /** One trial's numbers, named; a failed trial has a failure and no numbers. */
    record Trial(Client client, Map<String, Double> values, String failure) {
        double get(String name) {
            return values.getOrDefault(name, Double.NaN);
        }
    }

    @FunctionalInterface
    interface Run {
        /** {@code pair} is 0 for the warm-ups, then 1 to the number of pairs. */
        Trial run(Client client, int pair) throws Exception;
    }

    private Trials() {
    }

    /**
     * One warm-up per client (reported, then dropped), then {@code pairs} pairs,
     * kafka-clients then Josef. A failed trial is reported and left out of the
     * medians; the run goes on.
     */
    static List<Trial> run(int pairs, String label, Run run, Function<Trial, String> describe)
            throws InterruptedException {
        List<Trial> trials = new ArrayList<>();
        for (int pair = 0; pair <= pairs; pair++) {
            for (Client client : Client.values()) {
                Trial t;
                try {
                    t = run.run(client, pair);
                } catch (InterruptedException e) {
                    throw e;
                } catch (Exception e) {
                    t = new Trial(client, Map.of(), e.toString());
                }
                GroupBenchmark.progress(String.format(Locale.ROOT, "%s %-13s %-8s %s", label, client.label,
                        pair == 0 ? "warm-up" : "trial " + pair,
                        t.failure() != null ? "FAILED: " + t.failure() : describe.apply(t)));
                if (pair > 0) {
                    trials.add(t);
                }
            }
        }
        return trials;
    }

    /** The median of one client's successful trials, NaN if none succeeded. */
    static double median(List<Trial> trials, Client client, ToDoubleFunction<Trial> metric) {
        double[] xs = trials.stream().filter(t -> t.client() == client && t.failure() == null).mapToDouble(metric)
                .sorted().toArray();
        if (xs.length == 0) {
            return Double.NaN;
        }
        int m = xs.length / 2;
        return xs.length % 2 == 1 ? xs[m] : (xs[m - 1] + xs[m]) / 2;
    }

    /** A note for a table row whose trials did not all succeed. */
    static String failures(List<Trial> trials) {
        long failed = trials.stream().filter(t -> t.failure() != null).count();
        return failed == 0 ? "" : " " + failed + " failed trial(s) left out";
    }
}
