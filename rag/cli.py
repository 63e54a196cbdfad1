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
from typing import Annotated, Any, NoReturn

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


def default_corpus() -> Path | None:
    """The bundled reports: ``corpus/`` of a checkout, or the copy an installed package carries."""
    from .resources import bundled_dir

    return bundled_dir("corpus", "seed")


def _settings(index: Path | None) -> Settings:
    """The settings from RAG_* variables; a bad one is a one-line error naming the variable (exit 2)."""
    from pydantic import ValidationError

    try:
        s = Settings()
    except ValidationError as e:
        err = e.errors()[0]
        name = "RAG_" + "_".join(str(x) for x in err["loc"]).upper()
        _fail(f"{name}: {err['msg'].lower()} (got {err.get('input')!r})", 2)
    if index is not None:
        s.index = index
    return s


def _fail(msg: str, code: int = 1) -> NoReturn:
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
    """Read, then ingest: shared by `rag ingest`, `rag delete` and `rag serve` (first run).

    Returns ``(report, skipped, notes)``; the report is None when nothing could be read.
    ``worker=(i, n)`` keeps only this worker's share of the articles (``rag ingest --worker i/n``)."""
    from .embedding import LazyEmbedder
    from .ingest import ingest
    from .store.backends import backend_name, writer_factory

    articles, skipped, notes = _read_all(paths, settings, fmt, fields, id_prefix, worker)
    if not articles and not delete_ids:
        return None, skipped, notes
    _quiet_libraries()
    embedder = LazyEmbedder(settings.embedding_model, settings.embed_batch_size, settings.embed_precision)
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
        sentence_mode=settings.sentence_vectors,
        batch_size=settings.embed_batch_size,
        keep_versions=settings.keep_versions,
        skipped=skipped,
        delete_ids=delete_ids or (),
        progress=bar_factory,
        open_writer=writer_factory(settings),
    )
    # a server merges in the background; a lone `rag ingest` does it here (Qdrant merges on its own)
    if report.version is not None and backend_name(settings) == "faiss":
        from .store import MergePolicy, compact

        compact(
            settings.index,
            settings.faiss_factory,
            MergePolicy(max_segments=settings.max_segments, dead_ratio=settings.merge_dead_ratio),
            settings.keep_versions,
        )
    return report, skipped, notes


def _read_all(paths, settings: Settings, fmt, fields, id_prefix: str, worker):
    """Every article of ``paths`` (this worker's share), read with the settings' profile."""
    from .readers import read_path
    from .store.backends import worker_share

    articles, skipped, notes = [], [], []
    for p in paths:
        res = read_path(p, fmt=fmt, fields=fields, id_prefix=id_prefix, profile=settings.profile)
        articles += res.articles
        skipped += res.skipped
        notes += res.notes
    if worker is not None:
        articles = [a for a in articles if worker_share(a.id, worker[1]) == worker[0]]
    return articles, skipped, notes


def _parse_fields(field: list[str] | None) -> dict[str, str] | None:
    fields = {}
    for f in field or []:
        if "=" not in f:
            _fail(f"--field wants NAME=COLUMN, got {f!r}", 2)
        k, v = f.split("=", 1)
        fields[k.strip()] = v.strip()
    return fields or None


def _print_ingest(d: dict, index: Path, json_out: bool) -> None:
    if json_out:
        typer.echo(json.dumps(d, ensure_ascii=False))
        return
    for s in d["skipped"]:
        typer.echo(f"skipped {s['where']}: {s['reason']}", err=True)
    for n in d["notes"]:
        typer.echo(f"note {n['where']}: {n['reason']}", err=True)
    typer.echo(
        f"added {d['added']}, updated {d['updated']}, unchanged {d['unchanged']}, "
        f"skipped {len(d['skipped'])}; embedded {d['chunks_embedded']} chunks "
        f"(reused {d['chunks_reused']}) and {d.get('sentences_embedded', 0)} sentence vectors "
        f"({d.get('sentences_pooled', 0)} from chunk passes) → {index} {d['version']}"
    )


