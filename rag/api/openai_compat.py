"""An OpenAI-compatible face: ``POST /v1/chat/completions`` (plain and ``"stream": true``), ``GET /v1/models``.

Chat front-ends and the official ``openai`` SDKs talk to us unchanged. The last user message is the
question and the earlier turns its history. The assistant message is our answer with ``[n]`` markers
and a short source list (title — outlet, date) at its end; the full citations go in an extra top-level
``citations`` field, with ``answer_mode``, ``note`` and ``removed`` beside it. Model ``rag-news``
answers generatively when an LLM is configured (extractively otherwise); ``rag-news-extractive``
always quotes. Streaming sends only verified sentences, like ``/ask``. Auth, size limits and rate
limits are those of ``/ask`` (``security.READ_PREFIXES`` holds ``/v1``).
"""

from __future__ import annotations

import json
import time
import uuid
from collections.abc import Iterator
from typing import Annotated, Literal

from fastapi import APIRouter, Depends, HTTPException
from fastapi.responses import StreamingResponse
from pydantic import BaseModel, ConfigDict, Field

from ..generation import Final, GenEvent, Released
from ..models import Answer, Citation, Statement, day_label
from ..pipeline import AskRequest, RagService
from .deps import get_service
from .schemas import ErrorOut

MODEL_ID = "rag-news"
EXTRACTIVE_ID = "rag-news-extractive"
MAX_QUESTION_CHARS = 2000
MAX_TURN_CHARS = 20000


class ChatMessageIn(BaseModel):
    model_config = ConfigDict(extra="allow")
    role: Literal["system", "developer", "user", "assistant", "tool", "function"]
    content: str | list[dict] | None = None


class ChatCompletionIn(BaseModel):
    """The OpenAI request; options we do not use (temperature, max_tokens, …) are accepted and ignored."""

    model_config = ConfigDict(extra="allow")
    model: str = MODEL_ID
    messages: list[ChatMessageIn] = Field(..., min_length=1, max_length=100)
    stream: bool = False
    generate: bool | None = Field(None, description="false: the extractive answer (like model rag-news-extractive).")
    top_k: int = Field(8, ge=1, le=50, description="Passages retrieved (a rag-news extension).")


def _text(content: str | list[dict] | None) -> str:
    """A message's text: a string, or the text parts of a content list (images and the like are skipped)."""
    if isinstance(content, str):
        return content
    parts = [p.get("text", "") for p in content or [] if isinstance(p, dict) and p.get("type") == "text"]
    return "\n".join(x for x in parts if isinstance(x, str))


def to_ask(body: ChatCompletionIn) -> AskRequest:
    """The last message is the question; earlier user/assistant turns are its history."""
    last = body.messages[-1]
    question = _text(last.content).strip()
    if last.role != "user" or not question:
        raise HTTPException(422, "messages: the last message must be the user's question, with text")
    if len(question) > MAX_QUESTION_CHARS:
        raise HTTPException(422, f"messages[-1].content: longer than {MAX_QUESTION_CHARS} characters")
    history = []
    for i, m in enumerate(body.messages[:-1]):
        if m.role in ("user", "assistant") and (text := _text(m.content).strip()):
            if len(text) > MAX_TURN_CHARS:
                raise HTTPException(422, f"messages[{i}].content: longer than {MAX_TURN_CHARS} characters")
            history.append({"role": m.role, "content": text})
    generate = False if body.model == EXTRACTIVE_ID else body.generate
    return AskRequest(question=question, top_k=body.top_k, history=history[-50:] or None, generate=generate)


def _date(c: Citation) -> str:
    d = day_label(c.date)
    return f"{d}, date inferred" if c.date and c.date_inferred else d


def sources_text(answer: Answer) -> str:
    """The closing lines of the message: an optional note, then one line per citation."""
    out = f"\n\n_{answer.note}_" if answer.note else ""
    if answer.citations:
        lines = [f"[{c.n}] {c.title}{' — ' + c.source if c.source else ''}, {_date(c)}" for c in answer.citations]
        out += "\n\nSources:\n" + "\n".join(lines)
    return out


def _extras(answer: Answer) -> dict:
    out = answer.to_dict()
    return {k: out[k] for k in ("citations", "answer_mode", "note", "removed", "abstained")}


def _piece(i: int, st: Statement) -> str:
    return (("\n" if st.paragraph else " ") if i else "") + st.rendered()


class _Chunks:
    """``chat.completion.chunk`` events for one streamed answer."""

    def __init__(self, model: str):
        self.id, self.model, self.created = f"chatcmpl-{uuid.uuid4().hex[:24]}", model, int(time.time())

    def chunk(self, delta: dict, finish: str | None = None, **extra) -> str:
        data = {
            "id": self.id,
            "object": "chat.completion.chunk",
            "created": self.created,
            "model": self.model,
            "choices": [{"index": 0, "delta": delta, "finish_reason": finish, "logprobs": None}],
            **extra,
        }
        return f"data: {json.dumps(data, ensure_ascii=False)}\n\n"

    def stream(self, events: Iterator[GenEvent]) -> Iterator[str]:
        yield self.chunk({"role": "assistant", "content": ""})
        for event in events:
            if isinstance(event, Released):
                yield self.chunk({"content": _piece(event.index, event.statement)})
            elif isinstance(event, Final):
                rest = event.answer.statements[event.released :]
                text = "".join(_piece(i, st) for i, st in enumerate(rest, start=event.released))
                yield self.chunk({"content": text + sources_text(event.answer)})
                yield self.chunk({}, "stop", **_extras(event.answer))
        yield "data: [DONE]\n\n"


router = APIRouter(prefix="/v1", tags=["openai-compatible"])
Service = Annotated[RagService, Depends(get_service)]
_ERRORS: dict[int | str, dict] = {code: {"model": ErrorOut} for code in (400, 422, 503)}


@router.get("/models")
def models() -> dict:
    """The two models: ``rag-news`` (generative when an LLM is configured) and ``rag-news-extractive``."""
    owned = {"object": "model", "created": 0, "owned_by": "rag-news"}
    return {"object": "list", "data": [{"id": MODEL_ID, **owned}, {"id": EXTRACTIVE_ID, **owned}]}


@router.post("/chat/completions", responses={**_ERRORS, 200: {"content": {"text/event-stream": {}}}})
def chat_completions(body: ChatCompletionIn, svc: Service):
    """The last user message is the question; the answer cites every sentence (``citations`` beside it)."""
    req = to_ask(body)
    if body.stream:
        if svc.generates(req):
            events = svc.ask_stream(req)
            next(events)  # the sources: retrieval runs now, so its errors are HTTP errors
        else:
            events = iter([Final(svc.ask(req), 0)])
        chunks = _Chunks(body.model).stream(events)
        return StreamingResponse(chunks, media_type="text/event-stream", headers={"Cache-Control": "no-cache"})
    return _completion(body.model, svc.ask(req))


def _completion(model: str, answer: Answer) -> dict:
    return {
        "id": f"chatcmpl-{uuid.uuid4().hex[:24]}",
        "object": "chat.completion",
        "created": int(time.time()),
        "model": model,
        "choices": [
            {
                "index": 0,
                "message": {"role": "assistant", "content": answer.answer + sources_text(answer)},
                "finish_reason": "stop",
                "logprobs": None,
            }
        ],
        "usage": {"prompt_tokens": 0, "completion_tokens": 0, "total_tokens": 0},
        **_extras(answer),
    }
