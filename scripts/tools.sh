# Sourced by test.sh and e2e.sh: install with apt what the tests need and the machine lacks.

# Debian's chromium drives the browser tests; chromium-headless-shell prints the annual report's
# PDF (the same engine, four times faster to start); CJK fonts for both.
ensure_chromium() {
  if command -v chromium >/dev/null 2>&1 && command -v chromium-headless-shell >/dev/null 2>&1; then
    return 0
  fi
  echo "installing Debian chromium, chromium-headless-shell and CJK fonts" >&2
  (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq \
    chromium chromium-headless-shell fonts-noto-cjk) >/dev/null
}
