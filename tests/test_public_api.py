"""The package's public surface: ``rag.__all__`` is exactly the intended names, each resolves to the
object it names, and ``import rag`` alone stays light."""

from __future__ import annotations

import dataclasses
import inspect
import subprocess
import sys
from pathlib import Path

import pytest

import rag

ROOT = Path(__file__).resolve().parents[1]

PUBLIC = {
    # records
    "Answer": "rag.models",
    "Article": "rag.models",
    "Chunk": "rag.models",
    "Citation": "rag.models",
    "Passage": "rag.models",
    "SkippedRecord": "rag.models",
    # configuration
    "Settings": "rag.settings",
    # reading and ingesting
    "ReadResult": "rag.readers",
    "read_path": "rag.readers",
    "Embedder": "rag.embedding",
    "EmbedderError": "rag.embedding",
    "load_embedder": "rag.embedding",
    "IngestReport": "rag.ingest",
    "ingest": "rag.ingest",
    # the index
    "IndexSnapshot": "rag.store.index_dir",
    "IndexStoreError": "rag.store.index_dir",
    "IndexNotFound": "rag.store.index_dir",
    "IndexMismatch": "rag.store.index_dir",
    "IndexCorrupt": "rag.store.index_dir",
    # asking and serving
    "AskRequest": "rag.pipeline",
    "Filters": "rag.retrieval.hybrid",
    "RagService": "rag.pipeline",
    "create_app": "rag.api.app",
}


def test_all_lists_exactly_the_public_names():
    assert sorted(rag.__all__) == sorted(PUBLIC)
    assert len(rag.__all__) == len(set(rag.__all__))


@pytest.mark.parametrize("name", sorted(PUBLIC))
def test_each_name_resolves_to_its_definition(name):
    import importlib

    obj = getattr(rag, name)
    assert obj is getattr(importlib.import_module(PUBLIC[name]), name)
    assert obj.__module__ == PUBLIC[name]
    assert name in dir(rag)


def test_star_import_gives_exactly_all():
    ns: dict = {}
    exec("from rag import *", ns)
    assert sorted(k for k in ns if not k.startswith("__")) == sorted(PUBLIC)


def test_kinds_of_the_public_names():
    for name in (
        "Article",
        "Chunk",
        "Passage",
        "Citation",
        "Answer",
        "SkippedRecord",
        "AskRequest",
        "Filters",
        "IngestReport",
        "ReadResult",
    ):
        assert dataclasses.is_dataclass(getattr(rag, name)), name
    for name in ("ingest", "read_path", "load_embedder", "create_app"):
        assert callable(getattr(rag, name)) and not inspect.isclass(getattr(rag, name)), name
    for name in ("IndexNotFound", "IndexMismatch", "IndexCorrupt"):
        assert issubclass(getattr(rag, name), rag.IndexStoreError)
    assert issubclass(rag.IndexStoreError, RuntimeError) and issubclass(rag.EmbedderError, RuntimeError)
    from rag.embedding import HashEmbedder

    assert isinstance(HashEmbedder(), rag.Embedder)  # a runtime-checkable protocol
    assert inspect.isclass(rag.RagService) and inspect.isclass(rag.Settings)


def test_unknown_names_raise_attribute_error():
    with pytest.raises(AttributeError):
        rag.no_such_name  # noqa: B018
    assert not hasattr(rag, "_private_helper")


def test_a_user_can_go_from_records_to_an_answer(tmp_path):
    """The whole flow through public names only (fast fake embedder)."""
    from rag.embedding import HashEmbedder

    src = tmp_path / "reports.jsonl"
    src.write_text(
        '{"id": "a", "title": "Truce in Hasakah", "text": "A truce was agreed in Hasakah on Saturday. '
        'Kurdish forces and the army stopped fighting.", "source": "SANA", "date": "2016-08-20"}\n',
        encoding="utf-8",
    )
    res = rag.read_path(src)
    assert [a.id for a in res.articles] == ["a"] and isinstance(res.articles[0], rag.Article)
    report = rag.ingest(res.articles, tmp_path / "idx", HashEmbedder())
    assert isinstance(report, rag.IngestReport) and report.added == 1
    service = rag.RagService(rag.Settings(index=tmp_path / "idx", embedding_model="hash-bow"), embedder=HashEmbedder())
    answer = service.ask(rag.AskRequest(question="Where was a truce agreed?", filters=rag.Filters(sources=["SANA"])))
    assert isinstance(answer, rag.Answer)
    assert all(isinstance(c, rag.Citation) for c in answer.citations)
    app = rag.create_app(service.settings, service)
    assert "/ask" in app.openapi()["paths"]  # routers are included, so app.routes holds them nested


def _fresh(code: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, timeout=120)


def test_import_rag_is_light():
    res = _fresh(
        "import sys, rag\n"
        "heavy = [m for m in ('torch', 'sentence_transformers', 'transformers', 'fastapi', 'uvicorn')"
        " if m in sys.modules]\n"
        "print(heavy)"
    )
    assert res.returncode == 0, res.stderr
    assert res.stdout.strip() == "[]"


@pytest.mark.parametrize(
    "code",
    [
        "import rag; import rag.ingest; assert callable(rag.ingest), rag.ingest",
        "import rag.ingest, rag; assert callable(rag.ingest), rag.ingest",
        "from rag.ingest import ingest as f; from rag import ingest; assert ingest is f",
        "import rag.cli; import rag; assert callable(rag.ingest), rag.ingest",
    ],
)
def test_ingest_is_the_function_whatever_was_imported_first(code):
    """``rag.ingest`` names both a module and the function: the package must keep the function."""
    res = _fresh(code)
    assert res.returncode == 0, res.stderr
