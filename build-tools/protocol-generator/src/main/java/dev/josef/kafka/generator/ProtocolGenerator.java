package dev.josef.kafka.generator;

import dev.josef.kafka.generator.Specs.Message;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

/**
 * Generates kafka-protocol's message classes from Kafka's JSON message specs.
 *
 * <p>Arguments: the directory of specs, the main source output directory, the test
 * source output directory. Files are rewritten only when their content changes,
 * so an unchanged spec does not force recompilation.
 */
public final class ProtocolGenerator {
    private ProtocolGenerator() {
    }

    public static void main(String[] args) throws IOException {
        if (args.length != 3) {
            throw new IllegalArgumentException("usage: ProtocolGenerator <spec dir> <source dir> <test source dir>");
        }
        Path specDir = Path.of(args[0]);
        Path sources = Path.of(args[1]);
        Path testSources = Path.of(args[2]);
        List<Message> messages = new ArrayList<>();
        try (Stream<Path> files = Files.list(specDir)) {
            for (Path file : files.filter(p -> p.toString().endsWith(".json")).sorted().toList()) {
                Object json = Json.parse(Files.readString(file, StandardCharsets.UTF_8));
                try {
                    @SuppressWarnings("unchecked")
                    Map<String, Object> map = (Map<String, Object>) json;
                    messages.add(new Message(map));
                } catch (RuntimeException e) {
                    throw new IllegalArgumentException(file.getFileName() + ": " + e.getMessage(), e);
                }
            }
        }
        if (messages.isEmpty()) {
            throw new IllegalArgumentException("no message specs in " + specDir);
        }
        Map<String, Message> byName = new LinkedHashMap<>();
        for (Message m : messages) {
            byName.put(m.name, m);
        }
        // Kafka 4 keeps the specs of its removed ZooKeeper-era APIs (LeaderAndIsr,
        // StopReplica, UpdateMetadata, ControlledShutdown) with "validVersions": "none".
        // Nothing can be sent or read at no version, so they get no class and no ApiKey.
        List<String> skipped = messages.stream().filter(m -> m.validVersions.isEmpty()).map(m -> m.name).toList();
        messages.removeIf(m -> m.validVersions.isEmpty());

        Path messageDir = sources.resolve("dev/josef/kafka/protocol/message");
        Path testDir = testSources.resolve("dev/josef/kafka/protocol/message");
        List<ApiKeyEmitter.Api> apis = new ArrayList<>();
        List<Path> written = new ArrayList<>();
        for (Message m : messages) {
            MessageEmitter emitter = new MessageEmitter(m);
            written.add(write(messageDir.resolve(m.name + ".java"), emitter.emit()));
            written.add(write(testDir.resolve("Random" + m.name + ".java"), RandomEmitter.randomClass(m)));
            if (m.type.equals("request")) {
                apis.add(ApiKeyEmitter.api(m, byName, emitter));
            }
        }
        apis.sort(Comparator.comparingInt(a -> a.request().apiKey));
        written.add(write(sources.resolve("dev/josef/kafka/protocol/ApiKey.java"), ApiKeyEmitter.apiKey(apis)));
        written.add(write(messageDir.resolve("ApiMessages.java"), ApiKeyEmitter.apiMessages(apis)));
        written.add(write(testDir.resolve("RandomMessages.java"), RandomEmitter.registry(messages, skipped)));
        removeStale(sources, written);
        removeStale(testSources, written);
        System.out.printf("protocol-generator: %d messages, %d APIs; skipped for having no versions: %s%n",
                messages.size(), apis.size(), skipped);
    }

    private static Path write(Path file, String content) {
        try {
            Files.createDirectories(file.getParent());
            if (!Files.exists(file) || !Files.readString(file, StandardCharsets.UTF_8).equals(content)) {
                Files.writeString(file, content, StandardCharsets.UTF_8);
            }
            return file;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static void removeStale(Path root, List<Path> keep) throws IOException {
        if (!Files.exists(root)) {
            return;
        }
        try (Stream<Path> files = Files.walk(root)) {
            for (Path p : files.filter(Files::isRegularFile).toList()) {
                if (!keep.contains(p)) {
                    Files.delete(p);
                }
            }
        }
    }
}
