package dev.josef.kafka.cli;

import dev.josef.kafka.testkit.KafkaCluster;
import dev.josef.kafka.testkit.KafkaClusterExtension;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * {@code josef} as a user runs it: a separate process ({@code java -jar
 * kafka-cli/target/josef.jar}) against a real broker from the kit, its output
 * checked against kafka-clients on the other side.
 */
@ExtendWith(KafkaClusterExtension.class)
@Timeout(value = 5, unit = TimeUnit.MINUTES)
class JosefProcessIT {
    private static final Path JAR = Path.of("target", "josef.jar");

    @TempDir
    Path work;

    record Result(int exit, String out, String err) {
    }

    /** Runs josef with {@code stdin}; every process is ended, even when the test fails. */
    private Result josef(String stdin, String... args) throws IOException, InterruptedException {
        assertThat(JAR).as("the josef jar, built in the package phase").exists();
        List<String> command = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-jar", JAR.toString()));
        command.addAll(List.of(args));
        Path in = Files.writeString(Files.createTempFile(work, "in", ".txt"), stdin == null ? "" : stdin);
        Path out = Files.createTempFile(work, "out", ".txt");
        Path err = Files.createTempFile(work, "err", ".txt");
        Process p = new ProcessBuilder(command).redirectInput(in.toFile()).redirectOutput(out.toFile())
                .redirectError(err.toFile()).start();
        try {
            assertThat(p.waitFor(90, TimeUnit.SECONDS)).as("josef %s finished within 90 s", List.of(args)).isTrue();
            return new Result(p.exitValue(), Files.readString(out), Files.readString(err));
        } finally {
            p.destroyForcibly();
        }
    }

    private static KafkaConsumer<byte[], byte[]> kafkaConsumer(KafkaCluster cluster) {
        return new KafkaConsumer<>(Map.of("bootstrap.servers", cluster.bootstrapServers(),
                "auto.offset.reset", "earliest"), new ByteArrayDeserializer(), new ByteArrayDeserializer());
    }

    private static String text(byte[] b) {
        return b == null ? null : new String(b, StandardCharsets.UTF_8);
    }

    @ParameterizedTest(name = "codec {0}")
    @ValueSource(strings = {"none", "gzip", "snappy", "lz4", "zstd"})
    void whatJosefProduceWritesIsReadBackByKafkaClients(String codec, KafkaCluster cluster) throws Exception {
        String topic = "cli-produce-" + codec;
        cluster.createTopic(topic, 2, 1);
        StringBuilder stdin = new StringBuilder();
        List<String> lines = new ArrayList<>();
        for (int i = 0; i < 500; i++) {
            String line = "key-" + (i % 7) + ":value " + i + " ünïcode:with:colons";
            lines.add(line);
            stdin.append(line).append('\n');
        }
        Result r = josef(stdin.toString(), "produce", "-b", cluster.bootstrapServers(), "-t", topic, "-K", ":",
                "--codec", codec, "--acks", "all", "-H", "source=cli", "-H", "n=1");
        assertThat(r.exit()).as(r.err()).isZero();
        assertThat(r.err()).startsWith("josef produce: 500 records to " + topic);

        Map<String, List<String>> byKey = new TreeMap<>();
        try (KafkaConsumer<byte[], byte[]> consumer = kafkaConsumer(cluster)) {
            consumer.assign(List.of(new TopicPartition(topic, 0), new TopicPartition(topic, 1)));
            int read = 0;
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
            while (read < 500 && System.nanoTime() < deadline) {
                for (ConsumerRecord<byte[], byte[]> rec : consumer.poll(Duration.ofMillis(200))) {
                    List<String> headers = new ArrayList<>();
                    for (Header h : rec.headers()) {
                        headers.add(h.key() + "=" + text(h.value()));
                    }
                    assertThat(headers).containsExactly("source=cli", "n=1");
                    byKey.computeIfAbsent(text(rec.key()), k -> new ArrayList<>()).add(text(rec.value()));
                    read++;
                }
            }
            assertThat(read).isEqualTo(500);
        }
        Map<String, List<String>> expected = new TreeMap<>();
        for (String line : lines) {
            int at = line.indexOf(':');
            expected.computeIfAbsent(line.substring(0, at), k -> new ArrayList<>()).add(line.substring(at + 1));
        }
        assertThat(byKey).as("each key's values, in the order of the lines").isEqualTo(expected);
    }

