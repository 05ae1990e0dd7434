"""Verbatim question answering over trusted cancer information."""

import os

# The model ships inside a Python package; nothing is ever fetched from a model hub.
os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
# ONNX Runtime otherwise records usage events (with a device id and paths) under ~/.cache/Microsoft.
os.environ.setdefault("ORT_DISABLE_TELEMETRY", "1")
