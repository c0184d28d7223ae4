#!/usr/bin/env bash
# Installs Debian's chromium for the browser tests (driven by playwright-core, which brings
# no browser of its own). Idempotent: does nothing when /usr/bin/chromium exists.
set -euo pipefail

if [ -x /usr/bin/chromium ]; then
  echo "✓ chromium is installed: $(/usr/bin/chromium --version 2>/dev/null || echo /usr/bin/chromium)"
  exit 0
fi

if [ "$(id -u)" -ne 0 ]; then
  echo "chromium is missing; install it as root with: apt-get install -y chromium" >&2
  exit 1
fi

echo "› apt-get update"
apt-get update -q
echo "› apt-get install chromium (about 100 MB)"
DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends chromium
echo "✓ chromium installed: $(/usr/bin/chromium --version)"
