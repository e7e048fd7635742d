#!/usr/bin/env bash
# Property-based API test: schemathesis (PyPI) generates requests from /api/v1/openapi.json and
# sends them to a running Kesu, signed in as an office admin, with every check on (no 5xx,
# status codes, content types, headers and bodies as documented, schema-valid data accepted and
# invalid data refused, authentication not ignored, …). Settings in scripts/schemathesis.toml.
#
#   bash scripts/schemathesis.sh BASE_URL ACCOUNTS.json   (e2e.sh calls it against `kesu demo`)
set -euo pipefail
BASE=$1
ACCOUNTS=$2
HERE=$(cd "$(dirname "$0")" && pwd)
if ! command -v st >/dev/null 2>&1 && ! command -v schemathesis >/dev/null 2>&1; then
  python3 -m pip install --quiet --disable-pip-version-check schemathesis >/dev/null 2>&1 ||
    { echo "schemathesis.sh: cannot install schemathesis; skipped" >&2; exit 0; }
fi
ST=$(command -v st || command -v schemathesis)
read -r USER PASS < <(python3 -c 'import json,sys; a=[x for x in json.load(open(sys.argv[1])) if x["role"]=="admin"][0]; print(a["username"], a["password"])' "$ACCOUNTS")
KESU_SESSION=$(curl -fsS -D - -o /dev/null -H 'content-type: application/json' \
  -d "{\"username\":\"$USER\",\"password\":\"$PASS\"}" "$BASE/api/v1/login" | tr -d '\r' |
  sed -n 's/^[Ss]et-[Cc]ookie: kesu_session=\([^;]*\).*/\1/p')
[ -n "$KESU_SESSION" ] || { echo "schemathesis.sh: login failed" >&2; exit 1; }
export KESU_SESSION
# Logout would end the session under the test's feet; the Rust tests exercise it
# (crates/kesu-web/tests/authz_matrix.rs, hostile_clients.rs).
"$ST" --config-file "$HERE/schemathesis.toml" run "$BASE/api/v1/openapi.json" --url "$BASE/api/v1" \
  --checks all --max-examples "${ST_EXAMPLES:-30}" --exclude-path /logout ${ST_SEED:+--seed "$ST_SEED"} ${ST_ARGS:-}
