"""Reindexing while questions keep coming: no request fails and each answer comes wholly from one build."""

import itertools
import json
import os
import shutil
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from contextlib import ExitStack
from pathlib import Path

import httpx
import pytest
from fastapi.testclient import TestClient

from api.main import create_app
from api.settings import ApiSettings
from bench.http_load import running_server
from qa.engine import Engine, load_engine
from qa.index import Index, load_index, read_manifest, write_manifest
from qa.reindex import Reindexer
from tests.conftest import ARTICLE, private_copy

TOKEN = "admin-token-for-tests"
QA = Path(sys.executable).with_name("qa")
REVISED_ID = "acs-immunotherapy-revised"
QUESTIONS = [
    "What is immunotherapy?",
    "What are immune checkpoint inhibitors?",
    "What is CAR T-cell therapy?",
    "What are the side effects of immunotherapy?",
    "How do cancer vaccines work?",
    "How does immunotherapy work?",
]
Builds = dict[str, dict[str, str]]
Client = httpx.Client | TestClient  # the app in process, or a server over HTTP


@pytest.fixture
def live_settings(tmp_path: Path, settings: ApiSettings, index: Index) -> ApiSettings:
    """A copy of the corpus and its built index, watched for new builds every 0.2 s."""
    return private_copy(tmp_path, settings, admin_token=TOKEN, index_watch_seconds=0.2)


def revise(corpus: Path) -> dict[str, str]:
    """Give the document a new id and shifted text, so no passage can pass for one of the old build."""
    text = "Revised edition.\n\n" + ARTICLE.read_bytes().decode("utf-8")
    (corpus / ARTICLE.name).write_bytes(text.encode("utf-8"))
    sidecar = corpus / ARTICLE.with_suffix(".meta.json").name
    sidecar.write_text(
        json.dumps({**json.loads(sidecar.read_text(encoding="utf-8")), "id": REVISED_ID}), encoding="utf-8"
    )
    return {REVISED_ID: text}


def source_build(answer: dict[str, object], builds: Builds) -> str | None:
    """The one build whose documents hold every passage of the answer verbatim; None if refused."""
    passages = answer["passages"]
    assert isinstance(passages, list) and bool(passages) == (answer["status"] != "not_found"), answer
    if not passages:
        return None

    def holds(texts: dict[str, str]) -> bool:
        return all(
            p["document_id"] in texts and texts[p["document_id"]][p["start"] : p["end"]] == p["text"] for p in passages
        )

    matches = [name for name, texts in builds.items() if holds(texts)]
    assert len(matches) == 1, answer
    return matches[0]


def ask_until(stop: threading.Event, client: Client, builds: Builds, seen: list[str]) -> None:
    """Ask question after question, recording which build answered; any failure ends the loop."""
    for number, question in enumerate(itertools.cycle(QUESTIONS)):
        if stop.is_set():
            return
        response = client.post("/v1/ask", json={"question": question, "top_k": 1 + number % 5})
        assert response.status_code == 200, response.text
        build = source_build(response.json(), builds)
        if build is not None:
            seen.append(build)


def wait_for(condition: Callable[[], bool], loops: list["Future[None]"]) -> None:
    """Poll until `condition` holds, stopping early if a question loop has failed."""
    deadline = time.monotonic() + 300
    while not condition():
        assert time.monotonic() < deadline, "timed out"
        for loop in loops:
            if loop.done():
                loop.result()
        time.sleep(0.05)


def live_build(client: Client) -> str:
    build_id: str = client.get("/readyz").json()["build_id"]
    return build_id


def reindex_over_http(client: Client, settings: ApiSettings) -> None:
    response = client.post("/v1/admin/reindex", headers={"Authorization": f"Bearer {TOKEN}"})
    assert response.status_code == 200, response.text


def build_in_another_process(client: Client, settings: ApiSettings) -> None:
    before = live_build(client)
    command = [str(QA), "index", "build", "--corpus", str(settings.corpus), "--index-dir", str(settings.index_dir)]
    env = {**os.environ, "QA_MODEL_CACHE": str(settings.model_cache)}
    subprocess.run(command, env=env, check=True, capture_output=True, timeout=300)
    wait_for(lambda: live_build(client) != before, [])


