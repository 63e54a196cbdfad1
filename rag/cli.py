"""The ``rag`` command line: ingest, delete, stats, check, ask, serve, eval.

Every failure the user can cause ends with a one-line message on stderr and a non-zero exit
code, never a traceback.
"""

from __future__ import annotations

import json
import logging
import os
import sys
from pathlib import Path
from typing import Annotated

import typer

from .settings import Settings

app = typer.Typer(
    add_completion=False,
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    help="Cited answers over dated news reports.",
)

IndexOpt = Annotated[
    Path | None, typer.Option("--index", help="Index directory (default: $RAG_INDEX or index/default).")
]
JsonOpt = Annotated[bool, typer.Option("--json", help="Print one JSON object.")]
DEFAULT_CORPUS = Path(__file__).resolve().parents[1] / "corpus"


def _settings(index: Path | None) -> Settings:
    s = Settings()
    if index is not None:
        s.index = index
    return s


def _fail(msg: str, code: int = 1) -> None:
    typer.echo(f"error: {msg}", err=True)
    raise typer.Exit(code)


def _quiet_libraries() -> None:
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    os.environ.setdefault("TRANSFORMERS_VERBOSITY", "error")
    os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
    logging.getLogger("sentence_transformers").setLevel(logging.ERROR)
    try:
        import transformers

        transformers.logging.set_verbosity_error()
        transformers.logging.disable_progress_bar()
    except Exception:
        pass


def run_ingest(
    paths: list[Path],
    settings: Settings,
    *,
    fmt: str | None = None,
    fields: dict | None = None,
    id_prefix: str = "",
    progress: bool = True,
    delete_ids: list[str] | None = None,
    worker: tuple[int, int] | None = None,
):
    """Read, then ingest: shared by `rag ingest`, `rag serve` (first run) and the HTTP ingest.
    ``worker=(i, n)`` keeps only this worker's share of the articles (``rag ingest --worker i/n``)."""
    from .embedding import LazyEmbedder
    from .ingest import ingest
    from .readers import read_path
    from .store.backends import worker_share, writer_factory

    articles, skipped = [], []
    for p in paths:
        res = read_path(p, fmt=fmt, fields=fields, id_prefix=id_prefix)
        articles += res.articles
        skipped += res.skipped
    if worker is not None:
        articles = [a for a in articles if worker_share(a.id, worker[1]) == worker[0]]
    if not articles and not delete_ids:
        return None, skipped
    _quiet_libraries()
    embedder = LazyEmbedder(settings.embedding_model, settings.embed_batch_size)
    bar_factory = None
    if progress:
        from tqdm import tqdm

        def bar_factory(total: int):
            return tqdm(total=total, desc="embedding", unit="chunk", file=sys.stderr)

    report = ingest(
        articles,
        settings.index,
        embedder,
        faiss_factory=settings.faiss_factory,
        chunk_tokens=settings.chunk_tokens,
        overlap=settings.chunk_overlap_sentences,
        batch_size=settings.embed_batch_size,
        keep_versions=settings.keep_versions,
        skipped=skipped,
        delete_ids=delete_ids or (),
        progress=bar_factory,
        open_writer=writer_factory(settings),
    )
    return report, skipped


