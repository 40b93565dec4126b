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
# Headless Chromium for the console's browser tests (bin/lamina/tests/console.rs).
command -v chromium >/dev/null 2>&1 || need_apt+=(chromium)
# PostgreSQL server binaries (initdb, pg_ctl): the disperser's metadata tests run against a
# throwaway cluster (disperser/src/metadata/test_cluster.rs, scripts/postgres.sh).
ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1 || need_apt+=(postgresql)
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

# s3s-fs: the S3-compatible server the proxy's S3 secondary-storage test runs against (an
# S3 protocol implementation over a directory, from crates.io; ~3 min of build on an idle
# 2-core machine, 4 min 46 s of CPU). Kept outside the clone, next to the cargo target
# directory CI keeps. 0.14.1 is the newest release that builds with our Rust (0.17 needs
# rustc 1.96).
S3S_FS_VERSION=0.14.1
tools="${LAMINA_TOOLS_DIR:-$HOME/.cache/lamina/tools}"
if ! "$tools/bin/s3s-fs" --version 2>/dev/null | grep -qx "s3s-fs $S3S_FS_VERSION"; then
  echo "setup: installing s3s-fs $S3S_FS_VERSION into $tools"
  cargo install s3s-fs --version "=$S3S_FS_VERSION" --features binary --locked --root "$tools" --quiet
fi
