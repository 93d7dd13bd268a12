#!/bin/bash
# HEALTHCHECK of the executor image: GET the liveness probe on the management port must answer 200
# (Spring Boot answers 503 when it is DOWN). Liveness, not the overall /actuator/health: that one
# includes the database and the admin registration (the readiness group), and an orchestrator that
# replaces unhealthy containers must not restart every executor because the admin is down.
# Uses bash's /dev/tcp, so the runtime image needs neither curl nor wget. It runs inside the
# container, so it reaches the management port on loopback, where it is bound by default.
set -u
port=${MANAGEMENT_SERVER_PORT:-8082}
path=${HEALTHCHECK_PATH:-/actuator/health/liveness}
exec 3<>"/dev/tcp/127.0.0.1/${port}" || exit 1
printf 'GET %s HTTP/1.0\r\nHost: localhost\r\nConnection: close\r\n\r\n' "$path" >&3
IFS= read -r -t 4 status <&3 || status=""
exec 3<&-
case "$status" in
    "HTTP/1."?" 200 "* | "HTTP/1."?" 200"$'\r') exit 0 ;;
    *) echo "health check: ${status:-no answer} from 127.0.0.1:${port}${path}" >&2; exit 1 ;;
esac
