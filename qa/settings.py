"""The library's settings: every tunable of the question's path, its index and its publisher texts."""

from pathlib import Path
from typing import Literal, Self

from platformdirs import user_cache_path
from pydantic import BaseModel, Field, field_validator, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from qa.cpu import usable_cores
from qa.language_tags import language_code

PROJECT_ROOT = Path(__file__).resolve().parent.parent


_HELP = "call {phone} any time, day or night, or use live chat on weekdays, 7:00 am - 6:30 pm CT."


class Helpline(BaseModel):
    """Who answers when the passages cannot: every answer names them."""

    name: str
    phone: str
    tel: str = Field("", description="Tap-to-call link; empty means tel: and the phone's digits.")
    hours: str

    def card(self) -> dict[str, str]:
        """Name, phone, tel link and hours, as answers carry them."""
        tel = self.tel or "tel:" + "".join(ch for ch in self.phone if ch.isdigit())
        return {"name": self.name, "phone": self.phone, "tel": tel, "hours": self.hours}


def default_helpline() -> Helpline:
    """The American Cancer Society cancer helpline, 1-800-227-2345 (phone 24/7; live chat on weekdays)."""
    return Helpline(
        name="American Cancer Society cancer helpline",
        phone="1-800-227-2345",
        tel="tel:18002272345",
        hours="Phone 24/7; live chat weekdays, 7:00 am - 6:30 pm CT",
    )


def makeable(path: Path | None, wanted: Literal["file", "folder"]) -> Path | None:
    """`path` when it is a `wanted` or can be made one (no file on the way to it); else ValueError."""
    if path is not None and path.exists() and (path.is_dir() != (wanted == "folder")):
        raise ValueError(f"{path} is a {'folder' if path.is_dir() else 'file'}, not a {wanted}")
    blocking = next((parent for parent in path.parents if parent.exists()), None) if path else None
    if blocking is not None and not blocking.is_dir():
        raise ValueError(f"{path} cannot be made: {blocking} is a file")
    return path


def _shipped(folder: str) -> Path:
    """A data folder shipped with the package (a wheel installs it under qa/), else the checkout's own."""
    packaged = Path(__file__).with_name(folder)
    return packaged if packaged.is_dir() else PROJECT_ROOT / folder


def builtin_corpus() -> Path:
    """The article shipped with the package."""
    return _shipped("corpus")


def builtin_check_questions() -> list[Path]:
    """The article's labelled questions and follow-ups shipped with the package (eval/)."""
    return [_shipped("eval") / name for name in ("immunotherapy.jsonl", "dialogues.jsonl")]


def default_index_dir() -> Path:
    """index/ in a source checkout (beside pyproject.toml); otherwise the user's cache folder."""
    if (PROJECT_ROOT / "pyproject.toml").is_file():
        return PROJECT_ROOT / "index"
    return user_cache_path("cancer-qa") / "index"


