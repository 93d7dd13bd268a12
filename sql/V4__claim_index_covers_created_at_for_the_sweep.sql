-- The sweep: a run that drained its own shard claims rows of other shards that have been due for
-- longer than shardsweep.sweep-after (their instance is dead, frozen, or its trigger was refused).
-- A row has been due since the later of created_at and not_before, so the sweep reads two ranges
--   status = 'PENDING' AND not_before IS NULL AND created_at <= cutoff
--   status = 'PENDING' AND not_before <= cutoff AND created_at <= cutoff
-- (ClaimMapper.xml, findOverdue). With created_at in the claim index both are ranges of one index,
-- read index-only: (PENDING, NULL, up to cutoff) is exact, and (PENDING, up to cutoff) checks
-- created_at inside the index entry. On (status, not_before) alone the first was every PENDING row
-- without not_before, fresh ones included, each looked up in the table for its created_at: a drained
-- run's last, empty sweep read would have read the whole fresh backlog. The claim's own read
-- (status = 'PENDING' AND (not_before IS NULL OR not_before <= now)) is the same range as before.
-- One statement, so that the table is never without its claim index.
ALTER TABLE file_deletion_task
    DROP INDEX idx_task_claim,
    ADD INDEX idx_task_claim (status, not_before, created_at);
