"""GET /: the visitors' chat page, carrying the API's limits, and its script and style under /static."""

from pathlib import Path
from string import Template

from fastapi import APIRouter
from fastapi.responses import HTMLResponse
from fastapi.staticfiles import StaticFiles

from api.deps import SettingsDep

STATIC = Path(__file__).resolve().parent.parent / "static"
PAGE = Template((STATIC / "index.html").read_text(encoding="utf-8"))

router = APIRouter(tags=["web"])
router.mount("/static", StaticFiles(directory=STATIC), name="static")


@router.get("/", include_in_schema=False)
async def chat_page(settings: SettingsDep) -> HTMLResponse:
    """The chat page; it asks questions through POST /v1/ask like any other client, within the same limits.

    The question box's length and the number of earlier questions the page sends as `history`
    come from the settings (QA_QUESTION_MAX_CHARS, QA_HISTORY_MAX), so the page never sends what
    the API would refuse.
    """
    limits = {"question_max_chars": settings.question_max_chars, "history_max": settings.history_max}
    return HTMLResponse(PAGE.substitute(limits))
