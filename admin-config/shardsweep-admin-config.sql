-- ShardSweep: the executor group and the two jobs, for the XXL-JOB 3.3.2 admin database.
--
-- Load it into the admin's own schema (the one holding xxl_job_group and xxl_job_info):
--
--   mysql -h <host> -u <user> -p xxl_job < admin-config/shardsweep-admin-config.sql
--
-- The script is idempotent and insert-only.
--   * The group is keyed by app_name, each job by (job_group, executor_handler). No id is fixed,
--     so the script fits an admin whose tables already hold other groups and jobs.
--   * A row that already exists is never updated. What an operator changed later in the console
--     (cron, timeout, alarm e-mail, stopped or started) survives a second run. To reset a job to
--     these values, delete it in the console and run the script again.
--   * Running it twice adds nothing.
-- See admin-config/README.md for why each value is what it is.

-- Two copies of this script running at the same moment could both see "no such row" and both
-- insert (the admin has no unique key on app_name). A named lock serialises them. It is
-- released at the end, or when the session ends.
DO GET_LOCK('shardsweep_admin_config', 30);

START TRANSACTION;

-- ---------------------------------------------------------------------------------------------
-- Executor group
--   app_name      must equal the executor's xxl.job.executor.appname (default shardsweep-executor)
--   title         the column is varchar(12) and the admin does not check the length (a strict
--                 sql_mode would reject a longer value): 'ShardSweep' is 10 characters
--   address_type  0 = automatic registration: every ShardSweep instance registers itself every
--                 30 s and the admin rebuilds address_list from the live registrations, so
--                 scaling out needs no admin change and a broadcast reaches every live instance
--   address_list  NULL: the admin fills it in
-- ---------------------------------------------------------------------------------------------
INSERT INTO xxl_job_group (app_name, title, address_type, address_list, update_time)
SELECT 'shardsweep-executor', 'ShardSweep', 0, NULL, NOW()
FROM DUAL
WHERE NOT EXISTS (SELECT 1 FROM xxl_job_group WHERE app_name = 'shardsweep-executor');

-- ---------------------------------------------------------------------------------------------
-- Cleanup job: handler fileCleanupJob
--   route SHARDING_BROADCAST  every registered instance gets the trigger with its own shard
--                 (index i of n) and deletes the rows with MOD(id, n) = i. FIRST or ROUND would
--                 send the whole backlog to one instance per run and leave the others idle.
--   block DISCARD_LATER  a trigger that reaches an instance whose previous run of this job is
--                 still going is refused, not queued (SERIAL_EXECUTION) and not allowed to stop
--                 the running one (COVER_EARLY). The optimistic claim would make an overlapping
--                 run safe, but it would only compete with the run already draining the shard.
--                 The refusal is logged as a failed trigger, so fail-retry and the alarm see it:
--                 a run that keeps overlapping is visible, not silent.
--   misfire DO_NOTHING  a trigger missed while the admin was down is skipped: the next minute's
--                 run takes the whole backlog anyway, so a catch-up burst would add nothing.
--   cron '0 * * * * ?'  every minute, at second 0. Rows become due at arbitrary times (grace
--                 periods, retry backoff), and a short period keeps the delay after due time small,
--                 and a run with nothing due costs one index range scan per instance.
--   executor_timeout 120 s  above shardsweep.run-timeout (50s) + shardsweep.in-flight-grace (30s)
--                 = 330 s, so a run normally ends on its own time budget and returns its unstarted
--                 rows itself. The executor timeout (which only interrupts the run) is the backstop
--                 for a run that hangs. Raise it with run-timeout or a timeoutSeconds parameter.
--   executor_fail_retry_count 1  a failed shard (instance restarting, database blip, a refused
--                 overlapping trigger) is sent once more right away instead of waiting for the
--                 next minute. More retries would only pile up failures of a real outage: rows
--                 are never lost, a later run takes them.
--   executor_param ''  the handler's defaults (application settings). See the README's
--                 "Job parameters" for the JSON fields.
--   glue_type BEAN  the code is the @XxlJob handler in the executor, no GLUE source is stored.
--   trigger_status 1  the job is scheduled as soon as the script is loaded: a stopped cleanup
--                 job is a silent backlog that someone must remember to start. Until an executor
--                 registers, its triggers fail with "no executor address", which is the signal
--                 that should be visible.
--   trigger_next_time 0  the admin's scheduler selects running jobs whose next time is due, and 0 is
--                 long past, so it is handled as a misfire on the first scan (within 5 s):
--                 DO_NOTHING fires nothing and the admin computes the next time from the cron.
--                 The job therefore first runs at the next full minute, never immediately and
--                 never not at all. (With FIRE_ONCE_NOW it would fire once at load time.)
-- ---------------------------------------------------------------------------------------------
INSERT INTO xxl_job_info (
    job_group, job_desc, add_time, update_time, author, alarm_email,
    schedule_type, schedule_conf, misfire_strategy,
    executor_route_strategy, executor_handler, executor_param, executor_block_strategy,
    executor_timeout, executor_fail_retry_count,
    glue_type, glue_source, glue_remark, glue_updatetime,
    child_jobid, trigger_status, trigger_last_time, trigger_next_time)