@app.command()
def ingest(
    paths: Annotated[list[Path], typer.Argument(help="Files or directories of reports.")],
    index: IndexOpt = None,
    json_out: JsonOpt = False,
    fmt: Annotated[
        str | None, typer.Option("--format", help="seed|jsonl|csv|markdown|html (default: by extension)")
    ] = None,
    field: Annotated[
        list[str] | None, typer.Option("--field", help="Override a field, e.g. --field body=content")
    ] = None,
    id_prefix: Annotated[str, typer.Option(help="Prefix for article ids from these files.")] = "",
    progress: Annotated[bool, typer.Option(help="Show a progress bar.")] = True,
    worker: Annotated[
        str | None, typer.Option(help="I/N: only worker I's share (0..N-1) of N (docs/qdrant.md).")
    ] = None,
) -> None:
    """Add or update reports in the index (unchanged ones cost nothing)."""
    from .embedding import EmbedderError
    from .store import IndexStoreError

    fields = _parse_fields(field or [])
    settings = _settings(index)
    share, show = (_parse_worker(worker) if worker else None), progress and not json_out
    try:
        report, skipped = run_ingest(
            paths, settings, fmt=fmt, fields=fields or None, id_prefix=id_prefix, progress=show, worker=share
        )
    except ValueError as e:
        _fail(str(e), 2)
    except (IndexStoreError, EmbedderError) as e:
        _fail(str(e))
    if report is None:
        if json_out:
            typer.echo(
                json.dumps(
                    {
                        "added": 0,
                        "updated": 0,
                        "unchanged": 0,
                        "skipped": [s.to_dict() for s in skipped],
                        "chunks_embedded": 0,
                    }
                )
            )
        for s in skipped:
            typer.echo(f"skipped {s.where}: {s.reason}", err=True)
        _fail("nothing could be ingested")
    d = report.to_dict()
    if json_out:
        typer.echo(json.dumps(d, ensure_ascii=False))
    else:
        for s in report.skipped:
            typer.echo(f"skipped {s.where}: {s.reason}", err=True)
        typer.echo(
            f"added {d['added']}, updated {d['updated']}, unchanged {d['unchanged']}, "
            f"skipped {len(d['skipped'])}; embedded {d['chunks_embedded']} chunks "
            f"(reused {d['chunks_reused']}) → {settings.index} {d['version']}"
        )


@app.command()
def delete(
    ids: Annotated[list[str], typer.Argument(help="Article ids.")], index: IndexOpt = None, json_out: JsonOpt = False
) -> None:
    """Remove articles (and their chunks) from the index."""
    from .embedding import EmbedderError
    from .store import IndexStoreError

    settings = _settings(index)
    try:
        report, _ = run_ingest([], settings, delete_ids=ids, progress=False)
    except (IndexStoreError, EmbedderError) as e:
        _fail(str(e))
    if report is None or report.deleted == 0:
        _fail(f"no such article in {settings.index}: {', '.join(ids)}")
    if json_out:
        typer.echo(json.dumps({"deleted": report.deleted}))
    else:
        typer.echo(f"deleted {report.deleted} article(s)")


@app.command()
def stats(index: IndexOpt = None, json_out: JsonOpt = False) -> None:
    """Counts and model of an index."""
    from .embedding import EmbedderError
    from .store import IndexStoreError
    from .store.backends import describe, open_snapshot

    settings = _settings(index)
    try:
        snap = open_snapshot(settings)
        state = describe(snap)
    except (IndexStoreError, EmbedderError) as e:
        _fail(str(e))
    m = snap.manifest
    d = {
        "articles": m.articles,
        "chunks": m.chunks,
        "model": m.embedding_model,
        "dim": m.dim,
        "faiss_factory": m.faiss_factory,
        "version": snap.version,
        "store": state,
    }
    typer.echo(json.dumps(d) if json_out else "\n".join(f"{k}: {v}" for k, v in d.items()))


@app.command()
def check(index: IndexOpt = None) -> None:
    """Verify an index against its manifest checksums and SQLite's integrity check."""
    from .embedding import EmbedderError
    from .store import IndexStoreError, check_index

    settings = _settings(index)
    if settings.store == "qdrant":  # Qdrant checks its own storage: report the collection's state
        from .store.backends import describe, open_snapshot

        try:
            snap = open_snapshot(settings)
            state = describe(snap)
        except IndexStoreError as e:
            _fail(str(e))
        if state["status"] != "green":
            _fail(f"{state['collection']} is {state['status']} (optimizer: {state['optimizer']})")
        m = snap.manifest
        typer.echo(f"ok: {state['collection']} {snap.version} ({m.articles} articles, {m.chunks} chunks)")
        return
    try:
        manifest = check_index(settings.index)
    except (IndexStoreError, EmbedderError) as e:
        _fail(str(e))
    version = manifest.version
    typer.echo(f"ok: {settings.index} {version} ({manifest.articles} articles, {manifest.chunks} chunks)")


