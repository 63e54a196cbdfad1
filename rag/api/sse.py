"""An answer as Server-Sent Events (``POST /ask`` with ``Accept: text/event-stream``, ``/ask/stream``)."""

from __future__ import annotations

import itertools
from collections.abc import Iterator

from fastapi.responses import StreamingResponse

from ..models import Answer
from ..pipeline import AskRequest, RagService
from .generative_sse import sse, sse_generative, statement_events


def _statement_events(answer: Answer, cites: dict[int, dict]) -> Iterator[str]:
    sent: set[int] = set()
    for i, st in enumerate(answer.statements):
        yield from statement_events(i, st, cites, sent)


def sse_events(answer: Answer) -> Iterator[str]:
    """The same answer as /ask, as events.

    ``sources`` (the passages) first; then per statement: ``answer`` text deltas (their concatenation
    is exactly the ``answer`` field), a ``citation`` the first time each marker is reached, and
    ``statement`` (the structured statement with its index); finally ``done`` with the abstained flag,
    timings, the rewritten question and ``result``: the whole ``/ask`` object but its passages."""
    out = answer.to_dict()
    yield sse("sources", {"passages": out["passages"]})
    yield from _statement_events(answer, {c["n"]: c for c in out["citations"]})
    result = {k: v for k, v in out.items() if k != "passages"}
    done = {
        "abstained": out["abstained"],
        "timings_ms": out["timings_ms"],
        "rewritten_question": out["rewritten_question"],
        "result": result,
    }
    yield sse("done", done)


def event_stream(service: RagService, req: AskRequest) -> StreamingResponse:
    """SSE for /ask: a generated answer streams its verified sentences as they come; retrieval runs
    before the response starts, so its errors are still HTTP errors."""
    if service.generates(req):
        events = service.ask_stream(req)
        first = next(events)
        body = sse_generative(itertools.chain([first], events))
    else:
        body = sse_events(service.ask(req))
    return StreamingResponse(body, media_type="text/event-stream", headers={"Cache-Control": "no-cache"})
