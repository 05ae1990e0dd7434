"""GET /v1/documents/{id}: a document's full text, so any passage can be checked by offsets."""

from typing import Annotated

from fastapi import APIRouter, Query
from starlette.convertors import Convertor, register_url_convertor

from api.deps import EngineDep
from api.schemas import DocumentOut, ErrorBody

router = APIRouter(prefix="/v1", tags=["documents"])


class AnyText(Convertor[str]):
    """A path parameter of any characters, '/' included (Starlette's `path` stops at a line break)."""

    regex = r"[\s\S]+"

    def convert(self, value: str) -> str:
        return value

    def to_string(self, value: str) -> str:
        return value


register_url_convertor("any", AnyText())


@router.get(
    "/documents/{document_id:any}",
    response_model=DocumentOut,
    responses={
        404: {"model": ErrorBody, "description": "No such document"},
        410: {"model": ErrorBody, "description": "The build named by build_id is no longer kept"},
    },
)
def get_document(
    document_id: str,
    engine: EngineDep,
    build_id: Annotated[
        str | None, Query(description="The `build_id` of an answer: the text as of that build.")
    ] = None,
) -> DocumentOut:
    """The document as the live build (or the build an answer names) holds it; ids may contain '/'."""
    doc = engine.stages.builds.corpus_of(build_id).get(document_id)
    return DocumentOut(**doc.describe(), text=doc.text)
