"""Language tags as the detector writes them: `en-US`, `EN` or `eng` become `en`; anything else is refused."""

from langcodes import Language
from langcodes.tag_parser import LanguageTagError


def language_code(tag: str) -> str:
    """The language of a BCP 47 tag, as an ISO 639 code; ValueError, saying what to write instead, when none.

    The shortest code wins (`eng` -> `en`), but a valid two-letter code stays as written: langcodes
    would turn `tl` into `fil`, which the language detector does not know.
    """
    try:
        written, normalized = (Language.get(tag.strip(), normalize=flag) for flag in (False, True))
    except (LanguageTagError, ValueError):
        raise ValueError(f"{tag!r} is not a language code: use ISO 639-1, such as 'en' or 'es'") from None
    for language in (written, normalized):
        code = language.language if language.is_valid() else None
        if code is not None and (len(code) == 2 or language is normalized):
            return code
    raise ValueError(f"{tag!r} is not a language code: use ISO 639-1, such as 'en' or 'es'")
