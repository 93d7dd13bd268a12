#!/usr/bin/env python3
"""Database time of ShardSweep's claim and finish statements against the bulk floor, on one connection.

Prices the statements alone, without an executor: how much of the database's work per row the claim's
per-row stamp costs, and what a claim by one id-range record per batch (the design issue 12 names)
would save. Each variant claims and finishes 100,000 rows in batches of 1,000 through the mysql
command-line client, one shard, on a fresh schema from sql/ (database shardsweep_claim_bench, dropped
and created). Variants:
  row stamp        the claim as built: candidate read, FOR UPDATE SKIP LOCKED by primary key, UPDATE
                   of status, owner, token, lease; finish guarded by token and status (ClaimMapper.xml,
                   FinishMapper.xml)
  range record     candidate read, plain read of the rows by primary key, one INSERT of a range record;
                   finish locks the record, copies and deletes the rows, deletes the record
  floor            INSERT ... SELECT plus DELETE per 1,000 ids, nothing claimed
Prints milliseconds per phase (median of the repeats) and the ratios to the floor.
Usage: python3 executor-app/bench/claim_statements.py [--host 127.0.0.1] [--user root] [--repeat 3]
"""
import argparse, os, statistics, subprocess, time

ROWS, BATCH = 100_000, 1_000
DB = "shardsweep_claim_bench"
SQL_DIR = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "sql")
HEADER = "SET SESSION tx_isolation='READ-COMMITTED';\n"


def ids(b):
    return "(" + ",".join(str(i) for i in range(b * BATCH + 1, (b + 1) * BATCH + 1)) + ")"


def due_read(b):
    return (f"SELECT COUNT(*) FROM (SELECT id FROM file_deletion_task FORCE INDEX (idx_task_claim) "
            f"WHERE status='PENDING' AND (not_before IS NULL OR not_before <= NOW(3)) AND MOD(id,1)=0 "
            f"AND id > {b * BATCH} LIMIT {BATCH}) x;\n")


def copy(b, guard, finished_by):
    return (f"INSERT INTO file_deletion_task_history (id, file_path, business_key, outcome, attempts, "
            f"created_at, finished_at, finished_by) SELECT id, file_path, business_key, 'DELETED', attempts, "
            f"created_at, NOW(3), {finished_by} FROM file_deletion_task FORCE INDEX (PRIMARY) "
            f"WHERE id IN {ids(b)}{guard};\n")


def row_stamp_claim(b):
    return ("START TRANSACTION;\n" + due_read(b) +
            f"SELECT id, CAST(file_path AS BINARY), attempts FROM file_deletion_task FORCE INDEX (PRIMARY) "
            f"WHERE id IN {ids(b)} AND status='PENDING' AND (not_before IS NULL OR not_before <= NOW(3)) "
            f"FOR UPDATE SKIP LOCKED;\n"
            f"UPDATE file_deletion_task FORCE INDEX (PRIMARY) SET status='IN_PROGRESS', claim_owner='host:1', "
            f"claim_token='t{b:035d}', claimed_at=NOW(3), lease_until=NOW(3) + INTERVAL 5 MINUTE "
            f"WHERE id IN {ids(b)} AND status='PENDING';\nCOMMIT;\n")


def row_stamp_finish(b):
    guard = f" AND claim_token='t{b:035d}' AND status='IN_PROGRESS'"
    return ("START TRANSACTION;\n" + copy(b, guard, "claim_owner") +
            f"DELETE t FROM file_deletion_task t FORCE INDEX (PRIMARY) WHERE t.id IN {ids(b)} "
            f"AND t.claim_token='t{b:035d}' AND t.status='IN_PROGRESS';\nCOMMIT;\n")


def range_claim(b):
    return ("START TRANSACTION;\n" + due_read(b) +
            f"SELECT id, CAST(file_path AS BINARY), attempts FROM file_deletion_task FORCE INDEX (PRIMARY) "
            f"WHERE id IN {ids(b)} AND status='PENDING';\n"
            f"INSERT INTO claim_range VALUES ({b}, {b * BATCH + 1}, {(b + 1) * BATCH}, 't{b:035d}', "
            f"NOW(3) + INTERVAL 5 MINUTE);\nCOMMIT;\n")


