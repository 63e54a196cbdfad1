"""The ``rag`` command line, run as a user would: a subprocess, real files, exit codes, stderr.

Most runs use the fast ``hash-bow`` embedder (``RAG_EMBEDDING_MODEL``); ``rag ask`` runs once with
the real model over the seed index.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
CORPUS = ROOT / "corpus"
HASH = {"RAG_EMBEDDING_MODEL": "hash-bow"}


def rag(*args: str, env: dict | None = None, timeout: float = 180) -> subprocess.CompletedProcess:
    full = {k: v for k, v in os.environ.items() if not k.startswith("RAG_")}
    full.update({"HF_HUB_OFFLINE": "1", "TOKENIZERS_PARALLELISM": "false", **(env or {})})
    return subprocess.run(
        [sys.executable, "-m", "rag.cli", *map(str, args)],
        env=full,
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=timeout,
    )


def assert_one_line_error(res: subprocess.CompletedProcess, code: int | None = None) -> str:
    """Non-zero exit, no traceback, and exactly one ``error: ...`` line, the last one on stderr."""
    assert res.returncode != 0, res
    if code is not None:
        assert res.returncode == code, res
    assert "Traceback" not in res.stderr and "Traceback" not in res.stdout, res.stderr
    lines = res.stderr.strip().splitlines()
    errors = [line for line in lines if line.startswith("error: ")]
    assert len(errors) == 1 and lines[-1] == errors[0], res.stderr
    return errors[0]


def _records() -> list[str]:
    good = [
        json.dumps(
            {
                "id": f"r{i}",
                "title": f"Report {i} on Aleppo",
                "text": f"Fighting near Aleppo continued on day {i}. Aid convoys waited at the border.",
                "source": "Reuters" if i % 2 else "SANA",
                "date": f"2016-08-{10 + i:02d}",
            }
        )
        for i in range(5)
    ]
    bad = [
        "{this is not json",
        json.dumps({"id": "empty", "title": "Empty", "text": "   "}),
        json.dumps({"id": "baddate", "title": "Bad date", "text": "Some text.", "date": "sometime soon"}),
    ]
    return good[:2] + bad[:1] + good[2:3] + bad[1:] + good[3:]


@pytest.fixture()
def jsonl(tmp_path) -> Path:
    p = tmp_path / "reports.jsonl"
    p.write_text("\n".join(_records()) + "\n", encoding="utf-8")
    return p


def test_console_script_is_installed():
    exe = Path(sys.executable).parent / "rag"
    assert exe.exists(), "the `rag` entry point is not installed (pip install -e .)"
    res = subprocess.run([str(exe), "--help"], capture_output=True, text=True, timeout=60)
    assert res.returncode == 0
    for cmd in ("ingest", "delete", "stats", "check", "ask", "serve"):
        assert cmd in res.stdout


def test_ingest_json_reports_added_and_skipped(tmp_path, jsonl):
    index = tmp_path / "idx"
    res = rag("ingest", jsonl, "--index", index, "--json", env=HASH)
    assert res.returncode == 0, res.stderr
    assert "Traceback" not in res.stderr
    out = res.stdout.strip()
    assert len(out.splitlines()) == 1, "--json prints one JSON object on one line"
    d = json.loads(out)
    assert {"added", "updated", "unchanged", "skipped", "chunks_embedded"} <= d.keys()
    assert (d["added"], d["updated"], d["unchanged"]) == (5, 0, 0)
    assert d["chunks_embedded"] >= 5
    reasons = {s["where"].rsplit(":", 1)[-1]: s["reason"] for s in d["skipped"]}
    assert reasons == {"3": "line 3: invalid JSON", "5": "empty body", "6": "unparsable date: 'sometime soon'"}
    assert all(s["where"].startswith(str(jsonl)) or jsonl.name in s["where"] for s in d["skipped"])

    again = json.loads(rag("ingest", jsonl, "--index", index, "--json", env=HASH).stdout)
    assert (again["added"], again["unchanged"], again["chunks_embedded"]) == (0, 5, 0)
    assert len(again["skipped"]) == 3


def test_ingest_human_output_lists_skips_on_stderr(tmp_path, jsonl):
    res = rag("ingest", jsonl, "--index", tmp_path / "idx", "--no-progress", env=HASH)
    assert res.returncode == 0, res.stderr
    assert "added 5" in res.stdout
    # the hashing fake cannot pool spans: every sentence vector is embedded alone
    assert re.search(r"and [1-9]\d* sentence vectors \(0 from chunk passes\)", res.stdout), res.stdout
    skipped = [line for line in res.stderr.splitlines() if line.startswith("skipped ")]
    assert len(skipped) == 3


def test_nothing_ingestible_fails_with_one_line(tmp_path):
    folder = tmp_path / "junk"
    folder.mkdir()
    (folder / "a.pdf").write_bytes(b"%PDF-1.4 binary")
    (folder / "b.jsonl").write_text("{broken\n", encoding="utf-8")
    res = rag("ingest", folder, "--index", tmp_path / "idx", env=HASH)
    msg = assert_one_line_error(res)
    assert "nothing" in msg
    assert not (tmp_path / "idx" / "CURRENT").exists()
    missing = rag("ingest", tmp_path / "does-not-exist.jsonl", "--index", tmp_path / "idx", env=HASH)
    assert_one_line_error(missing)


def test_unknown_format_is_a_one_line_error(tmp_path, jsonl):
    res = rag("ingest", jsonl, "--index", tmp_path / "idx", "--format", "docx", env=HASH)
    msg = assert_one_line_error(res, 2)
    assert "docx" in msg
    bad_field = rag("ingest", jsonl, "--index", tmp_path / "idx", "--field", "nonsense", env=HASH)
    assert_one_line_error(bad_field, 2)


def test_stats_delete_check_and_rag_index_env(tmp_path, jsonl):
    index = tmp_path / "via-env"
    env = {**HASH, "RAG_INDEX": str(index)}
    res = rag("ingest", jsonl, "--json", env=env)  # no --index: $RAG_INDEX is used
    assert res.returncode == 0, res.stderr
    assert (index / "meta.sqlite").exists()

    stats = rag("stats", "--json", env=env)
    assert stats.returncode == 0, stats.stderr
    s = json.loads(stats.stdout)
    assert {"articles": 5, "model": "hash-bow", "dim": 64}.items() <= s.items()
    assert s["chunks"] >= 5
    # --index wins over $RAG_INDEX
    other = rag("stats", "--json", "--index", tmp_path / "nowhere", env=env)
    assert_one_line_error(other)

    deleted = rag("delete", "r1", "--json", env=env)
    assert deleted.returncode == 0, deleted.stderr
    assert json.loads(deleted.stdout) == {"deleted": 1}
    assert json.loads(rag("stats", "--json", env=env).stdout)["articles"] == 4
    assert_one_line_error(rag("delete", "r1", env=env))  # already gone

    ok = rag("check", env=env)
    assert ok.returncode == 0, ok.stderr
    assert ok.stdout.startswith("ok: ") and "4 articles" in ok.stdout


def test_check_reports_a_corrupt_index(tmp_path, jsonl):
    index = tmp_path / "idx"
    assert rag("ingest", jsonl, "--index", index, "--json", env=HASH).returncode == 0
    faiss_file = sorted((index / "segments").glob("*.faiss"))[0]
    faiss_file.write_bytes(faiss_file.read_bytes()[:-16])  # truncated
    msg = assert_one_line_error(rag("check", "--index", index, env=HASH))
    assert faiss_file.name in msg


def test_stats_and_check_without_an_index(tmp_path):
    assert "no index" in assert_one_line_error(rag("stats", "--index", tmp_path / "none", env=HASH))
    assert "no index" in assert_one_line_error(rag("check", "--index", tmp_path / "none", env=HASH))
    assert "no index" in assert_one_line_error(rag("ask", "What happened?", "--index", tmp_path / "none", env=HASH))


def test_ask_rejects_bad_options_in_one_line(tmp_path):
    msg = assert_one_line_error(
        rag("ask", "What happened?", "--as-of", "yesterday", "--index", tmp_path / "none", env=HASH), 2
    )
    assert "as_of" in msg
    assert_one_line_error(rag("ask", "   ", "--index", tmp_path / "none", env=HASH), 2)


def test_ask_hash_model_json_shape(tmp_path, jsonl):
    index = tmp_path / "idx"
    assert rag("ingest", jsonl, "--index", index, "--json", env=HASH).returncode == 0
    res = rag("ask", "What happened near Aleppo?", "--index", index, "--json", env=HASH)
    assert res.returncode == 0, res.stderr
    _check_ask_json(json.loads(res.stdout))


def _check_ask_json(d: dict) -> None:
    from rag.api.schemas import AskOut

    AskOut.model_validate(d)  # the /ask response shape
    # contracts grow: the original fields stay, the structured ones are added
    assert set(d) == {
        "answer",
        "abstained",
        "citations",
        "passages",
        "timings_ms",
        "rewritten_question",
        "statements",
        "direct_answer",
        "grounding",
        "answer_mode",
        "note",
        "removed",
        "disagreements",
        "timeline",
    }
    assert isinstance(d["answer"], str) and isinstance(d["abstained"], bool)
    for c in d["citations"]:
        assert f"[{c['n']}]" in d["answer"]
        assert c["end"] - c["start"] == len(c["quote"])


@pytest.mark.slow
def test_ask_real_model_over_seed_index(seed_index):
    from rag.readers import read_path

    res = rag(
        "ask",
        "How long was the US-Russia truce extended?",
        "--json",
        "--top-k",
        "5",
        env={"RAG_INDEX": str(seed_index)},
    )
    assert res.returncode == 0, res.stderr
    d = json.loads(res.stdout)
    _check_ask_json(d)
    assert not d["abstained"] and d["citations"]
    bodies = {a.id: a.body for a in read_path(CORPUS).articles}
    for c in d["citations"]:
        assert bodies[c["article_id"]][c["start"] : c["end"]] == c["quote"]
    assert "48 hours" in d["answer"]
    human = rag("ask", "How long was the US-Russia truce extended?", "--index", seed_index)
    assert human.returncode == 0 and "[1]" in human.stdout
    sources = [line for line in human.stdout.splitlines() if re.match(r"\[\d+\] ", line)]
    assert len(sources) == len(d["citations"])
    reports = [c["article_id"] for c in d["citations"]]
    for line, c in zip(sources, d["citations"]):  # a report's details once; its further quotes point back
        first = reports.index(c["article_id"]) + 1
        assert line == f"[{c['n']}] the same report as [{first}]" if first != c["n"] else c["title"] in line


def test_check_reports_leftovers_of_a_killed_ingest_and_repair_removes_them(tmp_path, jsonl):
    import fcntl

    index = tmp_path / "idx"
    assert rag("ingest", jsonl, "--index", index, "--json", env=HASH).returncode == 0
    # what kill -9 during an ingest or a merge leaves: files no committed version names
    dead = index / "segments" / "s999999-0123abcd.faiss"
    dead.write_bytes(b"\0" * 1_500_000)
    merge_dir = index / "segments" / ".merge-deadbeef"
    merge_dir.mkdir()
    (merge_dir / "part.faiss").write_bytes(b"\0" * 10)

    res = rag("check", "--index", index, env=HASH)
    assert res.returncode == 0 and res.stdout.startswith("ok: "), res.stderr
    assert "leftover segments/s999999-0123abcd.faiss (1.5 MB): file of an interrupted ingest" in res.stderr
    assert "leftover segments/.merge-deadbeef" in res.stderr and "interrupted merge" in res.stderr
    assert "`rag check --repair` removes them" in res.stderr
    assert dead.exists()  # reporting removes nothing

    with open(index / ".lock", "a+") as lock:  # an ingest is running: its files must not be touched
        fcntl.flock(lock, fcntl.LOCK_EX)
        busy = rag("check", "--index", index, "--repair", env=HASH)
        fcntl.flock(lock, fcntl.LOCK_UN)
    assert "an ingest is running" in assert_one_line_error(busy)
    assert dead.exists()

    fixed = rag("check", "--index", index, "--repair", env=HASH)
    assert fixed.returncode == 0, fixed.stderr
    assert "removed segments/s999999-0123abcd.faiss (1.5 MB)" in fixed.stderr
    assert not dead.exists() and not merge_dir.exists()
    clean = rag("check", "--index", index, env=HASH)
    assert clean.returncode == 0 and clean.stderr == "", clean.stderr
    assert json.loads(rag("stats", "--index", index, "--json", env=HASH).stdout)["articles"] == 5


def test_field_names_its_column_by_field_or_by_the_readme_alias(tmp_path):
    src = tmp_path / "feed.jsonl"
    src.write_text(
        json.dumps(
            {"id": "s1", "headline": "Bridge reopens", "story": "The old bridge reopened on Friday after repairs."}
        )
        + "\n",
        encoding="utf-8",
    )
    plain = rag("ingest", src, "--index", tmp_path / "a", "--json", env=HASH)
    assert plain.returncode != 0  # no body column detected: 'story' is not a common name
    for spec in ("text=story", "body=story", "content=story"):
        res = rag("ingest", src, "--index", tmp_path / spec.split("=")[0], "--json", "--field", spec, env=HASH)
        assert res.returncode == 0, (spec, res.stderr)
        assert json.loads(res.stdout)["added"] == 1
    twice = rag("ingest", src, "--index", tmp_path / "b", "--field", "text=story", "--field", "body=other", env=HASH)
    assert "given twice" in assert_one_line_error(twice, 2)


def test_ask_names_no_outlet_when_a_report_has_none_and_ingest_reports_dropped_urls(tmp_path):
    src = tmp_path / "feed.jsonl"
    src.write_text(
        json.dumps(
            {
                "id": "b1",
                "title": "Bridge reopens",
                "text": "The old bridge over the river reopened on Friday after two years of repairs.",
                "date": "2024-05-03",
                "url": "javascript:alert(1)",
            }
        )
        + "\n",
        encoding="utf-8",
    )
    res = rag("ingest", src, "--index", tmp_path / "idx", "--no-progress", env=HASH)
    assert res.returncode == 0, res.stderr
    assert "note feed.jsonl:1: url 'javascript:alert(1)' dropped: only http(s) URLs are kept" in res.stderr
    out = rag("ask", "When did the old bridge reopen?", "--index", tmp_path / "idx", env=HASH)
    assert out.returncode == 0, out.stderr
    cites = [line for line in out.stdout.splitlines() if line.startswith("[1]")]
    assert cites and "unknown outlet" not in out.stdout and "Bridge reopens, 2024-05-03" in cites[0]


@pytest.mark.parametrize(
    "env,expect",
    [
        (
            {"RAG_PROFILE": "bogus"},
            "error: RAG_PROFILE: input should be 'auto', 'general' or 'syria-iraq' (got 'bogus')",
        ),
        ({"RAG_QUERY_SLOTS": "0"}, "error: RAG_QUERY_SLOTS: input should be greater than or equal to 1 (got '0')"),
    ],
)
def test_a_bad_setting_is_a_one_line_error_naming_the_variable(tmp_path, env, expect):
    assert assert_one_line_error(rag("stats", "--index", tmp_path / "none", env=env), 2) == expect