SELECT g.id, 'ShardSweep cleanup: each instance deletes the due files of its shard', NOW(), NOW(), 'shardsweep', '',
       'CRON', '0 * * * * ?', 'DO_NOTHING',
       'SHARDING_BROADCAST', 'fileCleanupJob', '', 'DISCARD_LATER',
       120, 1,
       'BEAN', '', 'BEAN handler in the ShardSweep executor', NOW(),
       '', 1, 0, 0
FROM xxl_job_group g
-- the oldest group of that name, should someone have created it twice by hand
WHERE g.id = (SELECT MIN(id) FROM xxl_job_group WHERE app_name = 'shardsweep-executor')
  AND NOT EXISTS (SELECT 1 FROM xxl_job_info j
                  WHERE j.job_group = g.id AND j.executor_handler = 'fileCleanupJob');

-- ---------------------------------------------------------------------------------------------
-- Compensation job: handler staleTaskCompensationJob
--   route FIRST  one instance per run is enough: the work is a few guarded UPDATEs of rows whose
--                 lease ran out, and any instance can do them. A broadcast would make every
--                 instance repeat the same statements (harmless, they are guarded, but useless).
--                 FIRST takes the first address of the sorted list. If that instance has just
--                 died, the trigger fails, the admin drops the address within 90 to 120 s, and a
--                 later run reaches a live instance. Stale rows wait a little longer, nothing more.
--   block DISCARD_LATER  a slow compensation run is not stacked behind itself.
--   misfire DO_NOTHING  a missed run is covered by the next one: stale rows wait, nothing is lost.
--   cron '0 */5 * * * ?'  every 5 minutes. A row becomes stale only after its lease
--                 (shardsweep.stale-threshold, 5m) has run out, so a shorter period gains little.
--   executor_timeout 120 s  a run is paged (compensation-page-size) and normally takes well under
--                 a second, and 120 s is a backstop for a database that hangs.
--   executor_fail_retry_count 1  as above.
--   executor_param ''  the handler takes no parameter.
-- ---------------------------------------------------------------------------------------------
INSERT INTO xxl_job_info (
    job_group, job_desc, add_time, update_time, author, alarm_email,
    schedule_type, schedule_conf, misfire_strategy,
    executor_route_strategy, executor_handler, executor_param, executor_block_strategy,
    executor_timeout, executor_fail_retry_count,
    glue_type, glue_source, glue_remark, glue_updatetime,
    child_jobid, trigger_status, trigger_last_time, trigger_next_time)
SELECT g.id, 'ShardSweep compensation: return rows of dead executors to PENDING', NOW(), NOW(), 'shardsweep', '',
       'CRON', '0 */5 * * * ?', 'DO_NOTHING',
       'FIRST', 'staleTaskCompensationJob', '', 'DISCARD_LATER',
       120, 1,
       'BEAN', '', 'BEAN handler in the ShardSweep executor', NOW(),
       '', 1, 0, 0
FROM xxl_job_group g
WHERE g.id = (SELECT MIN(id) FROM xxl_job_group WHERE app_name = 'shardsweep-executor')
  AND NOT EXISTS (SELECT 1 FROM xxl_job_info j
                  WHERE j.job_group = g.id AND j.executor_handler = 'staleTaskCompensationJob');

COMMIT;

DO RELEASE_LOCK('shardsweep_admin_config');
