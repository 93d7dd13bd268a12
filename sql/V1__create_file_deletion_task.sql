-- ShardSweep pending work. A producer enqueues with nothing more than
--   INSERT INTO file_deletion_task (file_path) VALUES ('videos/2026/11/abc.mp4');
-- and the defaults do the rest. Times are TIMESTAMP so that every session time zone
-- stores the same instant (a producer in +08:00 and the executor in UTC agree).
--
-- status:
--   PENDING      waiting to be claimed once due (not_before NULL or passed); a retry after a
--                failure is PENDING again with attempts > 0, last_error set and not_before = backoff
--   IN_PROGRESS  claimed by claim_owner under claim_token until lease_until (renewed while it works)
--   DEAD         parked for manual action: refused path, or attempts reached the maximum
-- Finished rows leave this table for file_deletion_task_history.
CREATE TABLE file_deletion_task (
    id            BIGINT UNSIGNED NOT NULL AUTO_INCREMENT,
    file_path     VARCHAR(1024)   NOT NULL COMMENT 'relative to the executor storage root',
    business_key  VARCHAR(191)    NULL COMMENT 'optional producer key; enqueueing the same key twice is a no-op',
    status        VARCHAR(16)     NOT NULL DEFAULT 'PENDING',
    attempts      INT             NOT NULL DEFAULT 0 COMMENT 'failed or crashed attempts so far',
    not_before    TIMESTAMP(3)    NULL COMMENT 'not claimed before this instant (grace period, retry backoff)',
    claim_owner   VARCHAR(128)    NULL,
    claim_token   CHAR(36)        NULL COMMENT 'fresh per claimed batch; every later write is guarded by it',
    claimed_at    TIMESTAMP(3)    NULL,
    lease_until   TIMESTAMP(3)    NULL COMMENT 'renewed while the owner is alive; past it the row is stale',
    last_error    VARCHAR(1024)   NULL,
    created_at    TIMESTAMP(3)    NOT NULL DEFAULT CURRENT_TIMESTAMP(3),
    updated_at    TIMESTAMP(3)    NOT NULL DEFAULT CURRENT_TIMESTAMP(3) ON UPDATE CURRENT_TIMESTAMP(3),
    PRIMARY KEY (id),
    UNIQUE KEY uk_task_business_key (business_key),
    -- claim: status = 'PENDING' AND (not_before IS NULL OR not_before <= ?) is one index range
    KEY idx_task_claim (status, not_before),
    -- compensation: status = 'IN_PROGRESS' AND lease_until < ?
    KEY idx_task_lease (status, lease_until),
    -- the claimed batch is read back and finished by its token
    KEY idx_task_claim_token (claim_token),
    CONSTRAINT ck_task_status CHECK (status IN ('PENDING', 'IN_PROGRESS', 'DEAD')),
    CONSTRAINT ck_task_attempts CHECK (attempts >= 0)
) ENGINE = InnoDB DEFAULT CHARSET = utf8mb4 COLLATE = utf8mb4_bin;
