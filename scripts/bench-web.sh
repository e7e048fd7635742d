#!/usr/bin/env bash
# Load benchmark of the web platform (issue 5): USERS concurrent reporters save and submit their
# reports through the JSON API for SECONDS, against `kesu demo` on SQLite and on PostgreSQL (a
# throwaway cluster, scripts/pg.sh). e2e/load.mjs checks that no write was lost or duplicated and
# prints p50/p99 latency and throughput as JSON. Figures go to docs/PERFORMANCE.md.
# TRICKLERS strangers meanwhile trickle login bodies a byte a second (issue 10; default 3, 0 for
# none): the writes must not wait for them.
#
#   bash scripts/bench-web.sh [USERS=200] [SECONDS=60] [TRICKLERS=3]
set -euo pipefail
cd "$(dirname "$0")/.."
USERS=${1:-200}
SECS=${2:-60}
TRICKLERS=${3:-3}
BIN=${KESU_BIN:-}
if [ -z "$BIN" ]; then
  cargo build --release --quiet --bin kesu
  BIN="${CARGO_TARGET_DIR:-target}/release/kesu"
fi
source scripts/pg.sh

run_one() {  # $1 = label, $2 = database URL or empty for SQLite
  local data port pid
  data=$(mktemp -d)
  port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
  if [ -n "$2" ]; then
    "$BIN" --data-dir "$data" --database-url "$2" demo --bind "127.0.0.1:$port" > "$data/demo.log" 2>&1 &
  else
    "$BIN" --data-dir "$data" demo --bind "127.0.0.1:$port" > "$data/demo.log" 2>&1 &
  fi
  pid=$!
  for _ in $(seq 1 600); do
    curl -fsS "http://127.0.0.1:$port/login" >/dev/null 2>&1 && break
    kill -0 "$pid" 2>/dev/null || { cat "$data/demo.log" >&2; return 1; }
    sleep 0.2
  done
  echo "== $1: $USERS users, ${SECS}s, $TRICKLERS tricklers" >&2
  node e2e/load.mjs "http://127.0.0.1:$port" "$data/demo-accounts.json" "$USERS" "$SECS" "$TRICKLERS" || status=1
  kill "$pid"; wait "$pid" 2>/dev/null || true
  rm -rf "$data"
}

status=0
run_one sqlite ""
if pg_start; then
  psql "$KESU_TEST_PG_URL" -qc 'CREATE DATABASE kesu_load' >/dev/null
  run_one postgres "${KESU_TEST_PG_URL/\/postgres?//kesu_load?}"
fi
exit $status
