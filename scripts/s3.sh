#!/usr/bin/env bash
# A throwaway S3-compatible server (s3s-fs, installed by scripts/setup.sh) for trying the
# proxy's S3 secondary storage by hand:
#
#   eval "$(scripts/s3.sh start)"   # prints LAMINA_S3_* assignments; state in a temp dir
#   scripts/s3.sh stop              # stops it and removes its data
#
# start: a fresh data directory with one bucket, a free loopback port, random
# credentials; prints the endpoint, bucket and credentials as shell assignments, including
# LAMINA_PROXY_SECONDARY__S3__* so that `lamina proxy run` picks them up from the
# environment. The server's state (pid, directory) goes to $LAMINA_S3_STATE (default
# ${TMPDIR:-/tmp}/lamina-s3.state), which stop reads.
set -euo pipefail

state="${LAMINA_S3_STATE:-${TMPDIR:-/tmp}/lamina-s3.state}"
bucket="${LAMINA_S3_BUCKET:-lamina-proxy}"

find_server() {
  if [ -n "${LAMINA_S3S_FS_BIN:-}" ]; then echo "$LAMINA_S3S_FS_BIN"; return; fi
  if [ -x "$HOME/.cache/lamina/tools/bin/s3s-fs" ]; then echo "$HOME/.cache/lamina/tools/bin/s3s-fs"; return; fi
  command -v s3s-fs || { echo "s3.sh: s3s-fs not found; run scripts/setup.sh" >&2; exit 1; }
}

free_port() {
  python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

case "${1:-}" in
  start)
    if [ -f "$state" ]; then echo "s3.sh: already running ($state); run scripts/s3.sh stop" >&2; exit 1; fi
    server="$(find_server)"
    dir="$(mktemp -d "${TMPDIR:-/tmp}/lamina-s3.XXXXXX")"
    mkdir -p "$dir/data/$bucket"
    port="$(free_port)"
    access="lamina-$(od -An -N8 -tx1 /dev/urandom | tr -d ' \n')"
    secret="$(od -An -N24 -tx1 /dev/urandom | tr -d ' \n')"
    "$server" "$dir/data" --host 127.0.0.1 --port "$port" \
      --access-key "$access" --secret-key "$secret" >"$dir/s3s-fs.log" 2>&1 &
    pid=$!
    for _ in $(seq 1 300); do
      if (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then break; fi
      kill -0 "$pid" 2>/dev/null || { echo "s3.sh: s3s-fs exited; see $dir/s3s-fs.log" >&2; exit 1; }
      sleep 0.1
    done
    printf 'pid=%s\ndir=%s\n' "$pid" "$dir" >"$state"
    endpoint="http://127.0.0.1:$port"
    cat <<OUT
LAMINA_S3_ENDPOINT=$endpoint
LAMINA_S3_BUCKET=$bucket
LAMINA_S3_ACCESS_KEY_ID=$access
LAMINA_S3_SECRET_ACCESS_KEY=$secret
export LAMINA_PROXY_SECONDARY__S3__ENDPOINT=$endpoint
export LAMINA_PROXY_SECONDARY__S3__BUCKET=$bucket
export LAMINA_PROXY_SECONDARY__S3__ALLOW_HTTP=true
export LAMINA_PROXY_SECONDARY__S3__ACCESS_KEY_ID=$access
export LAMINA_PROXY_SECONDARY__S3__SECRET_ACCESS_KEY=$secret
OUT
    ;;
  stop)
    [ -f "$state" ] || { echo "s3.sh: not running ($state not found)" >&2; exit 0; }
    # shellcheck disable=SC1090
    . "$state"
    kill "$pid" 2>/dev/null || true
    for _ in $(seq 1 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
    rm -rf "$dir" "$state"
    ;;
  *)
    echo "usage: scripts/s3.sh start|stop" >&2
    exit 2
    ;;
esac
