"""House rules the code keeps (issue 13), checked on the source itself."""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PACKAGE = ROOT / "rag"


def _modules():
    for path in sorted(PACKAGE.rglob("*.py")):
        yield path, ast.parse(path.read_text(encoding="utf-8"))


def test_no_function_over_60_lines():
    long = [
        f"{path.relative_to(ROOT)}:{node.lineno} {node.name} ({node.end_lineno - node.lineno + 1} lines)"
        for path, tree in _modules()
        for node in ast.walk(tree)
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)) and node.end_lineno - node.lineno + 1 > 60
    ]
    assert long == []


def _imports(tree: ast.Module, path: Path) -> set[str]:
    """Absolute names of the rag modules a file imports (relative imports resolved)."""
    package = ".".join(path.relative_to(ROOT).with_suffix("").parts[:-1])
    out = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom):
            base = package.split(".")[: len(package.split(".")) - node.level + 1] if node.level else []
            out.add(".".join([*base, *(node.module.split(".") if node.module else [])]))
        elif isinstance(node, ast.Import):
            out.update(a.name for a in node.names)
    return {m for m in out if m == "rag" or m.startswith("rag.")}


# Lower layers never import higher ones: corpus → index → retrieval → answer → API / CLI.
LAYERS = [
    ("rag.readers", {"rag.retrieval", "rag.answering", "rag.generation", "rag.pipeline", "rag.api", "rag.cli"}),
    ("rag.store", {"rag.retrieval", "rag.answering", "rag.generation", "rag.pipeline", "rag.api", "rag.cli"}),
    ("rag.retrieval", {"rag.answering", "rag.generation", "rag.pipeline", "rag.api", "rag.cli"}),
    ("rag.answering", {"rag.pipeline", "rag.api", "rag.cli"}),
    ("rag.eval", {"rag.api", "rag.cli"}),
]


def test_no_layer_imports_a_layer_above_it():
    wrong = []
    for path, tree in _modules():
        name = ".".join(path.relative_to(ROOT).with_suffix("").parts)
        for layer, above in LAYERS:
            if name.startswith(layer):
                wrong += [f"{name} imports {m}" for m in _imports(tree, path) if any(m.startswith(a) for a in above)]
    assert wrong == []
