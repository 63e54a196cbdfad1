"""Markdown/text files with YAML front matter: the corpus's own storage format.

One article per file, metadata in front matter, the body verbatim below it, so a corpus can be
read, diffed and edited by hand. ``dump_article`` writes the same format and round-trips:
reading a dumped article gives an equal Article, body included exactly.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from datetime import date, datetime
from pathlib import Path
from typing import Any

import frontmatter as _fm
import yaml

from rag.models import Article, SkippedRecord
from rag.readers.cleaning import clean_line, clean_text, derive_title
from rag.readers.dates import date_problem, parse_metadata_date

_HEADING = re.compile(r"^#{1,6}\s+(\S.*?)\s*#*\s*$")
_FILENAME_UNSAFE = re.compile(r"[^A-Za-z0-9._-]+")


def has_front_matter(text: str) -> bool:
    """True when the text opens with a ``---`` YAML block (what python-frontmatter detects)."""
    return _fm.detect_format(text.strip(), _fm.handlers) is not None


def _text(v: Any) -> str:
    if v is None:
        return ""
    if isinstance(v, (datetime, date)):
        return v.isoformat()
    return str(v)


def _as_bool(v: Any) -> bool:
    if isinstance(v, str):
        return v.strip().lower() in ("true", "yes", "1", "y")
    return bool(v)


def parse_markdown(text: str, *, stem: str, where: str, slash_order: str | None = None) -> Article | SkippedRecord:
    """Parse one file. Without front matter: a leading ``# heading`` is the title, else the first
    sentence stands in; the id is the file stem unless front matter names one."""
    try:
        meta, content = _fm.parse(text)
    except Exception as e:  # malformed YAML: say so, do not guess
        msg = clean_line(str(e).split("\n", 1)[0])[:80]
        return SkippedRecord(where, f"invalid front matter: {type(e).__name__}: {msg}")
    if not isinstance(meta, dict):
        meta = {}
    meta = {str(k).strip().lower(): v for k, v in meta.items()}
    title = clean_line(_text(meta.get("title")))
    body = clean_text(content)
    if not title:
        first, _, rest = body.partition("\n")
        m = _HEADING.match(first)
        if m:
            title, body = clean_line(m.group(1)), clean_text(rest)
    if not body:
        return SkippedRecord(where, "empty body")
    raw_date = meta.get("date")
    iso = None
    if raw_date is not None and _text(raw_date).strip():
        iso = parse_metadata_date(raw_date if isinstance(raw_date, (date, datetime)) else _text(raw_date), slash_order)
        if iso is None:
            return SkippedRecord(where, date_problem(_text(raw_date)))
    evidence = clean_text(_text(meta.get("date_evidence"))) or None
    return Article(
        id=clean_line(_text(meta.get("id"))) or stem,
        title=title or derive_title(body),
        body=body,
        source=clean_line(_text(meta.get("source"))),
        date=iso,
        date_inferred=_as_bool(meta.get("date_inferred", False)) and iso is not None,
        date_evidence=evidence if iso is not None else None,
        url=clean_line(_text(meta.get("url"))) or None,
    )


def dump_article(article: Article) -> str:
    """Serialise to front matter + body. Strings are quoted so YAML never retypes them
    (an id "0" stays a string, a date stays text)."""
    meta: dict[str, Any] = {"id": article.id, "title": article.title, "source": article.source, "date": article.date}
    if article.date_inferred:
        meta["date_inferred"] = True
    if article.date_evidence is not None:
        meta["date_evidence"] = article.date_evidence
    if article.url is not None:
        meta["url"] = article.url
    return f"---\n{_yaml_lines(meta)}---\n\n{article.body}\n"


def _yaml_lines(meta: dict[str, Any]) -> str:
    """One ``key: value`` line each; strings double-quoted by PyYAML so escapes are always right."""
    lines = []
    for k, v in meta.items():
        if v is None:
            lines.append(f"{k}: null")
        elif isinstance(v, bool):
            lines.append(f"{k}: {'true' if v else 'false'}")
        else:
            quoted = yaml.safe_dump(str(v), default_style='"', allow_unicode=True, width=10**9)
            lines.append(f"{k}: {quoted.strip()}")
    return "\n".join(lines) + "\n"


def file_name(article_id: str) -> str:
    """``<id>.md`` with anything unsafe for a file name replaced (the id itself is in the file)."""
    safe = _FILENAME_UNSAFE.sub("_", article_id).strip("._") or "article"
    return safe[:150] + ".md"


def write_corpus(articles: Iterable[Article], out_dir: str | Path) -> list[Path]:
    """Write each article to ``out_dir/<id>.md``; returns the paths written."""
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    paths = []
    for a in articles:
        p = out / file_name(a.id)
        p.write_text(dump_article(a), encoding="utf-8")
        paths.append(p)
    return paths
