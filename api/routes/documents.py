"""GET /v1/documents/{id}: a document's full text, so any passage can be checked by offsets."""

from fastapi import APIRouter

from api.deps import ServiceDep
from api.schemas import DocumentOut, ErrorBody

router = APIRouter(prefix="/v1", tags=["documents"])


@router.get("/documents/{document_id}", response_model=DocumentOut, responses={404: {"model": ErrorBody}})
def get_document(document_id: str, service: ServiceDep) -> DocumentOut:
    doc = service.index.corpus.get(document_id)
    return DocumentOut(**doc.describe(), text=doc.text)
