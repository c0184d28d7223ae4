#!/usr/bin/env bash
# Installs the Schemathesis API fuzzer and the openapi-spec-validator (pinned versions, with pip
# from PyPI) into a virtual environment under ~/.cache/offload/, for the test that fuzzes
# `offload serve` through its own /openapi.json and validates that document. Idempotent: does
# nothing when those versions are already there.
set -euo pipefail
cd "$(dirname "$0")/.."

SCHEMATHESIS_VERSION=4.32.5
VALIDATOR_VERSION=0.8.4
venv="${OFFLOAD_CACHE:-$HOME/.cache/offload}/schemathesis-$SCHEMATHESIS_VERSION"

if [ -x "$venv/bin/st" ] && "$venv/bin/st" --version 2>/dev/null | grep -q "$SCHEMATHESIS_VERSION"; then
  echo "✓ schemathesis $SCHEMATHESIS_VERSION is installed in $venv"
  if "$venv/bin/pip" show openapi-spec-validator 2>/dev/null | grep -q "^Version: $VALIDATOR_VERSION\$"; then
    echo "✓ openapi-spec-validator $VALIDATOR_VERSION is installed in $venv"
  else
    echo "› pip install openapi-spec-validator==$VALIDATOR_VERSION"
    "$venv/bin/pip" install --quiet --disable-pip-version-check "openapi-spec-validator==$VALIDATOR_VERSION"
    echo "✓ openapi-spec-validator $VALIDATOR_VERSION installed"
  fi
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
echo "› pip install schemathesis==$SCHEMATHESIS_VERSION openapi-spec-validator==$VALIDATOR_VERSION (about 30 MB)"
"$venv/bin/pip" install --quiet --disable-pip-version-check "schemathesis==$SCHEMATHESIS_VERSION" "openapi-spec-validator==$VALIDATOR_VERSION"
echo "✓ schemathesis installed: $("$venv/bin/st" --version)"
