"""Request and response models; their limits are part of the OpenAPI schema."""

from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field, field_validator


class AskRequest(BaseModel):
    """A question in the asker's own words."""

    model_config = ConfigDict(extra="forbid")

    question: str = Field(
        min_length=1,
        max_length=1000,
        examples=["Can I take immunotherapy as a pill?"],
        description="Normalized before use (Unicode NFC, control and format characters removed, whitespace "
        "collapsed); a 422 if nothing is left or it is then over 1000 characters.",
    )
    top_k: int = Field(3, ge=1, le=10, description="How many passages to return, best first.")
    history: list[Annotated[str, Field(min_length=1, max_length=1000)]] = Field(
        default_factory=list,
        max_length=5,
        examples=[["What is oral immunotherapy?"]],
        description="The conversation's earlier questions, oldest first (at most 5, each normalized and limited"
        " like `question`). Used only to understand a follow-up; never logged, cached or kept.",
    )

    @field_validator("question")
    @classmethod
    def _not_blank(cls, value: str) -> str:
        if not value.strip():
            raise ValueError("the question is empty or only whitespace")
        return value

    @field_validator("top_k", mode="before")
    @classmethod
    def _a_json_integer(cls, value: object) -> object:
        # As JSON Schema has it: 3 and 3.0 are integers, "3" and true are not.
        if isinstance(value, (bool, str)):
            raise ValueError("Input should be a valid integer")
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
    copyright: str | None
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
    context_used: list[int] = Field(
        default_factory=list,
        description="Indexes into `history` of the earlier questions this answer was searched with; empty when"
        " the question was answered on its own.",
    )


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


class ValidationIssue(BaseModel):
    """One problem FastAPI found in a request, as it reports it."""

    loc: list[str | int]
    msg: str
    type: str


class ValidationErrorBody(BaseModel):
    """FastAPI's 422 for a request that does not match its schema."""

    detail: list[ValidationIssue]


class HTTPErrorBody(BaseModel):
    """The body of a plain HTTP error, such as an unknown path or a missing bearer token."""

    detail: str


class ReindexResponse(BaseModel):
    """The build serving after a reindex, and the one it replaced."""

    build_id: str
    passages: int = Field(ge=0)
    documents: int = Field(ge=0)
    build_seconds: float = Field(ge=0)
    previous_build_id: str
