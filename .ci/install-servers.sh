#!/usr/bin/env bash
# Install the database servers the redis/postgres test backends start on
# loopback: Debian's redis-server and postgresql-15. Idempotent: installs only
# what is missing and runs `apt-get update` at most once. Needs root (or sudo).
# The packages' own services (redis on 6379, a cluster on 5432) are not used:
# tests/servers.py starts private servers on free ports in temp folders.
set -euo pipefail

need=()
command -v redis-server >/dev/null 2>&1 || [ -x /usr/bin/redis-server ] || need+=(redis-server)
[ -x /usr/lib/postgresql/15/bin/initdb ] && [ -x /usr/lib/postgresql/15/bin/pg_ctl ] \
    || need+=(postgresql-15)

if [ ${#need[@]} -eq 0 ]; then
    echo "install-servers: redis-server and postgresql-15 already installed"
    exit 0
fi

SUDO=""
if [ "$(id -u)" -ne 0 ]; then
    if command -v sudo >/dev/null 2>&1; then
        SUDO="sudo"
    else
        echo "install-servers: need root or sudo to install ${need[*]}" >&2
        exit 1
    fi
fi

echo "install-servers: installing ${need[*]}"
export DEBIAN_FRONTEND=noninteractive
# In a container without an init system the packages do not start their
# services; where they do, the tests still ignore them.
$SUDO apt-get update -qq
$SUDO apt-get install -y -qq --no-install-recommends "${need[@]}"
echo "install-servers: done"
