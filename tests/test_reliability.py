"""Ingest while serving: a real server keeps answering from the committed index while new versions
are committed (over HTTP and by a separate `rag ingest` process), swaps them in without a restart,
and not one request fails."""

from __future__ import annotations

import json
import subprocess
import sys
import threading
import time
from pathlib import Path

import httpx
import pytest
from conftest import ROOT, LiveServer

TOKEN = "reliability-token"
AUTH = {"Authorization": f"Bearer {TOKEN}"}

ZEBRA_MD = """---
title: Zebras escape from the Lisbon zoo
date: 2024-03-02
source: Test Wire
---
Three zebras escaped from the Lisbon zoo on Saturday morning. Keepers recaptured the zebras by noon near
the river after a two-hour chase through the park.
"""

OSTRICH_JSONL = (
    "\n".join(
        json.dumps(
            {
                "id": f"ostrich-{i}",
                "title": f"Ostrich report {i}",
                "date": "2024-04-0%d" % (1 + i % 9),
                "source": "Bird Wire",
                "body": f"An ostrich named Pip{i} won the Riga city marathon on Sunday. Race officials in Riga said the "
                f"ostrich finished lap {i} ahead of every human runner.",
            }
        )
        for i in range(12)
    )
    + "\n"
)

QUESTIONS = [
    "What happened in the election?",
    "Who won the vote?",
    "Where did the zebras escape from?",
    "What did the ostrich win?",
]


class Clients:
    """``n`` threads looping on /ask and /search, recording every outcome."""

    def __init__(self, url: str, n: int):
        self.url, self.stop = url, threading.Event()
        self.results: list[tuple[float, float, str, object]] = []  # start, end, what, status | error
        self.lock = threading.Lock()
        self.threads = [threading.Thread(target=self.loop, args=(i,), daemon=True) for i in range(n)]

    def loop(self, i: int):
        with httpx.Client(base_url=self.url, timeout=60) as c:
            k = 0
            while not self.stop.is_set():
                q = QUESTIONS[(i + k) % len(QUESTIONS)]
                t0 = time.monotonic()
                try:
                    if k % 2:
                        r = c.get("/search", params={"q": q, "top_k": 5})
                        ok = r.status_code == 200 and "passages" in r.json()
                    else:
                        r = c.post("/ask", json={"question": q})
                        ok = r.status_code == 200 and "answer" in r.json()
                    outcome = r.status_code if ok else f"{r.status_code}: {r.text[:200]}"
                except Exception as e:  # connection reset, timeout, bad JSON: all failures
                    outcome = f"{type(e).__name__}: {e}"
                with self.lock:
                    self.results.append((t0, time.monotonic(), "search" if k % 2 else "ask", outcome))
                k += 1

    def __enter__(self):
        for t in self.threads:
            t.start()
        return self

    def __exit__(self, *exc):
        self.stop.set()
        for t in self.threads:
            t.join(90)

    def spanning(self, t: float) -> int:
        """Requests in flight at time ``t``."""
        with self.lock:
            return sum(1 for a, b, *_ in self.results if a <= t <= b)


def wait_for(pred, timeout: float = 20.0, every: float = 0.1):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        v = pred()
        if v:
            return v
        time.sleep(every)
    return pred()


