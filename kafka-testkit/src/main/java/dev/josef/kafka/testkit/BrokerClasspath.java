package dev.josef.kafka.testkit;

import dev.josef.kafka.testkit.internal.ChildBroker;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.URISyntaxException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * The class path of a broker's child JVM: the jars of {@code org.apache.kafka:kafka_2.13}
 * and its runtime dependencies, which Maven resolved into the local repository
 * when kafka-testkit was built, plus the kit itself for {@link ChildBroker}.
 * The build lists them relative to the local repository in
 * {@code META-INF/josef-testkit/broker.classpath}.
 */
final class BrokerClasspath {
    private static final String RESOURCE = "/META-INF/josef-testkit/broker.classpath";
    private static final String REPO_PLACEHOLDER = "$M2_REPO";

    private BrokerClasspath() {
    }

    static String resolve() {
        Path repository = localRepository();
        List<String> entries = new ArrayList<>();
        List<String> missing = new ArrayList<>();
        for (String entry : listed()) {
            Path jar = Path.of(entry.replace(REPO_PLACEHOLDER, repository.toString()));
            Path found = Files.isRegularFile(jar) ? jar : otherVersion(jar);
            if (found != null) {
                entries.add(found.toString());
            } else {
                missing.add(jar.toString());
            }
        }
        if (!missing.isEmpty()) {
            throw new IllegalStateException("the Kafka broker's jars are not in the local Maven repository "
                    + repository + " (missing " + missing.size() + ", e.g. " + missing.get(0) + "). Build kafka-testkit "
                    + "with Maven, or add org.apache.kafka:kafka_2.13 as a test dependency, so that Maven resolves them; "
                    + "set -Djosef.testkit.localRepository if your repository is elsewhere.");
        }
        entries.add(kitLocation().toString());
        return String.join(java.io.File.pathSeparator, entries);
    }

    /**
     * A user's build may resolve another version of one of the broker's libraries
     * (its own dependency management, say): any version of the same artifact in
     * the repository serves, newest first.
     */
    private static Path otherVersion(Path jar) {
        Path versionDir = jar.getParent();
        Path artifactDir = versionDir == null ? null : versionDir.getParent();
        if (artifactDir == null || !Files.isDirectory(artifactDir)) {
            return null;
        }
        String artifact = artifactDir.getFileName().toString();
        String classifier = jar.getFileName().toString()
                .substring(artifact.length() + 1 + versionDir.getFileName().toString().length());
        try (java.util.stream.Stream<Path> versions = Files.list(artifactDir)) {
            return versions
                    .map(v -> v.resolve(artifact + "-" + v.getFileName() + classifier))
                    .filter(Files::isRegularFile)
                    .max(java.util.Comparator.comparing(p -> p.getParent().getFileName().toString()))
                    .orElse(null);
        } catch (IOException | RuntimeException e) {
            return null;
        }
    }

    /** The Kafka version the kit's build resolved, read off the kafka_2.13 jar's name. */
    static String kafkaVersion() {
        for (String entry : listed()) {
            String file = entry.substring(entry.lastIndexOf('/') + 1);
            if (file.startsWith("kafka_2.13-") && file.endsWith(".jar")) {
                return file.substring("kafka_2.13-".length(), file.length() - ".jar".length());
            }
        }
        throw new IllegalStateException("no kafka_2.13 jar is listed in " + RESOURCE);
    }

    static Path localRepository() {
        String configured = System.getProperty("josef.testkit.localRepository");
        if (configured == null || configured.isBlank()) {
            configured = System.getProperty("maven.repo.local");
        }
        if (configured != null && !configured.isBlank()) {
            return Path.of(configured);
        }
        return Path.of(System.getProperty("user.home"), ".m2", "repository");
    }

    private static List<String> listed() {
        try (InputStream in = BrokerClasspath.class.getResourceAsStream(RESOURCE)) {
            if (in == null) {
                throw new IllegalStateException(RESOURCE + " is missing: kafka-testkit was not built by its Maven build");
            }
            String text = new String(in.readAllBytes(), StandardCharsets.UTF_8).trim();
            List<String> entries = new ArrayList<>();
            for (String entry : text.split("[" + java.io.File.pathSeparator + "\\n]")) {
                if (!entry.isBlank()) {
                    entries.add(entry.trim());
                }
            }
            return entries;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static Path kitLocation() {
        try {
            return Path.of(ChildBroker.class.getProtectionDomain().getCodeSource().getLocation().toURI());
        } catch (URISyntaxException e) {
            throw new IllegalStateException("cannot locate kafka-testkit's classes", e);
        }
    }
}
