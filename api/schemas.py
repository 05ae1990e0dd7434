"""Request and response models; their limits are part of the OpenAPI schema."""

from pydantic import BaseModel, ConfigDict, Field, field_validator


class AskRequest(BaseModel):
    """A question in the asker's own words."""

    model_config = ConfigDict(extra="forbid")

    question: str = Field(min_length=1, max_length=1000, examples=["Can I take immunotherapy as a pill?"])
    top_k: int = Field(3, ge=1, le=10, description="How many passages to return, best first.")

    @field_validator("question")
    @classmethod
    def _not_blank(cls, value: str) -> str:
        if not value.strip():
            raise ValueError("the question is empty or only whitespace")
        return value


class Highlight(BaseModel):
    """Offsets, within the passage text, of a sentence that best answers the question."""

    start: int = Field(ge=0)
    end: int = Field(ge=0)


class PassageOut(BaseModel):
    """A verbatim passage: `text == document.text[start:end]`."""

    id: str
    text: str
    score: float
    document_id: str
    title: str | None
    url: str | None
    start: int = Field(ge=0)
    end: int = Field(ge=0)
    publisher: str | None
    last_revised: str | None
    kind: str = Field(description="'content', or 'reference' for the source list")
    highlights: list[Highlight]


class Helpline(BaseModel):
    name: str
    phone: str
    tel: str
    hours: str


class AskResponse(BaseModel):
    question: str = Field(description="The question as it was understood (normalized).")
    answered: bool
    passages: list[PassageOut]
    disclaimer: str
    helpline: Helpline
    message: str


class DocumentOut(BaseModel):
    id: str
    title: str | None
    url: str | None
    publisher: str | None
    last_revised: str | None
    copyright: str | None
    metadata: dict[str, object]
    text: str


class Health(BaseModel):
    status: str


class Readiness(BaseModel):
    status: str
    build_id: str | None = None
    passages: int | None = None
    detail: str | None = None


class ErrorBody(BaseModel):
    detail: str
    code: str
