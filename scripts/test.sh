#!/usr/bin/env bash
# The whole test suite: Rust tests on SQLite and, when PostgreSQL can be started here, on
# PostgreSQL too (a throwaway cluster, see scripts/pg.sh). Set KESU_TEST_PG_URL yourself to use an
# existing server, or KESU_NO_PG=1 to run on SQLite only.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/pg.sh

if [ -z "${KESU_TEST_PG_URL:-}" ] && [ -z "${KESU_NO_PG:-}" ]; then
  pg_start || echo "test.sh: running on SQLite only" >&2
fi

if command -v cargo-nextest >/dev/null 2>&1; then
  cargo nextest run --workspace --no-fail-fast "$@"
else
  cargo test --workspace --no-fail-fast "$@"
fi
