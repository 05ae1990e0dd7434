"""One rate limit shared by several `qa serve` processes through a real Redis server."""

from collections.abc import Iterator
from contextlib import ExitStack
from pathlib import Path

import httpx
import pytest
import redis
from fastapi.testclient import TestClient

from api.main import create_app
from api.settings import ApiSettings
from bench.http_load import free_port, running_server
from qa.index import Index
from tests.redis_server import redis_server


@pytest.fixture(scope="module")
def redis_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    with redis_server(tmp_path_factory.mktemp("redis")) as server:
        yield server.url


@pytest.mark.slow
def test_two_servers_share_one_limit_through_redis(
    settings: ApiSettings, index: Index, redis_url: str, tmp_path: Path
) -> None:
    """A limit of 20/minute holds across two processes: of 30 requests spread over both, 10 get 429."""
    limited = {"QA_RATE_LIMIT": "20/minute", "QA_RATE_LIMIT_STORAGE": redis_url}
    with ExitStack() as stack:
        servers = [
            stack.enter_context(running_server(settings, limited, tmp_path / f"replica-{n}.log", ["--no-build"]))
            for n in range(2)
        ]
        # Readiness probes count too, so the limit starts from the state they left.
        redis.Redis.from_url(redis_url).flushall()
        responses = [
            httpx.post(f"{servers[n % 2].url}/v1/ask", json={"question": "What is immunotherapy?"}) for n in range(30)
        ]
    statuses = [response.status_code for response in responses]
    assert statuses == [200] * 20 + [429] * 10
    refused = responses[-1]
    assert refused.json()["code"] == "rate_limited"
    assert 1 <= int(refused.headers["Retry-After"]) <= 60


def test_memory_is_the_default_storage() -> None:
    assert ApiSettings.model_fields["rate_limit_storage"].default == "memory://"


def test_requests_go_through_when_the_limit_storage_is_down() -> None:
    """Nothing listens on the Redis port: the service answers rather than failing with a 500."""
    app = create_app(ApiSettings(rate_limit="3/minute", rate_limit_storage=f"redis://127.0.0.1:{free_port()}"))
    client = TestClient(app)
    # A rate-limited path (probes are never limited): 404 each time, never 429 nor 500.
    assert [client.get("/v1/no-such-page").status_code for _ in range(5)] == [404] * 5
    assert "qa_rate_limit_storage_failures_total 5.0" in client.get("/metrics").text
