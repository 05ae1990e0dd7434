"""The encoder's settings: the model, its ONNX runtime, int8 and its checks, and micro-batching."""

from pathlib import Path
from typing import Literal

from pydantic import Field, field_validator
from pydantic_settings import BaseSettings

from qa.cpu import usable_cores
from qa.settings.base import SETTINGS_CONFIG, builtin_check_questions


class EncoderSettings(BaseSettings):
    """The model that turns texts into vectors: which one, how it runs, and how int8 is checked."""

    model_config = SETTINGS_CONFIG

    model: str | None = Field(
        None,
        description="A folder holding another sentence-transformers model (loaded from disk only); default: the"
        " packaged all-MiniLM-L6-v2.",
    )
    encoder_backend: Literal["onnx", "torch"] = Field(
        "onnx", description="onnx: ONNX Runtime (the fast path); torch: sentence-transformers as shipped."
    )
    quantize: bool = Field(
        False,
        description="Encode questions with the int8 ONNX model (passages always use the float one), each question"
        " alone so its vector never depends on the questions batched beside it: about half the CPU of the float"
        " model. int8 rounds differently on CPUs with and without VNNI, so at start-up it must show the float"
        " model's status and first excerpt for every question of quantize_check_questions on this CPU, or the"
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
    micro_batching: bool = Field(True, description="Gather concurrent questions into one encoder call.")
    batch_max: int = Field(64, ge=1, description="Most questions in one micro-batch.")
    batch_workers: int = Field(
        default_factory=usable_cores,
        ge=1,
        description="Encoder calls that may run at once in a process; default one per core this process may use"
        " (`qa serve --workers N` gives each worker process its share). In a container with a CPU quota, set it"
        " to the quota.",
    )

    @field_validator("model")
    @classmethod
    def _model_folder(cls, model: str | None) -> str | None:
        if model is not None and not Path(model).is_dir():
            raise ValueError(f"{model} is not a folder holding a sentence-transformers model")
        return model
