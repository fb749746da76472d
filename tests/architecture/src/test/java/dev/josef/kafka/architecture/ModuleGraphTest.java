package dev.josef.kafka.architecture;

import com.tngtech.archunit.core.domain.Dependency;
import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.core.importer.ImportOption;
import dev.josef.kafka.net.archfixture.ReachesIntoCli;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.lang.module.ModuleDescriptor;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * What JPMS enforces on the module path, checked for the class path too: no
 * module reaches a module that DESIGN.md's graph does not allow, and no module
 * uses a package of another that is not exported to it (the {@code .internal}
 * and generated-message packages are exported only {@code to} named siblings).
 */
class ModuleGraphTest {
    private static JavaClasses classes;
    private static Map<String, ModuleDescriptor> descriptors;

    @BeforeAll
    static void importJosef() {
        classes = new ClassFileImporter()
                .withImportOption(ImportOption.Predefined.DO_NOT_INCLUDE_TESTS)
                .importPackages("dev.josef.kafka");
        descriptors = new HashMap<>();
        for (ModuleDescriptor d : JosefModules.built()) {
            descriptors.put(d.name(), d);
        }
    }

    @Test
    void josefClassesWereFound() {
        assertThat(classes).isNotEmpty();
        assertThat(descriptors).containsKey("dev.josef.kafka.protocol");
    }

    @Test
    void everyModuleDependsOnlyOnTheModulesTheDesignAllows() {
        assertThat(graphViolations(classes)).isEmpty();
    }

    @Test
    void kafkaOtelUsesOnlyOpenTelemetrysApiBesideTheJdkAndJosef() {
        com.tngtech.archunit.lang.ArchRule rule = com.tngtech.archunit.lang.syntax.ArchRuleDefinition.classes()
                .that().resideInAPackage("dev.josef.kafka.otel..")
                .should().onlyDependOnClassesThat().resideInAnyPackage("java..", "dev.josef.kafka..",
                        "io.opentelemetry.api..", "io.opentelemetry.context..")
                .because("kafka-otel's only runtime dependency is opentelemetry-api (DESIGN.md)");
        rule.check(classes);
    }

    @Test
    void noModuleUsesAPackageThatIsNotExportedToIt() {
        assertThat(exportViolations(classes)).isEmpty();
    }

    @Test
    void theRulesCatchAClassThatBreaksThem() {
        JavaClasses fixture = new ClassFileImporter().importClasses(ReachesIntoCli.class);
        assertThat(graphViolations(fixture)).singleElement().asString()
                .startsWith("dev.josef.kafka.net must not depend on dev.josef.kafka.cli");
        assertThat(exportViolations(fixture)).singleElement().asString()
                .startsWith("dev.josef.kafka.cli does not export dev.josef.kafka.cli to dev.josef.kafka.net");
    }

    static List<String> graphViolations(JavaClasses classes) {
        List<String> violations = new ArrayList<>();
        forEachCrossModuleDependency(classes, (from, to, d) -> {
            if (!JosefModules.ALLOWED.get(from).contains(to)) {
                violations.add(from + " must not depend on " + to + ": " + d.getDescription());
            }
        });
        return violations;
    }

    static List<String> exportViolations(JavaClasses classes) {
        List<String> violations = new ArrayList<>();
        forEachCrossModuleDependency(classes, (from, to, d) -> {
            ModuleDescriptor target = descriptors.get(to);
            if (target == null) {
                return; // checked by the graph rule
            }
            String pkg = d.getTargetClass().getPackageName();
            boolean exported = target.exports().stream().anyMatch(e -> e.source().equals(pkg)
                    && (!e.isQualified() || e.targets().contains(from)));
            if (!exported) {
                violations.add(to + " does not export " + pkg + " to " + from + ": " + d.getDescription());
            }
        });
        return violations;
    }

    @Test
    void internalPackagesAreNeverExportedToEveryone() {
        for (ModuleDescriptor d : descriptors.values()) {
            for (ModuleDescriptor.Exports e : d.exports()) {
                boolean internal = e.source().contains(".internal") || e.source().endsWith(".message");
                if (internal) {
                    assertThat(e.isQualified()).as(d.name() + " exports " + e.source() + " to everyone").isTrue();
                    for (String target : e.targets()) {
                        assertThat(JosefModules.ALLOWED).as(e.source() + " exported to non-Josef " + target).containsKey(target);
                    }
                }
            }
        }
    }

    private interface CrossModule {
        void accept(String from, String to, Dependency dependency);
    }

    private static void forEachCrossModuleDependency(JavaClasses classes, CrossModule consumer) {
        classes.forEach(c -> {
            Optional<String> from = JosefModules.moduleOf(c.getPackageName());
            if (from.isEmpty()) {
                return;
            }
            for (Dependency d : c.getDirectDependenciesFromSelf()) {
                Optional<String> to = JosefModules.moduleOf(d.getTargetClass().getPackageName());
                if (to.isPresent() && !to.get().equals(from.get())) {
                    consumer.accept(from.get(), to.get(), d);
                }
            }
        });
    }
}
