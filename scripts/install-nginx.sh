#!/usr/bin/env bash
# Installs Debian's nginx for the scale-out test (two `offload serve` replicas behind one load
# balancer on loopback). Only the binary is used: the test writes its own config and runs
# nginx as an ordinary foreground process, so the package's system service is never started.
# Idempotent: does nothing when /usr/sbin/nginx exists.
set -euo pipefail
cd "$(dirname "$0")/.."

if [ -x /usr/sbin/nginx ]; then
  echo "✓ nginx is installed: $(/usr/sbin/nginx -v 2>&1)"
  exit 0
fi

mapfile -t packages < <(grep -v '^\s*#' scripts/packages/nginx.apt | grep -v '^\s*$')
if [ "$(id -u)" -ne 0 ]; then
  echo "nginx is missing; install it as root with: apt-get install -y --no-install-recommends ${packages[*]}" >&2
  exit 1
fi

echo "› apt-get update"
apt-get update -q
echo "› apt-get install ${packages[*]} (about 1 MB)"
# policy-rc.d 101 keeps Debian's post-install from starting nginx as a service on port 80.
policy=/usr/sbin/policy-rc.d
created_policy=false
if [ ! -e "$policy" ]; then
  printf '#!/bin/sh\nexit 101\n' > "$policy" && chmod +x "$policy" && created_policy=true
fi
DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends "${packages[@]}"
if $created_policy; then rm -f "$policy"; fi
echo "✓ nginx installed: $(/usr/sbin/nginx -v 2>&1)"
