# syntax=docker/dockerfile:1
# The QA service as a container: `qa serve` on an index built in a build stage, as a non-root user.
#   docker build -t cancer-qa .
#   docker run --rm -p 8000:8000 cancer-qa
# Or serve an index built elsewhere (deploy/kubernetes.yaml does this): mount it and set QA_INDEX_DIR.
# Never built on the development machine (it has no container runtime); tests/deploy checks this file.

ARG PYTHON_IMAGE=python:3.11-slim

FROM ${PYTHON_IMAGE} AS app
ENV PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    HF_HUB_OFFLINE=1 \
    TRANSFORMERS_OFFLINE=1 \
    PATH=/opt/venv/bin:$PATH \
    QA_CORPUS=/app/corpus \
    QA_INDEX_DIR=/app/index
RUN python -m venv /opt/venv
# PyPI's torch wheel for Linux x86-64 is the CUDA build (several GB of CUDA libraries);
# the CPU-only wheel of the same version comes from PyTorch's own index. Installed first,
# it satisfies the project's torch==2.13.0 pin, so `pip install` below keeps it.
RUN pip install --index-url https://download.pytorch.org/whl/cpu torch==2.13.0
WORKDIR /app
COPY pyproject.toml README.md ./
COPY qa qa
COPY api api
COPY cli cli
COPY evaluation evaluation
COPY bench bench
COPY corpus corpus
# Editable, as the README installs it: the package data (qa/refusal.json, api/static) stays in place.
RUN pip install -e .

FROM app AS index
RUN qa index build

FROM app AS runtime
RUN useradd --create-home --uid 10001 --user-group qa
COPY --from=index --chown=qa:qa /app/index /app/index
USER 10001:10001
# A replica: serve the index that is there, never build one (it stops with a message if none is).
ENV QA_BUILD_ON_START=false
EXPOSE 8000
HEALTHCHECK --interval=30s --timeout=3s --start-period=20s --retries=3 \
    CMD ["python", "-c", "import sys, urllib.request; sys.exit(urllib.request.urlopen('http://127.0.0.1:8000/healthz', timeout=2).status != 200)"]
CMD ["qa", "serve", "--host", "0.0.0.0", "--port", "8000", "--no-build"]
