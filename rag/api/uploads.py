"""Uploaded files for ``POST /ingest``: saved under names the server picks, then read.

Each upload is written to a private temp dir as ``upload-000.md``: only a whitelisted extension
survives from the client's name, which never touches a filesystem path; the client's name is kept
for reports and for ids derived from a file name.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath

from fastapi import HTTPException, Request
from starlette.datastructures import UploadFile
from starlette.exceptions import HTTPException as StarletteHTTPException

from ..models import Article, SkippedRecord
from ..readers import read_path

#: extensions ``read_path`` understands; anything else in a client's file name is dropped
ALLOWED_EXTENSIONS = (".jsonl", ".ndjson", ".csv", ".md", ".markdown", ".txt", ".html", ".htm")
CONTENT_TYPE_EXTENSIONS = {
    "application/x-ndjson": ".jsonl",
    "application/jsonl": ".jsonl",
    "application/x-jsonlines": ".jsonl",
    "application/jsonlines": ".jsonl",
    "text/csv": ".csv",
    "text/markdown": ".md",
    "text/x-markdown": ".md",
    "text/html": ".html",
    "text/plain": ".txt",
}
MAX_FILES = 100


@dataclass
class Saved:
    """What was written to the temp dir: ``(client name, server path)`` pairs and refused parts."""

    files: list[tuple[str, Path]] = field(default_factory=list)
    skipped: list[SkippedRecord] = field(default_factory=list)


def client_file_name(raw: str | None, fallback: str) -> str:
    """The last component of a client's file name, printable characters only (for reports and
    ids; never used in a path)."""
    name = (raw or "").replace("\\", "/").split("/")[-1]
    name = "".join(ch for ch in name if ch.isprintable()).strip()[:200]
    return name if name not in ("", ".", "..") else fallback


def upload_extension(name: str, content_type: str | None) -> str | None:
    ext = PurePosixPath(name).suffix.lower()
    if ext in ALLOWED_EXTENSIONS:
        return ext
    mt = (content_type or "").split(";")[0].strip().lower()
    return CONTENT_TYPE_EXTENSIONS.get(mt)


def create_private(path: Path):
    """A new file only this user can read; never follows a link, never overwrites."""
    flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_NOFOLLOW", 0)
    return os.fdopen(os.open(path, flags, 0o600), "wb")


def _too_large(limit: int) -> HTTPException:
    return HTTPException(413, f"upload too large (limit {limit} bytes)")


async def _save_part(part: UploadFile, dest: Path, total: int, limit: int) -> int:
    """Write one part; returns the running total of bytes, 413 once it passes ``limit``."""
    with create_private(dest) as out:
        while block := await part.read(1 << 20):
            total += len(block)
            if total > limit:
                raise _too_large(limit)
            out.write(block)
    return total


async def save_multipart(request: Request, tmp: Path, limit: int) -> Saved:
    """Every file part of a ``multipart/form-data`` body, at most ``limit`` bytes in all."""
    saved, total = Saved(), 0
    try:
        form = await request.form(max_files=MAX_FILES, max_fields=MAX_FILES)
    except StarletteHTTPException as e:  # starlette's 400 for a body it cannot parse: say which field, as 422
        raise HTTPException(422, f"files: the multipart body cannot be read ({e.detail})") from None
    try:
        parts = [v for _, v in form.multi_items() if isinstance(v, UploadFile)]
        if not parts:
            raise HTTPException(422, "files: no file parts in the multipart body (send them as 'files')")
        for i, part in enumerate(parts):
            name = client_file_name(part.filename, f"upload-{i}")
            ext = upload_extension(name, part.content_type)
            if ext is None:
                allowed = ", ".join(ALLOWED_EXTENSIONS)
                saved.skipped.append(SkippedRecord(name, f"unsupported file type (expected one of {allowed})"))
                continue
            dest = tmp / f"upload-{i:03d}{ext}"
            total = await _save_part(part, dest, total, limit)
            saved.files.append((name, dest))
    finally:
        await form.close()
    return saved


async def save_raw_body(request: Request, tmp: Path, filename: str | None, limit: int) -> Saved:
    """One document sent as the body, its format from ``Content-Type`` (or the name's extension)."""
    mt = request.headers.get("content-type", "").split(";")[0].strip().lower()
    name = client_file_name(filename, "")
    ext = CONTENT_TYPE_EXTENSIONS.get(mt)
    if mt in ("", "application/octet-stream") and name:
        ext = upload_extension(name, None)
    if ext is None:
        raise HTTPException(
            415,
            f"Content-Type: unsupported {mt or '(none)'!r}: send multipart/form-data files, "
            "or one JSONL (application/x-ndjson), CSV, Markdown, text or HTML document",
        )
    body = await request.body()
    if len(body) > limit:
        raise _too_large(limit)
    if not body.strip():
        raise HTTPException(422, "body: empty, nothing to ingest")
    dest = tmp / f"upload-000{ext}"
    with create_private(dest) as out:
        out.write(body)
    return Saved(files=[(name or f"upload{ext}", dest)])


def _remap(text: str, tmp: Path, server_path: Path, client: str) -> str:
    return text.replace(str(server_path), client).replace(server_path.name, client).replace(str(tmp), "<upload>")


def _rename(a: Article, server_stem: str, client_stem: str) -> Article:
    if a.id == server_stem:
        a.id = client_stem
    elif a.id.startswith(server_stem + "-"):
        a.id = client_stem + a.id[len(server_stem) :]
    return a


def read_uploads(uploads: list[tuple[str, Path]], tmp: Path, fmt: str | None, profile: str = "auto"):
    """Read each saved upload: ``(articles, skipped, notes)``. Places are reported by the client's
    file name, and articles that take their id from the file name get the client's stem."""
    articles: list[Article] = []
    skipped: list[SkippedRecord] = []
    notes: list[SkippedRecord] = []
    for client, path in uploads:
        res = read_path(path, fmt=fmt, profile=profile)
        client_stem = PurePosixPath(client).stem or client
        articles += [_rename(a, path.stem, client_stem) for a in res.articles]
        for src, dst in ((res.skipped, skipped), (res.notes, notes)):
            for s in src:
                dst.append(SkippedRecord(_remap(s.where, tmp, path, client), _remap(s.reason, tmp, path, client)))
    return articles, skipped, notes
