-- Finished tasks, moved here from file_deletion_task with the same id, in batches guarded by
-- the claim token. The primary key makes a second move of the same row impossible.
--
-- outcome:
--   DELETED         the executor removed the file
--   ALREADY_ABSENT  the file was already gone (deletion is idempotent)
CREATE TABLE file_deletion_task_history (
    id            BIGINT UNSIGNED NOT NULL,
    file_path     VARCHAR(1024)   NOT NULL,
    business_key  VARCHAR(191)    NULL,
    outcome       VARCHAR(16)     NOT NULL,
    attempts      INT             NOT NULL COMMENT 'failed attempts before the one that finished it',
    created_at    TIMESTAMP(3)    NOT NULL COMMENT 'when the task was enqueued',
    finished_at   TIMESTAMP(3)    NOT NULL,
    finished_by   VARCHAR(128)    NOT NULL COMMENT 'claim owner (executor instance) that finished it',
    PRIMARY KEY (id),
    KEY idx_history_business_key (business_key),
    KEY idx_history_finished_at (finished_at),
    CONSTRAINT ck_history_outcome CHECK (outcome IN ('DELETED', 'ALREADY_ABSENT'))
) ENGINE = InnoDB DEFAULT CHARSET = utf8mb4 COLLATE = utf8mb4_bin;
