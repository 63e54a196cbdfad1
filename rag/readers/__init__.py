"""Readers: files of any supported format -> cleaned ``Article`` records.

``read_path`` is the one entry point. It never raises on bad content: every file or record it
cannot use becomes a one-line ``SkippedRecord`` so an ingest can report what it left out.
Formats: ``seed`` (the raw report dump), ``jsonl``, ``csv``, ``markdown`` (YAML front matter),
``html``.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path

from rag.models import Article, SkippedRecord
from rag.readers.cleaning import clean_line, safe_url
from rag.readers.profiles import PROFILES, FileRules, Profile, fix_artifacts, get_profile, rules_for

__all__ = ["FORMATS", "PROFILES", "ReadResult", "detect_format", "get_profile", "read_path"]

FORMATS = ("seed", "jsonl", "csv", "markdown", "html")
_EXTENSIONS = {
    ".jsonl": "jsonl",
    ".ndjson": "jsonl",
    ".csv": "csv",
    ".md": "markdown",
    ".markdown": "markdown",
    ".txt": "markdown",
    ".html": "html",
    ".htm": "html",
}


@dataclass
class ReadResult:
    articles: list[Article] = field(default_factory=list)
    skipped: list[SkippedRecord] = field(default_factory=list)  # one-line reason each
    notes: list[SkippedRecord] = field(default_factory=list)  # what was changed in a record that was kept
    profile: str = "auto"  # the profile the files were read with (each file's rules are in ``notes``)


def _drop_unsafe_url(a: Article, where: str) -> SkippedRecord | None:
    """Only http(s) URLs are kept (a ``javascript:`` link must never reach a page); say so when not."""
    if a.url is None or safe_url(a.url) is not None:
        return None
    shown = a.url if len(a.url) <= 60 else a.url[:57] + "..."
    a.url = None
    return SkippedRecord(where, f"url {shown!r} dropped: only http(s) URLs are kept")


def detect_format(path: Path, text: str | None = None, profile: str | Profile = "auto") -> str | None:
    """Format from the extension; a ``.txt`` without front matter is ``seed`` (the report dump) when
    the profile reads that layout (``auto``: when the text shows it)."""
    fmt = _EXTENSIONS.get(path.suffix.lower())
    plain = fmt == "markdown" and text is not None and _plain_text(path, text)
    if plain and text is not None and rules_for(get_profile(profile), text, plain_text=True).dump_layout:
        return "seed"
    return fmt


def _plain_text(path: Path, text: str) -> bool:
    from rag.readers.frontmatter import has_front_matter

    return path.suffix.lower() == ".txt" and not has_front_matter(text)


def _files(root: Path) -> list[Path]:
    """Regular files under ``root``, hidden files and folders skipped, in a stable order."""
    out: list[Path] = []
    for dirpath, dirnames, filenames in os.walk(root):
        dirnames[:] = sorted(d for d in dirnames if not d.startswith("."))
        out.extend(Path(dirpath) / f for f in sorted(filenames) if not f.startswith("."))
    return sorted(out, key=lambda p: p.relative_to(root).parts)


def _decode(data: bytes, fmt: str) -> str | None:
    """Text of a file, or None when it is binary or (for UTF-8-only formats) not UTF-8."""
    if b"\x00" in data[:8192]:
        return None
    if fmt in ("csv", "html"):
        from rag.readers.tabular import decode_text

        return decode_text(data)
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        return None


def _read_file(
    path: Path, fmt: str | None, fields: dict[str, str] | None, profile: Profile
) -> tuple[list[tuple[str, Article]], list[SkippedRecord], FileRules]:
    """``(where, article)`` pairs, skipped records and the rules the file was read with."""
    name = str(path)
    ext_fmt = fmt or _EXTENSIONS.get(path.suffix.lower())
    if ext_fmt is None:
        return [], [SkippedRecord(name, f"unknown format (extension {path.suffix or 'none'!r})")], FileRules()
    try:
        data = path.read_bytes()
    except OSError as e:
        return [], [SkippedRecord(name, f"unreadable file: {e.strerror or type(e).__name__}")], FileRules()
    text = _decode(data, ext_fmt)
    if text is None:
        return [], [SkippedRecord(name, "unreadable file: binary or not UTF-8")], FileRules()
    rules = rules_for(profile, text, plain_text=fmt is None and _plain_text(path, text))
    fmt = fmt or ("seed" if rules.dump_layout else ext_fmt)
    arts, skipped = _parse(path, text, fmt, fields, rules)
    if rules.repair_artifacts:
        for _, a in arts:
            _repair(a)
    return arts, skipped, rules


def _parse(
    path: Path, text: str, fmt: str, fields: dict[str, str] | None, rules: FileRules
) -> tuple[list[tuple[str, Article]], list[SkippedRecord]]:
    name = str(path)
    if fmt == "seed":
        from rag.readers.seed_dump import parse_seed_dump

        return parse_seed_dump(text, where=name)
    if fmt in ("jsonl", "csv"):
        from rag.readers.tabular import read_csv, read_jsonl

        return (read_jsonl if fmt == "jsonl" else read_csv)(path, text, fields, rules.slash_order)
    if fmt == "markdown":
        from rag.readers.frontmatter import parse_markdown

        item = parse_markdown(text, stem=path.stem, where=name, slash_order=rules.slash_order)
    else:
        from rag.readers.html import parse_html

        item = parse_html(text, stem=path.stem, where=name)
    return ([(name, item)], []) if isinstance(item, Article) else ([], [item])


def _repair(a: Article) -> None:
    a.title, a.body, a.source = fix_artifacts(a.title), fix_artifacts(a.body), fix_artifacts(a.source)
    if a.date_evidence:
        a.date_evidence = fix_artifacts(a.date_evidence)


def _content_key(a: Article) -> tuple:
    return (a.title, a.body, a.source, a.date, a.date_inferred, a.date_evidence, a.url)


def read_path(
    path: str | Path,
    *,
    fmt: str | None = None,
    fields: dict[str, str] | None = None,
    id_prefix: str = "",
    profile: str | Profile = "auto",
) -> ReadResult:
    """Read a file or a directory tree (recursively, hidden entries skipped, sorted).

    ``fmt`` (one of ``FORMATS``) overrides detection by extension; ``fields`` maps Article fields
    (id, title, body, source, date, url) to JSONL/CSV column names; ``id_prefix`` is prepended to
    every id; ``profile`` (``rag.readers.profiles``) names the corpus rules, and each rule a file was
    read with is a note on that file. Within one read the first record wins: a later one with the
    same content (every field but the id) is an "exact duplicate of X" whatever its id (FA-KES
    repeats articles under new row ids); a later one reusing an id with other content is a
    "duplicate id X".

    Raises ValueError only for caller errors (an unknown ``fmt``, ``fields`` key or profile).
    """
    if fmt is not None and fmt not in FORMATS:
        raise ValueError(f"unknown format {fmt!r}; expected one of {FORMATS}")
    from rag.readers.tabular import check_fields

    prof = get_profile(profile)
    fields = check_fields(fields) or None
    root = Path(path)
    result = ReadResult(profile=prof.name)
    if not root.exists():
        result.skipped.append(SkippedRecord(str(root), "unreadable file: no such file or directory"))
        return result
    try:
        files = _files(root) if root.is_dir() else [root]
    except OSError as e:
        result.skipped.append(SkippedRecord(str(root), f"unreadable: {e.strerror or type(e).__name__}"))
        return result
    seen_ids: set[str] = set()
    seen_content: dict[tuple, str] = {}
    for f in files:
        try:
            arts, skipped, rules = _read_file(f, fmt, fields, prof)
        except Exception as e:  # a reader bug must not sink a whole ingest; report it per file
            msg = clean_line(str(e))[:100]
            arts, skipped, rules = [], [SkippedRecord(str(f), f"reader error: {type(e).__name__}: {msg}")], FileRules()
        result.skipped.extend(skipped)
        if arts:
            result.notes.extend(SkippedRecord(str(f), why) for why in rules.evidence)
        for where, a in arts:
            _keep_first(result, where, a, id_prefix, seen_ids, seen_content)
    return result


def _keep_first(
    result: ReadResult, where: str, a: Article, id_prefix: str, seen_ids: set[str], seen_content: dict[tuple, str]
) -> None:
    """Add ``a`` unless an earlier record had its content or its id (then say so)."""
    a.id = id_prefix + a.id
    note = _drop_unsafe_url(a, where)
    key = _content_key(a)
    if key in seen_content:
        result.skipped.append(SkippedRecord(where, f"exact duplicate of {seen_content[key]}"))
    elif a.id in seen_ids:
        result.skipped.append(SkippedRecord(where, f"duplicate id {a.id}"))
    else:
        seen_ids.add(a.id)
        seen_content[key] = a.id
        result.articles.append(a)
        if note is not None:
            result.notes.append(note)
