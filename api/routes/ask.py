"""POST /v1/ask: the passages that answer a question, verbatim."""

from typing import Annotated, Any

from fastapi import APIRouter, Request
from pydantic import Field

from api import schemas
from api.deps import AskerDep, EngineDep
from api.schemas import AskResponse, ErrorBody, ValidationErrorBody
from qa.settings import Settings

RESPONSES: dict[int | str, dict[str, Any]] = {
    200: {"description": "The passages, or a refusal with the helpline (`answered` says which)"},
    415: {"model": ErrorBody, "description": "The body is not sent as Content-Type: application/json"},
    422: {
        "model": ValidationErrorBody | ErrorBody,
        "description": "Malformed or deeply nested JSON, unknown fields, or a bad question, top_k or history",
    },
    429: {"model": ErrorBody, "description": "Over the per-client rate limit (QA_RATE_LIMIT); see Retry-After"},
    503: {
        "model": ErrorBody,
        "description": "Starting up: the index is being built or loaded; see GET /readyz",
    },
}


def router(settings: Settings) -> APIRouter:
    """The route, validating and documenting its body with the limits of `settings`."""
    routes = APIRouter(prefix="/v1", tags=["questions"])
    turn = Annotated[str, Field(min_length=1, max_length=settings.question_max_chars)]

    class AskRequest(schemas.AskRequest):
        """A question in the asker's own words."""

        question: str = schemas.question_field(settings)
        top_k: int = schemas.top_k_field(settings)
        history: list[turn] = schemas.history_field(settings)

    @routes.post("/ask", response_model=AskResponse, responses=RESPONSES)
    async def ask(body: AskRequest, request: Request, engine: EngineDep, ask_question: AskerDep) -> AskResponse:
        """Verbatim passages that answer the question, best first, or a refusal; the helpline comes with both."""
        # Prepared before it is queued: a bad question fails alone, never the batch it would have joined.
        question = engine.prepare(body.question)
        request.state.question = question
        answer = await ask_question(question, body.top_k, body.history)
        request.state.answered = answer.answered
        # Read from the dataclasses directly: dataclasses.asdict deep-copies every field first.
        return AskResponse.model_validate(answer, from_attributes=True)

    return routes
