"""Writes before reads when the CPU is short: a thread that answers queries lowers its own CPU priority
(once, by ``RAG_QUERY_NICENESS``), and ingests run on a thread that never does.

Under 50 clients the two worker processes keep both cores busy with queries, and an ingest's embedding
(seconds of CPU per batch) got a fair share of one core: a batch took a minute to land. Linux sets the
nice value per thread, so the query threads can step back without privileges, while the write thread
(and the torch threads it starts for embedding) keep the normal priority. Elsewhere this is a no-op.
"""

from __future__ import annotations

import os
import sys
import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import TypeVar

T = TypeVar("T")
_state = threading.local()


def lower_this_thread(niceness: int) -> None:
    """Add ``niceness`` to this thread's nice value, once per thread (Linux only; errors ignored)."""
    if niceness <= 0 or getattr(_state, "lowered", False) or not sys.platform.startswith("linux"):
        return
    _state.lowered = True
    tid = threading.get_native_id()
    try:
        current = os.getpriority(os.PRIO_PROCESS, tid)
        os.setpriority(os.PRIO_PROCESS, tid, min(19, current + niceness))
    except OSError:
        pass


def set_thread_niceness(value: int) -> None:
    """Set this thread's nice value (Linux; raising it needs no privilege, lowering it may fail: ignored)."""
    if not sys.platform.startswith("linux"):
        return
    try:
        os.setpriority(os.PRIO_PROCESS, threading.get_native_id(), max(-20, min(19, value)))
    except OSError:
        pass


def thread_niceness() -> int | None:
    """This thread's nice value (Linux), for tests and diagnostics."""
    if not sys.platform.startswith("linux"):
        return None
    return os.getpriority(os.PRIO_PROCESS, threading.get_native_id())


class WriteThread:
    """One thread for writes: never lowered, so an ingest keeps its CPU share while queries wait."""

    def __init__(self) -> None:
        self._pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="rag-write")

    def run(self, fn: Callable[..., T], *args, **kwargs) -> T:
        return self._pool.submit(fn, *args, **kwargs).result()

    def close(self) -> None:
        self._pool.shutdown(wait=True)
