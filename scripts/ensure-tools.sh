#!/usr/bin/env bash
# Tools and servers the tests use beside the Python packages:
#  - ffprobe, to check rendered videos the way a person would (the engine itself needs no
#    system package: its ffmpeg comes from the imageio-ffmpeg wheel);
#  - PostgreSQL on 127.0.0.1:5432 and Redis on 127.0.0.1:6379, which the service tests use
#    for real (tests/services.py);
#  - wrk, the HTTP load generator;
#  - prometheus and promtool (Debian's prometheus package), for the alert rules and
#    dashboards of deploy/monitoring (tests/monitoring);
#  - chromium (Debian's package), the real browser the studio's tests drive with Playwright
#    (tests/studio); Playwright's own browser download is never used.
# As root with apt-get (CI), it installs what is missing and starts the servers. Otherwise it
# only says what is missing: the tests then start throwaway servers from the installed
# binaries, or fail naming what to install. Idempotent, and silent when all is in place.
set -euo pipefail

PG_HOST=127.0.0.1 PG_PORT=5432
REDIS_HOST=127.0.0.1 REDIS_PORT=6379

# Polls a check command for up to 30 s.
wait_for() {
  local tries=150
  until "$@"; do
    tries=$((tries - 1))
    [ "$tries" -gt 0 ] || return 1
    sleep 0.2
  done
}

installed() { dpkg-query -W -f='${Status}' "$1" 2>/dev/null | grep -q ' ok installed$'; }
postgres_up() { pg_isready -q -h "$PG_HOST" -p "$PG_PORT" >/dev/null 2>&1; }
redis_up() { [ "$(redis-cli -h "$REDIS_HOST" -p "$REDIS_PORT" ping 2>/dev/null)" = PONG ]; }
prometheus_tools() { command -v prometheus >/dev/null 2>&1 && command -v promtool >/dev/null 2>&1; }

if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
  missing=()
  command -v ffprobe >/dev/null 2>&1 || missing+=(ffmpeg)
  prometheus_tools || missing+=(prometheus)
  for pkg in postgresql redis-server wrk chromium; do
    installed "$pkg" || missing+=("$pkg")
  done
  if [ "${#missing[@]}" -gt 0 ]; then
    echo "installing ${missing[*]} (Debian packages)..." >&2
    apt-get -o DPkg::Lock::Timeout=600 update -qq >/dev/null
    DEBIAN_FRONTEND=noninteractive apt-get -o DPkg::Lock::Timeout=600 install -y -qq "${missing[@]}" >/dev/null
  fi

  if ! postgres_up; then
    echo "starting PostgreSQL..." >&2
    # shellcheck disable=SC2046  # one cluster version directory, as Debian sets it up
    pg_ctlcluster --skip-systemctl-redirect $(ls /etc/postgresql) main start
    if ! wait_for postgres_up; then
      echo "error: PostgreSQL did not come up on $PG_HOST:$PG_PORT (see /var/log/postgresql)" >&2
      exit 1
    fi
  fi

  if ! redis_up; then
    echo "starting Redis..." >&2
    mkdir -p /var/lib/redis /var/log/redis
    redis-server --daemonize yes --bind 127.0.0.1 -::1 --port 6379 --save "" --appendonly no \
      --dir /var/lib/redis --logfile /var/log/redis/ci.log
    if ! wait_for redis_up; then
      echo "error: Redis did not come up on $REDIS_HOST:$REDIS_PORT (see /var/log/redis/ci.log)" >&2
      exit 1
    fi
  fi
  exit 0
fi

# Not root, or no apt-get: say what is missing, install nothing.
port_open() { timeout 2 bash -c "exec 3<>/dev/tcp/$1/$2" 2>/dev/null; }
postgres_binaries() {
  command -v initdb >/dev/null 2>&1 && return 0
  compgen -G '/usr/lib/postgresql/*/bin/initdb' >/dev/null
}

if ! port_open "$PG_HOST" "$PG_PORT"; then
  if postgres_binaries; then
    echo "note: PostgreSQL is not running on $PG_HOST:$PG_PORT; the tests will start a throwaway server" >&2
  else
    echo "warning: PostgreSQL is not running on $PG_HOST:$PG_PORT nor installed; the service tests will fail (apt-get install postgresql, or set AUTOCLIP_TEST_POSTGRES_URL)" >&2
  fi
fi
if ! port_open "$REDIS_HOST" "$REDIS_PORT"; then
  if command -v redis-server >/dev/null 2>&1; then
    echo "note: Redis is not running on $REDIS_HOST:$REDIS_PORT; the tests will start a throwaway server" >&2
  else
    echo "warning: Redis is not running on $REDIS_HOST:$REDIS_PORT nor installed; the service tests will fail (apt-get install redis-server, or set AUTOCLIP_TEST_REDIS_URL)" >&2
  fi
fi
command -v wrk >/dev/null 2>&1 ||
  echo "warning: wrk is not installed (apt-get install wrk)" >&2
prometheus_tools ||
  echo "warning: prometheus/promtool are not installed; the monitoring tests will fail (apt-get install prometheus)" >&2
[ -x /usr/bin/chromium ] ||
  echo "warning: chromium is not installed; the studio's browser tests will fail (apt-get install chromium)" >&2

if ! command -v ffprobe >/dev/null 2>&1; then
  echo "error: the tests need ffprobe; install your system's ffmpeg package (e.g. apt-get install ffmpeg)" >&2
  exit 1
fi
