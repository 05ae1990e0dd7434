"""Schema fuzzing: cases generated from the app's own OpenAPI, checked for 5xx and schema conformance."""

import secrets
from typing import Any

import pytest
import schemathesis
from fastapi import FastAPI
from hypothesis import HealthCheck, settings
from pydantic import SecretStr
from schemathesis.checks import negative_data_rejection, positive_data_acceptance

from api.main import create_app
from api.settings import ApiSettings
from qa.errors import QuestionError
from qa.index import Index
from qa.questions import normalize_question

# An admin token no generated case can guess, so the admin endpoint is live but never runs.
ADMIN_TOKEN = SecretStr(secrets.token_urlsafe(32))
# The schema does not depend on where the index is, so it is read from an app built here;
# each case then goes to a live app whose lifespan has loaded the test index.
schema = schemathesis.openapi.from_dict(create_app(ApiSettings(admin_token=ADMIN_TOKEN)).openapi())
MAX_CHARS = ApiSettings.model_fields["question_max_chars"].default


@pytest.fixture(scope="module")
def live_app(settings: ApiSettings, index: Index) -> FastAPI:
    """A fresh app for the fuzzer; schemathesis runs its lifespan (and so loads the index) itself."""
    return create_app(settings.model_copy(update={"admin_token": ADMIN_TOKEN}))


def valid_data_accepted(
    ctx: schemathesis.CheckContext, response: schemathesis.Response, case: schemathesis.Case[Any]
) -> bool | None:
    """Schema-valid data is accepted, except a question that normalization leaves empty or too long.

    JSON Schema cannot say "not only control characters" or "at most 1000 characters after NFC",
    so that 422 is documented in the question's description and checked here against the real rule.
    A made-up build_id is 410 Gone, as a made-up document id is 404.
    """
    if response.status_code == 422 and case.path == "/v1/ask" and _normalization_refuses(case.body):
        return None
    if response.status_code == 410 and case.path.startswith("/v1/documents/"):
        return None
    accepted: bool | None = positive_data_acceptance(ctx, response, case)
    return accepted


def invalid_data_rejected(
    ctx: schemathesis.CheckContext, response: schemathesis.Response, case: schemathesis.Case[Any]
) -> bool | None:
    """Schema-violating data is rejected; a 413 (a body over QA_MAX_BODY_BYTES) rejects it before validation.

    Schemathesis's own list of rejecting statuses has no 413; a generated history of long strings
    reaches the body limit first.
    """
    if response.status_code == 413 and case.path == "/v1/ask":
        return None
    rejected: bool | None = negative_data_rejection(ctx, response, case)
    return rejected


def _normalization_refuses(body: object) -> bool:
    """The question or an earlier question of the history is empty or too long once normalized."""
    if not isinstance(body, dict) or not isinstance(body.get("question"), str):
        return False
    history = body.get("history")
    earlier = history if isinstance(history, list) and all(isinstance(t, str) for t in history) else []
    try:
        for text in [body["question"], *earlier]:
            normalize_question(text, MAX_CHARS)
    except QuestionError:
        return True
    return False


@schema.parametrize()
@settings(
    max_examples=120, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow]
)
def test_api_conforms_to_its_schema(case: schemathesis.Case[Any], live_app: FastAPI) -> None:
    case.call_and_validate(
        app=live_app,
        excluded_checks=[positive_data_acceptance, negative_data_rejection],
        additional_checks=[valid_data_accepted, invalid_data_rejected],
    )
