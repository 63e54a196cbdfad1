"""Faults: a writer killed with SIGKILL mid-ingest, leftovers of a crash at the commit, and
truncated or corrupted index files, which must give one clear line, never a traceback."""

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
        while not list((index / "versions").glob(".tmp-*")):
            assert proc.poll() is None, f"ingest ended before it could be killed: {proc.communicate()}"
            assert time.monotonic() < deadline, "the ingest never started writing"
            time.sleep(0.05)
        time.sleep(1.0)  # well inside: copying, chunking or embedding 300 articles
        assert proc.poll() is None, "ingest finished too fast to be killed midway"
        proc.send_signal(signal.SIGKILL)
        proc.wait(30)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    assert proc.returncode == -signal.SIGKILL
    leftovers = list((index / "versions").glob(".tmp-*"))
    assert leftovers, "the kill did not happen mid-ingest"

    # the committed version is untouched and serves
    assert snapshot_state(index) == before
    check = subprocess.run(
        [*CLI, "check", "--index", str(index)], env=ENV, capture_output=True, text=True, cwd=ROOT, timeout=120
    )
    assert check.returncode == 0 and check.stdout.startswith("ok: "), check.stderr
    svc = RagService(Settings(index=index), embedder=embedder)
    assert svc.snapshot.version == before[0]
    assert svc.search("election", top_k=3).passages

    # the next ingest takes the lock the dead writer held, sweeps its leftovers and commits
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
    assert not list((index / "versions").glob(".tmp-*"))
    assert all(not p.exists() for p in leftovers)
    after = snapshot_state(index)
    assert after[1] == before[1] + 1 and after[3] == before[3] + 1
    assert svc.reload() and svc.snapshot.store.get_article("after-crash") is not None


def test_crash_between_rename_and_current_swap_does_not_block_the_next_ingest(seed_index_copy, embedder):
    """A writer killed after renaming its copy to v000002 but before CURRENT names it leaves an
    uncommitted version dir (and maybe a CURRENT temp file): never read, and swept."""
    import shutil

    from rag.ingest import ingest
    from rag.models import Article

    index = seed_index_copy
    before = snapshot_state(index)
    orphan = index / "versions" / "v000002"
    shutil.copytree(index / "versions" / before[0], orphan)
    (orphan / "meta.sqlite").write_bytes(b"half-written garbage")
    (index / ".CURRENT.deadbeef").write_text("v000002\n")
    assert snapshot_state(index) == before  # readers ignore it

    report = ingest(
        [Article(id="fresh", title="Fresh report", body="A fresh report after the crash. It commits.")], index, embedder
    )
    assert report.version == "v000002"
    state = snapshot_state(index)  # verifies checksums of the new v000002
    assert state[0] == "v000002" and state[1] == before[1] + 1
    assert not (index / ".CURRENT.deadbeef").exists()


def test_open_retries_when_a_writer_swaps_versions_underneath(seed_index_copy, monkeypatch):
    """A reader that read CURRENT just before a commit garbage-collected that version retries."""
    import rag.store.index_dir as index_dir

    real = index_dir.current_version
    answers = iter(["v000099"])  # first read: a version that has just been removed
    monkeypatch.setattr(index_dir, "current_version", lambda root: next(answers, None) or real(root))
    snap = index_dir.IndexSnapshot.open(seed_index_copy)
    assert snap.version == real(seed_index_copy)
    snap.close()
    # but a version that stays CURRENT and is broken is an error, not a retry loop
    monkeypatch.setattr(index_dir, "current_version", lambda root: "v000099")
    with pytest.raises(index_dir.IndexCorrupt):
        index_dir.IndexSnapshot.open(seed_index_copy)


# --- corrupted files ----------------------------------------------------------------------------------------
def _vdir(index: Path) -> Path:
    return index / "versions" / (index / "CURRENT").read_text().strip()


def truncate_faiss(index: Path) -> str:
    f = _vdir(index) / "vectors.faiss"
    os.truncate(f, f.stat().st_size // 2)
    return "vectors.faiss does not match its manifest checksum"


def corrupt_sqlite(index: Path) -> str:
    f = _vdir(index) / "meta.sqlite"
    with open(f, "r+b") as fh:
        fh.seek(f.stat().st_size // 2)
        fh.write(os.urandom(4096))
    return "meta.sqlite does not match its manifest checksum"


def delete_sqlite(index: Path) -> str:
    (_vdir(index) / "meta.sqlite").unlink()
    return "meta.sqlite is missing"


@pytest.mark.parametrize("damage", [truncate_faiss, corrupt_sqlite, delete_sqlite])
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
    """``rag check`` also runs SQLite's integrity check: a damaged file whose manifest was
    rewritten to match (so checksums pass) is still caught."""
    from rag.store import IndexSnapshot
    from rag.store.index_dir import MANIFEST_NAME, Manifest, _sha256

    ok = subprocess.run(
        [*CLI, "check", "--index", str(seed_index_copy)], env=ENV, capture_output=True, text=True, cwd=ROOT, timeout=120
    )
    assert ok.returncode == 0 and ok.stdout.startswith(f"ok: {seed_index_copy} v0"), ok.stderr

    vdir = _vdir(seed_index_copy)
    db = vdir / "meta.sqlite"
    page = 4096
    with open(db, "r+b") as fh:  # smash the b-tree pages after the schema page
        fh.seek(page)
        fh.write(b"\xff" * page * 3)
    m = Manifest.read(vdir / MANIFEST_NAME)
    m.checksums["meta.sqlite"] = _sha256(db)
    m.write(vdir / MANIFEST_NAME)
    IndexSnapshot.open(seed_index_copy).close()  # checksums agree now
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
