"""Files shipped with the package: the chat page (``web/``) and the bundled corpus (``corpus/``).

In a source checkout they sit at the repository root, beside ``rag/``; an installed wheel carries
them inside the package as ``rag/web`` and ``rag/corpus`` (``pyproject.toml`` maps the root folders
onto those names), found through ``importlib.resources``. A checkout has no ``rag/web``, so its
root folders are used there, and a developer's edits to ``web/`` are what ``rag serve`` shows.
"""

from __future__ import annotations

from importlib.resources import files
from pathlib import Path

_CHECKOUT = Path(__file__).resolve().parent.parent


def bundled_dir(name: str, marker: str) -> Path | None:
    """The folder ``name`` (``"web"`` or ``"corpus"``) that contains ``marker``, or None."""
    candidates = []
    installed = files("rag") / name
    if isinstance(installed, Path):  # a zipped install has no folder to serve from
        candidates.append(installed)
    candidates.append(_CHECKOUT / name)
    for c in candidates:
        if (c / marker).exists():
            return c
    return None
