"""Server-Sent Events for a generated answer: only verified sentences are ever sent.

The events and their order are those of the extractive stream (``sse_events`` in sse.py): ``sources``
first; per statement ``answer`` text deltas, a ``citation`` the first time each marker is reached
and ``statement``; then ``done`` with the whole ``/ask`` result (less its passages). Statements come
as the model finishes each sentence and it passes verification; a removed sentence is never sent
(it is listed in ``done.result.removed``). If the model gives nothing usable, the extractive
answer's statements follow ``sources`` instead, and ``done.result.note`` says why.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Iterator

from ..generation import Final, GenEvent, Released, Sources
from ..models import Statement

_MARKER = re.compile(r"(\[\d+\])")


def sse(event: str, data) -> str:
    """One Server-Sent Event."""
    return f"event: {event}\ndata: {json.dumps(data, ensure_ascii=False)}\n\n"


def statement_events(index: int, st: Statement, cites: dict[int, dict], sent: set[int]) -> Iterator[str]:
    """``answer`` deltas (joined they are the statement as rendered in ``answer``), ``citation`` events
    as markers are reached, then the ``statement`` itself."""
    text = ("\n" if st.paragraph else " ") + st.rendered() if index else st.rendered()
    for piece in _MARKER.split(text):
        for word in re.findall(r"\S+\s*|\s+", piece):
            yield sse("answer", {"delta": word})
        if _MARKER.fullmatch(piece) and (n := int(piece[1:-1])) in cites and n not in sent:
            sent.add(n)
            yield sse("citation", cites[n])
    yield sse("statement", {"index": index, **st.to_dict()})


def sse_generative(events: Iterable[GenEvent]) -> Iterator[str]:
    cites: dict[int, dict] = {}
    sent: set[int] = set()
    for event in events:
        if isinstance(event, Sources):
            yield sse("sources", {"passages": [p.to_dict() for p in event.passages]})
        elif isinstance(event, Released):
            cites.update({c.n: c.to_dict() for c in event.citations})
            yield from statement_events(event.index, event.statement, cites, sent)
        elif isinstance(event, Final):
            out = event.answer.to_dict()
            cites.update({c["n"]: c for c in out["citations"]})
            for i, st in enumerate(event.answer.statements[event.released :], start=event.released):
                yield from statement_events(i, st, cites, sent)
            yield _done(out)


def _done(out: dict) -> str:
    result = {k: v for k, v in out.items() if k != "passages"}
    return sse(
        "done",
        {
            "abstained": out["abstained"],
            "timings_ms": out["timings_ms"],
            "rewritten_question": out["rewritten_question"],
            "result": result,
        },
    )
