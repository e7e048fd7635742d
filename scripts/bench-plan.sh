#!/usr/bin/env bash
# Plan reader performance: the divan benchmark (five sample plans; growth with length), then
# `kesu plan parse` (release) on large files, with wall time and peak memory from /usr/bin/time.
#
#   scripts/bench-plan.sh            # everything
#   SKIP_BENCH=1 scripts/bench-plan.sh   # only the large-file runs
#   SIZE_MB=100 scripts/bench-plan.sh    # another size for the large files
#
# Figures go in docs/PERFORMANCE.md ("Plan reader").
set -euo pipefail
cd "$(dirname "$0")/.."
target="${CARGO_TARGET_DIR:-target}"
size_mb="${SIZE_MB:-50}"

cargo build --release -q -p kesu
kesu="$target/release/kesu"

if [[ -z "${SKIP_BENCH:-}" ]]; then
  echo "== cargo bench -p kesu-plan --bench parse"
  cargo bench -q -p kesu-plan --bench parse
fi

# The upload-to-draft path for a document of 100 pages: the same synthetic plan as the divan
# benchmark's `hundred_pages` (1 600 measures, 155 000 characters; 100 A4 pages as LibreOffice
# prints it) as text, as a .docx and as a PDF made by LibreOffice, read by `kesu plan parse` (a
# cold process: decoding, pdftotext for the PDF, the reader, JSON out).
hundred="$(mktemp -d)"
python3 scripts/plan100.py "$hundred/plan.txt"
if command -v soffice >/dev/null; then
  soffice --headless --infilter="Text (encoded):UTF8,LF,,," --convert-to 'docx:MS Word 2007 XML' --outdir "$hundred" "$hundred/plan.txt" >/dev/null 2>&1 || true
  soffice --headless --convert-to pdf --outdir "$hundred" "$hundred/plan.docx" >/dev/null 2>&1 || true
fi
printf '\n%-12s %10s %8s %8s %10s\n' "100 pages" "KB" "pages" "tasks" "seconds"
for f in "$hundred"/plan.txt "$hundred"/plan.docx "$hundred"/plan.pdf; do
  [[ -f "$f" ]] || { echo "$(basename "$f"): not made (LibreOffice missing?)"; continue; }
  pages=""
  if [[ "$f" == *.pdf ]] && command -v pdfinfo >/dev/null; then
    pages=$(pdfinfo "$f" | awk '/^Pages:/ {print $2}')
  fi
  start=$(date +%s.%N)
  "$kesu" plan parse "$f" -o "$hundred/out.json" 2>/dev/null
  end=$(date +%s.%N)
  tasks=$(python3 -c "import json,sys; print(len(json.load(open(sys.argv[1]))['tasks']))" "$hundred/out.json")
  awk -v n="$(basename "$f")" -v kb="$(stat -c %s "$f")" -v p="${pages:--}" -v t="$tasks" -v s="$start" -v e="$end" \
    'BEGIN { printf "%-12s %10.0f %8s %8d %10.3f\n", n, kb / 1024, p, t, e - s }'
done
rm -rf "$hundred"

if [[ ! -x /usr/bin/time ]]; then
  echo "/usr/bin/time not found (apt-get install time); skipping the large-file runs" >&2
  exit 0
fi

work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
bytes=$((size_mb * 1024 * 1024))

# Sample plans, one after another, until the file is SIZE_MB.
seeds="$work/seeds.txt"
while [[ $(stat -c %s "$seeds" 2>/dev/null || echo 0) -lt $bytes ]]; do
  cat samples/plans/*.txt >> "$seeds"
  printf '\n' >> "$seeds"
done
# The same in GB18030 (the detection and the conversion on a large file).
gbk="$work/seeds-gbk.txt"
iconv -f UTF-8 -t GB18030 "$seeds" > "$gbk" 2>/dev/null || gbk=""
# Prose with no plan in it.
prose="$work/prose.txt"
line="今天天气很好，我们去公园散步。公园里有很多人，孩子们在草地上玩耍，老人们在树下下棋。"
printf '%s\n' "$line" > "$prose"
while [[ $(stat -c %s "$prose") -lt $((bytes / 2)) ]]; do
  cat "$prose" "$prose" > "$work/p2" && mv "$work/p2" "$prose"
done
cat "$prose" "$prose" > "$work/p2"
head -c "$bytes" "$work/p2" | sed '$d' > "$prose"
# Random bytes.
binary="$work/random.bin"
head -c "$bytes" /dev/urandom > "$binary"

printf '\n%-28s %10s %6s %10s %12s %8s\n' "file" "MB" "exit" "seconds" "peak RSS MB" "RSS/size"
for f in "$seeds" ${gbk:+"$gbk"} "$prose" "$binary"; do
  for format in json; do
    log="$work/time.log"
    set +e
    /usr/bin/time -v "$kesu" plan parse "$f" --format "$format" -o "$work/out" 2> "$log"
    code=$?
    set -e
    size=$(stat -c %s "$f")
    rss_kb=$(awk -F: '/Maximum resident set size/ {gsub(/ /, "", $2); print $2}' "$log")
    wall=$(awk '/Elapsed \(wall clock\)/ {print $NF}' "$log")
    secs=$(awk -v t="$wall" 'BEGIN { n = split(t, p, ":"); s = 0; for (i = 1; i <= n; i++) s = s * 60 + p[i]; print s }')
    awk -v name="$(basename "$f")" -v size="$size" -v code="$code" -v secs="$secs" -v rss="$rss_kb" \
      'BEGIN { printf "%-28s %10.1f %6d %10.2f %12.1f %8.2f\n", name, size / 1048576, code, secs, rss / 1024, rss * 1024 / size }'
    if [[ $code -ne 0 ]]; then grep -m1 "错误" "$log" | sed 's/^/    /' || true; fi
  done
done
