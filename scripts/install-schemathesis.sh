#!/usr/bin/env bash
# Installs the Schemathesis API fuzzer (a pinned version, with pip from PyPI) into a virtual
# environment under ~/.cache/offload/, for the test that fuzzes `offload serve` through its
# own /openapi.json. Idempotent: does nothing when that version is already there.
set -euo pipefail
cd "$(dirname "$0")/.."

SCHEMATHESIS_VERSION=4.32.5
venv="${OFFLOAD_CACHE:-$HOME/.cache/offload}/schemathesis-$SCHEMATHESIS_VERSION"

if [ -x "$venv/bin/st" ] && "$venv/bin/st" --version 2>/dev/null | grep -q "$SCHEMATHESIS_VERSION"; then
  echo "✓ schemathesis $SCHEMATHESIS_VERSION is installed in $venv"
  exit 0
fi

if ! python3 -c 'import venv, ensurepip' 2>/dev/null; then
  mapfile -t packages < <(grep -v '^\s*#' scripts/packages/schemathesis.apt | grep -v '^\s*$')
  if [ "$(id -u)" -ne 0 ]; then
    echo "python3's venv module is missing; install it as root with: apt-get install -y ${packages[*]}" >&2
    exit 1
  fi
  echo "› apt-get install ${packages[*]}"
  apt-get update -q
  DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends "${packages[@]}"
fi

echo "› python3 -m venv $venv"
rm -rf "$venv"
python3 -m venv "$venv"
echo "› pip install schemathesis==$SCHEMATHESIS_VERSION (about 30 MB)"
"$venv/bin/pip" install --quiet --disable-pip-version-check "schemathesis==$SCHEMATHESIS_VERSION"
echo "✓ schemathesis installed: $("$venv/bin/st" --version)"
