#!/bin/sh
# One-shot setup of the stack's MinIO (service minio-setup of docker/compose.minio.yaml, in the
# minio/mc image). Idempotent: every start re-applies the buckets, the policy and the user.
#
#   buckets video and mediafiles      created if missing
#   policy shardsweep-delete           s3:DeleteObject on video/* and mediafiles/* only (minio/shardsweep-delete-policy.json)
#   user $EXECUTOR_ACCESS_KEY          the executors' credentials, with that policy and nothing else
#   demo objects                       once, when this run created the video bucket (a fresh minio-data volume)
#
# The demo objects match the rows that demo-seed.sh writes with DEMO_STORAGE=s3:
#   video/demo/NN/video-NNNNN.mp4 and mediafiles/demo/NN/image-NNNNN.jpg   DEMO_FILES in all, deleted
#   video/demo/later/video-N.mp4                                          10, rows with a 7-day grace: they stay
#   video/demo/keep/sentinel.txt                                          no row names it: it stays
# Secrets are passed to mc only, never printed (no set -x).
set -eu

DEMO_FILES=${DEMO_FILES:-1000}

fail() { echo "minio-setup: $*" >&2; exit 1; }
[ "${#MINIO_ROOT_USER}" -ge 3 ] || fail "MINIO_ROOT_USER must have 3 or more characters"
[ "${#MINIO_ROOT_PASSWORD}" -ge 8 ] || fail "MINIO_ROOT_PASSWORD must have 8 or more characters"
[ "${#EXECUTOR_ACCESS_KEY}" -ge 3 ] || fail "AWS_ACCESS_KEY_ID must have 3 or more characters"
[ "${#EXECUTOR_SECRET_KEY}" -ge 8 ] || fail "AWS_SECRET_ACCESS_KEY must have 8 or more characters"
[ "$EXECUTOR_ACCESS_KEY" != "$MINIO_ROOT_USER" ] \
    || fail "AWS_ACCESS_KEY_ID must differ from MINIO_ROOT_USER: the executors get a user of their own, with s3:DeleteObject only"
case "$DEMO_FILES" in ''|*[!0-9]*) fail "DEMO_FILES must be a number" ;; esac

mc alias set local http://minio:9000 "$MINIO_ROOT_USER" "$MINIO_ROOT_PASSWORD" >/dev/null

fresh=0
if mc mb --quiet local/video >/dev/null 2>&1; then
    fresh=1
fi
mc mb --quiet --ignore-existing local/video
mc mb --quiet --ignore-existing local/mediafiles

mc admin policy create local shardsweep-delete /shardsweep/shardsweep-delete-policy.json >/dev/null
mc admin user add local "$EXECUTOR_ACCESS_KEY" "$EXECUTOR_SECRET_KEY" >/dev/null
if ! mc admin policy attach local shardsweep-delete --user "$EXECUTOR_ACCESS_KEY" >/tmp/attach.log 2>&1; then
    grep -qi "already" /tmp/attach.log || { cat /tmp/attach.log >&2; fail "cannot attach policy shardsweep-delete"; }
fi
echo "minio-setup: buckets video and mediafiles; user $EXECUTOR_ACCESS_KEY with policy shardsweep-delete (s3:DeleteObject only)"

if [ "$fresh" != 1 ]; then
    echo "minio-setup: the video bucket existed already, so no demo objects are added (down -v starts afresh)"
    exit 0
fi

seed=/tmp/seed
mkdir -p "$seed/video/demo/later" "$seed/video/demo/keep" "$seed/mediafiles/demo"
i=1
while [ "$i" -le "$DEMO_FILES" ]; do
    dir=$(printf '%02d' $((i % 100)))
    if [ $((i % 2)) -eq 1 ]; then
        mkdir -p "$seed/video/demo/$dir"
        printf 'ShardSweep demo object %d\n' "$i" > "$seed/video/demo/$dir/$(printf 'video-%05d.mp4' "$i")"
    else
        mkdir -p "$seed/mediafiles/demo/$dir"
        printf 'ShardSweep demo object %d\n' "$i" > "$seed/mediafiles/demo/$dir/$(printf 'image-%05d.jpg' "$i")"
    fi
    i=$((i + 1))
done
i=1
while [ "$i" -le 10 ]; do
    printf 'ShardSweep demo object, kept for 7 days\n' > "$seed/video/demo/later/video-$i.mp4"
    i=$((i + 1))
done
printf 'No row names this object: ShardSweep must leave it\n' > "$seed/video/demo/keep/sentinel.txt"

mc mirror --quiet "$seed/video" local/video
mc mirror --quiet "$seed/mediafiles" local/mediafiles
echo "minio-setup: $((DEMO_FILES + 11)) demo objects in video and mediafiles"
