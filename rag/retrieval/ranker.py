"""The learned ranking stage: a logistic regression over ``features.FEATURES``, evaluated with numpy.

``eval/train_ranker.py`` fits it with scikit-learn on the ``tune`` part of the dev questions and
writes ``ranker.json`` beside this file (feature names, standardisation, coefficients, and the
figures it got). Serving needs only numpy: no scikit-learn import in the service. Features
describe a question-passage pair, never a passage id, so nothing about a particular report or
question can be memorised.

Date evidence stays outside the model: retrieval's window and recency bonuses (see hybrid.py) are
added to the model's log-odds, scaled by ``date_scale`` (fitted on the tune part with ``as_of``).
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from ..embedding import MINILM_ID
from ..models import Passage
from .features import FEATURES, IdfOf, passage_features, passage_stems
from .query import parse_query

DEFAULT_WEIGHTS = Path(__file__).with_name("ranker.json")  # fitted on all-MiniLM-L6-v2's cosines


def weights_path(model_id: str) -> Path:
    """Where the weights fitted on this embedding model's cosines belong: ``ranker.json`` for MiniLM,
    ``ranker-<model>.json`` for another (the features' scales depend on the model that embedded the index)."""
    return DEFAULT_WEIGHTS if model_id == MINILM_ID else Path(__file__).with_name(f"ranker-{model_id}.json")


def weights_for(model_id: str) -> Path:
    """The shipped weights for this model if there are any, else the MiniLM ones."""
    own = weights_path(model_id)
    return own if own.is_file() else DEFAULT_WEIGHTS


class RankerError(ValueError):
    """A weights file that cannot be used (one line: which file and why)."""


@dataclass(frozen=True, slots=True)
class LinearModel:
    features: tuple[str, ...]
    mean: np.ndarray
    scale: np.ndarray
    coef: np.ndarray
    intercept: float
    date_scale: float = 1.0

    def decision(self, x: np.ndarray) -> np.ndarray:
        """Log-odds that each row is the report that answers the question."""
        return ((x - self.mean) / self.scale) @ self.coef + self.intercept

    def to_dict(self) -> dict:
        return {
            "model": "logistic_regression",
            "features": list(self.features),
            "mean": [round(float(v), 6) for v in self.mean],
            "scale": [round(float(v), 6) for v in self.scale],
            "coef": [round(float(v), 6) for v in self.coef],
            "intercept": round(float(self.intercept), 6),
            "date_scale": round(float(self.date_scale), 4),
        }

    @classmethod
    def from_dict(cls, d: dict, where: str = "ranker weights") -> LinearModel:
        try:
            feats = tuple(d["features"])
            arrays = [np.asarray(d[k], dtype=np.float32) for k in ("mean", "scale", "coef")]
            intercept, date_scale = float(d["intercept"]), float(d.get("date_scale", 1.0))
        except (KeyError, TypeError, ValueError) as e:
            raise RankerError(f"{where}: missing or malformed field ({e})") from e
        if feats != FEATURES:
            raise RankerError(f"{where}: trained on features {list(feats)}, this code computes {list(FEATURES)}")
        if any(a.shape != (len(FEATURES),) for a in arrays) or not np.all(arrays[1] > 0):
            raise RankerError(f"{where}: mean/scale/coef must be {len(FEATURES)} numbers (scale > 0)")
        return cls(feats, arrays[0], arrays[1], arrays[2], intercept, date_scale)


def load_model(path: Path | str = DEFAULT_WEIGHTS) -> LinearModel:
    path = Path(path)
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, json.JSONDecodeError) as e:
        raise RankerError(f"{path}: cannot read ranker weights ({e})") from e
    return LinearModel.from_dict(data, where=str(path))


class LearnedRanker:
    """``Reranker``: score ← model log-odds + date_scale × (window + recency bonus)."""

    def __init__(self, model: LinearModel, idf_of: IdfOf | None = None, depth: int = 50, cache_size: int = 50_000):
        self.model = model
        self.idf_of = idf_of
        self.depth = depth
        self.cache_size = cache_size
        # chunk id -> stems; chunks never change within one index version (a ranker lives in one)
        self._stems: dict[int, frozenset[str]] = {}

    def _stems_of(self, p: Passage) -> frozenset[str]:
        found = self._stems.get(p.chunk_id)
        if found is None:
            if len(self._stems) >= self.cache_size:
                self._stems.clear()
            found = self._stems[p.chunk_id] = passage_stems(p)
        return found

    def rerank(self, question: str, passages: Sequence[Passage]) -> list[Passage]:
        if not passages:
            return []
        x = passage_features(parse_query(question), passages, self.idf_of, self.depth, self._stems_of)
        logits = self.model.decision(x)
        for p, s in zip(passages, logits):
            p.scores["ranker"] = float(s)
            hint = p.scores.get("window", 0.0) + p.scores.get("recency", 0.0) + p.scores.get("outlet", 0.0)
            p.score = float(s) + self.model.date_scale * hint
        return sorted(passages, key=lambda p: -p.score)
