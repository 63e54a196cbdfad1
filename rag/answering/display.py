"""How a verbatim quote is shown: repaired for reading, never changed in substance.

A citation keeps the exact body offsets and text (``article.body[start:end]``); only the answer's
display of it is tidied: runs of whitespace become one space, a missing space after a full stop
("21-17 win.The game") is put back, and quotation marks inside the quote become single ones so
the answer never shows doubled marks (“““There was…” → “‘There was…’”). ``canonical`` undoes
exactly these changes, so a checker can confirm a displayed quote is the cited text.
"""

from __future__ import annotations

import re

_SPACE = re.compile(r"\s+")
# a sentence end glued to the next sentence: lower-case letter or digit, . ! or ?, maybe a
# closing quote, then a capitalised word ("win.The", "said.”The")
_RUN_ON = re.compile(r"(?<=[a-z0-9%][.!?])([”’]?)(?=[A-Z][a-z])")
_DOUBLE_OPEN, _DOUBLE_CLOSE = "“«„", "”»"
_ANY_QUOTE = re.compile(r"[“”«»„\"‘’']")


def _single_quotes(text: str) -> str:
    """Inner double quotation marks → single ones; straight pairs alternate open/close."""
    out: list[str] = []
    straight_open = False
    for i, ch in enumerate(text):
        if ch in _DOUBLE_OPEN:
            out.append("‘")
        elif ch in _DOUBLE_CLOSE:
            out.append("’")
        elif ch == '"':
            # an opener follows a space or starts the text; otherwise it closes
            opens = not straight_open and (i == 0 or text[i - 1].isspace() or text[i - 1] in "([—–-")
            out.append("‘" if opens else "’")
            straight_open = opens
        else:
            out.append(ch)
    return "".join(out)


def display_quote(text: str) -> str:
    """The quote as the answer shows it (see the module docstring)."""
    shown = _SPACE.sub(" ", text).strip()
    shown = _RUN_ON.sub(lambda m: m.group(1) + " ", shown)
    return _single_quotes(shown)


def canonical(text: str) -> str:
    """Text with every quotation mark made ``'`` and all whitespace removed: equal for a quote and
    its display form."""
    return _SPACE.sub("", _ANY_QUOTE.sub("'", text))


def shows(displayed: str, original: str) -> bool:
    """Is ``displayed`` (a piece of an answer) the display form of a part of ``original``?"""
    piece = canonical(displayed)
    return bool(piece) and piece in canonical(original)
