"""Reader for the raw seed dump: news reports pasted one after another into a text file.

The dump has no delimiters, so articles are recovered from layout:

* a *title* is a short line (≤ 25 words) not ending in ``. , : ;`` (inside quotes too), on its
  own between blank lines;
* a ``Source: X`` / ``Sources: A/B`` line ends an article (its outlet), and so do two blank lines;
* after such a boundary the next title starts an article; *inside* an article a title-like line
  only starts a new one when it is unmistakably a headline: it carries a full date (the dated
  "… developments, August 16 2016" digests), or it has 6-20 words, at most one comma, is not in
  quotes and prose follows it. Shorter or quoted lines (``“Forced to leave”``) are sub-headings;
* web-page copying doubled image captions and headings: consecutive repeated lines keep one copy.

Dates are only *inferred* from captions (``[26/8/2016]``, "as of August 20, 2016 [map …]") and
dated headings, never from prose and never without a year; ``date_evidence`` is the exact line.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field

from rag.models import Article, SkippedRecord
from rag.readers.cleaning import clean_line, clean_text, derive_title
from rag.readers.dates import MONTH_DATE, not_before_reported_past, parse_day_first, parse_worded

ID_PREFIX = "seed-"

_SOURCE = re.compile(r"^Sources?\s*:\s*(\S.*)$", re.IGNORECASE)
_CAPTION_NOTE = re.compile(r"\[[^\]]*\]$")  # caption lines end with a bracketed credit/date
_TERMINAL = ".:;,…"  # a line ending so is prose; "?"/"!" are allowed, headlines ask and exclaim
_CLOSERS = "\"'”’»)"
_OPEN_QUOTES = "\"'“‘«„"
_BULLETS = "•·*-–—▪◦‣●"
_NEWLINES = re.compile(r"\r\n|[\r\v\f\x85\u2028\u2029]")
# The dump's captions date pictures day first inside a bracketed note: "[26/8/2016, map via ...]".
_CAPTION_DMY = re.compile(r"\[\s*(\d{1,2})/(\d{1,2})/(\d{4})\b[^\]]*\]")


@dataclass
class _Line:
    text: str
    repeated: bool = False  # the dump had it twice on consecutive lines (a copied caption)

    @property
    def is_caption(self) -> bool:
        return self.repeated or bool(_CAPTION_NOTE.search(self.text))


@dataclass
class _Block:
    lines: list[_Line]
    blank_before: int
    lineno: int  # 1-based line of its first line, for skip/duplicate messages

    @property
    def text(self) -> str:
        return "\n".join(line.text for line in self.lines)

    @property
    def single(self) -> str | None:
        return self.lines[0].text if len(self.lines) == 1 else None


@dataclass
class _Draft:
    title: str
    lineno: int
    blocks: list[_Block] = field(default_factory=list)
    source: str = ""


def _blocks(text: str) -> list[_Block]:
    """Group cleaned lines into blank-separated blocks, collapsing consecutive repeats."""
    blocks: list[_Block] = []
    cur: list[_Line] = []
    blanks = start = 0
    for n, raw in enumerate(_NEWLINES.sub("\n", text).split("\n"), start=1):
        line = clean_line(raw)
        if not line:
            if cur:
                blocks.append(_Block(cur, blanks, start))
                cur, blanks = [], 0
            blanks += 1
            continue
        if cur and cur[-1].text == line:
            cur[-1].repeated = True
            continue
        if _SOURCE.match(line) and cur:  # a Source line is its own block even without a blank line
            blocks.append(_Block(cur, blanks, start))
            cur, blanks = [], 0
        if not cur:
            start = n
        cur.append(_Line(line))
        if _SOURCE.match(line):
            blocks.append(_Block(cur, blanks, start))
            cur = []
    if cur:
        blocks.append(_Block(cur, blanks, start))
    # A repeated heading appears as two identical blocks separated by a blank line: keep one
    # (not marked as a caption, since captions repeat within a block and headings do not).
    out: list[_Block] = []
    for b in blocks:
        if not (out and b.text == out[-1].text):
            out.append(b)
    return out


def _is_source(b: _Block) -> str | None:
    s = b.single
    if s is None:
        return None
    m = _SOURCE.match(s)
    return m.group(1).strip() if m else None


def _title_like(b: _Block) -> bool:
    s = b.single
    if s is None or b.lines[0].is_caption or _SOURCE.match(s):
        return False
    words = s.split()
    if not 1 <= len(words) <= 25 or len(s) > 200:
        return False
    core = s.rstrip(_CLOSERS)
    if s[0] in _BULLETS or not core or core[-1] in _TERMINAL:
        return False
    return s[0].isalnum() or s[0] in _OPEN_QUOTES


def _has_full_date(s: str) -> bool:
    return any(parse_worded(m.group(0)) for m in MONTH_DATE.finditer(s))


def _strong_title(b: _Block, nxt: _Block | None) -> bool:
    """A title-like line that starts a new article even without a Source line before it."""
    if not _title_like(b) or nxt is None or _is_source(nxt) is not None:
        return False
    s = b.single or ""
    if _has_full_date(s) and len(s.split()) <= 12:
        return True
    return 6 <= len(s.split()) <= 20 and s.count(",") <= 1 and s[0] not in _OPEN_QUOTES


def _infer_date(title: str, blocks: list[_Block]) -> tuple[str | None, str | None]:
    """(ISO date, evidence line) from a dated heading or a caption; (None, None) otherwise."""
    candidates = [title] + [ln.text for b in blocks for ln in b.lines if ln.is_caption]
    for text in candidates:
        m = _CAPTION_DMY.search(text)
        if m:
            iso = parse_day_first(*m.groups())
            if iso:
                return iso, text
        for m in MONTH_DATE.finditer(text):
            iso = parse_worded(m.group(0))
            if iso:
                return iso, text
    return None, None


def slugify(title: str, max_len: int = 80) -> str:
    """Lowercase ASCII words joined by hyphens, cut at a word boundary: a stable, readable id."""
    ascii_ = unicodedata.normalize("NFKD", title).encode("ascii", "ignore").decode("ascii")
    slug = re.sub(r"[^a-z0-9]+", "-", ascii_.lower()).strip("-")
    if len(slug) > max_len:
        slug = slug[:max_len].rsplit("-", 1)[0] if "-" in slug[:max_len] else slug[:max_len]
    return slug or "untitled"


def parse_seed_dump(text: str, *, where: str = "seed") -> tuple[list[tuple[str, Article]], list[SkippedRecord]]:
    """Split a dump into ``(where, Article)`` pairs (ids ``seed-<title slug>``, where
    ``file:line`` of the title) and skipped records; never raises on odd text."""
    blocks = _blocks(text)
    drafts: list[_Draft] = []
    skipped: list[SkippedRecord] = []
    cur: _Draft | None = None
    boundary = True  # at the start, after a Source line, or after two blank lines
    for i, b in enumerate(blocks):
        nxt = blocks[i + 1] if i + 1 < len(blocks) else None
        src = _is_source(b)
        if src is not None:
            if cur is not None and not cur.source:
                cur.source = src
            else:
                skipped.append(SkippedRecord(f"{where}:{b.lineno}", f"Source line without an article: {src[:60]!r}"))
            cur, boundary = None, True
            continue
        if b.blank_before >= 2:
            boundary = True
        if boundary or cur is None:
            if _title_like(b) and nxt is not None and _is_source(nxt) is None:
                cur = _Draft(title=b.single or "", lineno=b.lineno)
            else:
                cur = _Draft(title=derive_title(b.text), lineno=b.lineno)
                cur.blocks.append(b)
            drafts.append(cur)
            boundary = False
        elif _strong_title(b, nxt):
            cur = _Draft(title=b.single or "", lineno=b.lineno)
            drafts.append(cur)
        else:
            cur.blocks.append(b)

    articles: list[tuple[str, Article]] = []
    used: dict[str, int] = {}
    for d in drafts:
        body = clean_text("\n\n".join(b.text for b in d.blocks))
        title = clean_line(d.title)
        base = ID_PREFIX + slugify(title, 80 - len(ID_PREFIX))
        used[base] = used.get(base, 0) + 1
        art_id = base if used[base] == 1 else f"{base}-{used[base]}"
        if not body:
            skipped.append(SkippedRecord(f"{where}:{d.lineno}", "empty body"))
            continue
        iso, evidence = not_before_reported_past(*_infer_date(title, d.blocks), body)
        art = Article(
            id=art_id,
            title=title,
            body=body,
            source=d.source,
            date=iso,
            date_inferred=iso is not None,
            date_evidence=evidence,
        )
        articles.append((f"{where}:{d.lineno}", art))
    return articles, skipped
