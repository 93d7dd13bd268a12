#!/bin/bash
# MySQL first-start initialisation for docker/compose.yaml. The mysql image runs (or, when the file is
# not executable, sources) the files of /docker-entrypoint-initdb.d once, on an empty data volume,
# against a temporary server that listens on its socket only. Before this file it has already
# created the database `shardsweep` and the user `shardsweep` (MYSQL_DATABASE, MYSQL_USER,
# MYSQL_PASSWORD), which the executors' Flyway fills with our schema on their first start.
#
# This file adds the XXL-JOB admin's side:
#   1. the admin schema `xxl_job`, from the official tables_xxl_job.sql of the 3.3.2 release that
#      the one-shot service admin-schema fetched into /shardsweep/admin-schema,
#   2. the user `xxl_job` that the admin connects as: reads and writes in that schema, no DDL
#      (the admin runs none),
#   3. ShardSweep's executor group and jobs: admin-config/shardsweep-admin-config.sql.
#
# It only needs MYSQL_ROOT_PASSWORD and XXL_JOB_DB_PASSWORD from the environment, and works both
# sourced and executed.

ss_admin_schema=/shardsweep/admin-schema/tables_xxl_job.sql
ss_admin_config=/shardsweep/admin-config/shardsweep-admin-config.sql

ss_mysql() {
    if declare -F docker_process_sql >/dev/null; then
        docker_process_sql "$@"   # the entrypoint's own client call (socket, root, its password file)
    else
        mysql --protocol=socket --socket="${SOCKET:-/var/run/mysqld/mysqld.sock}" -uroot \
              --password="${MYSQL_ROOT_PASSWORD}" "$@"
    fi
}

ss_init() {
    local f
    for f in "$ss_admin_schema" "$ss_admin_config"; do
        if [ ! -s "$f" ]; then
            echo "shardsweep init: $f is missing; run the stack with docker compose so that admin-schema fetches it" >&2
            return 1
        fi
    done
    if [ -z "${XXL_JOB_DB_PASSWORD:-}" ]; then
        echo "shardsweep init: XXL_JOB_DB_PASSWORD is not set" >&2
        return 1
    fi

    echo "shardsweep init: loading the XXL-JOB admin schema (xxl_job)"
    # The file creates the schema xxl_job itself and switches to it.
    ss_mysql < "$ss_admin_schema" || return 1

    echo "shardsweep init: creating the admin's database user xxl_job"
    local pw=${XXL_JOB_DB_PASSWORD//\\/\\\\}
    pw=${pw//\'/\\\'}
    ss_mysql --database=mysql <<SQL || return 1
CREATE USER IF NOT EXISTS 'xxl_job'@'%' IDENTIFIED BY '${pw}';
GRANT SELECT, INSERT, UPDATE, DELETE ON \`xxl_job\`.* TO 'xxl_job'@'%';
SQL

    echo "shardsweep init: loading admin-config/shardsweep-admin-config.sql into xxl_job"
    ss_mysql --database=xxl_job < "$ss_admin_config" || return 1
}

ss_init || { echo "shardsweep init failed: remove the mysql-data volume (docker compose down -v) before retrying" >&2; exit 1; }
