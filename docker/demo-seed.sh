#!/bin/bash
# One-shot demo data for docker/compose.yaml (service demo-seed, run in the mysql image for its client).
#
# Creates small files in the shared storage volume and enqueues matching rows in
# shardsweep.file_deletion_task, the way a producer would. The table is created by the executors'
# Flyway on their first start, so this waits until it exists. It seeds once per database: when demo
# rows exist (pending or finished), it does nothing unless DEMO_RESEED=1.
#
# What the rows show once the cleanup job has run:
#   DEMO_FILES files (default 1000)  -> history, outcome DELETED, shared out between the executors
#   20 rows whose file never existed -> history, outcome ALREADY_ABSENT
#   3 hostile paths                  -> stay in the task table as DEAD, last_error says why
#   10 files with a 7-day grace      -> stay PENDING (not_before in the future), files kept
#
# DEMO_STORAGE=s3 (docker/compose.minio.yaml): rows <bucket>/<key> for the objects that
# minio/minio-setup.sh put in MinIO, and no files. The same kinds of rows, except that the 20 keys that
# never existed are DELETED too (S3 answers "deleted" for them), and the hostile paths are an unlisted
# bucket, a '..' key and an absolute path.
set -euo pipefail

STORAGE=${STORAGE_ROOT:-/data/storage}
DEMO_FILES=${DEMO_FILES:-1000}
DEMO_STORAGE=${DEMO_STORAGE:-filesystem}
case "$DEMO_STORAGE" in filesystem | s3) ;; *) echo "demo-seed: DEMO_STORAGE must be filesystem or s3, got '$DEMO_STORAGE'" >&2; exit 1 ;; esac
EXECUTOR_UID=${EXECUTOR_UID:-10001}
WAIT_SECONDS=${WAIT_SECONDS:-600}

cnf=/tmp/demo-seed.cnf
trap 'rm -f "$cnf"' EXIT
cat > "$cnf" <<CNF
[client]
host=${DB_HOST:-mysql}
user=${DB_USER:-shardsweep}
password="${DB_PASSWORD:?DB_PASSWORD must be set}"
database=${DB_NAME:-shardsweep}
CNF
sql() { mysql --defaults-extra-file="$cnf" --batch --skip-column-names "$@"; }

echo "demo-seed: waiting for the executors to create the schema (up to ${WAIT_SECONDS}s)"
deadline=$((SECONDS + WAIT_SECONDS))
until [ "$(sql -e "SELECT COUNT(*) FROM information_schema.tables WHERE table_schema = DATABASE()
                   AND table_name IN ('file_deletion_task', 'file_deletion_task_history')" 2>/dev/null)" = "2" ]; do
    if [ "$SECONDS" -ge "$deadline" ]; then
        echo "demo-seed: the tables did not appear; are the executors running? (docker compose logs executor-1)" >&2
        exit 1
    fi
    sleep 3
done

seeded=$(sql -e "SELECT (SELECT COUNT(*) FROM file_deletion_task WHERE business_key LIKE 'demo:%')
                      + (SELECT COUNT(*) FROM file_deletion_task_history WHERE business_key LIKE 'demo:%')")
if [ "$seeded" != "0" ] && [ "${DEMO_RESEED:-0}" != "1" ]; then
    echo "demo-seed: $seeded demo rows exist already; nothing to do (DEMO_RESEED=1 adds another batch)"
    exit 0
fi

batch=$(date -u +%Y%m%dT%H%M%S)
values=()
file() { # file <relative path>: a small file the executor may delete
    mkdir -p "$STORAGE/${1%/*}"
    printf 'ShardSweep demo file %s\n' "$1" > "$STORAGE/$1"
}

case "$DEMO_STORAGE" in
filesystem)
    echo "demo-seed: creating $DEMO_FILES files under $STORAGE/videos/demo"
    for ((i = 1; i <= DEMO_FILES; i++)); do
        path=$(printf 'videos/demo/%s/%03d/video-%05d.mp4' "$batch" $((i % 100)) "$i")
        file "$path"
        values+=("('$path', 'demo:$batch:video:$i', NULL)")
    done
    for ((i = 1; i <= 20; i++)); do
        values+=("('videos/demo/$batch/gone/video-$i.mp4', 'demo:$batch:gone:$i', NULL)")
    done
    for ((i = 1; i <= 10; i++)); do
        path="videos/demo/$batch/later/video-$i.mp4"
        file "$path"
        values+=("('$path', 'demo:$batch:later:$i', CURRENT_TIMESTAMP(3) + INTERVAL 7 DAY)")
    done
    values+=("('../outside-the-root.txt', 'demo:$batch:refused:1', NULL)")
    values+=("('/etc/hostname', 'demo:$batch:refused:2', NULL)")
    values+=("('videos/demo/$batch/./dot.mp4', 'demo:$batch:refused:3', NULL)")

    # The executors run as uid $EXECUTOR_UID and must be able to unlink in these directories.
    chown "$EXECUTOR_UID:$EXECUTOR_UID" "$STORAGE" "$STORAGE/videos" "$STORAGE/videos/demo"
    chown -R "$EXECUTOR_UID:$EXECUTOR_UID" "$STORAGE/videos/demo/$batch"
    ;;
s3)
    # The keys of minio/minio-setup.sh, which put the objects in MinIO on its first start.
    echo "demo-seed: queueing $DEMO_FILES objects of the buckets video and mediafiles"
    for ((i = 1; i <= DEMO_FILES; i++)); do
        if ((i % 2 == 1)); then
            path=$(printf 'video/demo/%02d/video-%05d.mp4' $((i % 100)) "$i")
        else
            path=$(printf 'mediafiles/demo/%02d/image-%05d.jpg' $((i % 100)) "$i")
        fi
        values+=("('$path', 'demo:$batch:object:$i', NULL)")
    done
    for ((i = 1; i <= 20; i++)); do
        values+=("('video/demo/gone/video-$i.mp4', 'demo:$batch:gone:$i', NULL)")
    done
    for ((i = 1; i <= 10; i++)); do
        values+=("('video/demo/later/video-$i.mp4', 'demo:$batch:later:$i', CURRENT_TIMESTAMP(3) + INTERVAL 7 DAY)")
    done
    values+=("('other/demo/not-listed.mp4', 'demo:$batch:refused:1', NULL)")
    values+=("('video/demo/../escape.mp4', 'demo:$batch:refused:2', NULL)")
    values+=("('/video/demo/absolute.mp4', 'demo:$batch:refused:3', NULL)")
    ;;
esac

echo "demo-seed: enqueueing ${#values[@]} rows"
{
    echo "INSERT INTO file_deletion_task (file_path, business_key, not_before) VALUES"
    (IFS=','; echo "${values[*]}")
    echo ";"
} | sql

echo "demo-seed: done. Rows by status now:"
sql -e "SELECT status, COUNT(*) FROM file_deletion_task GROUP BY status ORDER BY status"
