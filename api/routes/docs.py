"""GET /docs and /redoc: the interactive API docs, their scripts and styles served from the fastapi-offline package."""

from pathlib import Path

import fastapi_offline
from fastapi import APIRouter, Request
from fastapi.openapi.docs import get_redoc_html, get_swagger_ui_html
from fastapi.responses import HTMLResponse
from fastapi.staticfiles import StaticFiles

# Swagger UI and ReDoc as the package ships them; nothing is fetched from a CDN.
ASSETS = Path(fastapi_offline.__file__).resolve().parent / "static"
ASSETS_PATH = "/docs-assets"
SWAGGER_PATH = "/docs"
REDOC_PATH = "/redoc"

router = APIRouter(include_in_schema=False)
router.mount(ASSETS_PATH, StaticFiles(directory=ASSETS), name="docs-assets")


def _urls(request: Request, *assets: str) -> list[str]:
    """The schema's URL, then each asset's, under the app's root path."""
    root = request.scope.get("root_path", "")
    return [f"{root}{request.app.openapi_url}", *(f"{root}{ASSETS_PATH}/{name}" for name in assets)]


@router.get(SWAGGER_PATH)
def swagger_ui(request: Request) -> HTMLResponse:
    schema, script, style, icon = _urls(request, "swagger-ui-bundle.js", "swagger-ui.css", "favicon.png")
    return get_swagger_ui_html(
        openapi_url=schema,
        title=f"{request.app.title} - API docs",
        swagger_js_url=script,
        swagger_css_url=style,
        swagger_favicon_url=icon,
    )


@router.get(REDOC_PATH)
def redoc(request: Request) -> HTMLResponse:
    schema, script, icon = _urls(request, "redoc.standalone.js", "favicon.png")
    return get_redoc_html(
        openapi_url=schema,
        title=f"{request.app.title} - API reference",
        redoc_js_url=script,
        redoc_favicon_url=icon,
        with_google_fonts=False,
    )
