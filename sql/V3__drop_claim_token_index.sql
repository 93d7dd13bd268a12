-- Nothing looks rows up by claim_token alone any more: a claim knows its rows from the locking
-- SELECT that took them, and every later write (lease renewal, finish, failure, release) goes by
-- primary key with the token as a guard. The index only cost an entry to write on every claim and
-- to remove on every finish.
ALTER TABLE file_deletion_task DROP INDEX idx_task_claim_token;
