#!/usr/bin/env bash
# Browser tests: start `kesu demo` on a free local port with a fresh data dir, then run the
# Playwright tests in e2e/ against it with Debian's chromium (installed here if missing; never
# downloaded by Playwright), then schemathesis against its OpenAPI document. Screenshots land in
# e2e/artifacts/.
set -euo pipefail
cd "$(dirname "$0")/.."

source scripts/tools.sh
ensure_chromium
if [ ! -d e2e/node_modules/playwright-core ]; then
  (cd e2e && npm ci --no-audit --no-fund --silent)
fi

KESU_BIN=${KESU_BIN:-}
if [ -z "$KESU_BIN" ]; then
  cargo build --release --quiet --bin kesu
  KESU_BIN="${CARGO_TARGET_DIR:-target}/release/kesu"
fi

DATA=$(mktemp -d)
PORT=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
"$KESU_BIN" demo --data-dir "$DATA" --bind "127.0.0.1:$PORT" > "$DATA/demo.log" 2>&1 &
PID=$!
cleanup() { kill "$PID" 2>/dev/null || true; wait "$PID" 2>/dev/null || true; rm -rf "$DATA"; }
trap cleanup EXIT
for _ in $(seq 1 300); do
  if curl -fsS "http://127.0.0.1:$PORT/login" >/dev/null 2>&1; then break; fi
  if ! kill -0 "$PID" 2>/dev/null; then cat "$DATA/demo.log" >&2; echo "e2e.sh: kesu demo exited" >&2; exit 1; fi
  sleep 0.2
done
export KESU_URL="http://127.0.0.1:$PORT" KESU_ACCOUNTS="$DATA/demo-accounts.json"
status=0
(cd e2e && node --test --test-concurrency=1 tests/) || status=$?
# The API under generated requests: no 5xx (schemathesis from PyPI; KESU_NO_SCHEMATHESIS=1 skips).
if [ -z "${KESU_NO_SCHEMATHESIS:-}" ]; then
  (cd "$DATA" && bash "$OLDPWD/scripts/schemathesis.sh" "$KESU_URL" "$KESU_ACCOUNTS") || status=$?
fi
exit $status