def range_finish(b):
    return (f"START TRANSACTION;\nSELECT token FROM claim_range WHERE b={b} FOR UPDATE;\n" +
            copy(b, " AND status='PENDING'", "'host:1'") +
            f"DELETE t FROM file_deletion_task t FORCE INDEX (PRIMARY) WHERE t.id IN {ids(b)} "
            f"AND t.status='PENDING';\nDELETE FROM claim_range WHERE b={b};\nCOMMIT;\n")


def floor(b):
    return ("START TRANSACTION;\n" + copy(b, "", "'x'") +
            f"DELETE FROM file_deletion_task WHERE id IN {ids(b)};\nCOMMIT;\n")


VARIANTS = {"row stamp": (row_stamp_claim, row_stamp_finish),
            "range record": (range_claim, range_finish),
            "floor": (None, floor)}


def mysql(args, sql, database=DB):
    cmd = ["mysql", "-h", args.host, "-u", args.user] + ([database] if database else [])
    out = subprocess.run(cmd, input=sql, text=True, capture_output=True)
    if out.returncode != 0:
        raise SystemExit(f"mysql failed: {out.stderr.strip()}")
    return out.stdout


def fresh_schema(args):
    mysql(args, f"DROP DATABASE IF EXISTS {DB}; CREATE DATABASE {DB};", database=None)
    for name in sorted(f for f in os.listdir(SQL_DIR) if f.endswith(".sql")):
        with open(os.path.join(SQL_DIR, name)) as migration:
            mysql(args, migration.read())
    mysql(args, "CREATE TABLE claim_range (b INT PRIMARY KEY, lo BIGINT, hi BIGINT, token CHAR(36), "
                "lease_until TIMESTAMP(3)) ENGINE=InnoDB;"
                "SET SESSION max_recursive_iterations = 200000;"
                "INSERT INTO file_deletion_task (file_path) WITH RECURSIVE s(n) AS (SELECT 1 UNION ALL "
                f"SELECT n + 1 FROM s WHERE n < {ROWS}) SELECT CONCAT('videos/2026/12/', n, '.mp4') FROM s;")
    time.sleep(2)  # let the purge of the inserts settle


def timed(args, statements):
    sql = HEADER + "".join(statements(b) for b in range(ROWS // BATCH))
    start = time.monotonic()
    mysql(args, sql)
    return (time.monotonic() - start) * 1000


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--user", default="root")
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    runs = {name: [] for name in VARIANTS}
    for _ in range(args.repeat):
        for name, (claim, finish) in VARIANTS.items():  # interleaved, so that drift hits every variant
            fresh_schema(args)
            claim_ms = timed(args, claim) if claim else 0.0
            finish_ms = timed(args, finish)
            moved = mysql(args, "SELECT COUNT(*) FROM file_deletion_task_history;").split()[-1]
            left = mysql(args, "SELECT COUNT(*) FROM file_deletion_task;").split()[-1]
            if moved != str(ROWS) or left != "0":
                raise SystemExit(f"{name}: {moved} rows in history, {left} left")
            runs[name].append((claim_ms, finish_ms))
    mysql(args, f"DROP DATABASE {DB};", database=None)
    floor_ms = statistics.median(f for _, f in runs["floor"])
    print(f"{ROWS:,} rows, batch {BATCH:,}, one connection, median of {args.repeat}")
    print("| variant | claim ms | finish ms | total ms | µs per row | total / floor |")
    print("|---|---|---|---|---|---|")
    for name, results in runs.items():
        claim_ms = statistics.median(c for c, _ in results)
        finish_ms = statistics.median(f for _, f in results)
        total = statistics.median(c + f for c, f in results)
        print(f"| {name} | {claim_ms:.0f} | {finish_ms:.0f} | {total:.0f} | {total * 1000 / ROWS:.1f} | "
              f"{total / floor_ms:.2f} |")


if __name__ == "__main__":
    main()
