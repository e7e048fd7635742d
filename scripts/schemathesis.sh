#!/usr/bin/env bash
# Property-based API test: schemathesis (PyPI) generates requests from /api/v1/openapi.json and
# sends them to a running Kesu, signed in as an office admin; the run fails on any 5xx.
#
#   bash scripts/schemathesis.sh BASE_URL ACCOUNTS.json   (e2e.sh calls it against `kesu demo`)
set -euo pipefail
BASE=$1
ACCOUNTS=$2
if ! command -v st >/dev/null 2>&1 && ! command -v schemathesis >/dev/null 2>&1; then
  python3 -m pip install --quiet --disable-pip-version-check schemathesis >/dev/null 2>&1 ||
    { echo "schemathesis.sh: cannot install schemathesis; skipped" >&2; exit 0; }
fi
ST=$(command -v st || command -v schemathesis)
read -r USER PASS < <(python3 -c 'import json,sys; a=[x for x in json.load(open(sys.argv[1])) if x["role"]=="admin"][0]; print(a["username"], a["password"])' "$ACCOUNTS")
COOKIE=$(curl -fsS -D - -o /dev/null -H 'content-type: application/json' \
  -d "{\"username\":\"$USER\",\"password\":\"$PASS\"}" "$BASE/api/v1/login" | tr -d '\r' |
  sed -n 's/^[Ss]et-[Cc]ookie: \([^;]*\).*/\1/p')
[ -n "$COOKIE" ] || { echo "schemathesis.sh: login failed" >&2; exit 1; }
# Logout would end the session under the test's feet; it is exercised by the Rust tests.
"$ST" run "$BASE/api/v1/openapi.json" --url "$BASE/api/v1" -H "Cookie: $COOKIE" \
  --checks not_a_server_error --max-examples "${ST_EXAMPLES:-30}" --exclude-path /logout \
  --exclude-path /login
