#!/usr/bin/env bash
# The whole upload-to-draft path on the server for a 100-page plan (issue 12): `kesu demo`
# (release) on a local port, an office admin signed in with curl, then RUNS uploads of the same
# plan as .txt, .docx, .pdf (both made by LibreOffice) and its 任务分解表 .xlsx to
# `POST /api/v1/plan-drafts` (multipart, read, region, registry check, draft stored, JSON
# answered). Prints each format's fastest, median and slowest time as curl saw it, and the
# server's own latency from its request log. Figures go in docs/PERFORMANCE.md.
#
#   scripts/bench-draft-upload.sh          # RUNS=10; KESU_BIN=… to use a built binary
set -euo pipefail
cd "$(dirname "$0")/.."
runs="${RUNS:-10}"
kesu="${KESU_BIN:-}"
if [[ -z "$kesu" ]]; then
  cargo build --release -q --bin kesu
  kesu="${CARGO_TARGET_DIR:-target}/release/kesu"
fi

work="$(mktemp -d /tmp/drafts-bench-XXXXXX)"
pid=""
cleanup() { [[ -n "$pid" ]] && kill "$pid" 2>/dev/null && wait "$pid" 2>/dev/null; rm -rf "$work"; }
trap cleanup EXIT

python3 scripts/plan100.py "$work/plan.txt"
soffice -env:UserInstallation="file://$work/lo" --headless --infilter="Text (encoded):UTF8,LF,,," \
  --convert-to 'docx:MS Word 2007 XML' --outdir "$work" "$work/plan.txt" >/dev/null 2>&1
soffice -env:UserInstallation="file://$work/lo" --headless --convert-to pdf --outdir "$work" "$work/plan.docx" >/dev/null 2>&1
"$kesu" plan parse "$work/plan.txt" --format xlsx -o "$work/plan.xlsx"
pages=$(pdfinfo "$work/plan.pdf" | awk '/^Pages:/ {print $2}')

port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
"$kesu" demo --data-dir "$work/data" --bind "127.0.0.1:$port" > "$work/server.log" 2>&1 &
pid=$!
for _ in $(seq 1 300); do
  curl -fsS "http://127.0.0.1:$port/login" >/dev/null 2>&1 && break
  sleep 0.2
done
password=$(python3 -c 'import json,sys; print(next(a["password"] for a in json.load(open(sys.argv[1])) if a["username"]=="admin_4313"))' "$work/data/demo-accounts.json")
curl -fsS -c "$work/jar" -o /dev/null --data-urlencode username=admin_4313 --data-urlencode "password=$password" "http://127.0.0.1:$port/login"

# The server's own latency of the draft uploads logged so far.
server_ms() { grep 'plan-drafts' "$work/server.log" | grep -o 'latency_ms=[0-9.]*' | cut -d= -f2 || true; }

printf '100-page plan: %s PDF pages\n\n%-10s %7s %6s %6s %26s %26s\n' "$pages" file KB tasks status \
  "curl: fastest/median/max s" "server: fastest/median/max ms"
for f in plan.txt plan.docx plan.pdf plan.xlsx; do
  seen=$(server_ms | wc -l)
  times=()
  for _ in $(seq 1 "$runs"); do
    out=$(curl -sS -b "$work/jar" -o "$work/answer.json" -w '%{http_code} %{time_total}' \
      -F "file=@$work/$f" "http://127.0.0.1:$port/api/v1/plan-drafts")
    status=${out% *}
    times+=("${out#* }")
  done
  sleep 0.3 # the last request's log line
  tasks=$(python3 -c 'import json,sys; print(len(json.load(open(sys.argv[1]))["plan"]["tasks"]))' "$work/answer.json" 2>/dev/null || echo -)
  stats() { sort -n | awk '{ a[NR] = $1 } END { if (NR) printf "%s / %s / %s", a[1], a[int((NR + 1) / 2)], a[NR]; else printf "-" }'; }
  client=$(printf '%s\n' "${times[@]}" | stats)
  server=$(server_ms | tail -n +"$((seen + 1))" | stats)
  printf '%-10s %7d %6s %6s %26s %26s\n' "$f" "$(($(stat -c %s "$work/$f") / 1024))" "$tasks" "$status" "$client" "$server"
done
