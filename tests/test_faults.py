"""Faults: a writer killed with SIGKILL mid-ingest and at each step of a commit, and truncated or
corrupted index files, which must give one clear line, never a traceback."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from conftest import ROOT, free_port

CLI = [sys.executable, "-m", "rag.cli"]
ENV = {**os.environ, "HF_HUB_OFFLINE": "1", "TOKENIZERS_PARALLELISM": "false"}


def generated_articles(n: int, prefix: str = "gen") -> str:
    """``n`` distinct multi-sentence reports as JSONL (enough to keep an ingest busy for a while)."""
    places = ["Lisbon", "Oslo", "Nairobi", "Lima", "Hanoi", "Perth", "Quito", "Accra", "Riga", "Tunis"]
    things = ["bridge", "library", "harbour", "railway", "stadium", "museum", "market", "hospital"]
    lines = []
    for i in range(n):
        p, t = places[i % len(places)], things[(i // len(places)) % len(things)]
        body = " ".join(
            f"Officials in {p} said on day {i} that the {t} project number {i * 7 + k} would continue. "
            f"Residents of district {k} asked about costs of {i + k * 13} million and delays."
            for k in range(6)
        )
        lines.append(
            json.dumps(
                {
                    "id": f"{prefix}-{i}",
                    "title": f"{p} {t} report {i}",
                    "body": body,
                    "date": f"2023-{1 + i % 12:02d}-{1 + i % 28:02d}",
                    "source": "Gen Wire",
                }
            )
        )
    return "\n".join(lines) + "\n"


def snapshot_state(index: Path) -> tuple[str, int, int, int, int]:
    from rag.store import IndexSnapshot

    snap = IndexSnapshot.open(index)
    try:
        a, c = snap.store.counts()
        return snap.version, snap.manifest.articles, snap.manifest.chunks, a, c
    finally:
        snap.close()


def one_line_error(stderr: str) -> str:
    lines = [ln for ln in stderr.splitlines() if ln.strip()]
    assert "Traceback" not in stderr, stderr
    assert len(lines) == 1, stderr
    assert lines[0].startswith("error: "), stderr
    return lines[0]


# --- kill -9 in the middle of an ingest ---------------------------------------------------------------------
def _writer_holds_lock(index: Path) -> bool:
    import fcntl

    with open(index / ".lock", "a+") as f:
        try:
            fcntl.flock(f, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            return True
        fcntl.flock(f, fcntl.LOCK_UN)
        return False


@pytest.mark.slow
def test_sigkill_during_ingest_leaves_the_previous_version_serving(seed_index_copy, tmp_path, embedder):
    from rag.ingest import ingest
    from rag.models import Article
    from rag.pipeline import RagService
    from rag.settings import Settings

    index = seed_index_copy
    before = snapshot_state(index)
    data = tmp_path / "many.jsonl"
    data.write_text(generated_articles(300))
    proc = subprocess.Popen(
        [*CLI, "ingest", str(data), "--index", str(index), "--no-progress"],
        env=ENV,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        cwd=ROOT,
    )
    try:
        deadline = time.monotonic() + 180
        while not _writer_holds_lock(index):
            assert proc.poll() is None, f"ingest ended before it could be killed: {proc.communicate()}"
            assert time.monotonic() < deadline, "the ingest never started writing"
            time.sleep(0.05)
        time.sleep(1.0)  # well inside: chunking, embedding or writing 300 articles
        assert proc.poll() is None, "ingest finished too fast to be killed midway"
        proc.send_signal(signal.SIGKILL)
        proc.wait(30)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    assert proc.returncode == -signal.SIGKILL

    # the committed version is untouched and serves
    assert snapshot_state(index) == before
    check = subprocess.run(
        [*CLI, "check", "--index", str(index)], env=ENV, capture_output=True, text=True, cwd=ROOT, timeout=120
    )
    assert check.returncode == 0 and check.stdout.startswith("ok: "), check.stderr
    svc = RagService(Settings(index=index), embedder=embedder)
    assert svc.snapshot.version == before[0]
    assert svc.search("election", top_k=3).passages

    # the next ingest takes the lock the dead writer held and commits
    report = ingest(
        [
            Article(
                id="after-crash",
                title="Ingest after a crash",
                body="The next ingest after the crash completed normally. It swept the leftovers.",
            )
        ],
        index,
        embedder,
    )
    assert report.added == 1 and report.version is not None and report.version != before[0]
    after = snapshot_state(index)
    assert after[1] == before[1] + 1 and after[3] == before[3] + 1
    assert svc.reload() and svc.snapshot.store.get_article("after-crash") is not None
    svc.close()


# A writer process that SIGKILLs itself at one point of the commit sequence (patched in, so the library
# carries no test hooks). Points: after the new segment's files are written; after the tombstone file;
# just before the SQLite commit; just after it (before the sweep).
CRASHER = """
import os, signal, sys
from rag.embedding import HashEmbedder
from rag.ingest import ingest
from rag.models import Article
from rag.store import index_dir, segments, sqlite_store

