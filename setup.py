"""Packaging glue that pyproject.toml cannot express: the chat page (``web/``) and the bundled
reports (``corpus/``) stay at the repository root and ship inside the package as ``rag.web`` and
``rag.corpus`` (found at run time by ``rag/resources.py``). Every subfolder is listed as a package
so that no file is left out and setuptools has nothing to warn about."""

from pathlib import Path

from setuptools import find_namespace_packages, setup

ROOT = Path(__file__).resolve().parent
DATA_FOLDERS = {"rag.web": "web", "rag.corpus": "corpus"}


def data_packages(package: str, folder: str) -> list[str]:
    base = ROOT / folder
    subdirs = sorted(d for d in base.rglob("*") if d.is_dir() and not d.name.startswith((".", "__")))
    return [package] + [".".join([package, *d.relative_to(base).parts]) for d in subdirs]


code = find_namespace_packages(include=["rag", "rag.*"], exclude=["*.__pycache__"])
data = [p for package, folder in DATA_FOLDERS.items() for p in data_packages(package, folder)]
setup(
    packages=code + data,
    package_dir=DATA_FOLDERS,
    package_data={**{p: ["*"] for p in data}, "rag.api.static": ["*"], "rag.retrieval": ["*.json"]},
)
