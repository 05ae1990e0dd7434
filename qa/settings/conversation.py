"""The conversation's settings: how a follow-up leans on the questions before it, and what that may cost."""

from pydantic import Field
from pydantic_settings import BaseSettings

from qa.settings.base import SETTINGS_CONFIG


class ConversationSettings(BaseSettings):
    """Follow-ups: which earlier questions they are resolved against, and how much those weigh."""

    model_config = SETTINGS_CONFIG

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
    history_used: int = Field(
        2,
        ge=0,
        le=20,
        description="Most recent earlier questions a follow-up is resolved against; older ones are not read"
        " (bounds a request's cost: with 2 and 80 characters each, five 1,000-character earlier questions cost"
        " 3.2x a question alone in CPU; docs/conversations.md).",
    )
    history_max_encoded_chars: int = Field(
        80,
        ge=16,
        description="Characters of each earlier question read at most, by the encoder, keyword search and spelling"
        " alike (bounds a request's cost; the topic a follow-up leans on is named early: every earlier question"
        " of eval/dialogues.jsonl fits in 63).",
    )
    followup_max_chars: int = Field(
        100,
        ge=0,
        description="A question longer than this stands on its own: its history plays no part. The longest"
        ' follow-up of the dialogues has 60 characters; longer messages carry their own subject ("i work full'
        ' time and im terrified ill lose my job over this. is it given every day or every week?").',
    )
