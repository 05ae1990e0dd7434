"""The library's settings: every tunable of the question's path, its index and its publisher texts."""

from qa.settings.base import (
    PROJECT_ROOT,
    SETTINGS_CONFIG,
    builtin_check_questions,
    builtin_corpus,
    default_index_dir,
    makeable,
)
from qa.settings.conversation import ConversationSettings
from qa.settings.corpus import CorpusSettings
from qa.settings.encoder import EncoderSettings
from qa.settings.index import IndexSettings
from qa.settings.publisher import Helpline, PublisherSettings, default_helpline
from qa.settings.retrieval import RetrievalSettings

__all__ = [
    "PROJECT_ROOT",
    "Helpline",
    "Settings",
    "builtin_check_questions",
    "builtin_corpus",
    "default_helpline",
    "default_index_dir",
    "makeable",
]


# Pydantic lists inherited fields from the last base to the first: the corpus's come first, the publisher's last.
class Settings(
    PublisherSettings, ConversationSettings, RetrievalSettings, EncoderSettings, IndexSettings, CorpusSettings
):
    """Configuration read from `QA_*` environment variables (and `.env`), one settings class per stage."""

    model_config = SETTINGS_CONFIG
