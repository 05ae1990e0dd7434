#!/usr/bin/env bash
# The wheelhouse the Dockerfile installs from (build/wheelhouse): every locked package of the image's two
# stages, as wheels, and the project's own wheel. Made on the host with its pip and its configuration, so
# the image build itself needs no network, no certificate and no pip configuration.
#   deploy/wheelhouse.sh [PYTHON]   (default: python3; the image's Python version, 3.11)
set -euo pipefail
cd "$(dirname "$0")/.."
python="${1:-python3}"
out=build/wheelhouse
mkdir -p "$out"
"$python" -m pip wheel --quiet --no-deps --wheel-dir "$out" -r requirements/build.txt -r requirements/serve.txt
rm -f "$out"/cancer_qa-*.whl
"$python" -m pip wheel --quiet --no-deps --wheel-dir "$out" .
echo "Wheelhouse $out: $(ls "$out" | wc -l) wheels, $(du -sh "$out" | cut -f1)"
