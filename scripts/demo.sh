#!/usr/bin/env bash
# The demo: builds every example crate (skipped when unchanged) and serves all their
# functions with `offload serve` (examples/serve.json): POST /<package>/<function>, docs at
# /docs. The embeddings package also gets its model and a search index, built here once.
set -euo pipefail
cd "$(dirname "$0")/.."

port="${PORT:-8080}"
examples=(hello markdown ml image embeddings)
for example in "${examples[@]}"; do
  printf '\n==> offload build examples/%s\n' "$example"
  node dist/cli/main.js build "examples/$example"
done

printf '\n==> search index for the embeddings demo (README paragraphs, embedded once)\n'
node --import tsx examples/embeddings/prepare-serve.ts

printf '\n==> offload serve on http://localhost:%s (docs: /docs)\n' "$port"
echo "    try: curl -s -X POST localhost:$port/hello/say -H 'content-type: application/json' -d '[\"World\"]'"
echo "    try: curl -s -X POST localhost:$port/embeddings/search -H 'content-type: application/json' -d '{\"query\": \"run code in a sandbox\", \"k\": 3}'"
exec node dist/cli/main.js serve --config examples/serve.json --port "$port" --host "${HOST:-127.0.0.1}"
