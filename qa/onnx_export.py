"""Export the sentence-transformers model to ONNX (float and int8), once per model version.

Each export records the SHA-256 of its files, the torch model's vector for a known
sentence and the exporting CPU's instruction sets (done.json); a damaged or missing file is
exported again, and the encoder's start-up self-test (qa.embedding) compares its vector with the recorded one.
"""

import hashlib
import json
import logging
import os
import shutil
import warnings
from pathlib import Path

from qa.checksums import file_sha256
from qa.cpu import instruction_sets
from qa.leftovers import remove_abandoned
from qa.torch_encoder import TorchEncoder

ONNX_OPSET = 17
# Bump when the export or quantization recipe changes, so cached exports are redone.
RECIPE = "2"
REFERENCE_SENTENCE = "Immunotherapy helps the immune system find and destroy cancer cells."
MODEL_FILES = ("model.onnx", "model-int8.onnx")
_INPUTS = ("input_ids", "attention_mask", "token_type_ids")
log = logging.getLogger("qa.onnx_export")


def model_fingerprint(model_dir: Path) -> str:
    """A short hash of the model's weights and configuration files."""
    digest = hashlib.sha256()
    for path in sorted(model_dir.rglob("*")):
        if path.is_file() and path.suffix in {".json", ".safetensors", ".bin", ".txt"}:
            digest.update(path.relative_to(model_dir).as_posix().encode())
            digest.update(str(path.stat().st_size).encode())
            digest.update(_head_and_tail(path))
    return digest.hexdigest()[:16]


def exported_model(model_dir: Path, cache_dir: Path, *, again: bool = False) -> Path:
    """The folder holding model.onnx and model-int8.onnx for `model_dir`, exporting if needed.

    An export whose files are missing or differ from their recorded checksums is made
    again (as is any export when `again`); abandoned temporary exports are removed first.
    """
    remove_abandoned(cache_dir, ".tmp-onnx-")
    target = cache_dir / f"onnx-{model_fingerprint(model_dir)}-r{RECIPE}"
    problem = "it was rejected by the encoder's self-test" if again else export_problem(target)
    if problem is None:
        return target
    if target.exists():
        log.warning("The ONNX export in %s cannot be used (%s); exporting the model again.", target, problem)
        shutil.rmtree(target, ignore_errors=True)
    staging = cache_dir / f".tmp-onnx-{os.getpid()}"
    shutil.rmtree(staging, ignore_errors=True)
    staging.mkdir(parents=True)
    _export(model_dir, staging / "model.onnx")
    _quantize(staging / "model.onnx", staging / "model-int8.onnx")
    record = {
        "source": str(model_dir),
        "opset": ONNX_OPSET,
        "recipe": RECIPE,
        "checksums": {name: file_sha256(staging / name) for name in MODEL_FILES},
        "reference": {"sentence": REFERENCE_SENTENCE, "vector": _torch_vector(model_dir, REFERENCE_SENTENCE)},
        # int8 results depend on the instruction sets of the CPU that runs them (qa.int8_check).
        "cpu": instruction_sets(),
    }
    (staging / "done.json").write_text(json.dumps(record))
    try:
        staging.rename(target)
    except OSError:
        # Another process finished the same export first; its copy is identical.
        shutil.rmtree(staging, ignore_errors=True)
    return target


def export_problem(target: Path) -> str | None:
    """Why the export in `target` cannot be used, or None when every file matches its record."""
    try:
        record = json.loads((target / "done.json").read_text(encoding="utf-8"))
        checksums, _ = record["checksums"], reference(target)
    except FileNotFoundError:
        return "it is not there"
    except (OSError, ValueError, KeyError, TypeError):
        return "its record is unreadable or has no checksums"
    for name in MODEL_FILES:
        if not (target / name).is_file():
            return f"{name} is missing"
        if file_sha256(target / name) != checksums.get(name):
            return f"{name} does not match its checksum"
    return None


def reference(target: Path) -> tuple[str, list[float]]:
    """The known sentence and the torch model's vector for it, recorded at export."""
    recorded = json.loads((target / "done.json").read_text(encoding="utf-8"))["reference"]
    return str(recorded["sentence"]), [float(value) for value in recorded["vector"]]


def _torch_vector(model_dir: Path, sentence: str) -> list[float]:
    return [float(value) for value in TorchEncoder(model_dir).encode([sentence])[0]]


def _head_and_tail(path: Path, size: int = 1 << 20) -> bytes:
    with path.open("rb") as handle:
        head = handle.read(size)
        handle.seek(max(0, path.stat().st_size - size))
        return head + handle.read(size)


def _export(model_dir: Path, out: Path) -> None:
    import torch
    from transformers import AutoModel, AutoTokenizer

    class _LastHidden(torch.nn.Module):
        def __init__(self, model: torch.nn.Module) -> None:
            super().__init__()
            self.model = model

        def forward(
            self, input_ids: torch.Tensor, attention_mask: torch.Tensor, token_type_ids: torch.Tensor
        ) -> torch.Tensor:
            output = self.model(input_ids=input_ids, attention_mask=attention_mask, token_type_ids=token_type_ids)
            return output.last_hidden_state  # type: ignore[no-any-return]

    # local_files_only: the model is a folder on disk; nothing is ever fetched from a model hub.
    model = _LastHidden(AutoModel.from_pretrained(str(model_dir), local_files_only=True).eval())
    sample = AutoTokenizer.from_pretrained(str(model_dir), local_files_only=True)(
        ["a sample", "another sample text"], padding=True, return_tensors="pt"
    )
    axes = {name: {0: "batch", 1: "tokens"} for name in (*_INPUTS, "last_hidden_state")}
    # The TorchScript exporter warns about tracing details that do not apply to this model.
    with torch.no_grad(), warnings.catch_warnings():
        warnings.simplefilter("ignore")
        torch.onnx.export(
            model,
            tuple(sample[name] for name in _INPUTS),
            str(out),
            input_names=list(_INPUTS),
            output_names=["last_hidden_state"],
            dynamic_axes=axes,
            opset_version=ONNX_OPSET,
            dynamo=False,
        )


def _quantize(source: Path, out: Path) -> None:
    from onnxruntime.quantization import QuantType, quantize_dynamic

    # Per-channel weights keep question vectors within ~0.99 cosine of the float model;
    # per-tensor int8 drifted to ~0.96 and moved retrieval metrics by more than 0.01.
    quantize_dynamic(str(source), str(out), weight_type=QuantType.QInt8, per_channel=True)
