"""GET /: the visitors' chat page, carrying the API's limits and the corpus's helpline, and its script and style under
/static."""

from html import escape
from pathlib import Path
from string import Template

from fastapi import APIRouter
from fastapi.responses import HTMLResponse
from fastapi.staticfiles import StaticFiles

from api.deps import StateDep

STATIC = Path(__file__).resolve().parent.parent / "static"
PAGE = Template((STATIC / "index.html").read_text(encoding="utf-8"))

router = APIRouter(tags=["web"])
router.mount("/static", StaticFiles(directory=STATIC), name="static")


@router.get("/", include_in_schema=False)
async def chat_page(state: StateDep) -> HTMLResponse:
    """The chat page; it asks questions through POST /v1/ask like any other client, within the same limits.

    The question box's length and the number of earlier questions the page sends as `history`
    come from the settings (QA_QUESTION_MAX_CHARS, QA_HISTORY_MAX), so the page never sends what
    the API would refuse. The helpline is the live build's (its corpus's sidecar over QA_HELPLINE);
    while the engine loads, QA_HELPLINE's.
    """
    settings = state.settings
    helpline = state.engine.publisher.helpline if state.engine else settings.helpline.card()
    values = {
        "question_max_chars": settings.question_max_chars,
        "history_max": settings.history_max,
        "helpline_phone": escape(helpline["phone"]),
        "helpline_tel": escape(helpline["tel"]),
    }
    return HTMLResponse(PAGE.substitute(values))
