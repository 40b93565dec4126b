#!/usr/bin/env bash
# A throwaway PostgreSQL cluster (Debian's postgresql, installed by scripts/setup.sh) for
# running the disperser on the PostgreSQL metadata backend by hand or in a devnet:
#
#   eval "$(scripts/postgres.sh start)"   # prints LAMINA_PG_URL=…; data in a temp dir
#   scripts/postgres.sh stop              # stops it and removes its data
#
# start: initdb into a fresh temporary directory (trust authentication, loopback only),
# pg_ctl start on a free port, then prints LAMINA_PG_URL (for `[metadata] url_env =
# "LAMINA_PG_URL"`). PostgreSQL refuses to run as root: as root the directory is given to
# the postgres user and the server runs as it. The server binaries: $LAMINA_PG_BIN, else
# `pg_config --bindir`, else the newest /usr/lib/postgresql/<version>/bin. State (the
# directory) goes to $LAMINA_PG_STATE (default ${TMPDIR:-/tmp}/lamina-pg.state), which
# stop reads. The tests start their own cluster the same way
# (disperser/src/metadata/test_cluster.rs).
set -euo pipefail

state="${LAMINA_PG_STATE:-${TMPDIR:-/tmp}/lamina-pg.state}"

find_bin() {
  if [ -n "${LAMINA_PG_BIN:-}" ]; then echo "$LAMINA_PG_BIN"; return; fi
  if command -v pg_config >/dev/null 2>&1 && [ -x "$(pg_config --bindir)/initdb" ]; then
    pg_config --bindir; return
  fi
  local newest
  newest="$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1)"
  if [ -n "$newest" ] && [ -x "$newest/initdb" ]; then echo "$newest"; return; fi
  echo "postgres.sh: initdb not found; run scripts/setup.sh (Debian's postgresql)" >&2
  exit 1
}

free_port() {
  python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

# Runs a server binary as the postgres user when we are root.
as_server() {
  if [ "$(id -u)" = 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi
}

case "${1:-}" in
  start)
    if [ -f "$state" ]; then echo "postgres.sh: already running ($state); run scripts/postgres.sh stop" >&2; exit 1; fi
    bin="$(find_bin)"
    dir="$(mktemp -d "${TMPDIR:-/tmp}/lamina-pg.XXXXXX")"
    if [ "$(id -u)" = 0 ]; then chown -R postgres: "$dir"; fi
    as_server "$bin/initdb" --auth=trust --username=postgres --encoding=UTF8 -D "$dir/data" >"$dir/initdb.log" 2>&1 \
      || { echo "postgres.sh: initdb failed; see $dir/initdb.log" >&2; exit 1; }
    port="$(free_port)"
    # -w: pg_ctl returns once the server accepts connections.
    as_server "$bin/pg_ctl" -D "$dir/data" -l "$dir/server.log" -w \
      -o "-p $port -k $dir -c listen_addresses=127.0.0.1" start >/dev/null \
      || { echo "postgres.sh: the server did not start; see $dir/server.log" >&2; exit 1; }
    printf 'bin=%s\ndir=%s\nport=%s\n' "$bin" "$dir" "$port" >"$state"
    echo "LAMINA_PG_URL=postgres://postgres@127.0.0.1:$port/postgres"
    echo "export LAMINA_PG_URL"
    ;;
  stop)
    if [ ! -f "$state" ]; then echo "postgres.sh: not running ($state missing)" >&2; exit 1; fi
    bin="$(sed -n 's/^bin=//p' "$state")"
    dir="$(sed -n 's/^dir=//p' "$state")"
    as_server "$bin/pg_ctl" -D "$dir/data" -m fast -w stop >/dev/null || true
    rm -rf "$dir" "$state"
    ;;
  *)
    echo "usage: scripts/postgres.sh start|stop" >&2
    exit 2
    ;;
esac
