#!/usr/bin/env bash
# The whole test suite: Rust tests on SQLite and, when PostgreSQL can be started here, on
# PostgreSQL too (a throwaway cluster, see scripts/pg.sh). Set KESU_TEST_PG_URL yourself to use an
# existing server, or KESU_NO_PG=1 to run on SQLite only. Then the browser tests (scripts/e2e.sh).
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/pg.sh

if [ -z "${KESU_TEST_PG_URL:-}" ] && [ -z "${KESU_NO_PG:-}" ]; then
  pg_start || echo "test.sh: running on SQLite only" >&2
fi

# Plans published as PDF are read through poppler's pdftotext (kesu_app::pdf_text); its tests
# need it. Installed with apt when missing and possible (as root), else those tests say why.
if ! command -v pdftotext >/dev/null 2>&1 && [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
  echo "test.sh: installing poppler-utils (pdftotext)" >&2
  (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq poppler-utils) >/dev/null || \
    echo "test.sh: poppler-utils install failed" >&2
fi

# The printed annual report (PDF) is made by Debian's chromium(-headless-shell); the content-leak
# test reads it back, so the browser is installed before the Rust tests, not only for e2e.sh.
source scripts/tools.sh
ensure_chromium || echo "test.sh: chromium install failed" >&2

status=0
if command -v cargo-nextest >/dev/null 2>&1; then
  cargo nextest run --workspace --no-fail-fast "$@" || status=$?
else
  cargo test --workspace --no-fail-fast "$@" || status=$?
fi

# Browser tests (Playwright + Debian chromium) against `kesu demo`, with the binary the Rust tests
# just built. KESU_NO_BROWSER=1 skips them.
if [ -z "${KESU_NO_BROWSER:-}" ]; then
  KESU_BIN="${CARGO_TARGET_DIR:-target}/debug/kesu" bash scripts/e2e.sh || status=$?
fi
exit $status
