"""POST /v1/ask: the passages that answer a question, verbatim."""

from fastapi import APIRouter, Request

from api.deps import AskerDep, EngineDep
from api.schemas import AskRequest, AskResponse, ErrorBody, ValidationErrorBody


def router(body_model: type[AskRequest]) -> APIRouter:
    """The route, validating and documenting its body with `body_model`: AskRequest with the settings' limits."""
    routes = APIRouter(prefix="/v1", tags=["questions"])

    async def ask(body: AskRequest, request: Request, engine: EngineDep, ask_question: AskerDep) -> AskResponse:
        """Verbatim passages that answer the question, best first, or a refusal; the helpline comes with both."""
        # Prepared before it is queued: a bad question fails alone, never the batch it would have joined.
        question = engine.prepare(body.question)
        request.state.question = question
        answer = await ask_question(question, body.top_k, body.history)
        request.state.answered = answer.answered
        # Read from the dataclasses directly: dataclasses.asdict deep-copies every field first.
        return AskResponse.model_validate(answer, from_attributes=True)

    # FastAPI takes the body's model, for validation and for OpenAPI, from the annotation.
    ask.__annotations__["body"] = body_model
    routes.add_api_route(
        "/ask",
        ask,
        methods=["POST"],
        response_model=AskResponse,
        responses={
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
        },
    )
    return routes
