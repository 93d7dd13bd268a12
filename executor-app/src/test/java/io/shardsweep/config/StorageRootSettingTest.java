package io.shardsweep.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class StorageRootSettingTest {

    @TempDir
    Path tmp;

    private static ShardSweepProperties withRoot(String storageRoot) {
        return new ShardSweepProperties(storageRoot, null, 2, 200, 5000, Duration.ofMinutes(5), Duration.ofHours(6),
                Duration.ofSeconds(30), 3, Duration.ofMinutes(1), Duration.ofMinutes(5), 500, 1000, Duration.ofSeconds(10),
                Duration.ofSeconds(30), Duration.ofMinutes(2), true, 2, 16);
    }

    @Test
    void a_storage_root_of_slash_is_refused_with_the_property_name_and_what_to_set_instead() {
        assertThatThrownBy(() -> withRoot("/"))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageStartingWith("shardsweep.storage-root '/' is refused: it resolves to /, which is the file system root")
                .hasMessageContaining("point shardsweep.storage-root (or SHARDSWEEP_STORAGE_ROOT) at a directory that holds only the files the rows name");
    }

    @ParameterizedTest
    @ValueSource(strings = {"/etc", "/usr", "/usr/lib/app", "/proc/self", "/sys", "/dev", "/boot", "/bin", "/sbin",
            "/lib", "/lib64", "/var", "/tmp", "/var/tmp", "/home", "/root", "/run", "//", "/etc/../", "/./usr"})
    void a_system_directory_is_refused_as_a_storage_root(String root) {
        assertThatThrownBy(() -> withRoot(root))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("shardsweep.storage-root '" + root + "' is refused")
                .hasMessageMatching(".*, which is (a system directory|the file system root).*");
    }

    @Test
    void the_home_directory_of_the_user_is_refused() {
        assertThatThrownBy(() -> withRoot(System.getProperty("user.home")))
                .hasMessageContaining("is refused")
                .hasMessageContaining(System.getProperty("user.home").equals("/root") ? "system directory" : "home directory");
    }

    @Test
    void the_jvm_temporary_directory_itself_is_refused_but_a_directory_below_it_is_not() throws IOException {
        assertThatThrownBy(() -> withRoot(System.getProperty("java.io.tmpdir")))
                .hasMessageContaining("is refused");

        assertThat(withRoot(tmp.toString()).storageRootPath()).isEqualTo(tmp);
    }

    @Test
    void a_symlink_to_slash_is_refused_by_its_real_path() throws IOException {
        Path link = Files.createSymbolicLink(tmp.resolve("looks-harmless"), Path.of("/"));

        assertThatThrownBy(() -> withRoot(link.toString()))
                .hasMessageContaining("shardsweep.storage-root '" + link + "' is refused: it resolves to /, its real path");
    }

    @Test
    void a_relative_storage_root_is_resolved_against_the_working_directory() {
        Path cwd = Path.of("").toAbsolutePath();

        assertThat(withRoot("data/storage").storageRootPath()).isEqualTo(cwd.resolve("data/storage"));
        assertThat(withRoot(".").storageRootPath()).isEqualTo(cwd);
        assertThat(withRoot("./data/../data/storage").storageRoot()).isEqualTo(cwd.resolve("data/storage").toString());
    }

    @ParameterizedTest
    @ValueSource(strings = {"/srv/shardsweep/storage", "/data/storage", "/var/lib/shardsweep/storage", "/mnt/nfs/videos",
            "/srv", "/home/app/storage"})
    void a_dedicated_directory_is_accepted_as_written(String root) {
        assertThat(withRoot(root).storageRoot()).isEqualTo(root);
    }

    @ParameterizedTest
    @ValueSource(strings = {"", "   "})
    void a_blank_storage_root_is_refused_with_the_property_name(String root) {
        assertThatThrownBy(() -> withRoot(root))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageStartingWith("shardsweep.storage-root must be set");
    }

    @Test
    void a_storage_root_with_a_nul_is_refused_as_an_invalid_path() {
        assertThatThrownBy(() -> withRoot("/srv/a\u0000b"))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("shardsweep.storage-root")
                .hasMessageContaining("not a valid path");
    }
}
