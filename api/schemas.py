"""Request and response models; their limits, taken from Settings, are part of the OpenAPI schema."""

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator

from qa.settings import Settings


class AskRequest(BaseModel):
    """A question in the asker's own words (POST /v1/ask validates a subclass with the settings' limits)."""

    model_config = ConfigDict(extra="forbid")

    question: str = Field(min_length=1, examples=["Can I take immunotherapy as a pill?"])
    top_k: int = Field(Settings.model_fields["top_k_default"].default, ge=1)
    history: list[str] = Field(default_factory=list, examples=[["What is oral immunotherapy?"]])

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


def question_field(settings: Settings) -> Any:
    """The question, at most `settings.question_max_chars` characters once normalized."""
    limit = settings.question_max_chars
    return Field(
        min_length=1,
        max_length=limit,
        examples=["Can I take immunotherapy as a pill?"],
        description="Normalized before use (Unicode NFC, control and format characters removed, whitespace "
        f"collapsed); a 422 if nothing is left or it is then over {limit} characters.",
    )


def top_k_field(settings: Settings) -> Any:
    """How many passages, with the settings' default and maximum."""
    return Field(
        settings.top_k_default, ge=1, le=settings.top_k_max, description="How many passages to return, best first."
    )


def history_field(settings: Settings) -> Any:
    """The earlier questions, at most `settings.history_max` of them."""
    return Field(
        default_factory=list,
        max_length=settings.history_max,
        examples=[["What is oral immunotherapy?"]],
        description=f"The conversation's earlier questions, oldest first (at most {settings.history_max}, each"
        " normalized and limited like `question`). Used only to understand a follow-up; never logged, cached or kept.",
    )


class Highlight(BaseModel):
    """Offsets, within the passage text, of a sentence that best answers the question."""

    start: int = Field(ge=0, description="Offset of the sentence's first character in the passage text.")
    end: int = Field(ge=0, description="Offset just past the sentence's last character.")


class PassageOut(BaseModel):
    """A verbatim passage: `text == document.text[start:end]`."""

    id: str = Field(description="Stable id of the passage within the index build.")
    text: str = Field(description="The passage, word for word as in the document.")
    score: float = Field(description="Hybrid relevance score; higher is better, comparable within one answer.")
    document_id: str = Field(description="The document it comes from (GET /v1/documents/{id}).")
    title: str | None = Field(description="The document's title, if known.")
    url: str | None = Field(description="Where the document is published, if known.")
    start: int = Field(ge=0, description="Offset of the passage's first character in the document text.")
    end: int = Field(ge=0, description="Offset just past the passage's last character.")
    publisher: str | None = Field(description="Who published the document, if known.")
    last_revised: str | None = Field(description="When the document was last revised, if known.")
    copyright: str | None = Field(description="The document's copyright notice, if any.")
    kind: str = Field(
        description="'content'; 'reference' (the source list), 'credit' (who developed the document) or 'revised'"
        " (when), for questions about the source; 'helpline' (the helpline block), for questions about the helpline"
    )
    highlights: list[Highlight] = Field(description="The sentences that best answer the question, in the passage.")
    incomplete: bool = Field(
        False,
        description="True when the passage holds a lead-in (a line ending in ':') whose list this copy of the source"
        " does not include; `missing_list_note` then says so.",
    )


class Helpline(BaseModel):
    """People to talk to, given with every answer."""

    name: str = Field(description="Who answers the helpline.")
    phone: str = Field(description="The number as people write it.")
    tel: str = Field(description="A tel: link that dials it.")
    hours: str = Field(description="When it can be reached.")


class UrgentCareOut(BaseModel):
    """What to do now: shown before anything else."""

    level: Literal["emergency", "care_team", "crisis"] = Field(
        description="'emergency': call the emergency number now; 'care_team': call the cancer care team right away;"
        " 'crisis': thoughts of self-harm, the crisis line now."
    )
    message: str = Field(description="The publisher's advice, from the corpus metadata; never from the article.")
    emergency_phone: str = Field(description="The emergency number, as people write it.")
    emergency_tel: str = Field(description="A tel: link that dials it.")


class AskResponse(BaseModel):
    """Passages that answer the question, or a refusal; the helpline and disclaimer come with both."""

    question: str = Field(description="The question as it was understood (normalized).")
    answered: bool = Field(description="True only when `status` is 'answered'.")
    status: Literal["answered", "related", "not_found", "smalltalk"] = Field(
        description="'answered': the passages answer the question. 'related': our sources are about its subject but"
        " do not answer it; `message` says so first and the passages are only the closest ones, not an answer."
        " 'not_found': nothing relevant; no passages. 'smalltalk': a greeting, thanks, 'help' or a question about"
        " the service; `message` says what the service does and how to reach a person; no passages."
    )
    passages: list[PassageOut] = Field(
        description="Verbatim passages, best first (at most top_k): the answer, or for `related` only the closest ones."
    )
    disclaimer: str = Field(description="To show with every answer: general information, not medical advice.")
    helpline: Helpline = Field(description="The human fallback, to show with every answer.")
    message: str = Field(description="One sentence for the reader, in the question's language where we have it.")
    language: str = Field(
        description="ISO 639-1 code of the question's language, as detected; only documents in this language are "
        "searched, and where there are none the message says so in this language (Spanish at least)."
    )
    build_id: str = Field(
        description="The index build the passages come from; GET /v1/documents/{id}?build_id= returns the text"
        " they index into while that build is kept."
    )
    context_used: list[int] = Field(
        default_factory=list,
        description="Indexes into `history` of the earlier questions this answer was searched with; empty when"
        " the question was answered on its own.",
    )
    urgent: bool = Field(
        False,
        description="True when the question describes a possibly urgent situation; `urgent_care` says what to do"
        " now, and `message` starts with it. Show it before anything else.",
    )
    urgent_care: UrgentCareOut | None = Field(None, description="What to do now, when `urgent`.")
    missing_list_note: str | None = Field(
        None, description="Set when a passage is `incomplete`: the list the original article has there is missing."
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


class Int8Check(BaseModel):
    """With QA_QUANTIZE: how int8 question encoding compared with the float model at start-up, on this CPU."""

    questions: int = Field(description="Stored questions asked of both encoders.")
    differing: int = Field(description="Of those, the ones int8 showed another status or first passage for.")
    passed: bool = Field(description="int8 is used only when it passed; otherwise the float model.")
    cpu: dict[str, bool] = Field(description="The CPU's instruction sets (avx2, avx512, vnni).")


class Readiness(BaseModel):
    status: str = Field(
        description="'ready', or while starting 'building' or 'loading' (the index), or 'failed';"
        " 'damaged' when a file of the live build no longer matches its checksum (`detail` names it)."
    )
    build_id: str | None = None
    passages: int | None = None
    question_encoder: str | None = Field(None, description="The model that encodes questions, e.g. onnx:model.onnx.")
    int8_check: Int8Check | None = None
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
