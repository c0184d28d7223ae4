#!/usr/bin/env bash
# Re-creates the photos in this folder from scikit-image's wheel on PyPI (its skimage/data/
# folder ships a few freely licensed photographs; SOURCES.md gives each one's licence).
# For maintainers only: the photos are committed, and neither CI nor the tests run this.
#
#   bash examples/image/data/fetch-photos.sh [scikit-image version]
set -euo pipefail
cd "$(dirname "$0")"
version="${1:-0.26.0}"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

# --no-deps and a pinned version: one wheel, the same bytes every time. The platform is fixed
# so the same wheel is picked on any machine (the data folder is identical in all of them).
python3 -m pip download --quiet --no-deps --only-binary=:all: \
  --platform manylinux_2_28_x86_64 --python-version 3.11 \
  --dest "$work" "scikit-image==$version"
wheel=$(ls "$work"/scikit_image-*.whl)

photos=(retina.jpg rocket.jpg coffee.png chelsea.png)
for photo in "${photos[@]}"; do
  unzip -o -q -j "$wheel" "skimage/data/$photo" -d .
done
sha256sum "${photos[@]}"
