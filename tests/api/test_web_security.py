"""The chat page is served with strict security headers, and CORS stays closed unless configured."""

from html.parser import HTMLParser

import pytest
from fastapi.testclient import TestClient
from pydantic import ValidationError

from api.main import create_app
from api.settings import ApiSettings

CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; "
    "frame-ancestors 'none'; base-uri 'none'; form-action 'self'"
)
PARTNER = "https://partner.example"
STRANGER = "https://stranger.example"


class _PageParts(HTMLParser):
    """Collects what the CSP would block: inline scripts, inline styles and handlers, outside URLs."""

    def __init__(self) -> None:
        super().__init__()
        self.scripts: list[dict[str, str | None]] = []
        self.inline: list[str] = []
        self.urls: list[str] = []
        self._in_script = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        attributes = dict(attrs)
        self._in_script = tag == "script"
        if tag == "script":
            self.scripts.append(attributes)
        if tag == "style":
            self.inline.append("<style>")
        self.inline += [name for name in attributes if name == "style" or name.startswith("on")]
        self.urls += [value or "" for name, value in attrs if name in ("src", "href", "action")]

    def handle_endtag(self, tag: str) -> None:
        self._in_script = False

    def handle_data(self, data: str) -> None:
        if self._in_script and data.strip():
            self.inline.append("inline script")


@pytest.fixture(scope="module")
def open_client(settings: ApiSettings) -> TestClient:
    """An app that allows one partner origin, to embed the page or call the API (no lifespan needed)."""
    return TestClient(create_app(settings.model_copy(update={"cors_origins": [PARTNER], "frame_ancestors": [PARTNER]})))


def test_page_is_served_with_the_security_headers(client: TestClient) -> None:
    response = client.get("/")
    assert response.status_code == 200
    assert response.headers["content-type"] == "text/html; charset=utf-8"
    assert response.headers["content-security-policy"] == CSP
    assert response.headers["x-content-type-options"] == "nosniff"
    assert response.headers["referrer-policy"] == "no-referrer"
    assert '<label for="question">Your question</label>' in response.text


@pytest.mark.parametrize(
    ("method", "path", "body", "status"),
    [
        ("GET", "/static/app.js", None, 200),
        ("GET", "/static/app.css", None, 200),
        ("POST", "/v1/ask", {"question": "Can I take immunotherapy as a pill?"}, 200),
        ("POST", "/v1/ask", {"question": ""}, 422),
        ("GET", "/healthz", None, 200),
        ("GET", "/static/missing.js", None, 404),
        ("GET", "/no-such-page", None, 404),
    ],
)
def test_every_response_carries_the_headers(
    client: TestClient, method: str, path: str, body: dict[str, str] | None, status: int
) -> None:
    response = client.request(method, path, json=body)
    assert response.status_code == status
    assert response.headers["content-security-policy"] == CSP
    assert response.headers["x-content-type-options"] == "nosniff"
    assert response.headers["referrer-policy"] == "no-referrer"


@pytest.mark.parametrize(
    ("path", "content_type"), [("/static/app.js", "text/javascript"), ("/static/app.css", "text/css")]
)
def test_static_files_have_their_types(client: TestClient, path: str, content_type: str) -> None:
    assert client.get(path).headers["content-type"].split(";")[0] == content_type


def test_page_has_no_inline_script_style_or_outside_resource(client: TestClient) -> None:
    parts = _PageParts()
    parts.feed(client.get("/").text)
    assert parts.scripts == [{"src": "static/app.js", "defer": None}]
    assert parts.inline == []
    assert all(url.startswith(("static/", "#", "tel:", "data:")) for url in parts.urls), parts.urls


@pytest.mark.parametrize("path", ["/docs", "/redoc"])
def test_api_docs_load_only_their_own_files(client: TestClient, path: str) -> None:
    response = client.get(path)
    assert response.status_code == 200
    policy = response.headers["content-security-policy"]
    assert "default-src 'self'" in policy and "frame-ancestors 'none'" in policy
    assert response.headers["x-content-type-options"] == "nosniff"
    parts = _PageParts()
    parts.feed(response.text)
    assert parts.urls and all(url.startswith("/docs-assets/") for url in parts.urls), parts.urls
    for url in parts.urls:
        assert client.get(url).status_code == 200, url


def test_cors_is_closed_by_default(client: TestClient) -> None:
    preflight = client.options(
        "/v1/ask",
        headers={
            "Origin": PARTNER,
            "Access-Control-Request-Method": "POST",
            "Access-Control-Request-Headers": "content-type",
        },
    )
    assert preflight.status_code == 400
    assert "access-control-allow-origin" not in preflight.headers
    assert preflight.headers["content-security-policy"] == CSP
    simple = client.get("/healthz", headers={"Origin": PARTNER})
    assert simple.status_code == 200
    assert "access-control-allow-origin" not in simple.headers


def test_cors_opens_only_for_configured_origins(open_client: TestClient) -> None:
    request_headers = {"Access-Control-Request-Method": "POST", "Access-Control-Request-Headers": "content-type"}
    allowed = open_client.options("/v1/ask", headers={"Origin": PARTNER, **request_headers})
    assert allowed.status_code == 200
    assert allowed.headers["access-control-allow-origin"] == PARTNER
    assert allowed.headers["access-control-allow-methods"] == "GET, POST"
    assert allowed.headers["access-control-allow-headers"] == "Accept, Accept-Language, Content-Language, Content-Type"
    assert "access-control-allow-credentials" not in allowed.headers
    refused = open_client.options("/v1/ask", headers={"Origin": STRANGER, **request_headers})
    assert refused.status_code == 400
    assert "access-control-allow-origin" not in refused.headers
    assert open_client.get("/healthz", headers={"Origin": PARTNER}).headers["access-control-allow-origin"] == PARTNER


def test_frame_ancestors_come_from_settings(open_client: TestClient) -> None:
    assert open_client.get("/").headers["content-security-policy"] == CSP.replace(
        "frame-ancestors 'none'", f"frame-ancestors {PARTNER}"
    )


@pytest.mark.parametrize(
    "source", ["", "https://a.example; script-src *", "https://a.example https://b.example", "a,b"]
)
def test_unsafe_frame_ancestor_is_refused_when_settings_are_read(source: str) -> None:
    with pytest.raises(ValidationError, match="not a Content-Security-Policy source"):
        ApiSettings(frame_ancestors=[source])
