-- TEST FIXTURE, NOT THE UPSTREAM FILE.
--
-- Our own rendering, for AdminConfigScriptTest, of the two XXL-JOB 3.3.2 admin tables that
-- admin-config/shardsweep-admin-config.sql writes to. It was written from the documented 3.3.2
-- layout of the admin database (schema xxl_job), keeping what the script's behaviour depends on:
-- every column name and order, type, NULL / NOT NULL and default. Left out: integer display
-- widths (int(11), bigint(13): they change nothing, and MySQL 8 ignores them), column comments,
-- sample data, and the other admin tables (registry, log, lock, user, ...), which the script does
-- not touch.
--
-- A real admin database is created by the official doc/db/tables_xxl_job.sql of the 3.3.2
-- release. docker/compose.yaml fetches that file at container start instead of keeping a copy.

-- Executor groups. address_type: 0 = automatic registration, 1 = addresses entered by hand.
CREATE TABLE xxl_job_group (
    id            INT          NOT NULL AUTO_INCREMENT,
    app_name      VARCHAR(64)  NOT NULL,
    title         VARCHAR(12)  NOT NULL,
    address_type  TINYINT      NOT NULL DEFAULT '0',
    address_list  TEXT         NULL,
    update_time   DATETIME     NULL DEFAULT NULL,
    PRIMARY KEY (id)
) ENGINE = InnoDB DEFAULT CHARSET = utf8mb4;

-- Jobs. trigger_status: 0 = stopped, 1 = running. Times in trigger_*_time are epoch milliseconds.
CREATE TABLE xxl_job_info (
    id                         INT           NOT NULL AUTO_INCREMENT,
    job_group                  INT           NOT NULL,
    job_desc                   VARCHAR(255)  NOT NULL,
    add_time                   DATETIME      NULL DEFAULT NULL,
    update_time                DATETIME      NULL DEFAULT NULL,
    author                     VARCHAR(64)   NULL DEFAULT NULL,
    alarm_email                VARCHAR(255)  NULL DEFAULT NULL,
    schedule_type              VARCHAR(50)   NOT NULL DEFAULT 'NONE',
    schedule_conf              VARCHAR(128)  NULL DEFAULT NULL,
    misfire_strategy           VARCHAR(50)   NOT NULL DEFAULT 'DO_NOTHING',
    executor_route_strategy    VARCHAR(50)   NULL DEFAULT NULL,
    executor_handler           VARCHAR(255)  NULL DEFAULT NULL,
    executor_param             VARCHAR(512)  NULL DEFAULT NULL,
    executor_block_strategy    VARCHAR(50)   NULL DEFAULT NULL,
    executor_timeout           INT           NOT NULL DEFAULT '0',
    executor_fail_retry_count  INT           NOT NULL DEFAULT '0',
    glue_type                  VARCHAR(50)   NOT NULL,
    glue_source                MEDIUMTEXT    NULL,
    glue_remark                VARCHAR(128)  NULL DEFAULT NULL,
    glue_updatetime            DATETIME      NULL DEFAULT NULL,
    child_jobid                VARCHAR(255)  NULL DEFAULT NULL,
    trigger_status             TINYINT       NOT NULL DEFAULT '0',
    trigger_last_time          BIGINT        NOT NULL DEFAULT '0',
    trigger_next_time          BIGINT        NOT NULL DEFAULT '0',
    PRIMARY KEY (id)
) ENGINE = InnoDB DEFAULT CHARSET = utf8mb4;
