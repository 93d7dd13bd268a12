package io.shardsweep.adminconfig;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatCode;

import io.shardsweep.config.ShardSweepProperties;
import io.shardsweep.testsupport.TestDatabase;
import io.shardsweep.xxljob.XxlJobProperties;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import javax.sql.DataSource;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.springframework.boot.context.properties.bind.Binder;
import org.springframework.boot.context.properties.source.ConfigurationPropertySources;
import org.springframework.boot.env.YamlPropertySourceLoader;
import org.springframework.core.io.ClassPathResource;
import org.springframework.core.io.FileSystemResource;
import org.springframework.core.io.Resource;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.jdbc.datasource.init.ResourceDatabasePopulator;
import org.springframework.scheduling.support.CronExpression;

/**
 * {@code admin-config/shardsweep-admin-config.sql} on a real MySQL-compatible database whose
 * {@code xxl_job_group} and {@code xxl_job_info} have the XXL-JOB 3.3.2 layout (our own rendering,
 * {@code adminconfig/xxl_job_3_3_2_layout.sql}), next to rows like the samples that the official
 * admin schema ships.
 */
class AdminConfigScriptTest {

    private static final String APP_NAME = "shardsweep-executor";
    private static final Path SCRIPT = findInRepo(Path.of("admin-config", "shardsweep-admin-config.sql"));

    /** The columns that the console shows and the scheduler reads, in one row per job. */
    private static final String JOB_COLUMNS = "id, job_group, job_desc, author, alarm_email, schedule_type, schedule_conf, "
            + "misfire_strategy, executor_route_strategy, executor_handler, executor_param, executor_block_strategy, "
            + "executor_timeout, executor_fail_retry_count, glue_type, glue_source, glue_remark, child_jobid, "
            + "trigger_status, trigger_last_time, trigger_next_time, "
            + "add_time IS NOT NULL AS has_add_time, update_time IS NOT NULL AS has_update_time, "
            + "glue_updatetime IS NOT NULL AS has_glue_updatetime";

    private DataSource dataSource;
    private JdbcTemplate jdbc;

    @BeforeEach
    void adminSchemaWithTheUpstreamSamples() {
        dataSource = TestDatabase.get().freshSchema("xxl_job_layout");
        jdbc = new JdbcTemplate(dataSource);
        run(new ClassPathResource("adminconfig/xxl_job_3_3_2_layout.sql"));
        // Like the sample data of the official schema: fixed ids, one automatic and one manual group.
        jdbc.update("INSERT INTO xxl_job_group (id, app_name, title, address_type, address_list, update_time) VALUES "
                + "(1, 'xxl-job-executor-sample', 'Sample', 0, NULL, '2026-01-04 15:53:27'), "
                + "(2, 'billing-executor', 'Billing', 1, 'http://10.0.0.7:9999/,http://10.0.0.8:9999/', '2026-01-05 08:00:00')");
        jdbc.update("INSERT INTO xxl_job_info (id, job_group, job_desc, add_time, update_time, author, alarm_email, "
                + "schedule_type, schedule_conf, misfire_strategy, executor_route_strategy, executor_handler, executor_param, "
                + "executor_block_strategy, executor_timeout, executor_fail_retry_count, glue_type, glue_source, glue_remark, "
                + "glue_updatetime, child_jobid, trigger_status, trigger_last_time, trigger_next_time) VALUES "
                + "(1, 1, 'sample job 01', '2026-01-04 15:53:27', '2026-01-04 15:53:27', 'XXL', '', 'CRON', '0 0 0 * * ? *', "
                + "'DO_NOTHING', 'FIRST', 'demoJobHandler', '', 'SERIAL_EXECUTION', 0, 0, 'BEAN', '', 'init', "
                + "'2026-01-04 15:53:27', '', 0, 0, 0), "
                // a job of another team that uses our handler name in its own group: not ours, must stay alone
                + "(2, 2, 'billing cleanup', '2026-01-05 08:00:00', '2026-01-05 08:00:00', 'ops', 'ops@example.org', 'CRON', "
                + "'0 0 3 * * ?', 'FIRE_ONCE_NOW', 'ROUND', 'fileCleanupJob', '{\"x\":1}', 'SERIAL_EXECUTION', 60, 3, 'BEAN', '', "
                + "'init', '2026-01-05 08:00:00', '', 1, 1767571200000, 1767657600000)");
    }

    @Test
    void creates_one_auto_registered_executor_group_named_after_the_executor_appname() {
        applyScript();

        List<Map<String, Object>> groups = jdbc.queryForList(
                "SELECT app_name, title, address_type, address_list, update_time FROM xxl_job_group WHERE app_name = ?", APP_NAME);
        assertThat(groups).hasSize(1);
        Map<String, Object> group = groups.get(0);
        assertThat(((Number) group.get("address_type")).intValue()).as("0 = automatic registration").isZero();
        assertThat(group.get("address_list")).as("the admin fills it from registrations").isNull();
        assertThat(group.get("update_time")).isNotNull();
        assertThat((String) group.get("title")).isNotBlank().hasSizeLessThanOrEqualTo(12);
    }

