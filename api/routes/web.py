"""GET /: the visitors' chat page, and its script and style under /static."""

from pathlib import Path

from fastapi import APIRouter
from fastapi.responses import FileResponse
from fastapi.staticfiles import StaticFiles

STATIC = Path(__file__).resolve().parent.parent / "static"

router = APIRouter(tags=["web"])
router.mount("/static", StaticFiles(directory=STATIC), name="static")


@router.get("/", include_in_schema=False)
def chat_page() -> FileResponse:
    """The chat page; it asks questions through POST /v1/ask like any other client."""
    return FileResponse(STATIC / "index.html", media_type="text/html")