    @Test
    void josefConsumePrintsWhatKafkaClientsWrote(KafkaCluster cluster) throws Exception {
        String topic = "cli-consume";
        cluster.createTopic(topic, 2, 1);
        List<String> expected = new ArrayList<>();
        try (KafkaProducer<byte[], byte[]> producer = new KafkaProducer<>(Map.of("bootstrap.servers",
                cluster.bootstrapServers()), new ByteArraySerializer(), new ByteArraySerializer())) {
            for (int i = 0; i < 200; i++) {
                int partition = i % 2;
                ProducerRecord<byte[], byte[]> rec = new ProducerRecord<>(topic, partition, 1_700_000_000_000L + i,
                        ("k" + i).getBytes(StandardCharsets.UTF_8), ("v" + i).getBytes(StandardCharsets.UTF_8));
                rec.headers().add("h", ("x" + i).getBytes(StandardCharsets.UTF_8));
                var m = producer.send(rec).get();
                expected.add("k" + i + "\tv" + i + "\t" + topic + "\t" + m.partition() + "\t" + m.offset() + "\t"
                        + (1_700_000_000_000L + i) + "\th=x" + i);
            }
        }
        Result r = josef(null, "consume", "-b", cluster.bootstrapServers(), "-t", topic, "-e",
                "-f", "%k\\t%v\\t%t\\t%p\\t%o\\t%T\\t%h\\n");
        assertThat(r.exit()).as(r.err()).isZero();
        assertThat(r.out().lines().toList()).containsExactlyInAnyOrderElementsOf(expected);
        for (int p = 0; p < 2; p++) {
            String partition = "\t" + p + "\t";
            assertThat(r.out().lines().filter(l -> l.contains(topic + partition)).toList()).as("partition %d in order", p)
                    .isEqualTo(expected.stream().filter(l -> l.contains(topic + partition)).toList());
        }
        assertThat(r.err()).contains("josef consume: 200 records");

        Result one = josef(null, "consume", "-b", cluster.bootstrapServers(), "-t", topic, "-p", "1", "--from", "10",
                "-c", "3");
        assertThat(one.exit()).as(one.err()).isZero();
        assertThat(one.out()).isEqualTo("v21\nv23\nv25\n");
    }

