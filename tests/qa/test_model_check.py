"""The exported ONNX model is verified like the index: checksums on load and a self-test against torch."""

import json
import logging
import os
import shutil
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from qa.checksums import file_sha256
from qa.cpu import instruction_sets
from qa.embedding import load_encoder, model_dir
from qa.engine import Engine, load_engine
from qa.errors import ModelError
from qa.index import Index
from qa.onnx_export import MODEL_FILES, export_problem, exported_model, reference
from qa.settings import Settings

pytestmark = pytest.mark.slow
QUESTION = "Can I take immunotherapy as a pill?"


@pytest.fixture
def private_export(tmp_path: Path, settings: Settings, index: Index) -> tuple[Settings, Path]:
    """Settings whose model cache is a copy of the tests' export, which a test may damage."""
    source = exported_model(model_dir(settings), settings.model_cache_dir)
    shutil.copytree(source, tmp_path / "models" / source.name)
    return settings.model_copy(update={"model_cache": tmp_path / "models"}), tmp_path / "models" / source.name


def test_an_export_with_overwritten_bytes_is_exported_again_and_answers_right(
    private_export: tuple[Settings, Path], index: Index, service: Engine
) -> None:
    settings, target = private_export
    model = target / "model.onnx"
    with model.open("r+b") as handle:
        handle.seek(model.stat().st_size // 2)
        handle.write(b"\xff" * 4096)
    assert export_problem(target) == "model.onnx does not match its checksum"
    encoder = load_encoder(settings, quantized=True)  # the int8 encoder: the whole export is made again
    assert export_problem(target) is None
    sentence, expected = reference(target)
    restored = load_encoder(settings, quantized=False)  # the damaged float model itself is whole again
    assert float(restored.encode([sentence])[0] @ np.asarray(expected, dtype=np.float32)) > 0.999
    answer, truth = load_engine(settings, index, encoder=encoder).answer(QUESTION), service.answer(QUESTION)
    assert answer.answered and [p.id for p in answer.passages] == [p.id for p in truth.passages]


def test_a_model_that_fails_the_self_test_is_exported_again(
    private_export: tuple[Settings, Path], caplog: pytest.LogCaptureFixture
) -> None:
    settings, target = private_export
    record = json.loads((target / "done.json").read_text())
    record["reference"]["vector"] = [-value for value in record["reference"]["vector"]]  # checksums still match
    (target / "done.json").write_text(json.dumps(record))
    with caplog.at_level(logging.WARNING):
        encoder = load_encoder(settings, quantized=False)  # the float model gives exactly the negated vector
    assert "failed its self-test (cosine -1.0000" in caplog.text
    sentence, expected = reference(target)
    assert expected != record["reference"]["vector"]
    assert float(encoder.encode([sentence])[0] @ np.asarray(expected, dtype=np.float32)) > 0.999


def test_a_model_that_still_fails_stops_with_a_clear_error(
    private_export: tuple[Settings, Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    settings, target = private_export
    # Exporting again would give the same files; skip that slow step and keep the bar out of reach.
    monkeypatch.setattr("qa.embedding.exported_model", lambda *args, **kwargs: target)
    strict = settings.model_copy(update={"encoder_check_min_cosine": 1.0, "quantize": True})
    with pytest.raises(ModelError, match=r"fails its self-test even after a new export \(cosine 0\.9"):
        load_encoder(strict)


def test_a_missing_file_or_record_is_a_problem(private_export: tuple[Settings, Path]) -> None:
    _, target = private_export
    assert export_problem(target) is None
    record = json.loads((target / "done.json").read_text())
    assert set(record["checksums"]) == set(MODEL_FILES)
    assert record["cpu"] == instruction_sets()  # the exporting CPU's instruction sets
    (target / "model-int8.onnx").unlink()
    assert export_problem(target) == "model-int8.onnx is missing"
    (target / "done.json").write_text('{"source": "older version without checksums"}')
    assert export_problem(target) == "its record is unreadable or has no checksums"


def test_abandoned_temporary_exports_are_removed(private_export: tuple[Settings, Path], settings: Settings) -> None:
    private, target = private_export
    abandoned = target.parent / ".tmp-onnx-4194305"  # above Linux's largest pid: that process cannot run
    abandoned.mkdir()
    (abandoned / "model.onnx").write_bytes(b"partial")
    mine = target.parent / f".tmp-onnx-{os.getpid()}"
    mine.mkdir()
    assert exported_model(model_dir(private), private.model_cache_dir) == target
    assert not abandoned.exists() and mine.exists()
    assert file_sha256(target / "model.onnx") == file_sha256(
        exported_model(model_dir(settings), settings.model_cache_dir) / "model.onnx"
    )


def test_onnx_runtime_telemetry_is_off(tmp_path: Path, settings: Settings, index: Index) -> None:
    script = (
        "from qa.embedding import load_encoder; from qa.settings import Settings;"
        f"load_encoder(Settings(model_cache={str(settings.model_cache_dir)!r})).encode(['probe'])"
    )
    env = {**os.environ, "HOME": str(tmp_path)}
    env.pop("ORT_DISABLE_TELEMETRY", None)
    subprocess.run([sys.executable, "-c", script], env=env, check=True, timeout=300)
    assert not (tmp_path / ".cache" / "Microsoft").exists()
