"""Lists the source lost: a lead-in line (ending in ':') with no list after it in the document's text."""

import re

# A list item as plain text or Markdown writes one: a bullet, or a number or letter with '.' or ')'.
_ITEM = re.compile(r"\s*(?:[-*•·–—▪◦]|\d{1,3}[.)]|[a-z][.)])\s", re.IGNORECASE)


def missing_list(text: str, start: int, end: int) -> bool:
    """Does the passage text[start:end] hold a line ending in ':' whose next line in `text` is not a list item?"""
    position = text.find(":", start, end)
    while position != -1:
        line_end = text.find("\n", position)
        line_end = len(text) if line_end == -1 else line_end
        if not text[position + 1 : line_end].strip():
            following = text[line_end + 1 :].lstrip("\r\n")
            if not _ITEM.match(following[: following.find("\n")] if "\n" in following else following):
                return True
        position = text.find(":", position + 1, end)
    return False
