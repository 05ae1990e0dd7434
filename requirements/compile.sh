#!/usr/bin/env bash
# Lock the dependencies declared in pyproject.toml (uv, from PyPI: `pip install uv`), for Python 3.11 on x86-64 Linux:
#   build.txt  what `pip install .` needs to build the index and serve (the image's build stage)
#   serve.txt  what `qa serve --no-build` needs, with the Redis client (the image's runtime stage; no torch)
#   ci.txt     everything the tests and .ci/run need (all extras)
# torch comes from PyTorch's CPU wheels (PyPI's Linux wheel pulls several GB of CUDA); where they are
# mirrored, set TORCH_WHEELS to that folder or page (these machines: /opt/wheels). Then commit the files.
set -euo pipefail
cd "$(dirname "$0")/.."
torch_wheels="${TORCH_WHEELS:-https://download.pytorch.org/whl/cpu/torch/}"
compile() {
  uv pip compile pyproject.toml --quiet --python-version 3.11 --python-platform x86_64-manylinux_2_28 \
    --find-links "$torch_wheels" --index-strategy unsafe-best-match --no-emit-find-links \
    --custom-compile-command "requirements/compile.sh" "$@"
}
compile -o requirements/build.txt
compile --extra redis --excludes requirements/build-only.txt --constraints requirements/build.txt -o requirements/serve.txt
compile --all-extras --constraints requirements/build.txt -o requirements/ci.txt
