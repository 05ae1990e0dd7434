"""The HTTP app's settings: the library's, and its own (same QA_ prefix) for browsers, limits, connections and logs."""

import ipaddress
import re
from collections.abc import Callable
from typing import Self
from urllib.parse import urlsplit

from limits import parse
from limits.storage import SCHEMES  # type: ignore[attr-defined]  # the schemes storage_from_string reads
from pydantic import Field, SecretStr, ValidationInfo, field_validator, model_validator

from qa.settings import Settings

# One CSP source expression (CSP3 grammar, simplified): a keyword, a scheme, or [scheme://]host[:port][/path].
# Whitespace, ';' and ',' are never allowed: they would let a setting rewrite the policy.
_CSP_SOURCE = re.compile(
    r"'self'|'none'|[a-z][a-z0-9+.-]*:"
    r"|(?:[a-z][a-z0-9+.-]*://)?(?:\*|(?:\*\.)?[a-z0-9-]+(?:\.[a-z0-9-]+)*)(?::(?:[0-9]+|\*))?(?:/[^\s;,'\\]*)?",
    re.IGNORECASE,
)


def is_csp_source(source: str) -> bool:
    """True when `source` is one safe Content-Security-Policy source expression."""
    return _CSP_SOURCE.fullmatch(source) is not None


# A CORS origin is exactly scheme://host[:port], no path and no trailing slash (or '*').
_ORIGIN = re.compile(r"\*|[a-z][a-z0-9+.-]*://[a-z0-9.-]+(?::[0-9]{1,5})?", re.IGNORECASE)
_SOURCE_KINDS: dict[str, tuple[Callable[[str], bool], str]] = {
    "frame_ancestors": (is_csp_source, "a Content-Security-Policy source"),
    "cors_origins": (lambda origin: _ORIGIN.fullmatch(origin) is not None, "an origin (scheme://host[:port], no path)"),
}


class ApiSettings(Settings):
    """What the HTTP app (`qa serve`) reads besides the library's settings."""

    cors_origins: list[str] = Field(
        default_factory=list,
        description="Origins allowed to call the API from a browser, each scheme://host[:port] with no path;"
        " none by default.",
    )
    frame_ancestors: list[str] = Field(
        default_factory=list,
        description="Origins allowed to embed the chat page in a frame, each one CSP source; none by default.",
    )
    trusted_proxies: list[str] = Field(
        default_factory=list,
        description="Proxies (addresses or networks) whose X-Forwarded-For is believed for rate limiting.",
    )
    rate_limit: str | None = Field(
        None,
        description="Per-client limit such as '60/minute' (the limits library's syntax); off when unset, so"
        " benchmarks measure the service.",
    )
    rate_limit_storage: str = Field(
        "memory://",
        description="Where the rate limit counts requests, as a `limits` storage URI: memory:// (each process"
        " alone) or redis://host:port (one limit shared by every worker and replica); if it cannot be reached,"
        " requests are let through and a warning is logged.",
    )
    rate_limit_storage_timeout_seconds: float = Field(
        0.25,
        gt=0,
        le=1,
        description="Connect and read timeout of each call to the rate limit's storage (Redis); a call that takes"
        " longer lets the request through, with a warning and qa_rate_limit_storage_failures counted.",
    )
    max_body_bytes: int = Field(16384, ge=1024, description="Larger request bodies get 413 before they are read.")
    max_header_bytes: int = Field(
        16384,
        ge=1024,
        description="Request line and headers of one request at most, in bytes; more gets 431 and the connection"
        " is closed.",
    )
    request_timeout_seconds: float = Field(
        10.0,
        gt=0,
        description="A request's headers and body must arrive within this time, or the connection is closed.",
    )
    keep_alive_seconds: int = Field(5, ge=1, description="An idle keep-alive connection is closed after this time.")
    max_connections: int = Field(
        1000,
        ge=1,
        description="Open connections of the public port at most. A new one above it takes the place of the"
        " connection that has waited longest without a request being answered (idle, or still sending its"
        " request); when every one is being answered, the new one is closed (docs/reliability.md, Connections).",
    )
    max_connections_per_client: int = Field(
        64,
        ge=1,
        description="Open connections of one client address at most (a trusted proxy's are not capped): above it,"
        " that client's own connection waiting longest makes room.",
    )
    probe_port: int | None = Field(
        None,
        ge=1,
        le=65535,
        description="A second port on the same address answering /healthz, /readyz and /metrics only, with its own"
        " connections (probe_max_connections): probes answer while the public port is flooded. Off when unset.",
    )
    probe_max_connections: int = Field(16, ge=1, description="Open connections of the probe port at most.")
    shutdown_grace_seconds: int = Field(
        10,
        ge=1,
        description="On SIGTERM, requests running (a reindex too) get this long before they are cancelled and the"
        " reindex build process is killed.",
    )
    admin_token: SecretStr | None = Field(
        None, description="Bearer token for POST /v1/admin/reindex; the endpoint is off (404) when unset."
    )
    admin_token_min_chars: int = Field(
        16, ge=1, description="QA_ADMIN_TOKEN must be at least this long, or the server does not start."
    )
    log_questions: bool = Field(False, description="Write question text to logs; only with the users' consent.")
    log_hash_key: SecretStr | None = Field(
        None,
        description="Key of the HMAC that tags questions in access logs; give every worker the same key to group"
        " repeats across workers and restarts. Unset: a random key per process.",
    )

    @field_validator("rate_limit_storage")
    @classmethod
    def _storage(cls, uri: str) -> str:
        if urlsplit(uri).scheme not in SCHEMES:
            raise ValueError(f"{uri!r} is not a `limits` storage URI such as memory:// or redis://host:6379")
        return uri

    @field_validator("frame_ancestors", "cors_origins")
    @classmethod
    def _sources(cls, values: list[str], info: ValidationInfo) -> list[str]:
        valid, kind = _SOURCE_KINDS[str(info.field_name)]
        for value in values:
            if not valid(value):
                raise ValueError(f"not {kind}: {value!r}")
        return values

    @field_validator("trusted_proxies")
    @classmethod
    def _proxies(cls, proxies: list[str]) -> list[str]:
        for proxy in proxies:
            if proxy != "*":
                ipaddress.ip_network(proxy, strict=False)  # ValueError names the bad address
        return proxies

    @field_validator("rate_limit")
    @classmethod
    def _rate_limit(cls, limit: str | None) -> str | None:
        if limit is not None and parse(limit).amount < 1:  # parse: ValueError "couldn't parse rate limit string"
            raise ValueError(f"{limit!r} lets no request through; unset QA_RATE_LIMIT to turn the limit off")
        return limit

    @model_validator(mode="after")
    def _token(self) -> Self:
        token = self.admin_token.get_secret_value() if self.admin_token else None
        if token is not None and len(token) < self.admin_token_min_chars:
            raise ValueError(
                f"QA_ADMIN_TOKEN has {len(token)} characters, fewer than QA_ADMIN_TOKEN_MIN_CHARS"
                f" ({self.admin_token_min_chars}); use a long random one (`openssl rand -hex 32`)"
            )
        return self
