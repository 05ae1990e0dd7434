"""The HTTP app's settings are checked when they are read: a bad value is refused with a message naming it."""

from typing import Any

import pytest
from pydantic import ValidationError

from api.settings import ApiSettings

BAD = [
    ({"frame_ancestors": ["https://a.example; script-src *"]}, "frame_ancestors"),
    ({"frame_ancestors": ["https://a.example https://b.example"]}, "frame_ancestors"),
    ({"frame_ancestors": ["'unsafe-inline'"]}, "frame_ancestors"),
    ({"cors_origins": ["https://a.example/"]}, "cors_origins"),
    ({"cors_origins": ["a.example"]}, "cors_origins"),
    ({"rate_limit": "5/minit"}, "rate_limit"),
    ({"rate_limit": "lots"}, "rate_limit"),
    ({"rate_limit_storage": "garbage://x"}, "rate_limit_storage"),
    ({"trusted_proxies": ["not-an-address"]}, "trusted_proxies"),
    ({"model": "/no/such/model"}, "model"),  # the library's settings are checked too
]
GOOD: list[dict[str, Any]] = [
    {"frame_ancestors": ["'self'", "https://a.example", "https://*.b.example:8443", "https:"]},
    {"cors_origins": ["https://a.example", "http://localhost:8000", "*"]},
    {"rate_limit": "60/minute"},
    {"rate_limit": "10 per second"},
    {"trusted_proxies": ["10.0.0.0/8", "192.0.2.9", "::1", "*"]},
]


@pytest.mark.parametrize(("values", "named"), BAD)
def test_a_bad_setting_is_refused_and_named(values: dict[str, Any], named: str) -> None:
    with pytest.raises(ValidationError) as raised:
        ApiSettings(**values)
    assert raised.value.errors()[0]["loc"] == (named,)


@pytest.mark.parametrize("values", GOOD)
def test_good_settings_are_accepted(values: dict[str, Any]) -> None:
    settings = ApiSettings(**values)
    assert all(getattr(settings, name) == value for name, value in values.items())


def test_a_short_admin_token_is_refused() -> None:
    with pytest.raises(ValidationError, match="fewer than QA_ADMIN_TOKEN_MIN_CHARS"):
        ApiSettings(admin_token="short")
