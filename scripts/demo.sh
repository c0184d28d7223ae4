#!/usr/bin/env bash
# The demo: builds every example crate (skipped when unchanged) and serves all their
# functions with `offload serve`: POST /<package>/<function>, docs at /docs.
set -euo pipefail
cd "$(dirname "$0")/.."

port="${PORT:-8080}"
examples=(hello markdown ml image)
for example in "${examples[@]}"; do
  printf '\n==> offload build examples/%s\n' "$example"
  node dist/cli/main.js build "examples/$example"
done

printf '\n==> offload serve on http://localhost:%s (docs: /docs)\n' "$port"
echo "    try: curl -s -X POST localhost:$port/hello/say -H 'content-type: application/json' -d '[\"World\"]'"
exec node dist/cli/main.js serve "${examples[@]/#/examples/}" --port "$port" --host "${HOST:-127.0.0.1}"
