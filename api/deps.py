"""Dependencies shared by the routes."""

from typing import TYPE_CHECKING, Annotated

from fastapi import Depends, HTTPException, Request

if TYPE_CHECKING:  # loaded in the background at start-up, so the port opens without it
    from qa.service import QAService
from qa.settings import Settings


def get_settings(request: Request) -> Settings:
    settings: Settings = request.app.state.settings
    return settings


class NotReady(HTTPException):
    """The app is starting up (or failed to); answered as a 503 ErrorBody by api/errors.py."""

    code = "starting_up"


def get_service(request: Request) -> "QAService":
    service: QAService | None = getattr(request.app.state, "service", None)
    if service is None:
        raise NotReady(status_code=503, detail=f"{request.app.state.startup.detail} Try again in a moment.")
    return service


SettingsDep = Annotated[Settings, Depends(get_settings)]
if TYPE_CHECKING:
    ServiceDep = Annotated[QAService, Depends(get_service)]
else:  # FastAPI reads this at run time, when QAService is not imported yet
    ServiceDep = Annotated[object, Depends(get_service)]
