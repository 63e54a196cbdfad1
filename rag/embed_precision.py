"""Which number format the document models compute in: fp32, or bfloat16 where the CPU has matrix units.

On a CPU with AMX (Intel Sapphire Rapids and later) torch's bfloat16 autocast runs MiniLM over
~200-token passages about 3x faster than fp32, and the vectors keep a cosine of 0.99998 to the fp32
ones (benchmarks/embed_precision.py). Without AMX, bfloat16 can be slower than fp32, so ``auto``
turns it on only where the CPU says it has AMX. Autocast keeps layer norms and softmax in fp32.
"""

from __future__ import annotations

import contextlib
import sys
from functools import lru_cache
from pathlib import Path

PRECISIONS = ("auto", "fp32", "bf16")


@lru_cache(maxsize=1)
def cpu_flags(cpuinfo: Path = Path("/proc/cpuinfo")) -> frozenset[str]:
    """The CPU feature flags Linux reports (empty elsewhere, or when unreadable)."""
    if not sys.platform.startswith("linux"):
        return frozenset()
    try:
        for line in cpuinfo.read_text(errors="replace").splitlines():
            if line.startswith("flags"):
                return frozenset(line.split(":", 1)[1].split())
    except OSError:
        pass
    return frozenset()


def resolve_precision(precision: str, flags: frozenset[str] | None = None) -> str:
    """'fp32' or 'bf16' for a setting of 'auto', 'fp32' or 'bf16'; 'auto' is bf16 only with AMX."""
    if precision not in PRECISIONS:
        raise ValueError(f"unknown embedding precision {precision!r}: use one of {', '.join(PRECISIONS)}")
    if precision != "auto":
        return precision
    return "bf16" if "amx_bf16" in (cpu_flags() if flags is None else flags) else "fp32"


def computing_in(precision: str):
    """A context in which a torch model computes in ``precision`` ('fp32' or 'bf16')."""
    if precision != "bf16":
        return contextlib.nullcontext()
    import torch

    return torch.autocast("cpu", dtype=torch.bfloat16)