@pytest.mark.slow
def test_no_request_fails_while_new_versions_are_committed(seed_index_copy, tmp_path):
    server = LiveServer(seed_index_copy, env={"RAG_API_TOKEN": TOKEN})
    url = server.url
    try:
        v0 = httpx.get(f"{url}/health").json()["index_version"]
        n0 = httpx.get(f"{url}/stats").json()["articles"]
        with Clients(url, n=4) as clients:
            time.sleep(2)

            # 1. upload over HTTP while the clients query
            r = httpx.post(
                f"{url}/ingest",
                headers=AUTH,
                timeout=300,
                files={"files": ("zebras.md", ZEBRA_MD.encode(), "text/markdown")},
            )
            assert r.status_code == 200, r.text
            t_http = time.monotonic()
            v1 = r.json()["version"]
            assert v1 != v0 and r.json()["added"] == 1
            # swapped in before the response: the very next query sees it
            found = httpx.post(f"{url}/ask", json={"question": "Where did the zebras escape from?"}, timeout=60)
            assert any(c["article_id"] == "zebras" for c in found.json()["citations"]), found.text

            # 2. a separate `rag ingest` process commits into the same index directory
            data = tmp_path / "ostriches.jsonl"
            data.write_text(OSTRICH_JSONL)
            cli = subprocess.run(
                [
                    sys.executable,
                    "-m",
                    "rag.cli",
                    "ingest",
                    str(data),
                    "--index",
                    str(seed_index_copy),
                    "--no-progress",
                    "--json",
                ],
                capture_output=True,
                text=True,
                timeout=300,
                cwd=ROOT,
            )
            assert cli.returncode == 0, cli.stderr
            v2 = json.loads(cli.stdout)["version"]
            t_cli = time.monotonic()
            # the server notices the new CURRENT by itself (no restart, no signal)
            assert wait_for(lambda: httpx.get(f"{url}/stats").json()["version"] == v2), "new version not picked up"
            ans = httpx.post(f"{url}/ask", json={"question": "What did the ostrich win in Riga?"}, timeout=60).json()
            assert any(p["article_id"].startswith("ostrich-") for p in ans["passages"]), ans
            assert httpx.get(f"{url}/articles/ostrich-3").json()["title"] == "Ostrich report 3"

            # 3. a delete over HTTP
            d = httpx.delete(f"{url}/articles/zebras", headers=AUTH, timeout=300)
            assert d.status_code == 200, d.text
            assert httpx.get(f"{url}/articles/zebras").status_code == 404
            time.sleep(2)
        results = clients.results
        s = httpx.get(f"{url}/stats").json()
        assert s["articles"] == n0 + 12 and s["version"] == d.json()["version"]
    finally:
        server.stop()
    server_log = Path(server.log.name).read_text(encoding="utf-8", errors="replace").splitlines()

    print(
        f"{len(results)} requests by 4 clients; in flight at the HTTP commit: {clients.spanning(t_http)}, "
        f"at the CLI commit: {clients.spanning(t_cli)}"
    )
    failures = [r for r in results if r[3] != 200]
    assert not failures, f"{len(failures)} of {len(results)} requests failed: {failures[:5]}"
    assert len(results) >= 20, f"too little traffic to mean anything: {len(results)} requests"
    # traffic went on before, between and after the commits
    assert any(b < t_http for _, b, *_ in results) and any(a > t_cli for a, *_ in results)
    assert any(t_http < a and b < t_cli for a, b, *_ in results)

    # the real server logged one JSON line per request, each with an id, and none failed either
    logs = []
    for line in server_log:
        try:
            logs.append(json.loads(line))
        except ValueError:
            continue
    logs = [x for x in logs if isinstance(x, dict) and "request_id" in x]
    assert len(logs) >= len(results)
    assert all(x["status"] < 500 for x in logs), [x for x in logs if x["status"] >= 500][:3]
    assert len({x["request_id"] for x in logs}) == len(logs)
    assert {"method", "path", "status", "duration_ms"} <= set(logs[0])


@pytest.mark.slow
def test_queries_in_flight_during_a_swap_complete(seed_index_copy, embedder, tmp_path):
    """In-process and tight: many back-to-back reloads while threads query the same service."""
    from rag.ingest import ingest
    from rag.models import Article
    from rag.pipeline import RagService
    from rag.settings import Settings

    svc = RagService(Settings(index=seed_index_copy), embedder=embedder)
    stop, errors, done = threading.Event(), [], [0]

    def reader():
        while not stop.is_set():
            try:
                res = svc.search("election results", top_k=3)
                assert res.passages
                svc.snapshot.store.get_article(res.passages[0].article_id)
                done[0] += 1
            except Exception as e:
                errors.append(repr(e))

    threads = [threading.Thread(target=reader) for _ in range(3)]
    for t in threads:
        t.start()
    try:
        versions = []
        for i in range(5):  # keep_versions=2: older versions are deleted while readers may hold them
            rep = ingest(
                [Article(id=f"swap-{i}", title=f"Swap {i}", body=f"Swap number {i} happened today.")],
                seed_index_copy,
                embedder,
            )
            versions.append(rep.version)
            svc.reload()
    finally:
        stop.set()
        for t in threads:
            t.join(60)
    assert not errors, errors[:3]
    assert done[0] > 0
    assert svc.snapshot.version == versions[-1] and len(set(versions)) == 5
    assert svc.snapshot.store.get_article("swap-4") is not None
    # only the files of the kept versions (2) stay on disk: nothing is copied per version
    segs = {p.name for p in Path(seed_index_copy, "segments").iterdir()}
    assert len(svc.snapshot.vectors.segments) == 6 and len(segs) <= 2 * 7
    svc.close()
