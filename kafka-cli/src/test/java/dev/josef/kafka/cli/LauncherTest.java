package dev.josef.kafka.cli;

import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.DisabledOnOs;
import org.junit.jupiter.api.condition.OS;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.FileTime;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The {@code ./josef} launcher at the root of the repository decides whether to
 * build before it runs the jar. It is run here from a copy of a checkout that
 * sits under a folder named {@code src} (as {@code ~/src/josef}), with a fake
 * {@code mvn} that records being called and a fake {@code java} that records
 * what it was asked to run.
 */
@DisabledOnOs(OS.WINDOWS)
class LauncherTest {
    private static final Path LAUNCHER = Path.of("..", "josef");

    @TempDir
    Path tmp;

    private Path checkout;
    private Path jar;
    private Path mvnLog;
    private Path javaLog;
    private Path bin;

    @BeforeEach
    void checkoutUnderAFolderNamedSrc() throws IOException {
        assertThat(LAUNCHER).as("the launcher at the repository's root").isRegularFile();
        checkout = Files.createDirectories(tmp.resolve("src").resolve("josef"));
        Path script = checkout.resolve("josef");
        Files.copy(LAUNCHER, script, StandardCopyOption.REPLACE_EXISTING);
        executable(script);

        Instant now = Instant.now();
        Instant hourAgo = now.minusSeconds(3600);
        writeAt(checkout.resolve("pom.xml"), "<project/>", hourAgo);
        writeAt(checkout.resolve("kafka-cli/pom.xml"), "<project/>", hourAgo);
        writeAt(checkout.resolve("kafka-cli/src/main/java/Main.java"), "class Main {}", hourAgo);
        writeAt(checkout.resolve("kafka-admin/src/main/java/Admin.java"), "class Admin {}", hourAgo);
        jar = writeAt(checkout.resolve("kafka-cli/target/josef.jar"), "not really a jar", now.minusSeconds(600));
        // Build output written after the jar: test reports, another module's classes, a copied pom.
        writeAt(checkout.resolve("kafka-cli/target/surefire-reports/TEST-x.xml"), "<x/>", now);
        writeAt(checkout.resolve("kafka-admin/target/classes/Admin.class"), "cafebabe", now);
        writeAt(checkout.resolve("kafka-admin/target/src/generated/pom.xml"), "<project/>", now);
        writeAt(checkout.resolve("target/josef-testkit/log.txt"), "broker log", now);
        // A fresh checkout's folders are as old as its files: only a change in them counts.
        try (var paths = Files.walk(checkout)) {
            for (Path dir : paths.filter(Files::isDirectory).toList()) {
                Files.setLastModifiedTime(dir, FileTime.from(hourAgo));
            }
        }

        bin = Files.createDirectories(tmp.resolve("bin"));
        mvnLog = tmp.resolve("mvn.log");
        javaLog = tmp.resolve("java.log");
        Path mvn = Files.writeString(bin.resolve("mvn"), "#!/bin/sh\necho \"$@\" >> '" + mvnLog + "'\n");
        Path java = Files.writeString(bin.resolve("java"), "#!/bin/sh\necho \"$@\" > '" + javaLog + "'\n");
        executable(mvn);
        executable(java);
    }

    @Test
    void anUpToDateJarRunsWithoutABuildEvenUnderAFolderNamedSrc() throws Exception {
        assertThat(launch("--help")).isZero();
        assertThat(mvnLog).as("mvn was not called").doesNotExist();
        assertThat(Files.readString(javaLog).trim()).isEqualTo("-jar " + jar.toAbsolutePath() + " --help");
    }

    @Test
    void aSourceNewerThanTheJarIsBuiltFirst() throws Exception {
        Files.setLastModifiedTime(checkout.resolve("kafka-admin/src/main/java/Admin.java"), FileTime.from(Instant.now()));
        assertThat(launch("cluster")).isZero();
        assertThat(Files.readString(mvnLog)).contains("package -pl kafka-cli -am");
        assertThat(Files.readString(javaLog).trim()).isEqualTo("-jar " + jar.toAbsolutePath() + " cluster");
    }

    @Test
    void aPomNewerThanTheJarIsBuiltFirst() throws Exception {
        Files.setLastModifiedTime(checkout.resolve("kafka-cli/pom.xml"), FileTime.from(Instant.now()));
        assertThat(launch()).isZero();
        assertThat(mvnLog).as("mvn was called").exists();
    }

    @Test
    void aMissingJarIsBuilt() throws Exception {
        Files.delete(jar);
        launch();
        assertThat(mvnLog).as("mvn was called").exists();
    }

    private int launch(String... args) throws IOException, InterruptedException {
        List<String> command = new java.util.ArrayList<>(List.of(checkout.resolve("josef").toString()));
        command.addAll(List.of(args));
        ProcessBuilder builder = new ProcessBuilder(command).redirectErrorStream(true)
                .redirectOutput(tmp.resolve("launcher.out").toFile());
        builder.environment().put("PATH", bin + ":/usr/bin:/bin");
        Process p = builder.start();
        try {
            assertThat(p.waitFor(30, TimeUnit.SECONDS)).as("the launcher finished").isTrue();
            return p.exitValue();
        } finally {
            p.destroyForcibly();
        }
    }

    private static Path writeAt(Path file, String content, Instant modified) throws IOException {
        Files.createDirectories(file.getParent());
        Files.writeString(file, content);
        Files.setLastModifiedTime(file, FileTime.from(modified));
        return file;
    }

    private static void executable(Path file) throws IOException {
        Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("rwxr-xr-x"));
    }
}
