#!/usr/bin/env bash
# Throwaway PostgreSQL cluster for the test suite: source this file, then call `pg_start`; it sets
# KESU_TEST_PG_URL and registers `pg_stop` on exit. Installs the `postgresql` package with apt when
# initdb is missing (as root). Listens on a Unix socket in a temp dir only: no TCP port at all.

pg_find_bin() {
  local d
  for d in /usr/lib/postgresql/*/bin; do
    [ -x "$d/initdb" ] && { echo "$d"; return 0; }
  done
  command -v initdb >/dev/null 2>&1 && { dirname "$(command -v initdb)"; return 0; }
  return 1
}

pg_start() {
  local bin
  if ! bin=$(pg_find_bin); then
    if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
      echo "pg.sh: initdb not found; installing postgresql with apt" >&2
      apt-get update -qq >/dev/null && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postgresql >/dev/null
      bin=$(pg_find_bin) || { echo "pg.sh: postgresql install failed" >&2; return 1; }
    else
      echo "pg.sh: initdb not found and cannot install it (not root); PostgreSQL tests skipped" >&2
      return 1
    fi
  fi
  PG_DIR=$(mktemp -d /tmp/kesu-pg.XXXXXX)
  local run=()
  if [ "$(id -u)" = 0 ]; then
    chown postgres: "$PG_DIR"
    run=(runuser -u postgres --)
  fi
  "${run[@]}" "$bin/initdb" -D "$PG_DIR/data" --auth=trust --username=kesu --encoding=UTF8 --locale=C >/dev/null || return 1
  "${run[@]}" "$bin/pg_ctl" -D "$PG_DIR/data" -l "$PG_DIR/log" -w -o \
    "-c listen_addresses= -c unix_socket_directories=$PG_DIR -c fsync=off -c synchronous_commit=off -c full_page_writes=off -c max_connections=200" \
    start >/dev/null || { cat "$PG_DIR/log" >&2; return 1; }
  PG_BIN=$bin
  export KESU_TEST_PG_URL="postgres://kesu@localhost/postgres?host=$PG_DIR"
  trap pg_stop EXIT
  echo "pg.sh: PostgreSQL running at $PG_DIR (KESU_TEST_PG_URL set)" >&2
}

pg_stop() {
  [ -n "${PG_DIR:-}" ] || return 0
  local run=()
  [ "$(id -u)" = 0 ] && run=(runuser -u postgres --)
  "${run[@]}" "$PG_BIN/pg_ctl" -D "$PG_DIR/data" -m immediate stop >/dev/null 2>&1
  rm -rf "$PG_DIR"
  PG_DIR=
}