@app.command()
def ask(
    question: Annotated[str, typer.Argument(help="The question.")],
    index: IndexOpt = None,
    json_out: JsonOpt = False,
    top_k: Annotated[int, typer.Option(min=1, max=50)] = 8,
    as_of: Annotated[str | None, typer.Option(help="YYYY-MM-DD")] = None,
    date_from: Annotated[str | None, typer.Option(help="YYYY-MM-DD")] = None,
    date_to: Annotated[str | None, typer.Option(help="YYYY-MM-DD")] = None,
    source: Annotated[list[str] | None, typer.Option(help="Only this outlet (repeatable).")] = None,
) -> None:
    """Answer a question from the index, citing every sentence."""
    from pydantic import ValidationError

    from .api.app import to_request
    from .api.schemas import AskIn
    from .embedding import EmbedderError
    from .pipeline import RagService
    from .store import IndexStoreError

    try:
        body = AskIn(
            question=question,
            top_k=top_k,
            as_of=as_of,
            filters={"date_from": date_from, "date_to": date_to, "sources": source},
        )
    except ValidationError as e:
        err = e.errors()[0]
        _fail(f"{'.'.join(str(x) for x in err['loc'])}: {err['msg']}", 2)
    _quiet_libraries()
    try:
        service = RagService(_settings(index))
    except (IndexStoreError, EmbedderError) as e:
        _fail(str(e))
    answer = service.ask(to_request(body))
    if json_out:
        typer.echo(json.dumps(answer.to_dict(), ensure_ascii=False, indent=2))
        return
    typer.echo(answer.answer)
    for c in answer.citations:
        when = c.date or "undated"
        if c.date_inferred:
            when += f" (inferred from: {c.date_evidence})"
        typer.echo(f"[{c.n}] {c.title} — {c.source or 'unknown outlet'}, {when}  (article {c.article_id})")


@app.command()
def serve(
    index: IndexOpt = None,
    host: Annotated[str | None, typer.Option(help="Bind address (default 127.0.0.1).")] = None,
    port: Annotated[int | None, typer.Option(help="Port (default 8000).")] = None,
    corpus: Annotated[
        Path | None,
        typer.Option(help="Reports to index on first run if the index is empty (default: the bundled corpus/)."),
    ] = None,
) -> None:
    """Run the HTTP service (and the chat page at /), building the index on first run."""
    import uvicorn

    from .api.app import create_app
    from .embedding import EmbedderError
    from .pipeline import RagService
    from .store import IndexStoreError
    from .store.backends import has_index

    settings = _settings(index)
    if host:
        settings.host = host
    if port:
        settings.port = port
    _quiet_libraries()
    try:
        built = has_index(settings)
    except IndexStoreError as e:
        _fail(str(e))
    if not built:
        src = corpus or DEFAULT_CORPUS
        typer.echo(f"no index at {settings.index}: building it from {src} …", err=True)
        try:
            report, _ = run_ingest([src], settings)
        except (IndexStoreError, EmbedderError) as e:
            _fail(str(e))
        if report is None:
            _fail(f"nothing to index in {src}")
    try:
        service = RagService(settings)
    except (IndexStoreError, EmbedderError) as e:
        _fail(str(e))
    typer.echo(
        f"serving {settings.index} ({service.snapshot.manifest.articles} articles) on "
        f"http://{settings.host}:{settings.port}/",
        err=True,
    )
    uvicorn.run(create_app(settings, service), host=settings.host, port=settings.port, log_level="warning")


