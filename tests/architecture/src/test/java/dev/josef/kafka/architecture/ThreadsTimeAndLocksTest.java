package dev.josef.kafka.architecture;

import com.tngtech.archunit.base.DescribedPredicate;
import com.tngtech.archunit.core.domain.JavaCall;
import com.tngtech.archunit.core.domain.JavaClass;
import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.core.importer.ImportOption;
import com.tngtech.archunit.lang.ArchRule;
import com.tngtech.archunit.lang.EvaluationResult;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executors;
import java.util.concurrent.ForkJoinPool;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.TimeUnit;

import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * What DESIGN.md promises of threads, time and locks, held by the compiled
 * library modules (the CLI and the test kit are tools around them):
 * <ul>
 *   <li>time is read from the injectable clock: only it calls {@code System.nanoTime};</li>
 *   <li>every thread comes from {@code JosefThreads} (named, a daemon, made by
 *       the application's ThreadFactory when it gave one), and nothing runs on
 *       the JDK's common pool or its delay scheduler;</li>
 *   <li>in the producer, only {@code RecordAccumulator} takes a partition's lock,
 *       and it reaches no application code: no policy, hook, partitioner,
 *       callback or future completion can run while that lock is held;</li>
 *   <li>in the consumer, only {@code Fetcher} (and {@code RecordCollector}, which
 *       it calls with the lock held) touches the fetcher's lock and the state it
 *       guards: {@code Consumer} and the group go through its methods.</li>
 * </ul>
 */
class ThreadsTimeAndLocksTest {
    private static final String CLOCK = "dev.josef.kafka.net.internal.Clock$SystemClock";
    private static final String THREADS = "dev.josef.kafka.net.internal.JosefThreads";
    private static final String ACCUMULATOR = "dev\\.josef\\.kafka\\.producer\\.RecordAccumulator(\\$.*)?";

    private static JavaClasses library;

    @BeforeAll
    static void importLibrary() {
        library = new ClassFileImporter()
                .withImportOption(ImportOption.Predefined.DO_NOT_INCLUDE_TESTS)
                .importPackages("dev.josef.kafka.protocol", "dev.josef.kafka.compression", "dev.josef.kafka.net",
                        "dev.josef.kafka.admin", "dev.josef.kafka.producer", "dev.josef.kafka.consumer");
    }

    static ArchRule onlyTheClockReadsTheTime() {
        return noClasses().that().doNotHaveFullyQualifiedName(CLOCK)
                .should().callMethod(System.class, "nanoTime")
                .because("time comes from the injectable Clock, so state machines can be tested on a clock tests move");
    }

    static ArchRule threadsComeFromJosefThreads() {
        return noClasses().that().doNotHaveFullyQualifiedName(THREADS)
                .should().callConstructorWhere(JavaCall.Predicates.target(
                        com.tngtech.archunit.core.domain.properties.HasOwner.Predicates.With.owner(
                                JavaClass.Predicates.assignableTo(Thread.class))))
                .orShould().callMethodWhere(executorsWithoutAThreadFactory())
                .because("every thread is named josef-<client-id>-<role>, a daemon, and made by the "
                        + "application's ThreadFactory when it gave one");
    }

    static ArchRule nothingRunsOnTheCommonPool() {
        return noClasses()
                .should().callMethod(CompletableFuture.class, "delayedExecutor", long.class, TimeUnit.class)
                .orShould().callMethod(CompletableFuture.class, "delayedExecutor", long.class, TimeUnit.class,
                        java.util.concurrent.Executor.class)
                .orShould().callMethod(ForkJoinPool.class, "commonPool")
                .orShould().callMethodWhere(asyncWithoutAnExecutor())
                .because("retries and timers run on threads the client owns and stops on close");
    }

    static ArchRule onlyTheAccumulatorTakesAPartitionLock() {
        return noClasses().that().haveNameNotMatching(ACCUMULATOR)
                .and().doNotHaveFullyQualifiedName("dev.josef.kafka.producer.PartitionQueue") // makes it
                .should().accessField("dev.josef.kafka.producer.PartitionQueue", "lock")
                .because("the accumulator is the one class that holds a partition's lock, so it is the one to check");
    }

    static ArchRule onlyTheFetcherTakesItsLock() {
        String fetcher = "dev.josef.kafka.consumer.Fetcher";
        return noClasses().that().doNotHaveFullyQualifiedName(fetcher)
                .and().doNotHaveFullyQualifiedName("dev.josef.kafka.consumer.RecordCollector")
                .should().accessField(fetcher, "lock")
                .orShould().accessField(fetcher, "partitions")
                .orShould().accessField(fetcher, "buffer")
                .because("the fetcher's state has one owner, whose methods each take the lock for their own short "
                        + "work and reach no application code while they hold it");
    }

    static ArchRule theAccumulatorReachesNoApplicationCode() {
        return noClasses().that().haveNameMatching(ACCUMULATOR)
                .should().dependOnClassesThat().resideInAPackage("dev.josef.kafka.producer.spi..")
                .orShould().dependOnClassesThat().haveFullyQualifiedName("dev.josef.kafka.producer.ProducerHooks")
                .orShould().dependOnClassesThat().haveFullyQualifiedName("dev.josef.kafka.producer.Completions")
                .orShould().dependOnClassesThat().haveFullyQualifiedName("dev.josef.kafka.producer.OrderingGuard")
                .orShould().dependOnClassesThat().haveFullyQualifiedName("dev.josef.kafka.producer.ProduceFuture")
                .orShould().callMethod("dev.josef.kafka.producer.PendingRecord", "finished",
                        "dev.josef.kafka.producer.RecordMetadata", "java.lang.Throwable")
                .orShould().callMethod("dev.josef.kafka.producer.PendingRecord", "refuse", "java.lang.Throwable")
                .because("no application code (callbacks, future stages, policies, hooks, partitioners) may run "
                        + "while a producer lock is held");
    }

    private static DescribedPredicate<JavaCall<?>> executorsWithoutAThreadFactory() {
        return DescribedPredicate.describe("an Executors factory without a ThreadFactory", call ->
                call.getTargetOwner().isEquivalentTo(Executors.class)
                        && call.getTarget().getName().startsWith("new")
                        && call.getTarget().getRawParameterTypes().stream()
                        .noneMatch(t -> t.isEquivalentTo(ThreadFactory.class)));
    }

    private static DescribedPredicate<JavaCall<?>> asyncWithoutAnExecutor() {
        return DescribedPredicate.describe("a CompletableFuture *Async method without an Executor", call ->
                call.getTargetOwner().isAssignableTo(CompletableFuture.class)
                        && call.getTarget().getName().endsWith("Async")
                        && call.getTarget().getRawParameterTypes().stream()
                        .noneMatch(t -> t.isAssignableTo(java.util.concurrent.Executor.class)));
    }

    @Test
    void theLibraryWasFound() {
        assertThat(library.contain("dev.josef.kafka.producer.RecordAccumulator")).isTrue();
        assertThat(library.contain(CLOCK)).isTrue();
    }

    @Test
    void onlyTheClockCallsNanoTime() {
        onlyTheClockReadsTheTime().check(library);
    }

    @Test
    void everyThreadIsMadeByJosefThreads() {
        threadsComeFromJosefThreads().check(library);
    }

    @Test
    void noRetryOrTimerRunsOnTheCommonPool() {
        nothingRunsOnTheCommonPool().check(library);
    }

    @Test
    void onlyRecordAccumulatorTakesAPartitionLockAndItCallsNoApplicationCode() {
        onlyTheAccumulatorTakesAPartitionLock().check(library);
        theAccumulatorReachesNoApplicationCode().check(library);
    }

    @Test
    void onlyTheFetcherTouchesItsLockAndState() {
        assertThat(library.contain("dev.josef.kafka.consumer.Fetcher")).isTrue();
        onlyTheFetcherTakesItsLock().check(library);
    }

    /** A class that breaks each rule once, so the rules are seen to catch what they are for. */
    static final class BreaksTheRules {
        long now() {
            return System.nanoTime();
        }

        Thread thread() {
            return new Thread(() -> { });
        }

        java.util.concurrent.ExecutorService pool() {
            return Executors.newSingleThreadExecutor();
        }

        CompletableFuture<Void> later() {
            return CompletableFuture.runAsync(() -> { });
        }

        java.util.concurrent.Executor delayed() {
            return CompletableFuture.delayedExecutor(1, TimeUnit.SECONDS);
        }
    }

    @Test
    void theRulesCatchAClassThatBreaksThem() {
        JavaClasses fixture = new ClassFileImporter().importClasses(BreaksTheRules.class);
        assertThat(violations(onlyTheClockReadsTheTime(), fixture)).isEqualTo(1);
        assertThat(violations(threadsComeFromJosefThreads(), fixture)).isEqualTo(2);
        assertThat(violations(nothingRunsOnTheCommonPool(), fixture)).isEqualTo(2);
    }

    private static int violations(ArchRule rule, JavaClasses classes) {
        EvaluationResult result = rule.evaluate(classes);
        return result.getFailureReport().getDetails().size();
    }
}
