"""A real, non-editable install: ``pip install <checkout>`` then ``cd elsewhere && rag serve``.

The package is built from a copy of this checkout and installed into a throwaway venv whose only
link to this environment is a ``.pth`` line that makes the already installed dependencies (torch,
sentence-transformers …) importable, so nothing is downloaded or reinstalled and this environment
is not touched. Then ``rag serve`` runs from an empty folder: it must build the index from the
bundled corpus (shipped inside the package) and serve the chat page, its files and answers.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import sysconfig
import time
from pathlib import Path

import httpx
import pytest
from conftest import SERVER_LOGS, free_port

pytestmark = pytest.mark.slow

ROOT = Path(__file__).resolve().parents[1]
SKIP = shutil.ignore_patterns(
    ".git", ".venv", "venv", "index", "build", "dist", "*.egg-info", "__pycache__", ".pytest_cache", ".hypothesis",
    "out", "screenshots", ".mypy_cache", ".ruff_cache",
)  # fmt: skip


def run(cmd: list, **kw) -> subprocess.CompletedProcess:
    return subprocess.run([str(c) for c in cmd], capture_output=True, text=True, timeout=600, **kw)


@pytest.fixture(scope="module")
def installed(tmp_path_factory) -> Path:
    """The venv's bin folder after a non-editable install of a copy of this checkout."""
    tmp = tmp_path_factory.mktemp("install")
    src = tmp / "src"
    shutil.copytree(ROOT, src, ignore=SKIP, symlinks=True)
    venv = tmp / "venv"
    res = run([sys.executable, "-m", "venv", "--without-pip", venv])
    assert res.returncode == 0, res.stderr
    purelib = run([venv / "bin" / "python", "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"])
    (Path(purelib.stdout.strip()) / "_base_env.pth").write_text(sysconfig.get_paths()["purelib"] + "\n")
    pip = [sys.executable, "-m", "pip", "--python", venv / "bin" / "python", "install", "--no-index", "--no-deps"]
    res = run([*pip, "--no-build-isolation", src])
    assert res.returncode == 0, res.stdout + res.stderr
    assert "warning" not in res.stderr.lower().replace("not uninstalling", ""), res.stderr
    return venv / "bin"


def test_the_installed_package_carries_its_page_corpus_and_docs_files(installed, tmp_path):
    code = (
        "import rag, rag.resources as r, rag.api.docs as d\n"
        "print(rag.__file__); print(r.bundled_dir('web', 'index.html')); print(r.bundled_dir('corpus', 'seed'))\n"
        "print(all(p.exists() for p in d.ASSETS.values()))\n"
    )
    res = run([installed / "python", "-c", code], cwd=tmp_path)
    assert res.returncode == 0, res.stderr
    module, web, corpus, assets = res.stdout.split()
    site = str(installed.parent / "lib")
    assert module.startswith(site) and web.startswith(site) and corpus.startswith(site), res.stdout
    assert str(ROOT) not in res.stdout  # nothing comes from this checkout
    assert assets == "True"
    assert sorted(p.name for p in Path(corpus, "seed").iterdir()) == sorted(
        p.name for p in (ROOT / "corpus" / "seed").iterdir()
    )


def test_rag_serve_from_another_folder_builds_the_bundled_corpus_and_serves_the_page(installed, tmp_path):
    port = free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith("RAG_")}
    env.update({"HF_HUB_OFFLINE": "1", "TOKENIZERS_PARALLELISM": "false", "PYTHONWARNINGS": "default"})
    log = tmp_path / "serve.log"
    SERVER_LOGS.append(log)
    with open(log, "w") as out:
        proc = subprocess.Popen(
            [str(installed / "rag"), "serve", "--port", str(port)], cwd=tmp_path, env=env, stdout=out, stderr=out
        )
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 300
        while time.monotonic() < deadline:
            assert proc.poll() is None, log.read_text()
            try:
                if httpx.get(f"{url}/health", timeout=2).status_code == 200:
                    break
            except httpx.HTTPError:
                time.sleep(0.5)
        else:
            pytest.fail("rag serve did not start: " + log.read_text())
        assert (tmp_path / "index" / "default" / "meta.sqlite").exists()  # built here, from the bundled corpus
        page = httpx.get(f"{url}/", timeout=10)
        assert page.status_code == 200 and "<title>" in page.text and "js/main.js" in page.text
        assert httpx.get(f"{url}/js/main.js", timeout=10).status_code == 200
        assert httpx.get(f"{url}/docs/assets/swagger-ui-bundle.js", timeout=10).status_code == 200
        assert httpx.get(f"{url}/stats", timeout=10).json()["articles"] == 8
        body = httpx.post(f"{url}/ask", json={"question": "How many rebels left Darayya?"}, timeout=60).json()
        assert not body["abstained"] and body["citations"], body
        assert body["citations"][0]["article_id"].startswith("seed-")
    finally:
        proc.terminate()
        proc.wait(20)
    text = log.read_text()
    assert "Traceback" not in text and "Warning" not in text, text