    @Test
    void the_group_is_the_appname_the_executor_registers_with_by_default() throws IOException {
        XxlJobProperties xxlJob = applicationYamlBinder().bind("xxl.job", XxlJobProperties.class).get();

        assertThat(xxlJob.executor().appname()).isEqualTo(APP_NAME);
    }

    @Test
    void creates_the_cleanup_job_as_a_sharding_broadcast_in_the_shardsweep_group() {
        applyScript();

        Map<String, Object> job = job("fileCleanupJob");
        assertThat(job).containsEntry("job_group", groupId())
                .containsEntry("executor_route_strategy", "SHARDING_BROADCAST")
                .containsEntry("executor_block_strategy", "DISCARD_LATER")
                .containsEntry("misfire_strategy", "DO_NOTHING")
                .containsEntry("schedule_type", "CRON")
                .containsEntry("schedule_conf", "0 * * * * ?")
                .containsEntry("glue_type", "BEAN")
                .containsEntry("glue_source", "")
                .containsEntry("executor_param", "")
                .containsEntry("child_jobid", "");
        assertThat(number(job, "executor_timeout")).isEqualTo(120);
        assertThat(number(job, "executor_fail_retry_count")).isEqualTo(1);
        assertThat(number(job, "trigger_status")).as("running").isEqualTo(1);
        assertThat(number(job, "trigger_last_time")).isZero();
        assertThat(number(job, "trigger_next_time")).as("the admin's first scan treats 0 as a misfire and computes it").isZero();
        assertThat((String) job.get("job_desc")).isNotBlank();
        assertThat((String) job.get("author")).isNotBlank();
        assertThat((String) job.get("glue_remark")).isNotBlank();
        assertThat(List.of(number(job, "has_add_time"), number(job, "has_update_time"), number(job, "has_glue_updatetime")))
                .as("add_time, update_time and glue_updatetime are set").containsOnly(1L);
    }

    @Test
    void creates_the_compensation_job_for_one_instance_per_run_in_the_shardsweep_group() {
        applyScript();

        Map<String, Object> job = job("staleTaskCompensationJob");
        assertThat(job).containsEntry("job_group", groupId())
                .containsEntry("executor_route_strategy", "FIRST")
                .containsEntry("executor_block_strategy", "DISCARD_LATER")
                .containsEntry("misfire_strategy", "DO_NOTHING")
                .containsEntry("schedule_type", "CRON")
                .containsEntry("schedule_conf", "0 */5 * * * ?")
                .containsEntry("glue_type", "BEAN")
                .containsEntry("glue_source", "")
                .containsEntry("executor_param", "")
                .containsEntry("child_jobid", "");
        assertThat(number(job, "executor_timeout")).isEqualTo(120);
        assertThat(number(job, "executor_fail_retry_count")).isEqualTo(1);
        assertThat(number(job, "trigger_status")).isEqualTo(1);
        assertThat(number(job, "trigger_next_time")).isZero();
    }

    @Test
    void both_schedules_are_valid_six_field_cron_expressions() {
        applyScript();

        for (String handler : List.of("fileCleanupJob", "staleTaskCompensationJob")) {
            String cron = (String) job(handler).get("schedule_conf");
            assertThat(cron.split(" ")).as(handler).hasSize(6);
            assertThatCode(() -> CronExpression.parse(cron)).as(handler).doesNotThrowAnyException();
        }
    }

    @Test
    void the_cleanup_job_timeout_leaves_room_for_the_run_budget_and_the_in_flight_grace() throws IOException {
        applyScript();
        ShardSweepProperties defaults = applicationYamlBinder().bind("shardsweep", ShardSweepProperties.class).get();

        Duration executorTimeout = Duration.ofSeconds(number(job("fileCleanupJob"), "executor_timeout"));

        assertThat(executorTimeout)
                .as("a run should end on its own budget (run-timeout %s + in-flight-grace %s), not be interrupted",
                        defaults.runTimeout(), defaults.inFlightGrace())
                .isGreaterThan(defaults.runTimeout().plus(defaults.inFlightGrace()));
    }

    @Test
    void applying_the_script_a_second_time_changes_nothing() {
        applyScript();
        List<Map<String, Object>> groups = allGroups();
        List<Map<String, Object>> jobs = allJobs();
        assertThat(groups).hasSize(3);
        assertThat(jobs).hasSize(4);

        applyScript();

        assertThat(allGroups()).isEqualTo(groups);
        assertThat(allJobs()).isEqualTo(jobs);
        assertThat(count("SELECT COUNT(*) FROM xxl_job_group WHERE app_name = ?", APP_NAME)).isEqualTo(1);
        assertThat(count("SELECT COUNT(*) FROM xxl_job_info WHERE job_group = ? AND executor_handler = 'fileCleanupJob'", groupId()))
                .isEqualTo(1);
        assertThat(count("SELECT COUNT(*) FROM xxl_job_info WHERE job_group = ? AND executor_handler = 'staleTaskCompensationJob'",
                groupId())).isEqualTo(1);
    }

