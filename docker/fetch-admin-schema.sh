#!/bin/sh
# One-shot step of docker/compose.yaml, run before MySQL starts (service admin-schema).
#
# 1. Refuses to go on with a weak XXL-JOB access token, so that nothing in the stack starts with one.
# 2. Puts the XXL-JOB admin's official schema, doc/db/tables_xxl_job.sql of the 3.3.2 release
#    (commit bc050a1f), into the shared volume that MySQL's first start loads. The file is fetched
#    here rather than kept in this repository: it is the upstream project's file, and fetching it by
#    commit and checking its SHA-256 gives exactly that file or nothing.
set -eu

: "${XXL_JOB_ACCESS_TOKEN:?XXL_JOB_ACCESS_TOKEN must be set}"
if [ "${#XXL_JOB_ACCESS_TOKEN}" -lt 32 ]; then
    echo "XXL_JOB_ACCESS_TOKEN has ${#XXL_JOB_ACCESS_TOKEN} characters: use a random secret of at least 32," \
         "e.g. export XXL_JOB_ACCESS_TOKEN=\$(openssl rand -hex 32)" >&2
    exit 1
fi
case "$XXL_JOB_ACCESS_TOKEN" in
    *[!A-Za-z0-9._~+/=-]*)
        # The admin image passes its settings as one unquoted PARAMS string: no spaces, quotes or globs.
        echo "XXL_JOB_ACCESS_TOKEN may only contain letters, digits and . _ ~ + / = - (try openssl rand -hex 32)" >&2
        exit 1 ;;
esac

COMMIT=bc050a1f743eb8bb929800ccb2ef1fd1bbb7437e
URL="https://raw.githubusercontent.com/xuxueli/xxl-job/${COMMIT}/doc/db/tables_xxl_job.sql"
SHA256=aa08c3fd66e851543378e96f1ca925d71a728af6d5dc5deca44375cca594ba7d
OUT=/admin-schema/tables_xxl_job.sql

verified() {
    [ -f "$1" ] && echo "${SHA256}  $1" | sha256sum -c - >/dev/null 2>&1
}

if verified "$OUT"; then
    echo "admin schema already present and verified: $OUT"
    exit 0
fi

echo "fetching the XXL-JOB 3.3.2 admin schema from $URL"
curl --fail --silent --show-error --location --retry 5 --retry-delay 2 --retry-connrefused \
     --output "$OUT.part" "$URL"
if ! verified "$OUT.part"; then
    echo "checksum mismatch for $URL (expected sha256 $SHA256): refusing to use it" >&2
    rm -f "$OUT.part"
    exit 1
fi
chmod 0644 "$OUT.part"
mv "$OUT.part" "$OUT"
echo "admin schema fetched and verified: $OUT"
