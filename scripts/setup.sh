#!/usr/bin/env bash
# Everything `npm start` and `npm test` need on a fresh machine, installed idempotently:
# npm packages, offload's own build, the Rust-to-wasm toolchain and WasmEdge.
# Each step says what it does and skips itself when its work is already done.
set -euo pipefail
cd "$(dirname "$0")/.."

step() { printf '\n==> %s\n' "$*"; }

major=$(node -p 'process.versions.node.split(".")[0]')
if [ "$major" -lt 20 ]; then
  echo "offload needs Node.js 20 or newer; this is $(node --version)." >&2
  exit 1
fi

if [ ! -f node_modules/.package-lock.json ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  step "npm ci (installing offload's npm dependencies)"
  npm ci --no-audit --no-fund
else
  step "npm dependencies: already installed"
fi

step "compiling offload (tsc)"
npx tsc -p tsconfig.build.json

step "Rust toolchain for wasm (offload setup)"
node dist/cli/main.js setup

if [ -f scripts/install-wasmedge.sh ]; then
  step "WasmEdge (second engine)"
  bash scripts/install-wasmedge.sh
fi
