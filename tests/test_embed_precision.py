"""The document model's number format: bfloat16 where the CPU has AMX, fp32 elsewhere (rag/embed_precision.py)."""

from __future__ import annotations

import numpy as np
import pytest
from pydantic import ValidationError

from rag.embed_precision import computing_in, cpu_flags, resolve_precision
from rag.embedding import MINILM_ID, LazyEmbedder, load_embedder, make_embedder
from rag.settings import Settings

TEXTS = [
    "Air strikes hit a market in the town of Atareb on Monday, killing at least 53 people, a monitor said.",
    "The United Nations said 8,000 civilians and 800 rebels would leave Darayya under the deal.",
    "Who won the vote?",
]


def test_auto_is_bf16_only_where_the_cpu_has_amx():
    assert resolve_precision("auto", frozenset({"avx2", "amx_bf16", "amx_tile"})) == "bf16"
    assert resolve_precision("auto", frozenset({"avx2", "avx512f", "avx512_bf16"})) == "fp32"
    assert resolve_precision("auto", frozenset()) == "fp32"
    assert resolve_precision("fp32", frozenset({"amx_bf16"})) == "fp32"  # an explicit choice stands
    assert resolve_precision("bf16", frozenset()) == "bf16"
    with pytest.raises(ValueError, match="unknown embedding precision 'fp16'"):
        resolve_precision("fp16")


def test_cpu_flags_are_read_from_cpuinfo(tmp_path, monkeypatch):
    monkeypatch.setattr("sys.platform", "linux")
    info = tmp_path / "cpuinfo"
    info.write_text("processor\t: 0\nmodel name\t: Some CPU\nflags\t\t: fpu avx2 amx_bf16\n\nprocessor\t: 1\n")
    assert cpu_flags(info) == frozenset({"fpu", "avx2", "amx_bf16"})
    assert cpu_flags(tmp_path / "missing") == frozenset()


def test_bf16_context_makes_torch_compute_in_bfloat16():
    import torch

    layer = torch.nn.Linear(8, 8)
    x = torch.ones(2, 8)
    with computing_in("fp32"):
        assert layer(x).dtype == torch.float32
    with computing_in("bf16"):
        assert layer(x).dtype == torch.bfloat16
    assert layer(x).dtype == torch.float32  # only inside the context


def test_bf16_vectors_match_fp32_and_stay_float32(embedder):
    bf16 = make_embedder(MINILM_ID, precision="bf16")
    assert bf16.precision == "bf16" and embedder.precision == "fp32"
    a, b = embedder.embed(TEXTS), bf16.embed(TEXTS)
    assert b.dtype == np.float32 and b.shape == a.shape
    assert np.allclose(np.linalg.norm(b, axis=1), 1.0, atol=1e-4)
    assert (a * b).sum(axis=1).min() > 0.999
    # the pooled sentence vectors of the chunk pass too
    spans = [[(0, 63)], [(0, 20)], [(0, 8)]]
    (va, pa), (vb, pb) = embedder.embed_with_spans(TEXTS, spans), bf16.embed_with_spans(TEXTS, spans)
    assert (va * vb).sum(axis=1).min() > 0.999
    assert min(float(x[0] @ y[0]) for x, y in zip(pa, pb)) > 0.999


def test_the_setting_reaches_the_model_an_ingest_loads():
    assert Settings().embed_precision == "auto"
    assert Settings(embed_precision="bf16").embed_precision == "bf16"
    with pytest.raises(ValidationError, match="embed_precision"):
        Settings(embed_precision="fp16")
    lazy = LazyEmbedder(MINILM_ID, 32, "bf16")
    assert lazy._real() is load_embedder(MINILM_ID, 32, "bf16")
    assert lazy._real().precision == "bf16"
    assert load_embedder(MINILM_ID, 32, "auto").precision == resolve_precision("auto")


def test_auto_shares_the_model_of_the_precision_it_stands_for():
    resolved = resolve_precision("auto")
    assert load_embedder(MINILM_ID, 32, "auto") is load_embedder(MINILM_ID, 32, resolved)
