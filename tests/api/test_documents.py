"""GET /v1/documents/{id}: the full text, against which every passage of an answer checks by offsets."""

import json
import shutil

import pytest
from fastapi.testclient import TestClient

from api.deps import app_state
from api.main import create_app
from api.settings import ApiSettings
from qa.index import Index, ensure_index
from qa.settings import PROJECT_ROOT

ARTICLE = PROJECT_ROOT / "corpus" / "acs-immunotherapy.txt"


def test_the_article_is_served_whole_with_its_metadata(client: TestClient) -> None:
    response = client.get("/v1/documents/acs-immunotherapy")
    assert response.status_code == 200
    body = response.json()
    assert body["text"].encode("utf-8") == ARTICLE.read_bytes()
    assert body["id"] == "acs-immunotherapy"
    assert body["publisher"] == "American Cancer Society (medical and editorial content team, with review by ASCO)"
    assert body["last_revised"] == "2025-08-07"
    assert body["copyright"] == "American Cancer Society medical information is copyrighted material."
    assert (body["title"], body["url"]) == (None, None)
    assert body["metadata"] == {"language": "en"}


@pytest.mark.parametrize(
    ("question", "top_k"),
    [
        ("Can I take immunotherapy as a pill?", 10),
        ("What are the side effects?", 5),
        ("What sources is this information based on?", 10),
        ("How long does a cycle of treatment last?", 3),
    ],
)
def test_every_answer_passage_is_the_document_text_between_its_offsets(
    client: TestClient, question: str, top_k: int
) -> None:
    passages = client.post("/v1/ask", json={"question": question, "top_k": top_k}).json()["passages"]
    assert passages
    texts = {}
    for passage in passages:
        document_id = passage["document_id"]
        if document_id not in texts:
            texts[document_id] = client.get(f"/v1/documents/{document_id}").json()["text"]
        assert texts[document_id][passage["start"] : passage["end"]] == passage["text"]


def test_an_unknown_document_is_a_404_with_a_json_body(client: TestClient) -> None:
    response = client.get("/v1/documents/no-such-document")
    assert response.status_code == 404
    assert response.json() == {"detail": "No document with id 'no-such-document'.", "code": "document_not_found"}


@pytest.mark.parametrize(
    "path",
    [
        "/v1/documents/..%2F..%2Fetc%2Fpasswd",
        "/v1/documents/%00",
        "/v1/documents/%F0%9F%92%8A",
        "/v1/documents/acs-immunotherapy.txt",
        "/v1/documents/ACS-IMMUNOTHERAPY",
        pytest.param("/v1/documents/" + "x" * 5000, id="5000-character id"),
        "/v1/documents/acs-immunotherapy/extra",
    ],
)
def test_odd_document_ids_are_not_found_and_never_an_error(client: TestClient, path: str) -> None:
    response = client.get(path)
    assert response.status_code == 404
    assert "detail" in response.json()


SLASHED_ID = "acs/immunotherapy"


@pytest.fixture(scope="module")
def slashed(tmp_path_factory: pytest.TempPathFactory, settings: ApiSettings) -> tuple[ApiSettings, Index]:
    """A copy of the corpus whose document id contains '/', with its own build."""
    folder = tmp_path_factory.mktemp("slashed")
    shutil.copytree(PROJECT_ROOT / "corpus", folder / "corpus")
    sidecar = folder / "corpus" / "acs-immunotherapy.meta.json"
    sidecar.write_text(json.dumps({**json.loads(sidecar.read_text(encoding="utf-8")), "id": SLASHED_ID}))
    private = ApiSettings(corpus=folder / "corpus", index_dir=folder / "index", model_cache=settings.model_cache)
    return private, ensure_index(private)


def test_every_answer_names_its_build(client: TestClient, index: Index) -> None:
    for question in ("What is immunotherapy?", "What is the capital of France?"):
        assert client.post("/v1/ask", json={"question": question}).json()["build_id"] == index.manifest.build_id


def test_a_document_whose_id_holds_a_slash_is_fetchable(slashed: tuple[ApiSettings, Index]) -> None:
    private, built = slashed
    with TestClient(create_app(private, built)) as client:
        for path in (f"/v1/documents/{SLASHED_ID}", "/v1/documents/acs%2Fimmunotherapy"):
            response = client.get(path)
            assert response.status_code == 200, path
            assert response.json()["id"] == SLASHED_ID
            assert response.json()["text"].encode("utf-8") == ARTICLE.read_bytes()


def test_documents_stay_fetchable_as_of_an_earlier_build_and_unknown_builds_are_gone(
    slashed: tuple[ApiSettings, Index], index: Index
) -> None:
    private, built = slashed
    with TestClient(create_app(private.model_copy(update={"documents_kept_builds": 1}), built)) as client:
        answer = client.post("/v1/ask", json={"question": "What is immunotherapy?"}).json()
        assert answer["build_id"] == built.manifest.build_id
        service = app_state(client.app).engine  # type: ignore[arg-type]
        assert service is not None
        service.stages.builds.swap(index)  # as a reindex does
        path = f"/v1/documents/{SLASHED_ID}"
        assert client.get(path).status_code == 404  # the live build has no such document
        old = client.get(path, params={"build_id": answer["build_id"]})
        assert old.status_code == 200
        passage = answer["passages"][0]
        assert old.json()["text"][passage["start"] : passage["end"]] == passage["text"]
        gone = client.get("/v1/documents/acs-immunotherapy", params={"build_id": "20000101T000000000000Z"})
        assert gone.status_code == 410
        assert gone.json()["code"] == "build_gone"