@app.command()
def ingest(
    paths: Annotated[list[Path], typer.Argument(help="Files or directories of reports.")],
    index: IndexOpt = None,
    json_out: JsonOpt = False,
    fmt: Annotated[
        str | None, typer.Option("--format", help="seed|jsonl|csv|markdown|html (default: by extension)")
    ] = None,
    field: Annotated[
        list[str] | None,
        typer.Option("--field", help="Read a field from another column, e.g. --field text=story (or body=story)"),
    ] = None,
    id_prefix: Annotated[str, typer.Option(help="Prefix for article ids from these files.")] = "",
    progress: Annotated[bool, typer.Option(help="Show a progress bar.")] = True,
    worker: Annotated[
        str | None, typer.Option(help="I/N: only worker I's share (0..N-1) of N (docs/qdrant.md).")
    ] = None,
    profile: Annotated[
        str | None, typer.Option(help="Corpus rules: auto (default), general or syria-iraq (docs: RAG_PROFILE).")
    ] = None,
) -> None:
    """Add or update reports in the index (unchanged ones cost nothing)."""
    from .embedding import EmbedderError
    from .readers import get_profile
    from .store import IndexStoreError

    fields = _parse_fields(field)
    settings = _settings(index)
    if profile is not None:
        try:
            settings = settings.model_copy(update={"profile": get_profile(profile).name})
        except ValueError as e:
            _fail(str(e), 2)
    share, show = (_parse_worker(worker) if worker else None), progress and not json_out
    try:
        report, skipped, notes = run_ingest(
            paths, settings, fmt=fmt, fields=fields, id_prefix=id_prefix, progress=show, worker=share
        )
    except ValueError as e:
        _fail(str(e), 2)
    except (IndexStoreError, EmbedderError) as e:
        _fail(str(e))
    if report is None:
        empty = {"added": 0, "updated": 0, "unchanged": 0, "chunks_embedded": 0}
        if json_out:
            typer.echo(json.dumps({**empty, "skipped": [s.to_dict() for s in skipped], "notes": []}))
        for s in skipped:
            typer.echo(f"skipped {s.where}: {s.reason}", err=True)
        _fail("nothing could be ingested")
    _print_ingest({**report.to_dict(), "notes": [n.to_dict() for n in notes]}, settings.index, json_out)


@app.command()
def delete(
    ids: Annotated[list[str], typer.Argument(help="Article ids.")], index: IndexOpt = None, json_out: JsonOpt = False
) -> None:
    """Remove articles (and their chunks) from the index."""
    from .embedding import EmbedderError
    from .store import IndexStoreError

    settings = _settings(index)
    try:
        report, _, _ = run_ingest([], settings, delete_ids=ids, progress=False)
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


def _mb(n: int) -> str:
    return f"{n / 1e6:.1f} MB"


def _leftovers(root: Path, repair: bool) -> None:
    """Report (or, with ``repair``, remove) what interrupted ingests left in the index folder."""
    from .store.leftovers import find_leftovers, remove_leftovers

    if repair:
        removed = remove_leftovers(root)
        if removed is None:
            _fail(f"an ingest is running on {root}: not repairing now (its files are in use)")
        for item in removed or []:
            typer.echo(f"removed {item.path.relative_to(root)} ({_mb(item.size)}): {item.what}", err=True)
        return
    found = find_leftovers(root)
    for item in found:
        typer.echo(f"leftover {item.path.relative_to(root)} ({_mb(item.size)}): {item.what}", err=True)
    if found:
        total = _mb(sum(i.size for i in found))
        typer.echo(
            f"warning: {len(found)} leftover(s), {total}, never read; `rag check --repair` removes them "
            "(the next ingest also does)",
            err=True,
        )


@app.command()
def check(
    index: IndexOpt = None,
    repair: Annotated[
        bool, typer.Option("--repair", help="Remove what interrupted ingests or merges left behind.")
    ] = False,
) -> None:
    """Verify an index (segment checksums, SQLite integrity, counts) and report leftovers of
    interrupted ingests; --repair removes them."""
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
    _leftovers(settings.index, repair)
    typer.echo(f"ok: {settings.index} {manifest.version} ({manifest.articles} articles, {manifest.chunks} chunks)")


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
    _print_sources(answer.citations)