point = sys.argv[2]
def die(): os.kill(os.getpid(), signal.SIGKILL)
def after(obj, name, when):
    real = getattr(obj, name)
    def wrapped(*a, **k):
        r = real(*a, **k)
        if when == point: die()
        return r
    setattr(obj, name, wrapped)
after(segments.Segment, "save", "segment")
after(index_dir, "_save_tombstones", "tombstones")
real_record = sqlite_store.SqliteStore.record_manifest
def record(self, *a, **k):
    if point == "before-commit": die()
    return real_record(self, *a, **k)
sqlite_store.SqliteStore.record_manifest = record
after(index_dir, "_checkpoint", "after-commit")
arts = [Article(id=f"k{i}", title=f"Kill test {i}", body=f"Kill test report {i}. It has two sentences.") for i in range(5)]
ingest(arts, sys.argv[1], HashEmbedder(), delete_ids=["h1", "h2"], chunk_tokens=60)
"""


def _hash_index(path: Path) -> None:
    from rag.embedding import HashEmbedder
    from rag.ingest import ingest
    from rag.models import Article

    arts = [Article(id=f"h{i}", title=f"Hash {i}", body=f"Hash report {i}. Second sentence {i}.") for i in range(6)]
    ingest(arts, path, HashEmbedder(), chunk_tokens=60)


@pytest.mark.parametrize("point", ["segment", "tombstones", "before-commit", "after-commit"])
def test_sigkill_at_each_step_of_a_commit_loses_nothing(tmp_path, point):
    from rag.embedding import HashEmbedder
    from rag.ingest import ingest
    from rag.models import Article
    from rag.store import check_index

    index = tmp_path / "idx"
    _hash_index(index)
    before = snapshot_state(index)
    r = subprocess.run(
        [sys.executable, "-c", CRASHER, str(index), point], env=ENV, cwd=ROOT, capture_output=True, timeout=120
    )
    assert r.returncode == -signal.SIGKILL, r.stderr
    state = snapshot_state(index)
    if point == "after-commit":  # committed: durable, and consistent
        assert state[0] != before[0] and state[1] == before[1] + 5 - 2 and state[3] == state[1]
    else:  # not committed: exactly the previous version
        assert state == before
    check_index(index)  # checksums, SQLite integrity, and SQLite / vectors / manifest counts agree
    # the next writer sweeps orphans and commits on top
    ingest(
        [Article(id="next", title="Next", body="The next ingest. It commits.")], index, HashEmbedder(), chunk_tokens=60
    )
    final = check_index(index)
    assert final.articles == state[1] + 1
    from rag.store.index_dir import SEGMENTS_DIR, Manifest

    named = set(final.files())
    from rag.store.sqlite_store import SqliteStore, connect

    store = SqliteStore(connect(index / "meta.sqlite", readonly=True))
    for _, body in store.manifest_bodies(10):
        named |= set(Manifest.from_json(body).files())
    store.close()
    assert {p.name for p in (index / SEGMENTS_DIR).iterdir()} <= named, "orphan files survived the next writer"


def test_chunk_ids_are_never_reused(tmp_path):
    from rag.embedding import HashEmbedder
    from rag.ingest import ingest
    from rag.models import Article
    from rag.store import IndexSnapshot

    index = tmp_path / "idx"
    _hash_index(index)
    snap = IndexSnapshot.open(index)
    first = set(snap.vectors.ids().tolist())
    snap.close()
    ingest([], index, HashEmbedder(), delete_ids=[f"h{i}" for i in range(6)])
    ingest([Article(id="h9", title="Again", body="A new report. With new chunks.")], index, HashEmbedder())
    snap = IndexSnapshot.open(index)
    assert not set(snap.vectors.ids().tolist()) & first
    snap.close()


def test_open_retries_when_a_merge_removes_files_underneath(seed_index_copy, monkeypatch):
    """A reader that read the manifest just before a merge swept that version's files retries."""
    import rag.store.index_dir as index_dir

    real = index_dir._load_segments
    calls = []

    def flaky(*a, **k):
        calls.append(1)
        if len(calls) == 1:
            raise FileNotFoundError("segments/gone.faiss")
        return real(*a, **k)

    monkeypatch.setattr(index_dir, "_load_segments", flaky)
    snap = index_dir.IndexSnapshot.open(seed_index_copy)
    assert len(calls) == 2 and snap.vectors.ntotal > 0
    snap.close()
    # but files that stay missing are an error, not a retry loop
    monkeypatch.setattr(index_dir, "_load_segments", lambda *a, **k: (_ for _ in ()).throw(FileNotFoundError("x")))
    with pytest.raises(index_dir.IndexCorrupt, match="missing"):
        index_dir.IndexSnapshot.open(seed_index_copy)


