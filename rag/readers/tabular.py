"""JSONL and CSV readers: one record per line/row, columns mapped onto Article fields.

Field names differ by dataset, so they are detected from common names (case-insensitive), in
priority order: for FA-KES ``row`` must win because its ``unit_id`` is not unique. ``fields``
overrides detection. A record that cannot be used becomes a one-line SkippedRecord and the rest
of the file is still read.
"""

from __future__ import annotations

import csv
import io
import json
import sys
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from rag.models import Article, SkippedRecord
from rag.readers.cleaning import clean_line, clean_text, derive_title
from rag.readers.dates import date_problem, parse_metadata_date

FIELD_NAMES: dict[str, tuple[str, ...]] = {
    "id": ("id", "row", "passage_id", "doc_id", "uid"),
    "title": ("title", "headline", "article_title"),
    "body": ("text", "body", "content", "article_content"),
    "source": ("source", "outlet", "publisher"),
    "date": ("date", "published_at", "published", "pubdate"),
    "url": ("url", "link"),
}


#: a field may also be named by any of its common column names (``text`` for ``body``, as the README lists)
FIELD_ALIASES = {alias: name for name, aliases in FIELD_NAMES.items() for alias in aliases} | {
    name: name for name in FIELD_NAMES
}


def check_fields(fields: dict[str, str] | None) -> dict[str, str]:
    """Validate a ``fields`` override (a caller error, so this one does raise); keys may be aliases."""
    fields = dict(fields or {})
    unknown = sorted(k for k in fields if k.strip().lower() not in FIELD_ALIASES)
    if unknown:
        raise ValueError(f"unknown field(s) {unknown}; expected some of {list(FIELD_NAMES)} (or e.g. text for body)")
    out: dict[str, str] = {}
    for k, v in fields.items():
        name = FIELD_ALIASES[k.strip().lower()]
        if name in out and out[name] != v:
            raise ValueError(f"field {name!r} is given twice: {out[name]!r} and {v!r}")
        out[name] = v
    return out


def detect_fields(columns: Iterable[str], fields: dict[str, str] | None = None) -> dict[str, str]:
    """Map Article field -> column name, from overrides first, then the common names."""
    cols = [c for c in columns if isinstance(c, str)]
    lower: dict[str, str] = {}
    for c in cols:
        lower.setdefault(c.strip().lower(), c)
    out: dict[str, str] = {}
    for name, candidates in FIELD_NAMES.items():
        if fields and name in fields:
            want = fields[name]
            col = want if want in cols else lower.get(want.strip().lower())
            if col is not None:
                out[name] = col
            continue
        for cand in candidates:
            if cand in lower:
                out[name] = lower[cand]
                break
    return out


def _value(rec: dict[str, Any], col: str | None) -> str:
    """A field as text; null/missing is ''. Non-string scalars (``row: 0``) become their str."""
    if col is None:
        return ""
    v = rec.get(col)
    if v is None:
        return ""
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, (dict, list)):
        return json.dumps(v, ensure_ascii=False)
    return str(v)


def record_to_article(
    rec: dict[str, Any], cols: dict[str, str], *, default_id: str, where: str, slash_order: str | None = None
) -> Article | SkippedRecord:
    """Build one Article from a record, or say in one line why not."""
    body = clean_text(_value(rec, cols.get("body")))
    if not body:
        return SkippedRecord(where, "empty body")
    raw_date = _value(rec, cols.get("date")).strip()
    iso = None
    if raw_date:
        iso = parse_metadata_date(raw_date, slash_order)
        if iso is None:
            return SkippedRecord(where, date_problem(raw_date))
    art_id = clean_line(_value(rec, cols.get("id"))) or default_id
    title = clean_line(_value(rec, cols.get("title"))) or derive_title(body)
    url = clean_line(_value(rec, cols.get("url"))) or None
    return Article(
        id=art_id,
        title=title,
        body=body,
        source=clean_line(_value(rec, cols.get("source"))),
        date=iso,
        date_inferred=False,
        date_evidence=None,
        url=url,
    )


Located = list[tuple[str, Article]]  # (where, article): where = "file:line", for later skip reasons


def _collect(items: Iterable[tuple[str, Article | SkippedRecord]]) -> tuple[Located, list[SkippedRecord]]:
    arts: Located = []
    skipped: list[SkippedRecord] = []
    for where, it in items:
        if isinstance(it, Article):
            arts.append((where, it))
        else:
            skipped.append(it)
    return arts, skipped


def read_jsonl(
    path: Path, text: str, fields: dict[str, str] | None = None, slash_order: str | None = None
) -> tuple[Located, list[SkippedRecord]]:
    """One JSON object per line. Split on "\\n" only: U+2028 inside a string is not a line end."""
    name, stem = path.name, path.stem

    def items() -> Iterable[tuple[str, Article | SkippedRecord]]:
        for n, line in enumerate(text.split("\n"), start=1):
            line = line.strip()
            if not line:
                continue
            where = f"{name}:{n}"
            try:
                rec = json.loads(line)
            except (ValueError, RecursionError):
                yield where, SkippedRecord(where, f"line {n}: invalid JSON")
                continue
            if not isinstance(rec, dict):
                yield where, SkippedRecord(where, f"line {n}: not a JSON object")
                continue
            cols = detect_fields(rec.keys(), fields)
            yield where, record_to_article(rec, cols, default_id=f"{stem}-{n}", where=where, slash_order=slash_order)

    return _collect(items())


def decode_text(data: bytes) -> str:
    """UTF-8 (BOM tolerated), else cp1252 with replacement (spreadsheet exports): broken bytes become
    U+FFFD (the syria-iraq profile repairs the FA-KES ones)."""
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        return data.decode("cp1252", errors="replace")


def read_csv(
    path: Path, text: str, fields: dict[str, str] | None = None, slash_order: str | None = None
) -> tuple[Located, list[SkippedRecord]]:
    """A header row, then one record per row. Ids default to ``<stem>-<line of the row>``."""
    name, stem = path.name, path.stem
    try:
        csv.field_size_limit(min(sys.maxsize, 2**31 - 1))  # article bodies exceed the 128 KiB default
    except (OverflowError, ValueError):
        pass
    reader = csv.reader(io.StringIO(text.replace("\x00", ""), newline=""))
    arts: Located = []
    skipped: list[SkippedRecord] = []
    header: list[str] | None = None
    while True:
        start = reader.line_num + 1
        try:
            row = next(reader)
        except StopIteration:
            break
        except csv.Error as e:
            skipped.append(SkippedRecord(f"{name}:{start}", f"CSV error, rest of file not read: {e}"))
            break
        if header is None:
            header = [h.strip() for h in row]
            cols = detect_fields([h for h in header if h], fields)
            index = {h: i for i, h in reversed(list(enumerate(header))) if h}
            continue
        if not any(cell.strip() for cell in row):
            continue
        rec = {h: (row[i] if i < len(row) else None) for h, i in index.items()}
        where = f"{name}:{start}"
        item = record_to_article(rec, cols, default_id=f"{stem}-{start}", where=where, slash_order=slash_order)
        if isinstance(item, Article):
            arts.append((where, item))
        else:
            skipped.append(item)
    return arts, skipped