def _print_sources(citations) -> None:
    """One line per cited report; a second quote from the same report points back to the first."""
    first: dict[str, int] = {}
    for c in citations:
        if c.article_id in first:
            typer.echo(f"[{c.n}] the same report as [{first[c.article_id]}]")
            continue
        first[c.article_id] = c.n
        when = c.date or "undated"
        if c.date_inferred:
            when += f" (inferred from: {c.date_evidence})"
        outlet = f" — {c.source}," if c.source else ","
        typer.echo(f"[{c.n}] {c.title}{outlet} {when}  (article {c.article_id})")


def _build_first_index(settings: Settings, corpus: Path | None) -> None:
    """Index ``corpus`` (default: the bundled reports) when the index folder has no version yet."""
    from .embedding import EmbedderError
    from .store import IndexStoreError
    from .store.backends import has_index

    try:
        if has_index(settings):
            return
    except IndexStoreError as e:
        _fail(str(e))
    src = corpus or default_corpus()
    if src is None:
        _fail(f"no index at {settings.index} and no bundled corpus to build it from: pass --corpus")
    typer.echo(f"no index at {settings.index}: building it from {src} …", err=True)
    try:
        report, _, _ = run_ingest([src], settings)
    except (IndexStoreError, EmbedderError) as e:
        _fail(str(e))
    if report is None:
        _fail(f"nothing to index in {src}")


@app.command()
def serve(
    index: IndexOpt = None,
    host: Annotated[str | None, typer.Option(help="Bind address (default 127.0.0.1).")] = None,
    port: Annotated[int | None, typer.Option(help="Port (default 8000).")] = None,
    corpus: Annotated[
        Path | None,
        typer.Option(help="Reports to index on first run if the index is empty (default: the bundled corpus/)."),
    ] = None,
    workers: Annotated[
        int | None,
        typer.Option(min=1, max=64, help="Worker processes sharing the index (default RAG_WORKERS or 1)."),
    ] = None,
) -> None:
    """Run the HTTP service (and the chat page at /), building the index on first run."""
    import uvicorn

    from .api.app import create_app
    from .embedding import EmbedderError
    from .pipeline import RagService
    from .store import IndexStoreError

    settings = _settings(index)
    if host:
        settings.host = host
    if port:
        settings.port = port
    _quiet_libraries()
    _build_first_index(settings, corpus)
    try:
        service = RagService(settings)
    except (IndexStoreError, EmbedderError) as e:
        _fail(str(e))
    n_workers = workers or settings.workers
    typer.echo(
        f"serving {settings.index} ({service.snapshot.manifest.articles} articles) on "
        f"http://{settings.host}:{settings.port}/" + (f" with {n_workers} worker processes" if n_workers > 1 else ""),
        err=True,
    )
    # proxy headers are the app's business (RAG_FORWARDED_ALLOW_IPS), not uvicorn's default of 127.0.0.1
    quiet: dict[str, Any] = {"log_level": "warning", "proxy_headers": False, "server_header": False}
    if n_workers > 1:
        # Each worker process builds its own service from the same settings (passed as RAG_* variables);
        # the index is shared on disk, and every worker's watcher picks up what any one of them ingests.
        service.close()
        os.environ.update(_settings_env(settings))
        uvicorn.run(
            "rag.cli:worker_app", factory=True, workers=n_workers, host=settings.host, port=settings.port, **quiet
        )
        return
    uvicorn.run(create_app(settings, service), host=settings.host, port=settings.port, **quiet)


def _question_bar(total: int, desc: str):
    from tqdm import tqdm

    return tqdm(total=total, desc=desc, unit="q", file=sys.stderr)


def _settings_env(settings) -> dict[str, str]:
    """The settings as the RAG_* variables a worker process reads them from."""
    out = {}
    for name, value in settings.model_dump().items():
        if value is None:
            continue
        out[f"RAG_{name.upper()}"] = json.dumps(value) if isinstance(value, list | dict) else str(value)
    return out


def worker_app():
    """The app of one `rag serve --workers N` worker process (uvicorn calls this in each)."""
    from .api.app import create_app
    from .pipeline import RagService
    from .settings import Settings

    _quiet_libraries()
    settings = Settings()
    return create_app(settings, RagService(settings))


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
    qs = select(qs, part)[:limit]
    settings = _settings(index)
    out_dir = out or Path("eval") / "out" / questions.stem
    _quiet_libraries()
    try:
        service = RagService(settings)
    except (IndexStoreError, EmbedderError) as e:
        _fail(str(e))

    progress = None if json_out else _question_bar
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