def questions_during(clients: Sequence[Client], corpus: Path, update: Callable[[], None]) -> list[list[str]]:
    """Four question loops spread over the clients while the corpus is revised and `update` makes a new build.

    Returns the build that answered each loop's questions, in order, once every loop has seen the new one.
    """
    builds: Builds = {"old": {ARTICLE.stem: ARTICLE.read_bytes().decode("utf-8")}}
    seen: list[list[str]] = [[] for _ in range(4)]
    stop = threading.Event()
    with ThreadPoolExecutor(len(seen)) as pool:
        loops = [
            pool.submit(ask_until, stop, clients[number % len(clients)], builds, answers)
            for number, answers in enumerate(seen)
        ]
        try:
            wait_for(lambda: all(len(answers) >= 3 for answers in seen), loops)
            builds["new"] = revise(corpus)
            answered_before = sum(map(len, seen))
            update()
            answered_during = sum(map(len, seen)) - answered_before
            wait_for(lambda: all(answers[-3:] == ["new"] * 3 for answers in seen), loops)
        finally:
            stop.set()
        for loop in loops:
            loop.result()
    assert answered_during > 0  # questions were answered while the new build was made and swapped in
    return seen


def assert_each_loop_moved_once(seen: list[list[str]]) -> None:
    for answers in seen:
        # Each loop asks one question at a time, so once the new build answers, the old never does again.
        assert answers[0] == "old" and answers[-1] == "new"
        assert answers == sorted(answers, key=["old", "new"].index)


@pytest.mark.slow  # each case builds a new index while questions are asked
@pytest.mark.parametrize(
    "update",
    [reindex_over_http, build_in_another_process],
    ids=["admin-endpoint", "qa-index-build"],
)
def test_questions_never_fail_and_never_mix_builds_during_a_reindex(
    live_settings: ApiSettings, update: Callable[[Client, ApiSettings], None]
) -> None:
    with TestClient(create_app(live_settings)) as client:
        old_build = live_build(client)
        seen = questions_during([client], live_settings.corpus, lambda: update(client, live_settings))
        assert live_build(client) != old_build
    assert_each_loop_moved_once(seen)


@pytest.mark.slow
def test_replicas_on_one_index_all_move_to_a_new_build(live_settings: ApiSettings, tmp_path: Path) -> None:
    """Two `qa serve --no-build` processes on one index follow a `qa index build` by themselves."""
    watch = {"QA_INDEX_WATCH_SECONDS": "0.2"}
    with ExitStack() as stack:
        servers = [
            stack.enter_context(running_server(live_settings, watch, tmp_path / f"replica-{n}.log", ["--no-build"]))
            for n in range(2)
        ]
        clients = [stack.enter_context(httpx.Client(base_url=server.url, timeout=60)) for server in servers]
        old_builds = {live_build(client) for client in clients}

        # The build is watched for through the first replica; every loop, on either replica, must see it.
        seen = questions_during(
            clients, live_settings.corpus, lambda: build_in_another_process(clients[0], live_settings)
        )
        new_builds = {live_build(client) for client in clients}
    assert len(old_builds) == 1 and len(new_builds) == 1 and new_builds != old_builds
    assert_each_loop_moved_once(seen)


def test_a_new_build_that_cannot_be_loaded_is_not_served(
    live_settings: ApiSettings, service: Engine, caplog: pytest.LogCaptureFixture
) -> None:
    copy = load_engine(
        live_settings,
        load_index(live_settings),
        encoder=service.encoder.encoder,
        refusal=service.stages.decision.refusal,
    )
    reindexer = Reindexer(copy)
    live = copy.index.manifest.build_id
    builds = live_settings.index_dir / "builds"

    def named_build(build_id: str) -> Path:
        """A copy of the live build under another id, named in CURRENT as `qa index build` would."""
        shutil.copytree(builds / live, builds / build_id)
        write_manifest(builds / build_id, read_manifest(builds / build_id).model_copy(update={"build_id": build_id}))
        (live_settings.index_dir / "CURRENT").write_text(build_id)
        return builds / build_id

    (named_build("29990101T000000000000Z") / "vectors.npy").write_bytes(b"damaged")
    with caplog.at_level("WARNING", logger="qa.reindex"):
        assert [reindexer.reload_if_changed() for _ in range(3)] == [False] * 3
    assert copy.index.manifest.build_id == live
    assert [record.getMessage() for record in caplog.records] == [
        f"Still serving index {live}: Index file {builds}/29990101T000000000000Z/vectors.npy is damaged or missing. "
        "Run `qa index build`."
    ]
    named_build("29990102T000000000000Z")
    assert reindexer.reload_if_changed()
    assert copy.index.manifest.build_id == "29990102T000000000000Z"
    assert copy.answer("What is immunotherapy?").passages