    @Test
    void pre_existing_groups_and_jobs_are_left_untouched() {
        List<Map<String, Object>> groupsBefore = allGroups();
        List<Map<String, Object>> jobsBefore = allJobs();

        applyScript();
        applyScript();

        assertThat(ids(allGroups())).containsExactly(1, 2, groupId());
        assertThat(allGroups().subList(0, 2)).isEqualTo(groupsBefore);
        assertThat(allJobs().subList(0, 2)).as("including another group's job with our handler name").isEqualTo(jobsBefore);
        assertThat(groupId()).as("no fixed id: it takes the next one").isGreaterThan(2);
    }

    @Test
    void what_an_operator_changed_in_the_console_survives_a_second_run() {
        applyScript();
        jdbc.update("UPDATE xxl_job_info SET schedule_conf = '0 */2 * * * ?', executor_timeout = 900, trigger_status = 0, "
                + "alarm_email = 'oncall@example.org' WHERE job_group = ? AND executor_handler = 'fileCleanupJob'", groupId());
        jdbc.update("UPDATE xxl_job_group SET title = 'Sweep' WHERE app_name = ?", APP_NAME);
        List<Map<String, Object>> groups = allGroups();
        List<Map<String, Object>> jobs = allJobs();

        applyScript();

        assertThat(allGroups()).isEqualTo(groups);
        assertThat(allJobs()).isEqualTo(jobs);
        assertThat(job("fileCleanupJob")).containsEntry("schedule_conf", "0 */2 * * * ?").containsEntry("alarm_email", "oncall@example.org");
    }

    @Test
    void a_job_deleted_in_the_console_is_created_again_and_nothing_else() {
        applyScript();
        Object cleanupId = job("fileCleanupJob").get("id");
        jdbc.update("DELETE FROM xxl_job_info WHERE job_group = ? AND executor_handler = 'staleTaskCompensationJob'", groupId());

        applyScript();

        assertThat(job("fileCleanupJob").get("id")).isEqualTo(cleanupId);
        assertThat(job("staleTaskCompensationJob")).containsEntry("job_group", groupId()).containsEntry("executor_route_strategy", "FIRST");
        assertThat(allGroups()).hasSize(3);
        assertThat(allJobs()).hasSize(4);
    }

    // ---------------------------------------------------------------- helpers

    private void applyScript() {
        run(new FileSystemResource(SCRIPT));
    }

    private void run(Resource script) {
        ResourceDatabasePopulator populator = new ResourceDatabasePopulator(script);
        populator.setSqlScriptEncoding("UTF-8");
        populator.setContinueOnError(false);
        populator.execute(dataSource);
    }

    private int groupId() {
        return jdbc.queryForObject("SELECT id FROM xxl_job_group WHERE app_name = ?", Integer.class, APP_NAME);
    }

    /** The job with that handler in the ShardSweep group; fails unless there is exactly one. */
    private Map<String, Object> job(String handler) {
        List<Map<String, Object>> jobs = jdbc.queryForList(
                "SELECT " + JOB_COLUMNS + " FROM xxl_job_info WHERE job_group = ? AND executor_handler = ?", groupId(), handler);
        assertThat(jobs).as("jobs with handler %s in group %s", handler, APP_NAME).hasSize(1);
        return jobs.get(0);
    }

    private List<Map<String, Object>> allGroups() {
        return jdbc.queryForList("SELECT * FROM xxl_job_group ORDER BY id");
    }

    private List<Map<String, Object>> allJobs() {
        return jdbc.queryForList("SELECT * FROM xxl_job_info ORDER BY id");
    }

    private static List<Integer> ids(List<Map<String, Object>> rows) {
        return rows.stream().map(r -> ((Number) r.get("id")).intValue()).toList();
    }

    private int count(String sql, Object... args) {
        return jdbc.queryForObject(sql, Integer.class, args);
    }

    private static long number(Map<String, Object> row, String column) {
        return ((Number) row.get(column)).longValue();
    }

    /** The executor's own application.yml, bound the way the app binds it (defaults included). */
    private static Binder applicationYamlBinder() throws IOException {
        var sources = new YamlPropertySourceLoader().load("application.yml", new ClassPathResource("application.yml"));
        return new Binder(ConfigurationPropertySources.from(sources));
    }

    /** The file at that path below the repository root, found from the working directory upwards. */
    private static Path findInRepo(Path relative) {
        for (Path dir = Path.of("").toAbsolutePath(); dir != null; dir = dir.getParent()) {
            Path candidate = dir.resolve(relative);
            if (Files.isRegularFile(candidate)) {
                return candidate;
            }
        }
        throw new IllegalStateException(relative + " not found in " + Path.of("").toAbsolutePath() + " or above");
    }
}
