#!/usr/bin/env bash
# Installs Node 24 from the npm registry's `node` package into offload's cache (once) and
# prints the folder holding its `node` binary, for running the tests on a second Node.
set -euo pipefail
prefix="${OFFLOAD_CACHE_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/offload}/node24"
bin="$prefix/node_modules/.bin"
if [ ! -x "$bin/node" ] || [ "$("$bin/node" -p 'process.versions.node.split(".")[0]')" != 24 ]; then
  echo "==> installing Node 24 (npm package node@24) into $prefix" >&2
  mkdir -p "$prefix"
  npm install --prefix "$prefix" --no-save --no-audit --no-fund node@24 >&2
fi
echo "$bin"