# --- corrupted files ----------------------------------------------------------------------------------------
def _segment_file(index: Path, ext: str = ".faiss") -> Path:
    return sorted((index / "segments").glob(f"*{ext}"))[0]


def truncate_faiss(index: Path) -> str:
    f = _segment_file(index)
    os.truncate(f, f.stat().st_size // 2)
    return f"{f.name} does not match its manifest checksum"


def corrupt_attrs(index: Path) -> str:
    f = _segment_file(index, ".npz")
    with open(f, "r+b") as fh:
        fh.seek(f.stat().st_size // 2)
        fh.write(os.urandom(64))
    return f"{f.name} does not match its manifest checksum"


def delete_sqlite(index: Path) -> str:
    (index / "meta.sqlite").unlink()
    return "meta.sqlite is missing"


@pytest.mark.parametrize("damage", [truncate_faiss, corrupt_attrs, delete_sqlite])
def test_damaged_index_gives_one_clear_line(seed_index_copy, damage):
    from rag.store import IndexCorrupt, IndexSnapshot

    expected = damage(seed_index_copy)
    with pytest.raises(IndexCorrupt, match=expected):
        IndexSnapshot.open(seed_index_copy)
    r = subprocess.run(
        [*CLI, "check", "--index", str(seed_index_copy)], env=ENV, capture_output=True, text=True, cwd=ROOT, timeout=120
    )
    assert r.returncode == 1
    assert expected in one_line_error(r.stderr)
    assert r.stdout == ""


def test_check_passes_on_a_sound_index_and_catches_what_checksums_cannot(seed_index_copy):
    """``rag check`` also runs SQLite's integrity check: the database changes in place (no checksum
    can cover it), and damage to it is still caught."""

    ok = subprocess.run(
        [*CLI, "check", "--index", str(seed_index_copy)], env=ENV, capture_output=True, text=True, cwd=ROOT, timeout=120
    )
    assert ok.returncode == 0 and ok.stdout.startswith(f"ok: {seed_index_copy} v0"), ok.stderr

    db = seed_index_copy / "meta.sqlite"
    page = 4096
    with open(db, "r+b") as fh:  # smash the b-tree pages after the schema page
        fh.seek(page)
        fh.write(b"\xff" * page * 3)
    bad = subprocess.run(
        [*CLI, "check", "--index", str(seed_index_copy)], env=ENV, capture_output=True, text=True, cwd=ROOT, timeout=120
    )
    assert bad.returncode == 1
    line = one_line_error(bad.stderr)
    assert "meta.sqlite" in line


@pytest.mark.slow
def test_serve_refuses_a_corrupted_index_with_one_line(seed_index_copy):
    expected = truncate_faiss(seed_index_copy)
    r = subprocess.run(
        [*CLI, "serve", "--index", str(seed_index_copy), "--host", "127.0.0.1", "--port", str(free_port())],
        env=ENV,
        capture_output=True,
        text=True,
        cwd=ROOT,
        timeout=180,
    )
    assert r.returncode != 0
    line = one_line_error(r.stderr)
    assert expected in line and str(seed_index_copy) in line
    assert "Traceback" not in r.stdout