    /**
     * Two {@code josef consume -g} processes share a topic: together they print
     * every record once, and what each printed is committed, so a third member
     * later finds nothing left.
     */
    @ParameterizedTest
    @ValueSource(strings = {"classic", "consumer"})
    void twoGroupMembersShareATopicAndCommitWhatTheyPrinted(String protocol, KafkaCluster cluster) throws Exception {
        String topic = "cli-group-" + protocol;
        String group = "cli-readers-" + protocol;
        cluster.createTopic(topic, 4, 1);
        List<String> values = new ArrayList<>();
        try (KafkaProducer<byte[], byte[]> producer = new KafkaProducer<>(Map.of("bootstrap.servers",
                cluster.bootstrapServers()), new ByteArraySerializer(), new ByteArraySerializer())) {
            for (int i = 0; i < 400; i++) {
                values.add("v" + i);
                producer.send(new ProducerRecord<>(topic, i % 4, null, ("v" + i).getBytes(StandardCharsets.UTF_8)));
            }
        }
        List<String> command = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java")
                .toString(), "-jar", JAR.toString(), "consume", "-b", cluster.bootstrapServers(), "-t", topic,
                "-g", group, "--group-protocol", protocol, "--assignor",
                protocol.equals("classic") ? "roundrobin" : "uniform", "-c", "200", "-X", "max.poll.records=20"));
        Path out1 = Files.createTempFile(work, "out", ".txt");
        Path out2 = Files.createTempFile(work, "out", ".txt");
        Path err1 = Files.createTempFile(work, "err", ".txt");
        Path err2 = Files.createTempFile(work, "err", ".txt");
        Process first = new ProcessBuilder(command).redirectOutput(out1.toFile()).redirectError(err1.toFile()).start();
        Process second = new ProcessBuilder(command).redirectOutput(out2.toFile()).redirectError(err2.toFile())
                .start();
        try {
            assertThat(first.waitFor(90, TimeUnit.SECONDS)).as("the first member finished").isTrue();
            assertThat(second.waitFor(90, TimeUnit.SECONDS)).as("the second member finished").isTrue();
            assertThat(first.exitValue()).as(Files.readString(err1)).isZero();
            assertThat(second.exitValue()).as(Files.readString(err2)).isZero();
        } finally {
            first.destroyForcibly();
            second.destroyForcibly();
        }
        List<String> printed = new ArrayList<>(Files.readString(out1).lines().toList());
        printed.addAll(Files.readString(out2).lines().toList());
        assertThat(printed).hasSize(400).containsExactlyInAnyOrderElementsOf(values);
        try (KafkaConsumer<byte[], byte[]> check = new KafkaConsumer<>(Map.of("bootstrap.servers",
                cluster.bootstrapServers(), "group.id", group), new ByteArrayDeserializer(),
                new ByteArrayDeserializer())) {
            Set<TopicPartition> all = Set.of(new TopicPartition(topic, 0), new TopicPartition(topic, 1),
                    new TopicPartition(topic, 2), new TopicPartition(topic, 3));
            long committed = check.committed(all).values().stream().mapToLong(o -> o.offset()).sum();
            assertThat(committed).as("offsets committed by the two members").isEqualTo(400);
        }
    }

    /**
     * A mixed group (two {@code josef consume -g} processes and a kafka-clients
     * consumer) where one Josef member is killed with SIGKILL (no LeaveGroup, no
     * last commit): once its session times out the others take its partitions
     * over from their last commit, and no record is lost, neither those written
     * before the kill nor after it.
     */
    @Test
    void aKilledGroupMemberIsReplacedAndNoRecordIsLost(KafkaCluster cluster) throws Exception {
        String topic = "cli-group-kill";
        cluster.createTopic(topic, 4, 1);
        List<String> values = new ArrayList<>();
        try (KafkaProducer<byte[], byte[]> producer = new KafkaProducer<>(Map.of("bootstrap.servers",
                cluster.bootstrapServers()), new ByteArraySerializer(), new ByteArraySerializer())) {
            for (int i = 0; i < 200; i++) {
                values.add(i % 4 + " v" + i);
                producer.send(new ProducerRecord<>(topic, i % 4, null, ("v" + i).getBytes(StandardCharsets.UTF_8)));
            }
        }
        List<String> command = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java")
                .toString(), "-jar", JAR.toString(), "consume", "-b", cluster.bootstrapServers(), "-t", topic,
                "-g", "cli-killed", "-f", "%p %v\\n", "-X", "session.timeout.ms=6000",
                "-X", "heartbeat.interval.ms=1000", "-X", "auto.commit.interval.ms=200"));
        Path outA = Files.createTempFile(work, "out", ".txt");
        Path outB = Files.createTempFile(work, "out", ".txt");
        Process a = new ProcessBuilder(command).redirectOutput(outA.toFile())
                .redirectError(Files.createTempFile(work, "err", ".txt").toFile()).start();
        Process b = null;
        java.util.Set<String> byKafkaClients = java.util.concurrent.ConcurrentHashMap.newKeySet();
        java.util.concurrent.atomic.AtomicBoolean stop = new java.util.concurrent.atomic.AtomicBoolean();
        Thread kafkaClients = new Thread(() -> {
            try (KafkaConsumer<byte[], byte[]> c = new KafkaConsumer<>(Map.of("bootstrap.servers",
                    cluster.bootstrapServers(), "group.id", "cli-killed", "auto.offset.reset", "earliest",
                    "session.timeout.ms", 6000, "heartbeat.interval.ms", 1000, "auto.commit.interval.ms", 200),
                    new ByteArrayDeserializer(), new ByteArrayDeserializer())) {
                c.subscribe(List.of(topic));
                while (!stop.get()) {
                    c.poll(Duration.ofMillis(100)).forEach(r -> byKafkaClients.add(r.partition() + " "
                            + new String(r.value(), StandardCharsets.UTF_8)));
                }
            }
        }, "kafka-clients-member");
        try {
            awaitLines(outA, 200);
            b = new ProcessBuilder(command).redirectOutput(outB.toFile())
                    .redirectError(Files.createTempFile(work, "err", ".txt").toFile()).start();
            kafkaClients.start();
            Thread.sleep(4000); // b and the kafka-clients member join; a commits every 200 ms
            a.destroyForcibly().waitFor(10, TimeUnit.SECONDS); // SIGKILL: no LeaveGroup, no last commit
            try (KafkaProducer<byte[], byte[]> producer = new KafkaProducer<>(Map.of("bootstrap.servers",
                    cluster.bootstrapServers()), new ByteArraySerializer(), new ByteArraySerializer())) {
                for (int i = 200; i < 400; i++) {
                    values.add(i % 4 + " v" + i);
                    producer.send(new ProducerRecord<>(topic, i % 4, null,
                            ("v" + i).getBytes(StandardCharsets.UTF_8)));
                }
            }
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
            java.util.Set<String> printed = new java.util.HashSet<>();
            while (System.nanoTime() < deadline && !printed.containsAll(values)) {
                Thread.sleep(100);
                printed.clear();
                printed.addAll(Files.readString(outA).lines().toList());
                printed.addAll(Files.readString(outB).lines().toList());
                printed.addAll(byKafkaClients);
            }
            assertThat(printed).as("every record, written before the kill and after it").containsAll(values);
            List<String> byB = Files.readString(outB).lines().toList();
            List<String> survivors = new ArrayList<>(byB);
            survivors.addAll(byKafkaClients);
            assertThat(survivors).as("b and the kafka-clients member took over every partition, a's included")
                    .anyMatch(l -> l.startsWith("0 ")).anyMatch(l -> l.startsWith("1 "))
                    .anyMatch(l -> l.startsWith("2 ")).anyMatch(l -> l.startsWith("3 "));
            assertThat(byB).as("b printed nothing twice").doesNotHaveDuplicates();
            assertThat(byKafkaClients).as("the kafka-clients member read something").isNotEmpty();
        } finally {
            stop.set(true);
            kafkaClients.join(20_000);
            a.destroyForcibly();
            if (b != null) {
                b.destroyForcibly();
            }
        }
    }

    /**
     * {@code josef group describe} on a group whose members are kafka-clients
     * consumers: each member with its client id, host, instance id and
     * partitions, and per partition the committed offset, the high watermark
     * and the lag, with the partition's owner.
     */
    @ParameterizedTest(name = "group.protocol={0}")
    @ValueSource(strings = {"classic", "consumer"})
    void josefGroupDescribeShowsTheMembersAndLagOfKafkaClientsConsumers(String protocol, KafkaCluster cluster)
            throws Exception {
        String topic = "cli-group-describe-" + protocol;
        String group = "cli-described-" + protocol;
        cluster.createTopic(topic, 2, 1);
        produceTo(cluster, topic, 2, 10, 0);
        List<KafkaConsumer<byte[], byte[]>> members = new ArrayList<>();
        try (org.apache.kafka.clients.admin.Admin reference = org.apache.kafka.clients.admin.Admin.create(
                Map.of("bootstrap.servers", cluster.bootstrapServers()))) {
            members.add(groupMember(cluster, group, protocol, "reader-a-" + protocol, "static-a"));
            members.add(groupMember(cluster, group, protocol, "reader-b-" + protocol, null));
            members.forEach(m -> m.subscribe(List.of(topic)));
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
            while (!(members.stream().allMatch(m -> m.assignment().size() == 1) && reference.describeConsumerGroups(
                    List.of(group)).all().get().get(group).groupState() == org.apache.kafka.common.GroupState.STABLE)) {
                members.forEach(m -> m.poll(Duration.ofMillis(100)));
                assertThat(System.nanoTime()).as("the group settled within 60 s").isLessThan(deadline);
            }
            Map<Integer, String> owners = new TreeMap<>();
            for (KafkaConsumer<byte[], byte[]> m : members) {
                TopicPartition owned = m.assignment().iterator().next();
                owners.put(owned.partition(), m.groupMetadata().memberId());
                m.commitSync(Map.of(owned, new org.apache.kafka.clients.consumer.OffsetAndMetadata(
                        owned.partition() == 0 ? 4 : 7)));
            }

            Result r = josef(null, "group", "describe", "-b", cluster.bootstrapServers(), "-g", group);
            assertThat(r.exit()).as(r.err()).isZero();
            List<List<String>> rows = rows(r.out());
            assertThat(r.out().lines().findFirst().orElseThrow()).startsWith("group " + group + "  " + (protocol
                    .equals("classic") ? "classic (protocol type consumer), Stable, assignor range, coordinator 1"
                    : "consumer, Stable, assignor uniform, group epoch ")).endsWith(", 2 members");
            boolean consumer = protocol.equals("consumer");
            assertThat(rows).contains(consumer
                    ? List.of("MEMBER-ID", "CLIENT-ID", "HOST", "INSTANCE-ID", "EPOCH", "PARTITIONS")
                    : List.of("MEMBER-ID", "CLIENT-ID", "HOST", "INSTANCE-ID", "PARTITIONS"));
            for (KafkaConsumer<byte[], byte[]> m : members) {
                String id = m.groupMetadata().memberId();
                List<String> row = rows.stream().filter(l -> l.get(0).equals(id)).findFirst().orElseThrow(
                        () -> new AssertionError("no row for member " + id + " in\n" + r.out()));
                assertThat(row.get(1)).isEqualTo(m.groupMetadata().groupInstanceId().isPresent()
                        ? "reader-a-" + protocol : "reader-b-" + protocol);
                assertThat(row.get(2)).isEqualTo("/127.0.0.1");
                assertThat(row.get(3)).isEqualTo(m.groupMetadata().groupInstanceId().orElse("-"));
                if (consumer) {
                    assertThat(Integer.parseInt(row.get(4))).isEqualTo(m.groupMetadata().generationId());
                }
                assertThat(row.get(row.size() - 1)).isEqualTo(topic + "(" + m.assignment().iterator().next().partition()
                        + ")");
            }
            assertThat(rows).contains(List.of("TOPIC", "PARTITION", "COMMITTED", "HIGH-WATERMARK", "LAG", "MEMBER-ID"),
                    List.of(topic, "0", "4", "10", "6", owners.get(0)),
                    List.of(topic, "1", "7", "10", "3", owners.get(1)));
        } finally {
            members.forEach(m -> m.close(Duration.ofSeconds(5)));
        }
    }

    /**
     * {@code josef group list}, {@code offsets}, {@code reset-offsets} (a dry
     * run, then for real, refused while the group has a member) and
     * {@code delete}, each checked against what kafka-clients reads back.
     */
    @Test
    void josefGroupListsResetsAndDeletesAGroup(KafkaCluster cluster) throws Exception {
        String b = cluster.bootstrapServers();
        String topic = "cli-group-reset";
        String group = "cli-reset";
        cluster.createTopic(topic, 2, 1);
        long base = System.currentTimeMillis() - 3_600_000;
        produceTo(cluster, topic, 2, 10, base);
        TopicPartition p0 = new TopicPartition(topic, 0);
        TopicPartition p1 = new TopicPartition(topic, 1);
        try (KafkaConsumer<byte[], byte[]> committer = groupMember(cluster, group, "classic", "committer", null)) {
            committer.commitSync(Map.of(p0, new org.apache.kafka.clients.consumer.OffsetAndMetadata(8, "eight"),
                    p1, new org.apache.kafka.clients.consumer.OffsetAndMetadata(8)));
        }
        try (org.apache.kafka.clients.admin.Admin reference = org.apache.kafka.clients.admin.Admin.create(
                Map.of("bootstrap.servers", b))) {
            Result list = josef(null, "group", "list", "-b", b);
            assertThat(list.exit()).as(list.err()).isZero();
            assertThat(rows(list.out())).contains(List.of("GROUP", "TYPE", "STATE", "PROTOCOL-TYPE", "COORDINATOR"),
                    List.of(group, "classic", "Empty", "-", "1"));
            Result empties = josef(null, "group", "list", "-b", b, "--type", "consumer");
            assertThat(rows(empties.out())).noneMatch(row -> row.get(0).equals(group));

            Result offsets = josef(null, "group", "offsets", "-b", b, "-g", group);
            assertThat(offsets.exit()).as(offsets.err()).isZero();
            assertThat(rows(offsets.out())).containsExactly(
                    List.of("TOPIC", "PARTITION", "OFFSET", "LEADER-EPOCH", "METADATA"),
                    List.of(topic, "0", "8", "-", "eight"), List.of(topic, "1", "8", "-", "-"));

            Result dryRun = josef(null, "group", "reset-offsets", "-b", b, "-g", group, "-t", topic, "--to-earliest",
                    "--dry-run");
            assertThat(dryRun.exit()).as(dryRun.err()).isZero();
            assertThat(rows(dryRun.out())).containsExactly(List.of("TOPIC", "PARTITION", "PREVIOUS", "NEW"),
                    List.of(topic, "0", "8", "0"), List.of(topic, "1", "8", "0"),
                    List.of("dry", "run:", "nothing", "was", "committed;", "group", group, "is", "Empty"));
            assertThat(committed(reference, group)).isEqualTo(Map.of(0, 8L, 1, 8L));

            Result shifted = josef(null, "group", "reset-offsets", "-b", b, "-g", group, "-t", topic + ":1",
                    "--shift-by", "-3");
            assertThat(shifted.exit()).as(shifted.err()).isZero();
            assertThat(shifted.out()).contains("reset 1 partition of group " + group);
            assertThat(committed(reference, group)).isEqualTo(Map.of(0, 8L, 1, 5L));

            Result toTime = josef(null, "group", "reset-offsets", "-b", b, "-g", group, "--all-topics",
                    "--to-datetime", "@" + (base + 2));
            assertThat(toTime.exit()).as(toTime.err()).isZero();
            assertThat(rows(toTime.out())).contains(List.of(topic, "0", "8", "2"), List.of(topic, "1", "5", "2"));
            assertThat(committed(reference, group)).isEqualTo(Map.of(0, 2L, 1, 2L));

            try (KafkaConsumer<byte[], byte[]> member = groupMember(cluster, group, "classic", "busy", null)) {
                member.subscribe(List.of(topic));
                long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
                while (member.assignment().size() < 2) {
                    member.poll(Duration.ofMillis(100));
                    assertThat(System.nanoTime()).as("assigned within 60 s").isLessThan(deadline);
                }
                Result refused = josef(null, "group", "reset-offsets", "-b", b, "-g", group, "--all-topics",
                        "--to-latest");
                assertThat(refused.exit()).isEqualTo(1);
                assertThat(refused.err()).isEqualTo("josef group: group '" + group + "' is Stable with 1 member: its "
                        + "offsets can only be changed while it is empty (stop its members first); nothing was changed\n");
                assertThat(committed(reference, group)).as("nothing was changed").isEqualTo(Map.of(0, 2L, 1, 2L));
                Result busy = josef(null, "group", "delete", "-b", b, "-g", group);
                assertThat(busy.exit()).isEqualTo(1);
                assertThat(busy.err()).contains("cannot delete group '" + group + "': NON_EMPTY_GROUP");
            }

            Result deleted = josef(null, "group", "delete", "-b", b, "-g", group);
            assertThat(deleted.exit()).as(deleted.err()).isZero();
            assertThat(deleted.out()).isEqualTo("deleted group " + group + "\n");
            assertThat(committed(reference, group)).isEmpty();
            assertThat(rows(josef(null, "group", "list", "-b", b).out())).noneMatch(row -> row.get(0).equals(group));
            Result gone = josef(null, "group", "describe", "-b", b, "-g", group);
            assertThat(gone.exit()).isEqualTo(1);
            assertThat(gone.err()).isEqualTo("josef group: group '" + group + "' does not exist\n");
        }
    }

    private static KafkaConsumer<byte[], byte[]> groupMember(KafkaCluster cluster, String group, String protocol,
                                                             String clientId, String instanceId) {
        Map<String, Object> p = new java.util.HashMap<>(Map.of("bootstrap.servers", cluster.bootstrapServers(),
                "group.id", group, "group.protocol", protocol, "client.id", clientId, "enable.auto.commit", "false",
                "auto.offset.reset", "earliest"));
        if (instanceId != null) {
            p.put("group.instance.id", instanceId);
        }
        return new KafkaConsumer<>(p, new ByteArrayDeserializer(), new ByteArrayDeserializer());
    }

    /** {@code count} records to each of the topic's first {@code partitions}, timestamps from {@code base} (0: now). */
    private static void produceTo(KafkaCluster cluster, String topic, int partitions, int count, long base)
            throws Exception {
        try (KafkaProducer<byte[], byte[]> producer = new KafkaProducer<>(Map.of("bootstrap.servers",
                cluster.bootstrapServers()), new ByteArraySerializer(), new ByteArraySerializer())) {
            for (int p = 0; p < partitions; p++) {
                for (int i = 0; i < count; i++) {
                    producer.send(new ProducerRecord<>(topic, p, base == 0 ? null : base + i, null,
                            ("v" + i).getBytes(StandardCharsets.UTF_8))).get();
                }
            }
        }
    }

    /** The group's committed offsets by partition, as kafka-clients' admin reads them. */
    private static Map<Integer, Long> committed(org.apache.kafka.clients.admin.Admin reference, String group)
            throws Exception {
        Map<Integer, Long> out = new TreeMap<>();
        reference.listConsumerGroupOffsets(group).partitionsToOffsetAndMetadata().get(30, TimeUnit.SECONDS)
                .forEach((tp, o) -> {
                    if (o != null) {
                        out.put(tp.partition(), o.offset());
                    }
                });
        return out;
    }

    /** Each non-blank line of the output, split into its columns. */
    private static List<List<String>> rows(String out) {
        return out.lines().filter(l -> !l.isBlank()).map(l -> List.of(l.trim().split("\\s+"))).toList();
    }

    private static void awaitLines(Path file, int lines) throws IOException, InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        while (Files.readString(file).lines().count() < lines) {
            assertThat(System.nanoTime()).as("%d lines in %s within 60 s", lines, file).isLessThan(deadline);
            Thread.sleep(50);
        }
    }

    @Test
    void topicClusterAndOffsetsCommands(KafkaCluster cluster) throws Exception {
        String b = cluster.bootstrapServers();
        Result created = josef(null, "topic", "create", "-b", b, "-t", "cli-topic", "--partitions", "3");
        assertThat(created.exit()).as(created.err()).isZero();
        assertThat(created.out()).startsWith("created topic cli-topic, id ").contains("3 partitions, replication factor 1");
        assertThat(josef(null, "topic", "list", "-b", b).out().lines().toList()).contains("cli-topic");
        Result described = josef(null, "topic", "describe", "-b", b, "-t", "cli-topic");
        assertThat(described.out()).contains("cli-topic  id ").contains("  partition 2    leader 1, replicas [1], isr [1]");

        Result produced = josef("a\nb\nc\n", "produce", "-b", b, "-t", "cli-topic", "--partition", "2");
        assertThat(produced.exit()).as(produced.err()).isZero();
        Result offsets = josef(null, "offsets", "-b", b, "-t", "cli-topic");
        assertThat(offsets.exit()).isZero();
        assertThat(offsets.out().lines().toList()).contains(
                String.format("%-10d %12d %12d %12d", 0, 0, 0, 0), String.format("%-10d %12d %12d %12d", 2, 0, 3, 3));

        Result clusterOut = josef(null, "cluster", "-b", b);
        assertThat(clusterOut.out()).containsPattern("cluster {5}\\S{22}, controller 1, 1 broker\n")
                .contains("  broker 1    " + b);

        Result deleted = josef(null, "topic", "delete", "-b", b, "-t", "cli-topic");
        assertThat(deleted.exit()).as(deleted.err()).isZero();
        assertThat(deleted.out()).isEqualTo("deleted topic cli-topic\n");
    }

    /**
     * {@code josef produce --transactional-id} writes transactions of at most
     * {@code --transaction-size} lines, and {@code josef consume --isolation
     * read_committed} reads them, but not the records of a transaction that
     * kafka-clients aborted in between.
     */
    @Test
    void transactionsWrittenByJosefProduceAreReadCommittedAndAbortedOnesAreNot(KafkaCluster cluster)
            throws Exception {
        String b = cluster.bootstrapServers();
        String topic = "cli-transactions";
        cluster.createTopic(topic, 1, 1);
        StringBuilder lines = new StringBuilder();
        for (int i = 0; i < 25; i++) {
            lines.append("line-").append(i).append('\n');
        }
        Result produced = josef(lines.toString(), "produce", "-b", b, "-t", topic, "--transactional-id",
                "cli-tx", "--transaction-size", "10");
        assertThat(produced.exit()).as(produced.err()).isZero();
        assertThat(produced.err()).startsWith("josef produce: 25 records to " + topic + " (partition 0) in 3 "
                + "transactions in ");
        try (org.apache.kafka.clients.producer.KafkaProducer<byte[], byte[]> aborting =
                     new org.apache.kafka.clients.producer.KafkaProducer<>(Map.of("bootstrap.servers", b,
                             "transactional.id", "cli-aborting"),
                             new org.apache.kafka.common.serialization.ByteArraySerializer(),
                             new org.apache.kafka.common.serialization.ByteArraySerializer())) {
            aborting.initTransactions();
            aborting.beginTransaction();
            aborting.send(new org.apache.kafka.clients.producer.ProducerRecord<>(topic, "aborted".getBytes())).get();
            aborting.abortTransaction();
        }
        Result more = josef("last\n", "produce", "-b", b, "-t", topic, "--transactional-id", "cli-tx");
        assertThat(more.exit()).as(more.err()).isZero();
        Result committed = josef(null, "consume", "-b", b, "-t", topic, "--isolation", "read_committed", "-e");
        assertThat(committed.exit()).as(committed.err()).isZero();
        List<String> expected = new ArrayList<>();
        for (int i = 0; i < 25; i++) {
            expected.add("line-" + i);
        }
        expected.add("last");
        assertThat(committed.out().lines().toList()).isEqualTo(expected);
        Result everything = josef(null, "consume", "-b", b, "-t", topic, "-e");
        assertThat(everything.out().lines().toList()).contains("aborted").hasSize(27);
        Result usage = josef("x\n", "produce", "-b", b, "-t", topic, "--transaction-size", "5");
        assertThat(usage.exit()).isNotZero();
        assertThat(usage.err()).contains("--transaction-size needs --transactional-id");
    }

    /**
     * As kcat, franz-go and kafka-clients do against a broker with
     * {@code auto.create.topics.enable=true} (Kafka's default, and the kit's
     * shared cluster): producing to a topic that does not exist has the broker
     * create it, and the records are written.
     */
    @Test
    void josefProduceToABrandNewTopicHasTheBrokerCreateIt(KafkaCluster cluster) throws Exception {
        String b = cluster.bootstrapServers();
        Result produced = josef("one\ntwo\nthree\n", "produce", "-b", b, "-t", "cli-brand-new-topic");
        assertThat(produced.exit()).as(produced.err()).isZero();
        assertThat(produced.err()).startsWith("josef produce: 3 records to cli-brand-new-topic");
        Result read = josef(null, "consume", "-b", b, "-t", "cli-brand-new-topic", "-e");
        assertThat(read.exit()).as(read.err()).isZero();
        assertThat(read.out()).isEqualTo("one\ntwo\nthree\n");
    }

    @Test
    void configFileAndDashXCarryKafkaClientsProperties(KafkaCluster cluster) throws Exception {
        cluster.createTopic("cli-config", 1, 1);
        Path config = Files.writeString(work.resolve("client.properties"),
                "bootstrap.servers=" + cluster.bootstrapServers() + "\nlinger.ms=1\n");
        Result produced = josef("x\n", "produce", "--config", config.toString(), "-t", "cli-config",
                "-X", "compression.type=lz4");
        assertThat(produced.exit()).as(produced.err()).isZero();
        Result bad = josef("x\n", "produce", "--config", config.toString(), "-t", "cli-config", "-X", "linger.mss=1");
        assertThat(bad.exit()).isEqualTo(2);
        assertThat(bad.err()).contains("linger.mss").contains("usage: josef produce");
    }

    @Test
    void aLineTooLargeToProduceFailsAloneAndTheExitCodeSaysSo(KafkaCluster cluster) throws Exception {
        cluster.createTopic("cli-too-large", 1, 1);
        String big = "x".repeat(5_000);
        Result r = josef("a\n" + big + "\nb\n", "produce", "-b", cluster.bootstrapServers(), "-t", "cli-too-large",
                "-X", "max.request.size=2000");
        assertThat(r.exit()).isEqualTo(1);
        assertThat(r.err()).startsWith("josef produce: 2 records to cli-too-large").contains("1 failed")
                .doesNotContain("\tat ");
        Result read = josef(null, "consume", "-b", cluster.bootstrapServers(), "-t", "cli-too-large", "-e");
        assertThat(read.out()).isEqualTo("a\nb\n");
    }

    @Test
    void theDemoTakesClientPropertiesToo(KafkaCluster cluster) throws Exception {
        Result r = josef(null, "demo", "-b", cluster.bootstrapServers(), "-X", "client.id=demo-from-x");
        assertThat(r.exit()).as(r.err()).isZero();
        assertThat(r.out()).contains("its records in the order produced: yes");
    }

    @Test
    void benchProduceAndConsumeReportTheirNumbers(KafkaCluster cluster) throws Exception {
        Result produce = josef(null, "bench", "produce", "-b", cluster.bootstrapServers(), "-t", "cli-bench",
                "--count", "20000", "--size", "200", "--codec", "lz4", "--partitions", "2");
        assertThat(produce.exit()).as(produce.err()).isZero();
        assertThat(produce.out()).contains("produced 20,000 records of 200 bytes to cli-bench")
                .containsPattern("[\\d,]+ records/s, [\\d.]+ MB/s, latency p50 [\\d.]+ ms, p99 [\\d.]+ ms")
                .containsPattern("client CPU [\\d.]+ s per million records");
        assertThat(produce.err()).as("no progress line when the output is not a terminal").isEmpty();
        Result consume = josef(null, "bench", "consume", "-b", cluster.bootstrapServers(), "-t", "cli-bench",
                "--count", "20000");
        assertThat(consume.exit()).as(consume.err()).isZero();
        assertThat(consume.out()).contains("consumed 20,000 records (4,000,000 bytes of keys and values)");
    }

    @Test
    void josefBrokerRunsUntilStoppedAndPrintsItsAddress() throws Exception {
        List<String> command = List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(), "-jar",
                JAR.toString(), "broker");
        Path out = Files.createTempFile(work, "broker-out", ".txt");
        Path err = Files.createTempFile(work, "broker-err", ".txt");
        Process broker = new ProcessBuilder(command).redirectOutput(out.toFile()).redirectError(err.toFile()).start();
        try {
            String bootstrap = null;
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(90);
            while (bootstrap == null && broker.isAlive() && System.nanoTime() < deadline) {
                List<String> lines = Files.readAllLines(out);
                bootstrap = lines.isEmpty() ? null : lines.get(0);
                Thread.sleep(100);
            }
            assertThat(bootstrap).as("the address on stdout; stderr: %s", Files.readString(err))
                    .matches("127\\.0\\.0\\.1:\\d+");
            Result cluster = josef(null, "cluster", "-b", bootstrap);
            assertThat(cluster.exit()).as(cluster.err()).isZero();
            assertThat(cluster.out()).contains("1 broker");

            broker.destroy(); // SIGTERM, as Ctrl-C: the shutdown hook stops the broker
            assertThat(broker.waitFor(60, TimeUnit.SECONDS)).as("josef broker stops on SIGTERM").isTrue();
            assertThat(Files.readString(err)).contains("josef broker: stopping");
            Result gone = josef(null, "cluster", "-b", bootstrap);
            assertThat(gone.exit()).as("the broker is gone").isEqualTo(1);
        } finally {
            broker.destroyForcibly();
            broker.waitFor(30, TimeUnit.SECONDS);
        }
    }

    @Test
    void userErrorsGiveExitCodesAndMessagesWithoutStackTraces(KafkaCluster cluster) throws Exception {
        Result unknownCommand = josef(null, "frobnicate");
        assertThat(unknownCommand.exit()).isEqualTo(2);
        assertThat(unknownCommand.err()).contains("josef: unknown command 'frobnicate'").contains("usage: josef");

        Result badFlag = josef(null, "consume", "-b", cluster.bootstrapServers(), "-t", "x", "--nope");
        assertThat(badFlag.exit()).isEqualTo(2);
        assertThat(badFlag.err()).contains("josef consume: unknown option '--nope'").contains("usage: josef consume");

        Result missingValue = josef(null, "produce", "-t");
        assertThat(missingValue.exit()).isEqualTo(2);
        assertThat(missingValue.err()).contains("option '-t' needs a value");

        Result unreachable = josef(null, "cluster", "-b", "127.0.0.1:1");
        assertThat(unreachable.exit()).isEqualTo(1);
        assertThat(unreachable.err()).startsWith("josef cluster: cannot reach the cluster at 127.0.0.1:1");

        Result noTopic = josef(null, "consume", "-b", cluster.bootstrapServers(), "-t", "cli-no-such-topic", "-e");
        assertThat(noTopic.exit()).isEqualTo(1);
        assertThat(noTopic.err()).contains("topic 'cli-no-such-topic' does not exist");

        for (Result r : List.of(unknownCommand, badFlag, missingValue, unreachable, noTopic)) {
            assertThat(r.err()).doesNotContain("Exception in thread").doesNotContain("\tat ");
        }
        Result help = josef(null, "consume", "--help");
        assertThat(help.exit()).isZero();
        assertThat(help.out()).contains("%k key, %v value");
    }
}
