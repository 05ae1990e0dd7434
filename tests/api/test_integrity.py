"""A damaged file of the live build makes /readyz 503 naming it; a build another worker serves is fetchable."""

import time
from pathlib import Path
from typing import Any

from fastapi.testclient import TestClient

from api.main import create_app
from api.settings import ApiSettings
from qa.engine import Engine
from qa.index import Index, build_index
from tests.conftest import private_copy


def readiness_within(client: TestClient, seconds: float, status: int) -> tuple[int, dict[str, Any]]:
    """/readyz's status and body once it is `status`, or as it is after `seconds`."""
    deadline = time.monotonic() + seconds
    while (response := client.get("/readyz")).status_code != status and time.monotonic() < deadline:
        time.sleep(0.05)
    return response.status_code, response.json()


def test_zeroed_or_truncated_vectors_make_readyz_503_naming_the_file_and_answers_stay_right(
    tmp_path: Path, settings: ApiSettings, index: Index, service: Engine
) -> None:
    copy = private_copy(tmp_path, settings, index_verify_seconds=0.2, index_watch_seconds=0)
    question = {"question": "Can I take immunotherapy as a pill?"}
    expected = [p.id for p in service.answer(question["question"]).passages]
    with TestClient(create_app(copy)) as client:
        assert client.get("/readyz").status_code == 200
        vectors = next((copy.index_dir / "builds").iterdir()) / "vectors.npy"
        vectors.write_bytes(bytes(vectors.stat().st_size))  # zeroed in place, as the attack did
        status, body = readiness_within(client, 10, 503)
        assert status == 503 and body["status"] == "damaged" and str(vectors) in body["detail"]
        answer = client.post("/v1/ask", json=question).json()  # from the copy loaded at start
        assert [p["id"] for p in answer["passages"]] == expected
        vectors.write_bytes(b"")  # truncated: memory-mapped, this was a SIGBUS
        assert client.post("/v1/ask", json=question).status_code == 200
        assert readiness_within(client, 10, 503)[0] == 503


def test_a_newer_build_on_disk_is_served_by_build_id(
    tmp_path: Path, settings: ApiSettings, index: Index, service: Engine
) -> None:
    """Another worker swapped to a new build first: this one, still on its own, serves the new build's documents."""
    copy = private_copy(tmp_path, settings, index_watch_seconds=0)
    with TestClient(create_app(copy)) as client:
        newer = build_index(copy, encoder=service.encoder.checker).build_id  # as a reindex by another worker would
        doc = index.passages[0].document_id
        assert client.get("/readyz").json()["build_id"] != newer
        response = client.get(f"/v1/documents/{doc}", params={"build_id": newer})
        assert response.status_code == 200 and response.json()["text"] == index.corpus.get(doc).text
        gone = client.get(f"/v1/documents/{doc}", params={"build_id": "20000101T000000000000Z"})
        assert gone.status_code == 410
        assert client.get(f"/v1/documents/{doc}", params={"build_id": "../../etc"}).status_code == 410
