package io.shardsweep.architecture;

import static com.tngtech.archunit.library.dependencies.SlicesRuleDefinition.slices;

import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.core.importer.ImportOption;
import org.junit.jupiter.api.Test;

class PackageDependenciesTest {

    private static final JavaClasses PRODUCTION = new ClassFileImporter()
            .withImportOption(ImportOption.Predefined.DO_NOT_INCLUDE_TESTS)
            .importPackages("io.shardsweep");

    @Test
    void the_production_packages_depend_on_each_other_one_way_only() {
        slices().matching("io.shardsweep.(**)").should().beFreeOfCycles().check(PRODUCTION);
    }
}