class Settings(BaseSettings):
    """Configuration read from `QA_*` environment variables (and `.env`)."""

    # allow_inf_nan=False: no limit or interval may be infinite (QA_REQUEST_TIMEOUT_SECONDS=inf) or NaN.
    model_config = SettingsConfigDict(
        env_prefix="QA_", env_file=".env", env_ignore_empty=True, extra="ignore", allow_inf_nan=False
    )

    corpus: Path = Field(
        default_factory=builtin_corpus,
        description="A folder of .txt/.md documents (each with an optional <name>.meta.json sidecar) and/or .jsonl"
        ' collections (one {"id", "title", "url", "text", ...} per line; other fields, language among them,'
        " kept as metadata).",
    )
    index_dir: Path = Field(
        default_factory=default_index_dir,
        description="Where builds live (CURRENT, builds/<id>/, models/): index/ in a source checkout, else the user's"
        " cache folder.",
    )
    model_cache: Path | None = Field(
        None, description="Where ONNX exports of the model are kept; default <index_dir>/models."
    )
    model: str | None = Field(
        None,
        description="A folder holding another sentence-transformers model (loaded from disk only); default: the"
        " packaged all-MiniLM-L6-v2.",
    )

    max_passage_chars: int = Field(
        600, ge=100, le=4000, description="Longest passage: paragraphs longer than this split on sentence boundaries."
    )
    excerpt_max_chars: int = Field(
        700,
        ge=0,
        le=8000,
        description="Longest first excerpt: the first passage is joined with the next passage of the source when that"
        " one is ranked second, and with the paragraph before when it opens by pointing back (\"If a cure isn't"
        ' possible"), as one verbatim slice of at most this many characters (docs/evaluation.md, "Ranking").'
        " 0: passages as chunked.",
    )
    top_k_default: int = Field(
        3,
        ge=1,
        description="Passages per answer when a request (API, qa ask, qa chat) does not say; at most top_k_max.",
    )
    top_k_max: int = Field(
        10, ge=1, le=50, description="The most passages a request may ask for (qa chat's :more stops there)."
    )
    question_max_chars: int = Field(
        1000, ge=10, description="Longest question (and earlier question in history) accepted, after normalization."
    )
    question_max_parts: int = Field(
        3,
        ge=0,
        description="Sub-questions searched at most besides the whole question; each costs an encoder pass"
        " and a search (docs/reliability.md, Bounded cost per request).",
    )
    question_max_encoded_chars: int = Field(
        512,
        ge=32,
        description="Characters of one question (itself plus its sub-questions) the encoder reads at most;"
        " a question with parts is cut to half of it and its parts fill the rest; keyword search still reads all"
        " of it (docs/reliability.md, Bounded cost per request).",
    )

    lexical_weight: float = Field(
        0.3, ge=0, description="Weight of normalized BM25 in the hybrid score (chosen with qa eval on the train split)."
    )
    sentence_weight: float = Field(
        2.0, ge=0, description="Weight of the best sentence (and sentence pair) similarity in the hybrid score."
    )
    candidates: int = Field(
        50,
        ge=1,
        description="Passages each of dense search and BM25 proposes per question before the fused score ranks them.",
    )
    history_max: int = Field(
        5, ge=0, le=20, description="Earlier questions of a conversation a request may send as `history`."
    )
    history_weight: float = Field(
        0.7,
        ge=0,
        le=1,
        description="Weight, against the question's 1, of the previous question when a follow-up leans on it"
        " (BM25 terms and dense vector). Fitted on the train dialogues (docs/conversations.md).",
    )
    history_decay: float = Field(
        1.0,
        ge=0,
        le=1,
        description="Each step further back in a chain of follow-ups multiplies the weight by this."
        " Fitted on the train dialogues.",
    )
    history_topic_share: float = Field(
        0.03,
        ge=0,
        le=1,
        description="A follow-up that uses a word at most this share of the passages use (a topic's name) that"
        " the conversation has not, opens a new topic unless it points back. Chosen on the train dialogues.",
    )
    history_specificity: float = Field(
        0.8,
        ge=0,
        description="A follow-up that does not point back leans on earlier questions only when its own best passage"
        " is less close in meaning (dense cosine) than this share of the closest an earlier question found: one as"
        " specific as the questions before it opens a topic of its own. Chosen on the train dialogues.",
    )
    encoder_backend: Literal["onnx", "torch"] = Field(
        "onnx", description="onnx: ONNX Runtime (the fast path); torch: sentence-transformers as shipped."
    )
    quantize: bool = Field(
        False,
        description="Encode questions with the int8 ONNX model (passages always use the float one), each question"
        " alone so its vector never depends on the questions batched beside it: about half the CPU of the float"
        " model. int8 rounds differently on CPUs with and without VNNI, so at start-up it must show the float"
        " model's status and first passage for every question of quantize_check_questions on this CPU, or the"
        " service uses the float model (said in /readyz and /metrics). Default false: the float model, the same"
        " answers on every CPU (docs/performance.md).",
    )
    quantize_check_questions: list[Path] = Field(
        default_factory=builtin_check_questions,
        description="With quantize: JSON-lines files of questions (`question`, and `history` for a follow-up) on"
        " which int8 must show what the float model shows at start-up; default the article's evaluation files.",
    )
    recheck_margin: float = Field(
        0.03,
        ge=0,
        description="With quantize, a question that shows passages is encoded again with the float model when its"
        " first two passages' scores are closer than this: int8 moved them by up to about 0.025 on a CPU with VNNI,"
        " 0.034 on one without (the start-up check catches what it misses).",
    )
    recheck_band: float = Field(
        0.05,
        ge=0,
        le=0.5,
        description="With quantize, a question is also encoded again with the float model when a refusal"
        " decision's probability is this close to its threshold. Both recheck settings 0: int8 alone.",
    )
    encoder_check_min_cosine: float = Field(
        0.98,
        gt=0,
        le=1,
        description="At start-up the ONNX model must encode a known sentence within this cosine of the torch"
        " model's vector stored at export, or it is exported again (float model 1.0000, int8 0.9916 measured).",
    )
    encoder_run: int = Field(
        8,
        ge=1,
        description="Texts per ONNX Runtime call of the float model (the int8 model encodes one at a time, so a"
        " vector never depends on its batch): 32 questions per call cost 9.0 ms each on two cores, runs of 8"
        " 4.0 ms, one at a time 4.3 ms (measured with the packaged model).",
    )
    encoder_threads: int = Field(
        1,
        ge=0,
        description="ONNX Runtime threads per encoder call; 0 = one per core. One thread per call, with one call"
        " per core at once (batch_workers), costs less CPU per question than calls spread over both cores.",
    )
    search_threads: int = Field(
        1,
        ge=0,
        description="FAISS (OpenMP) threads of the process; 0 = one per core. A search of a few questions takes"
        " microseconds, and handing it to other threads cost 0.4 ms of CPU per question (measured).",
    )
    micro_batching: bool = Field(True, description="Gather concurrent questions into one encoder call.")
    batch_max: int = Field(64, ge=1, description="Most questions in one micro-batch.")
    batch_workers: int = Field(
        default_factory=usable_cores,
        ge=1,
        description="Encoder calls that may run at once in a process; default one per core this process may use"
        " (`qa serve --workers N` gives each worker process its share). In a container with a CPU quota, set it"
        " to the quota.",
    )
    cache_size: int = Field(
        2048,
        ge=0,
        description="Recent answers kept in memory; 0 turns the cache off. Requests with history never use it.",
    )
    exact_search_max: int = Field(
        10000,
        ge=1,
        description="Above this many passages the dense index is HNSW"
        " (docs/performance.md, Scale: flat search takes about 0.5-0.8 ms at 10k passages).",
    )
    hnsw_m: int = Field(32, ge=4, description="HNSW graph degree (M).")
    hnsw_ef_construction: int = Field(200, ge=8, description="HNSW build-time candidate list (efConstruction).")
    hnsw_ef_search: int = Field(128, ge=8, description="HNSW search-time candidate list (efSearch).")

    build_on_start: bool = Field(
        True,
        description="Build the index at start when it is missing or stale; false for a replica that only serves"
        " what `qa index build` made (it then stops with a message if there is no usable index); same as"
        " `qa serve --no-build`.",
    )
    index_watch_seconds: float = Field(
        2.0, ge=0, description="How often a server checks for a build made by `qa index build`; 0 turns it off."
    )
    document_language: str = Field("en", description="Language (ISO 639-1) of documents whose metadata names none.")
    question_languages: list[str] = Field(
        default_factory=lambda: [
            "en",
            "es",
            "fr",
            "de",
            "it",
            "pt",
            "zh",
            "ar",
            "vi",
            "ko",
            "ru",
            "tl",
            "ja",
            "hi",
            "pl",
        ],
        description="The languages a question may be detected in (ISO 639-1); py3langid chooses among these only.",
    )
    language_min_confidence: float = Field(
        0.7,
        ge=0,
        le=1,
        description="Below this detector probability a question counts as in document_language"
        " (docs/languages.md: 0 of 131 English train questions misdetected at 0.5-0.9).",
    )
    builds_kept_on_disk: int = Field(
        2,
        ge=1,
        description="Newest builds kept in index_dir/builds, the new one included; older ones are removed after"
        " each build (another worker may still serve the one before).",
    )
    documents_kept_builds: int = Field(
        2,
        ge=0,
        description="Earlier builds whose documents stay fetchable with ?build_id= after a reindex (kept in memory).",
    )

    emergency_phone: str = Field("911", description="The emergency number urgent-care advice gives (tap-to-call).")
    urgent_care: dict[str, dict[str, str]] = Field(
        default_factory=lambda: {
            "en": {
                "emergency": "This may be an emergency. Call 911 or go to the nearest emergency room now. Tell them"
                " you are being treated for cancer. Then let your cancer care team know. The cancer helpline, {phone},"
                " is open 24/7 too.",
                "care_team": "Call your cancer care team right away, day or night: during cancer treatment this can"
                " be a sign of a serious problem that needs care now. If you cannot reach them, call 911 or go to"
                " the emergency room. The cancer helpline, {phone}, is open 24/7 too.",
                "crisis": "If you are thinking about harming yourself, please call or text 988 (Suicide & Crisis"
                " Lifeline) now, or call 911 if you are in danger. You are not alone. The cancer helpline, {phone}, is"
                " open 24/7 too.",
            },
            "es": {
                "emergency": "Esto puede ser una emergencia. Llame al 911 o vaya a la sala de emergencias más"
                " cercana ahora. Diga que recibe tratamiento contra el cáncer y avise luego a su equipo de atención.",
                "care_team": "Llame a su equipo de atención del cáncer ahora mismo, de día o de noche: durante el"
                " tratamiento esto puede ser señal de un problema grave. Si no logra comunicarse, llame al 911. También"
                " puede llamar al {phone}, a cualquier hora.",
                "crisis": "Si piensa en hacerse daño, llame o envíe un mensaje de texto al 988 ahora, o llame al 911"
                " si está en peligro. No está solo.",
            },
        },
        description="Advice shown first when a question describes a possibly urgent situation, by language and level"
        " (emergency, care_team, crisis); a document's sidecar `urgent_care` replaces it for its language.",
    )
    smalltalk_reply: dict[str, str] = Field(
        default_factory=lambda: {
            "en": "I find the passages of our cancer information that answer your questions, word for word. Ask a"
            " question in your own words, for example: “What are the side effects of immunotherapy?” To talk to a"
            " person, call the cancer helpline at {phone}, any time, day or night.",
            "es": "Busco en nuestra información sobre el cáncer los pasajes que responden a sus preguntas, palabra por"
            " palabra. Para hablar con una persona, llame al {phone}, a cualquier hora del día o de la noche.",
        },
        description="The reply to greetings, thanks and questions about the service, by language; a sidecar's"
        " `smalltalk_reply` replaces it for its document's language. {phone} is the helpline's number.",
    )
    missing_list_note: str = Field(
        "The original article has a list here that this copy does not include. Your care team or the cancer"
        " helpline ({phone}) can tell you what it says.",
        description="Shown with a passage that ends on a lead-in (':') whose list is not in the source text.",
    )
    helpline: Helpline = Field(
        default_factory=default_helpline,
        description="The human fallback every answer names (JSON: name, phone, hours, and tel, which defaults to"
        " tel: and the phone's digits); a document's sidecar `contact` replaces any of them. {phone} in the"
        " publisher's texts is its phone.",
    )
    disclaimer: str = Field(
        "This service quotes its sources word for word and gives general information, not medical advice. "
        "Please review any information with your doctor, who knows your situation.",
        description="Shown with every answer; a document's sidecar `disclaimer` replaces it.",
    )
    status_messages: dict[str, str] = Field(
        default_factory=lambda: {
            "answered": "Here are the passages from our sources that best match your question, best first.",
            "related": "Our article does not answer this question. These are the passages closest to your question;"
            " they are about its subject but do not answer it. Your care team or the helpline can answer it: " + _HELP,
            "not_found": "We could not find an answer to that question in our cancer information. "
            "A trained cancer information specialist can help: " + _HELP,
        },
        description="The message of each outcome (answered, related, not_found); a document's sidecar"
        " `status_messages` replaces any of them. {phone} is the helpline's number.",
    )
    no_documents_message: dict[str, str] = Field(
        default_factory=lambda: {
            "en": "We have no cancer information in the language of your question yet. "
            "A trained cancer information specialist can help: call {phone} any time, day or night.",
            "es": "Lo sentimos: todavía no tenemos información sobre el cáncer en español, así que no podemos"
            " responder a su pregunta. Un especialista en información sobre el cáncer puede ayudarle: llame al"
            " {phone}, a cualquier hora del día o de la noche.",
        },
        description="The reply when the corpus has no document in the question's language, by language"
        " (else in document_language). {phone} is the helpline's number.",
    )
    translated_disclaimer: dict[str, str] = Field(
        default_factory=lambda: {
            "es": "Este servicio cita sus fuentes palabra por palabra y ofrece información general, no consejo"
            " médico. Hable de cualquier información con su médico, que conoce su situación.",
        },
        description="The disclaimer, by language, of that reply; in other languages it carries `disclaimer`.",
    )
    urgency_model: Path | None = Field(
        None,
        description="The urgency check's embedding model, written by `python -m evaluation.urgency_fit PATH`;"
        " default: the packaged one (qa/urgency.json).",
    )
    subject_terms: Path | None = Field(
        None,
        description="File of treatments, drugs, tests and side effects (one a line): a question naming one the"
        " corpus never mentions gets `related`, not `answered` or `not_found`. Default: the packaged cancer list.",
    )
    history_used: int = Field(
        2,
        ge=0,
        le=20,
        description="Most recent earlier questions a follow-up is resolved against; older ones are not read"
        " (bounds a request's cost: with 2 and 150 characters each, five 1,000-character earlier questions cost"
        " 5.5x a question alone in CPU, a short one 2.5x; docs/conversations.md).",
    )
    history_max_encoded_chars: int = Field(
        150,
        ge=16,
        description="Characters of each earlier question read at most, by the encoder, keyword search and spelling"
        " alike (bounds a request's cost).",
    )
    followup_max_chars: int = Field(
        200,
        ge=0,
        description="A question longer than this stands on its own: its history plays no part. The longest"
        " follow-up of the dialogues has 60 characters.",
    )

    refusal_model: Path | None = Field(
        None, description="Refusal weights written by `qa eval --fit-refusal PATH`; default: the packaged ones."
    )

    # Readiness, start-up checks and builds (issue 27, items 4-6).
    index_verify_seconds: float = Field(
        30.0,
        ge=0,
        description="How often a server hashes the live build's files again; a file that no longer matches its"
        " checksum makes /readyz 503 naming it (docs/reliability.md). 0 turns it off.",
    )
    self_test_passages: int = Field(
        8,
        ge=0,
        description="Passages whose own sentence must come back first, answered, before a build serves"
        " (start-up and every new build; docs/reliability.md). 0 turns the self-test off.",
    )

    @field_validator("document_language")
    @classmethod
    def _language(cls, tag: str) -> str:
        return language_code(tag)

    @field_validator("question_languages")
    @classmethod
    def _languages(cls, tags: list[str]) -> list[str]:
        if not tags:
            raise ValueError('name at least one language, such as ["en"]')
        return list(dict.fromkeys(language_code(tag) for tag in tags))

    @field_validator("refusal_model")
    @classmethod
    def _refusal_file(cls, path: Path | None) -> Path | None:
        if path is not None and not path.is_file():
            raise ValueError(f"{path} is not a file (write one with `qa eval --fit-refusal PATH`)")
        return path

    @field_validator("model")
    @classmethod
    def _model_folder(cls, model: str | None) -> str | None:
        if model is not None and not Path(model).is_dir():
            raise ValueError(f"{model} is not a folder holding a sentence-transformers model")
        return model

    @field_validator("index_dir", "model_cache")
    @classmethod
    def _folder(cls, path: Path | None) -> Path | None:
        return makeable(path, "folder")

    @model_validator(mode="after")
    def _consistent(self) -> Self:
        if self.top_k_default > self.top_k_max:
            raise ValueError(f"top_k_default ({self.top_k_default}) is above top_k_max ({self.top_k_max})")
        return self

    @property
    def model_cache_dir(self) -> Path:
        return self.model_cache or self.index_dir / "models"
