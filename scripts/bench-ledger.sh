#!/usr/bin/env bash
# Ledger import and count performance, in one run (release build, SQLite):
#   1. sqlite3's `.import` of the 1,000,000-row file into a plain 7-column table (the floor:
#      no checks, no encryption, no indexes);
#   2. `kesu ledger import` of the same file into a database holding the seed regions: every
#      row checked (GB 11643, phone, village), name/ID/phone encrypted with SM4-GCM, two
#      HMAC-SM3 blind indexes, de-duplication, one transaction;
#   3. `kesu ledger import` of the same file again (everything already there: adds nothing);
#   4. `kesu ledger count` for a province (here the whole ledger), a city, a county, a township
#      and a village, with and without `--by group`: the whole process (start, open, query,
#      print), then the count alone, timed in process by `kesu-bench ledger-count`;
#   5. kill -9 in the middle of a second import of another file: the count is unchanged after;
#   6. that other file imported in full into the ledger that holds the first (the ledger is not
#      empty, so its indexes are kept up to date row by row; FULL_SECOND=0 skips this step).
#
# It prints the load average before and after: other work on the machine stretches the wall
# times (compare the CPU times too).
#
#   scripts/bench-ledger.sh                 # 1,000,000 rows
#   ROWS=100000 scripts/bench-ledger.sh
#   KESU_BIN=path/to/kesu BENCH_DIR=/tmp/bl scripts/bench-ledger.sh
#
# Figures go in docs/PERFORMANCE.md ("Citizens' ledger").
set -euo pipefail
cd "$(dirname "$0")/.."
target="${CARGO_TARGET_DIR:-target}"
rows="${ROWS:-1000000}"
if [[ -n "${KESU_BIN:-}" ]]; then
  kesu="$KESU_BIN"
  bench="${KESU_BENCH_BIN:-$(dirname "$KESU_BIN")/kesu-bench}"
else
  cargo build --release -q -p kesu -p kesu-bench
  kesu="$target/release/kesu"
  bench="$target/release/kesu-bench"
fi
command -v sqlite3 >/dev/null || { echo "sqlite3 not found (apt-get install sqlite3)" >&2; exit 1; }
work="${BENCH_DIR:-$(mktemp -d)}"
mkdir -p "$work"
[[ -n "${BENCH_DIR:-}" ]] || trap 'rm -rf "$work"' EXIT

file="$work/ledger-$rows.csv"
[[ -s "$file" ]] || python3 scripts/make-ledger.py "$rows" "$file" --prefix 43 --seed 1
other="$work/ledger-other-$rows.csv"
[[ -s "$other" ]] || python3 scripts/make-ledger.py "$rows" "$other" --prefix 50 --seed 2

now() { date +%s.%N; }
echo "load average before: $(cut -d' ' -f1-3 /proc/loadavg)"
secs() { python3 -c "print(f'{$2 - $1:.2f}')"; }

# 1. sqlite3 .import
rm -f "$work/plain.db"
sqlite3 "$work/plain.db" "PRAGMA journal_mode=WAL; CREATE TABLE t(name TEXT, id TEXT, phone TEXT, village TEXT, grp TEXT, basis TEXT, day TEXT);" >/dev/null
t0=$(now)
/usr/bin/time -f "%U %S" -o "$work/cpu-sqlite" sqlite3 "$work/plain.db" ".mode csv" ".import --skip 1 $file t"
t1=$(now)
sqlite_s=$(secs "$t0" "$t1")
echo "sqlite3 .import of $rows rows: ${sqlite_s} s wall, $(awk '{print $1+$2}' "$work/cpu-sqlite") s CPU"

# 2. kesu ledger import
data="$work/kesu"
rm -rf "$data"; mkdir -p "$data"
"$kesu" --data-dir "$data" regions import data/regions/seed-regions.csv.gz --edition 2023 >/dev/null 2>&1
"$kesu" --data-dir "$data" keys init >/dev/null 2>&1
t0=$(now)
/usr/bin/time -f "%M %U %S" -o "$work/mem" "$kesu" --data-dir "$data" ledger import "$file" >/dev/null 2>"$work/import.err"
t1=$(now)
kesu_s=$(secs "$t0" "$t1")
read -r rss ucpu scpu < "$work/mem"
echo "kesu ledger import of $rows rows: ${kesu_s} s wall, $(python3 -c "print($ucpu + $scpu)") s CPU (peak RSS $(( rss / 1024 )) MB), $(python3 -c "print(f'{$kesu_s / $sqlite_s:.1f}')")x sqlite3 .import (wall)"

# 3. again: nothing added
t0=$(now)
"$kesu" --data-dir "$data" ledger import "$file" > "$work/again.json" 2>/dev/null
t1=$(now)
echo "the same file again: $(secs "$t0" "$t1") s, added $(python3 -c "import json;print(json.load(open('$work/again.json'))['added'])")"

# 4. counts
for region in 43 4313 431302 431302001 $(sed -n 2p "$file" | cut -d, -f4); do
  for by in "" "--by group"; do
    best=999
    for _ in 1 2 3 4 5; do
      t0=$(now)
      "$kesu" --data-dir "$data" ledger count --region "$region" $by --format json >/dev/null
      t1=$(now)
      ms=$(python3 -c "print(round(($t1 - $t0) * 1000, 1))")
      best=$(python3 -c "print(min($best, $ms))")
    done
    echo "count --region $region $by: best of 5 ${best} ms (whole process)"
  done
done
# The count alone (the use case and its query, in one process, 50 runs per region and form).
"$bench" --database-url "sqlite://$data/kesu.db" ledger-count --runs 50 \
  43 4313 431302 431302001 "$(sed -n 2p "$file" | cut -d, -f4)"

# 5. kill -9 mid-import
before=$("$kesu" --data-dir "$data" ledger count --region 50 --format json | python3 -c "import json,sys;print(json.load(sys.stdin)['count'])")
"$kesu" --data-dir "$data" ledger import "$other" >/dev/null 2>&1 &
pid=$!
sleep "${KILL_AFTER:-4}"
kill -9 "$pid" 2>/dev/null || true
wait "$pid" 2>/dev/null || true
after=$("$kesu" --data-dir "$data" ledger count --region 50 --format json | python3 -c "import json,sys;print(json.load(sys.stdin)['count'])")
echo "kill -9 after ${KILL_AFTER:-4} s of importing another file: count for 50 before $before, after $after"
[[ "$before" == "$after" ]] || { echo "FAIL: the killed import left rows" >&2; exit 1; }

# 6. the other file into a ledger of $rows entries
if [[ "${FULL_SECOND:-1}" == 1 ]]; then
  t0=$(now)
  /usr/bin/time -f "%U %S" -o "$work/cpu-second" "$kesu" --data-dir "$data" ledger import "$other" > "$work/second.json" 2>/dev/null
  t1=$(now)
  echo "another $rows rows into the ledger of $rows: $(secs "$t0" "$t1") s wall, $(awk '{print $1+$2}' "$work/cpu-second") s CPU, added $(python3 -c "import json;print(json.load(open('$work/second.json'))['added'])")"
fi
echo "load average after: $(cut -d' ' -f1-3 /proc/loadavg)"
