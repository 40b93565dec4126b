#!/usr/bin/env bash
# Installs everything a fresh machine lacks to build and test Lamina. Idempotent.
set -euo pipefail
cd "$(dirname "$0")/.."

need_apt=()
command -v clang >/dev/null 2>&1 || need_apt+=(clang)
[ -e /usr/lib/llvm-14/lib/libclang.so ] || ls /usr/lib/llvm-*/lib/libclang*.so >/dev/null 2>&1 || need_apt+=(libclang-dev)
# The rocksdb crate links this system library (.cargo/config.toml sets ROCKSDB_LIB_DIR) and
# generates its bindings with libclang.
[ -e /usr/lib/x86_64-linux-gnu/librocksdb.so ] || need_apt+=(librocksdb-dev)
if [ ${#need_apt[@]} -gt 0 ]; then
  echo "setup: installing ${need_apt[*]}"
  SUDO=""; [ "$(id -u)" = 0 ] || SUDO=sudo
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq "${need_apt[@]}" >/dev/null
fi

command -v cargo >/dev/null 2>&1 || { echo "setup: cargo not found; install Rust 1.95 with rustup" >&2; exit 1; }
command -v npm >/dev/null 2>&1 || { echo "setup: npm not found; install Node.js 20+" >&2; exit 1; }

# Foundry (forge, anvil, cast), solcjs and OpenZeppelin, pinned in contracts/package-lock.json.
if [ ! -x contracts/node_modules/@foundry-rs/forge-linux-amd64/bin/forge ] || \
   [ contracts/package-lock.json -nt contracts/node_modules/.package-lock.json ]; then
  echo "setup: installing the contracts toolchain (npm ci)"
  (cd contracts && npm ci --no-audit --no-fund --loglevel=error)
fi
