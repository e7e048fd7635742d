#!/usr/bin/env bash
# The region import against the databases' own bulk loaders, side by side in one run, and the
# region queries. Usage: scripts/bench-regions.sh [DIVISIONS_DIR] [ROUNDS]
#
#   DIVISIONS_DIR  the five-level CSV set (default ../shared/data/divisions)
#   ROUNDS         rounds per measurement; the median is reported (default 3)
#
# Baselines load the village and township files (93 % and 6 % of the rows) into plain tables
# with no checks and no indexes: sqlite3 `.import` and psql `\copy` (the PostgreSQL cluster of
# scripts/pg.sh runs with fsync off). Kesu loads all five files with code and parent checks and
# builds its indexes. PostgreSQL runs are skipped when no cluster can be started.
set -euo pipefail
cd "$(dirname "$0")/.."
DIR=${1:-../shared/data/divisions}
ROUNDS=${2:-3}
[ -f "$DIR/villages.csv" ] || { echo "bench-regions: no villages.csv in $DIR" >&2; exit 2; }
DIR=$(cd "$DIR" && pwd)

if ! command -v sqlite3 >/dev/null; then
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
    apt-get install -y -qq sqlite3 >/dev/null
  else
    echo "bench-regions: sqlite3 CLI missing (apt-get install sqlite3)" >&2; exit 2
  fi
fi

echo "bench-regions: building kesu (release)" >&2
cargo build --release -q -p kesu
KESU=${CARGO_TARGET_DIR:-target}/release/kesu

source scripts/pg.sh
if [ -z "${KESU_TEST_PG_URL:-}" ]; then
  pg_start || echo "bench-regions: no PostgreSQL; SQLite only" >&2
fi

WORK=$(mktemp -d /tmp/kesu-bench-regions.XXXXXX)
cleanup() { rm -rf "$WORK"; pg_stop 2>/dev/null || true; }
trap cleanup EXIT

now() { date +%s.%N; }
# median of the numbers on stdin
median() { sort -g | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }
# time_cmd CMD…: run, print elapsed seconds
time_cmd() { local t0; t0=$(now); "$@" >/dev/null 2>"$WORK/err" || { cat "$WORK/err" >&2; return 1; }; awk -v a="$(now)" -v b="$t0" 'BEGIN {print a - b}'; }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN {printf "%.1f", a / b}'; }

pg_url_for() { # database name → URL on the same server
  local base=${KESU_TEST_PG_URL%%\?*} query=""
  [[ "$KESU_TEST_PG_URL" == *\?* ]] && query="?${KESU_TEST_PG_URL#*\?}"
  echo "${base%/*}/$1$query"
}

sqlite_base() {
  rm -f "$WORK/base.db"*
  sqlite3 "$WORK/base.db" <<EOF
.mode csv
.import $DIR/villages.csv villages
.import $DIR/streets.csv streets
EOF
}
kesu_sqlite() {
  rm -rf "$WORK/data"
  "$KESU" --data-dir "$WORK/data" regions import "$DIR"
}
pg_base_setup() {
  psql -q "$KESU_TEST_PG_URL" -c "DROP DATABASE IF EXISTS kesu_bench_base" -c "CREATE DATABASE kesu_bench_base" 2>/dev/null
  psql -q "$(pg_url_for kesu_bench_base)" \
    -c "CREATE TABLE villages (code text, name text, streetCode text, provinceCode text, cityCode text, areaCode text)" \
    -c "CREATE TABLE streets (code text, name text, areaCode text, provinceCode text, cityCode text)"
}
pg_base() {
  psql -q "$(pg_url_for kesu_bench_base)" -c "\\copy villages FROM '$DIR/villages.csv' CSV HEADER" \
    -c "\\copy streets FROM '$DIR/streets.csv' CSV HEADER"
}
kesu_pg_setup() {
  psql -q "$KESU_TEST_PG_URL" -c "DROP DATABASE IF EXISTS kesu_bench_kesu" -c "CREATE DATABASE kesu_bench_kesu" 2>/dev/null
  "$KESU" --database-url "$(pg_url_for kesu_bench_kesu)" migrate 2>/dev/null
}

declare -A T
for r in $(seq "$ROUNDS"); do
  echo "bench-regions: round $r/$ROUNDS" >&2
  T[sqlite_base]+="$(time_cmd sqlite_base) "
  T[kesu_sqlite]+="$(time_cmd kesu_sqlite) "
  if [ -n "${KESU_TEST_PG_URL:-}" ]; then
    pg_base_setup
    T[pg_base]+="$(time_cmd pg_base) "
    kesu_pg_setup
    T[kesu_pg]+="$(time_cmd "$KESU" --database-url "$(pg_url_for kesu_bench_kesu)" regions import "$DIR") "
  fi
done

med() { echo "${T[$1]}" | tr ' ' '\n' | grep -v '^$' | median; }
ROWS=$(($(wc -l < "$DIR/villages.csv") + $(wc -l < "$DIR/streets.csv") - 2))
ALL=0; for f in provinces cities areas streets villages; do ALL=$((ALL + $(wc -l < "$DIR/$f.csv") - 1)); done
echo
echo "region import, median of $ROUNDS (load average $(cut -d' ' -f1 /proc/loadavg), $(nproc) cores)"
printf '%-44s %8s\n' "measurement" "seconds"
printf '%-44s %8.2f\n' "sqlite3 .import villages+streets ($ROWS rows)" "$(med sqlite_base)"
printf '%-44s %8.2f   %sx\n' "kesu regions import, SQLite ($ALL rows)" "$(med kesu_sqlite)" "$(ratio "$(med kesu_sqlite)" "$(med sqlite_base)")"
if [ -n "${KESU_TEST_PG_URL:-}" ]; then
  printf '%-44s %8.2f\n' "psql \\copy villages+streets ($ROWS rows)" "$(med pg_base)"
  printf '%-44s %8.2f   %sx\n' "kesu regions import, PostgreSQL ($ALL rows)" "$(med kesu_pg)" "$(ratio "$(med kesu_pg)" "$(med pg_base)")"
fi

echo
echo "region queries (kesu regions bench: median of 20 in-process runs)"
echo "SQLite:"
"$KESU" --data-dir "$WORK/data" regions bench --within 50 --name 娄底 | sed 's/^/  /'
if [ -n "${KESU_TEST_PG_URL:-}" ]; then
  echo "PostgreSQL:"
  "$KESU" --database-url "$(pg_url_for kesu_bench_kesu)" regions bench --within 50 --name 娄底 | sed 's/^/  /'
  psql -q "$KESU_TEST_PG_URL" -c "DROP DATABASE IF EXISTS kesu_bench_kesu" -c "DROP DATABASE IF EXISTS kesu_bench_base" 2>/dev/null
fi
