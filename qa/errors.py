"""Domain errors of the library, each with a stable machine-readable code.

    QAError
     ├─ CorpusError            (DocumentNotFound, BuildGone)
     ├─ IndexLoadError         (IndexMissing, IndexStale, IndexCorrupt)
     ├─ IndexBuildError        (RebuildRunning)
     ├─ ModelError
     ├─ SettingError
     ├─ SelfTestFailed
     └─ QuestionError          (QuestionEmpty, QuestionTooLong, HistoryTooLong)

The API maps each base class to one HTTP status in a single handler; the CLI maps
them to exit codes. Messages are written for the person who reads them.
"""


class QAError(Exception):
    """Base class: `str(error)` is safe to show to a user."""

    code = "qa_error"


class CorpusError(QAError):
    code = "corpus_error"


class DocumentNotFound(CorpusError):
    code = "document_not_found"


class BuildGone(CorpusError):
    """The documents of an earlier build are no longer kept."""

    code = "build_gone"


class IndexLoadError(QAError):
    code = "index_error"


class IndexMissing(IndexLoadError):
    code = "index_missing"


class IndexStale(IndexLoadError):
    code = "index_stale"


class IndexCorrupt(IndexLoadError):
    code = "index_corrupt"


class IndexBuildError(QAError):
    code = "index_build_failed"


class RebuildRunning(IndexBuildError):
    """A rebuild started in this process has not finished yet."""

    code = "reindex_running"


class ModelError(QAError):
    """The exported encoder cannot be made to reproduce the model it was exported from."""

    code = "model_invalid"


class SettingError(QAError):
    """A setting (a `QA_` variable) or a document's metadata that cannot work; the message names it."""

    code = "invalid_setting"


class SelfTestFailed(QAError):
    """The loaded build does not answer its own sentences right (see qa/selftest.py)."""

    code = "self_test_failed"


class QuestionError(QAError):
    code = "invalid_question"


class QuestionEmpty(QuestionError):
    code = "question_empty"


class QuestionTooLong(QuestionError):
    code = "question_too_long"


class HistoryTooLong(QuestionError):
    code = "history_too_long"
