#!/usr/bin/env bash
# Installs Debian's chromium for the browser tests (driven by playwright-core, which brings
# no browser of its own). The packages are in scripts/packages/chromium.apt, which
# test/provenance.test.ts also reads. Idempotent: does nothing when they are installed.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
list="$here/packages/chromium.apt"
# shellcheck source=packages/read-list.sh
. "$here/packages/read-list.sh"

mapfile -t missing < <(missing_packages "$list")
if [ "${#missing[@]}" -eq 0 ] && [ -x /usr/bin/chromium ]; then
  echo "✓ chromium is installed: $(/usr/bin/chromium --version 2>/dev/null || echo /usr/bin/chromium)"
  exit 0
fi
mapfile -t packages < <(read_package_list "$list")

if [ "$(id -u)" -ne 0 ]; then
  echo "chromium is missing; install it as root with: apt-get install -y --no-install-recommends ${packages[*]}" >&2
  exit 1
fi

echo "› apt-get update"
apt-get update -q
echo "› apt-get install --no-install-recommends ${packages[*]} (about 100 MB)"
DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends "${packages[@]}"
echo "✓ chromium installed: $(/usr/bin/chromium --version)"