@app.command("eval")
def eval_(
    questions: Annotated[Path, typer.Argument(help="Question set (JSONL; schema in eval/README.md).")],
    index: IndexOpt = None,
    json_out: JsonOpt = False,
    limit: Annotated[int | None, typer.Option(min=1, help="Only the first N questions.")] = None,
    part: Annotated[
        str | None,
        typer.Option(help="Only the 'tune' or the 'report' half of the questions (rag/eval/splits.py)."),
    ] = None,
    out: Annotated[
        Path | None,
        typer.Option(
            "--out", help="Folder for results.json, report.md and plots (default: eval/out/<questions name>)."
        ),
    ] = None,
    ablations: Annotated[
        bool, typer.Option(help="Also score keyword-only, dense-only and hybrid retrieval, with and without as_of.")
    ] = True,
) -> None:
    """Score retrieval, answers and citations on a question set (through the same path as /ask)."""
    from .embedding import EmbedderError
    from .eval import EvalConfig, QuestionFileError, load_questions, run_eval
    from .eval.report import headline, retrieval_table, write_outputs
    from .eval.splits import PARTS, select
    from .pipeline import RagService
    from .store import IndexStoreError

    if part is not None and part not in PARTS:
        _fail(f"--part must be one of {', '.join(PARTS)}, got {part!r}", 2)
    try:
        qs = load_questions(questions)
    except QuestionFileError as e:
        _fail(str(e), 2)
    qs = select(qs, part)[:limit]  # type: ignore[arg-type]
    settings = _settings(index)
    out_dir = out or Path("eval") / "out" / questions.stem
    _quiet_libraries()
    try:
        service = RagService(settings)
    except (IndexStoreError, EmbedderError) as e:
        _fail(str(e))

    progress = None
    if not json_out:
        from tqdm import tqdm

        def progress(total: int, desc: str):
            return tqdm(total=total, desc=desc, unit="q", file=sys.stderr)

    results = run_eval(service, qs, EvalConfig(ablations=ablations), progress=progress)
    try:
        paths = write_outputs(results, out_dir, questions_path=str(questions), index_path=str(settings.index))
    except OSError as e:
        _fail(f"cannot write {out_dir}: {e.strerror or type(e).__name__}")
    if json_out:
        summary = {k: v for k, v in results.items() if k != "questions"}
        typer.echo(json.dumps({**summary, "outputs": paths}, ensure_ascii=False))
        return
    typer.echo("\n".join(retrieval_table(results)))
    typer.echo("\n".join(headline(results)))
    typer.echo(f"report: {paths['report']}")


def _parse_fields(pairs: list[str]) -> dict[str, str]:
    fields = {}
    for f in pairs:
        if "=" not in f:
            _fail(f"--field wants NAME=COLUMN, got {f!r}", 2)
        k, v = f.split("=", 1)
        fields[k.strip()] = v.strip()
    return fields


def _parse_worker(text: str) -> tuple[int, int]:
    try:
        i, n = (int(x) for x in text.split("/"))
    except ValueError:
        _fail(f"--worker wants I/N (e.g. 0/4), got {text!r}", 2)
    if not (n >= 1 and 0 <= i < n):
        _fail(f"--worker {text}: I must be in 0..N-1", 2)
    return i, n


@app.command("migrate-to-qdrant")
def migrate_to_qdrant(
    index: IndexOpt = None,
    collection: Annotated[
        str | None, typer.Option(help="Collection name prefix (default: $RAG_QDRANT_COLLECTION, else the folder name).")
    ] = None,
    json_out: JsonOpt = False,
    progress: Annotated[bool, typer.Option(help="Show a progress bar.")] = True,
) -> None:
    """Copy a FAISS index into Qdrant ($RAG_QDRANT_URL or $RAG_QDRANT_PATH) without embedding anything."""
    from .store import IndexStoreError
    from .store.backends import qdrant_target
    from .store.qdrant.migrate import migrate_to_qdrant as migrate

    settings = _settings(index)
    if collection:
        settings.qdrant_collection = collection
    if not (settings.qdrant_url or settings.qdrant_path):
        _fail("set RAG_QDRANT_URL (a server) or RAG_QDRANT_PATH (local mode) to say where to copy to", 2)
    bar_factory = None
    if progress and not json_out:
        from tqdm import tqdm

        def bar_factory(total: int):
            return tqdm(total=total, desc="copying", unit="article", file=sys.stderr)

    try:
        report = migrate(settings.index, qdrant_target(settings), progress=bar_factory)
    except IndexStoreError as e:
        _fail(str(e))
    d = report.to_dict()
    if json_out:
        typer.echo(json.dumps(d))
    else:
        typer.echo(
            f"copied {d['articles']} articles ({d['chunks']} chunks, {d['sentences']} sentence vectors; "
            f"{d['skipped']} already there) into {d['collection']}_* {d['version']}; embedded nothing"
        )


def main() -> None:
    try:
        app()
    except KeyboardInterrupt:
        sys.exit(130)


if __name__ == "__main__":
    main()
