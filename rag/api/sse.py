"""An answer as Server-Sent Events (``POST /ask`` with ``Accept: text/event-stream``, ``/ask/stream``)."""

from __future__ import annotations

import itertools
import json
import re
from collections.abc import Iterator

from fastapi.responses import StreamingResponse

from ..models import Answer
from ..pipeline import AskRequest, RagService
from .generative_sse import sse_generative

_MARKER = re.compile(r"(\[\d+\])")


def _sse(event: str, data) -> str:
    return f"event: {event}\ndata: {json.dumps(data, ensure_ascii=False)}\n\n"


def _statement_events(answer: Answer, cites: dict[int, dict]) -> Iterator[str]:
    sent: set[int] = set()
    for i, st in enumerate(answer.statements):
        text = ("\n" if st.paragraph else " ") + st.rendered() if i else st.rendered()
        for piece in _MARKER.split(text):
            for word in re.findall(r"\S+\s*|\s+", piece):
                yield _sse("answer", {"delta": word})
            if _MARKER.fullmatch(piece) and (n := int(piece[1:-1])) in cites and n not in sent:
                sent.add(n)
                yield _sse("citation", cites[n])
        yield _sse("statement", {"index": i, **st.to_dict()})


def sse_events(answer: Answer) -> Iterator[str]:
    """The same answer as /ask, as events.

    ``sources`` (the passages) first; then per statement: ``answer`` text deltas (their concatenation
    is exactly the ``answer`` field), a ``citation`` the first time each marker is reached, and
    ``statement`` (the structured statement with its index); finally ``done`` with the abstained flag,
    timings, the rewritten question and ``result``: the whole ``/ask`` object but its passages."""
    out = answer.to_dict()
    yield _sse("sources", {"passages": out["passages"]})
    yield from _statement_events(answer, {c["n"]: c for c in out["citations"]})
    result = {k: v for k, v in out.items() if k != "passages"}
    done = {
        "abstained": out["abstained"],
        "timings_ms": out["timings_ms"],
        "rewritten_question": out["rewritten_question"],
        "result": result,
    }
    yield _sse("done", done)


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
