"""POST /v1/ask: the passages that answer a question, verbatim."""

from fastapi import APIRouter, Request

from api.deps import ServiceDep, SettingsDep
from api.schemas import AskRequest, AskResponse, ErrorBody, ValidationErrorBody
from qa.questions import normalize_question

router = APIRouter(prefix="/v1", tags=["questions"])


@router.post(
    "/ask",
    response_model=AskResponse,
    responses={422: {"model": ValidationErrorBody | ErrorBody, "description": "Invalid question or top_k"}},
)
async def ask(body: AskRequest, request: Request, service: ServiceDep, settings: SettingsDep) -> AskResponse:
    question = normalize_question(body.question, settings.question_max_chars)
    request.state.question = question
    answer = await request.app.state.ask(question, body.top_k, body.history)
    request.state.answered = answer.answered
    return AskResponse.model_validate(answer.to_dict())
