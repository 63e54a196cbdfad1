"""The derived int8-dynamic question model: named by content, made once, clear errors."""

import sys

import pytest

from rag import query_model as Q


def test_the_cached_model_is_named_by_the_source_content(tmp_path):
    a, b = tmp_path / "a.onnx", tmp_path / "b.onnx"
    a.write_bytes(b"one model")
    b.write_bytes(b"another model")
    assert Q._content_key(a) == Q._content_key(a)
    assert Q._content_key(a) != Q._content_key(b)  # a new package release makes a new file


def test_an_existing_derived_model_is_reused_without_work(tmp_path, monkeypatch):
    src = tmp_path / "model.onnx"
    src.write_bytes(b"weights")
    cache = tmp_path / "cache"
    cache.mkdir()
    made = cache / f"model-int8-dynamic-{Q._content_key(src)}.onnx"
    made.write_bytes(b"derived")
    monkeypatch.setattr(Q, "_fold_weights", lambda *a: pytest.fail("derived again"))
    assert Q.dynamic_int8_model(src, cache) == made


def test_without_the_onnx_package_the_error_says_what_to_install(tmp_path, monkeypatch):
    src = tmp_path / "model.onnx"
    src.write_bytes(b"weights")
    monkeypatch.setitem(sys.modules, "onnxruntime.quantization", None)  # import fails as if not installed
    with pytest.raises(Q.QueryModelError, match="pip install onnx"):
        Q.dynamic_int8_model(src, tmp_path / "cache")
    assert not (tmp_path / "cache").exists()  # nothing half-written
