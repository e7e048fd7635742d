#!/usr/bin/env bash
# A PostgreSQL primary and a streaming replica on Unix sockets (Debian's PostgreSQL, no TCP), for
# Kesu's read-replica tests and load run (issue 15):
#
#   bash scripts/replica.sh            # replica tests, load run without and with the replica,
#                                      # then the primary is stopped: reads work, writes 503
#   bash scripts/replica.sh tests      # only the tests
#   USERS=200 SECS=60 bash scripts/replica.sh load
#
# Or `source scripts/replica.sh && replica_start` for a shell with both servers running
# (KESU_TEST_PG_URL = primary, KESU_TEST_PG_REPLICA_URL = replica; stopped on exit).
# The replica is made the documented way: `pg_basebackup -R` (standby.signal and
# primary_conninfo written for us) from a primary with the default wal_level=replica.

replica_bin() {
  local d
  for d in /usr/lib/postgresql/*/bin; do
    [ -x "$d/initdb" ] && { echo "$d"; return 0; }
  done
  echo "replica.sh: PostgreSQL server binaries not found (apt install postgresql)" >&2
  return 1
}

replica_start() {
  REPL_BIN=$(replica_bin) || return 1
  REPL_DIR=$(mktemp -d /tmp/kesu-repl.XXXXXX)
  local run=()
  if [ "$(id -u)" = 0 ]; then
    chown postgres: "$REPL_DIR"
    run=(runuser -u postgres --)
  fi
  REPL_RUN=("${run[@]}")
  mkdir -p "$REPL_DIR/p" "$REPL_DIR/r"
  [ "$(id -u)" = 0 ] && chown postgres: "$REPL_DIR/p" "$REPL_DIR/r"
  "${run[@]}" "$REPL_BIN/initdb" -D "$REPL_DIR/primary" --auth=trust --username=kesu \
    --encoding=UTF8 --locale=C >/dev/null || return 1
  # fsync stays on: the replica must see what the primary really has.
  REPL_PRIMARY_OPTS="-c listen_addresses= -c unix_socket_directories=$REPL_DIR/p -c max_connections=300 -c wal_level=replica -c max_wal_senders=5"
  "${run[@]}" "$REPL_BIN/pg_ctl" -D "$REPL_DIR/primary" -l "$REPL_DIR/primary.log" -w -o "$REPL_PRIMARY_OPTS" \
    start >/dev/null || { cat "$REPL_DIR/primary.log" >&2; return 1; }
  "${run[@]}" "$REPL_BIN/pg_basebackup" -h "$REPL_DIR/p" -U kesu -D "$REPL_DIR/replica" -R -X stream \
    >/dev/null || return 1
  "${run[@]}" "$REPL_BIN/pg_ctl" -D "$REPL_DIR/replica" -l "$REPL_DIR/replica.log" -w -o \
    "-c listen_addresses= -c unix_socket_directories=$REPL_DIR/r -c max_connections=300 -c hot_standby=on" \
    start >/dev/null || { cat "$REPL_DIR/replica.log" >&2; return 1; }
  export KESU_TEST_PG_URL="postgres://kesu@localhost/postgres?host=$REPL_DIR/p"
  export KESU_TEST_PG_REPLICA_URL="postgres://kesu@localhost/postgres?host=$REPL_DIR/r"
  trap replica_stop EXIT
  trap 'replica_stop; exit 143' INT TERM
  local standby
  standby=$(psql "$KESU_TEST_PG_REPLICA_URL" -Atc 'SELECT pg_is_in_recovery()')
  [ "$standby" = t ] || { echo "replica.sh: the replica is not a standby" >&2; return 1; }
  echo "replica.sh: primary at $REPL_DIR/p, streaming replica at $REPL_DIR/r" >&2
}

replica_stop() {
  [ -n "${REPL_DIR:-}" ] || return 0
  "${REPL_RUN[@]}" "$REPL_BIN/pg_ctl" -D "$REPL_DIR/replica" -m immediate stop >/dev/null 2>&1
  "${REPL_RUN[@]}" "$REPL_BIN/pg_ctl" -D "$REPL_DIR/primary" -m immediate stop >/dev/null 2>&1
  rm -rf "$REPL_DIR"
  REPL_DIR=
}

# The URL of database $2 on the server at URL $1.
replica_db_url() { echo "${1/\/postgres?//$2?}"; }

replica_tests() {
  # One at a time: a test pauses the replica's replay, which every test on it would feel.
  cargo nextest run -p kesu-web --test replica --test-threads 1
}

free_port() {
  python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'
}

wait_http() {  # $1 = url, $2 = pid, $3 = log
  for _ in $(seq 1 600); do
    curl -fsS "$1" >/dev/null 2>&1 && return 0
    kill -0 "$2" 2>/dev/null || { cat "$3" >&2; return 1; }
    sleep 0.2
  done
  return 1
}

replica_load() {
  local users=${USERS:-200} secs=${SECS:-60} bin data primary replica port pid db
  cargo build --release --quiet --bin kesu
  bin="${CARGO_TARGET_DIR:-target}/release/kesu"
  data=$(mktemp -d)
  for label in primary-only with-replica; do
    # A fresh demo for each run, so that neither starts from the other's writes.
    db="kesu_load_${label//-/_}"
    psql "$KESU_TEST_PG_URL" -qc "CREATE DATABASE $db" >/dev/null
    primary=$(replica_db_url "$KESU_TEST_PG_URL" "$db")
    replica=$(replica_db_url "$KESU_TEST_PG_REPLICA_URL" "$db")
    rm -rf "$data/$label" && mkdir -p "$data/$label"
    "$bin" --data-dir "$data/$label" --database-url "$primary" demo --no-serve >/dev/null 2>"$data/demo.log" \
      || { cat "$data/demo.log" >&2; return 1; }
    port=$(free_port)
    local extra=()
    [ "$label" = with-replica ] && extra=(--read-database-url "$replica")
    "$bin" --data-dir "$data/$label" --database-url "$primary" serve --bind "127.0.0.1:$port" "${extra[@]}" \
      >"$data/$label.log" 2>&1 &
    pid=$!
    wait_http "http://127.0.0.1:$port/readyz" "$pid" "$data/$label.log" || return 1
    echo "== $label: $users users, ${secs}s (load average $(cut -d' ' -f1 /proc/loadavg))" >&2
    node e2e/load.mjs "http://127.0.0.1:$port" "$data/$label/demo-accounts.json" "$users" "$secs" || status=1
    # Where the reads went (kesu_db_reads_total{target="primary|replica"}), from the server itself.
    curl -s "http://127.0.0.1:$port/metrics" | grep '^kesu_db_reads_total' >&2 || true
    if [ "$label" = with-replica ]; then
      replica_primary_stop_check "$port" "$data/$label" || status=1
    fi
    kill "$pid"; wait "$pid" 2>/dev/null || true
  done
  rm -rf "$data"
}

# With the server still up on the replica: stop the primary; a dashboard still answers, a save
# answers 503 with its message, /readyz says read-only.
replica_primary_stop_check() {  # $1 = port, $2 = data dir
  local base="http://127.0.0.1:$1" user pass cookie code
  user=$(python3 -c 'import json,sys; a=[x for x in json.load(open(sys.argv[1])) if x["role"]=="admin"][0]; print(a["username"])' "$2/demo-accounts.json")
  pass=$(python3 -c 'import json,sys; a=[x for x in json.load(open(sys.argv[1])) if x["role"]=="admin"][0]; print(a["password"])' "$2/demo-accounts.json")
  cookie=$(curl -fsS -D - -o /dev/null -H 'content-type: application/json' \
    -d "{\"username\":\"$user\",\"password\":\"$pass\"}" "$base/api/v1/login" \
    | sed -n 's/^set-cookie: \(kesu_session=[^;]*\).*/\1/ip' | head -1)
  [ -n "$cookie" ] || { echo "replica.sh: sign-in failed" >&2; return 1; }
  sleep 1  # the session reaches the replica
  "${REPL_RUN[@]}" "$REPL_BIN/pg_ctl" -D "$REPL_DIR/primary" -m fast stop >/dev/null
  sleep 1.5  # past the one second the primary's health is remembered
  code=$(curl -s -o /dev/null -w '%{http_code}' -H "cookie: $cookie" "$base/dashboard")
  echo "primary stopped: GET /dashboard -> $code" >&2
  [ "$code" = 200 ] || return 1
  code=$(curl -s -o "$2/write.json" -w '%{http_code}' -X POST -H "cookie: $cookie" "$base/api/v1/logout")
  echo "primary stopped: POST /api/v1/logout -> $code $(cat "$2/write.json")" >&2
  [ "$code" = 503 ] || return 1
  echo "primary stopped: /readyz -> $(curl -s "$base/readyz")" >&2
  "${REPL_RUN[@]}" "$REPL_BIN/pg_ctl" -D "$REPL_DIR/primary" -l "$REPL_DIR/primary.log" -w \
    -o "$REPL_PRIMARY_OPTS" start >/dev/null
}

if [ "${BASH_SOURCE[0]}" = "$0" ]; then
  set -euo pipefail
  cd "$(dirname "$0")/.."
  status=0
  replica_start
  case "${1:-all}" in
    tests) replica_tests || status=1 ;;
    load) replica_load || status=1 ;;
    all) replica_tests || status=1; replica_load || status=1 ;;
  esac
  exit $status
fi
