"""Writes before reads: query threads lower their own CPU priority, the write thread never does."""

from __future__ import annotations

import sys
import threading

import pytest

from rag.priority import WriteThread, lower_this_thread, thread_niceness

linux = pytest.mark.skipif(not sys.platform.startswith("linux"), reason="nice values are per thread on Linux only")


def _in_thread(fn):
    out = []
    t = threading.Thread(target=lambda: out.append(fn()))
    t.start()
    t.join()
    return out[0]


@linux
def test_a_query_thread_lowers_itself_once_and_nobody_else():
    base = thread_niceness()

    def query_thread():
        lower_this_thread(3)
        lower_this_thread(3)  # once per thread: a pooled thread does not sink further with each query
        return thread_niceness()

    assert _in_thread(query_thread) == min(19, base + 3)
    assert thread_niceness() == base
    assert _in_thread(lambda: (lower_this_thread(0), thread_niceness())[1]) == base  # 0: off


@linux
def test_the_write_thread_keeps_its_priority():
    base = thread_niceness()
    writes = WriteThread()
    try:
        _in_thread(lambda: lower_this_thread(5))
        assert writes.run(thread_niceness) == base
        assert writes.run(lambda a, b=0: a + b, 2, b=3) == 5
    finally:
        writes.close()


@linux
def test_a_question_embedded_in_the_background_runs_at_the_askers_priority():
    """The hybrid search embeds on a pool thread while its own thread runs the keyword search: that
    pool thread must not outrank an ingest on behalf of a lowered query thread."""
    import numpy as np

    from rag.retrieval.hybrid import embed_in_background

    class Recording:
        model_id, dim = "fake", 2

        def embed(self, texts):
            return np.array([[float(len(texts[0])), float(thread_niceness())]], dtype=np.float32)

    base = thread_niceness()
    assert embed_in_background(Recording(), "warm").result()[1] == base  # a pool thread started at full priority …

    def query_thread():
        lower_this_thread(4)
        return embed_in_background(Recording(), "abc").result()  # … is reused, and steps back for this one

    vec = _in_thread(query_thread)
    assert vec[0] == 3.0  # the question's own vector
    assert vec[1] == min(19, base + 4) and vec[1] > base


@linux
@pytest.mark.slow
def test_service_queries_step_back_and_its_writes_do_not(seed_service):
    from rag.pipeline import AskRequest

    base = thread_niceness()
    lowered = _in_thread(lambda: (seed_service.ask(AskRequest("How many rebels left Darayya?")), thread_niceness())[1])
    assert lowered == min(19, base + seed_service.settings.query_niceness) and lowered > base
    assert seed_service.run_write(thread_niceness) == base


@pytest.mark.slow
def test_query_slots_bound_the_queries_computed_at_once(seed_index, embedder, monkeypatch):
    import time

    from rag.pipeline import AskRequest, RagService
    from rag.settings import Settings

    service = RagService(Settings(index=seed_index, query_slots=1), embedder=embedder, watch=False)
    inside, most = [0], [0]
    real = service._retrieve

    def slow_retrieve(*args):
        inside[0] += 1
        most[0] = max(most[0], inside[0])
        time.sleep(0.2)
        inside[0] -= 1
        return real(*args)

    monkeypatch.setattr(service, "_retrieve", slow_retrieve)
    threads = [
        threading.Thread(target=service.ask, args=(AskRequest("How many rebels left Darayya?"),)) for _ in range(4)
    ]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    service.close()
    assert most[0] == 1
