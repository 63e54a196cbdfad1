"""The frozen tune / report split of every dev question set.

Anything tuned (weights, thresholds, learned rankers) is fitted on the ``tune`` part and its
figures are reported on the ``report`` part, which nothing was fitted on. The split is a pure
function of the question's id (sha1, no seed, no file order), so it never moves when a
question file is rebuilt, filtered or truncated, and a filtered re-ask (``<id>:filtered``) falls
in the same part as its original.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from typing import Literal, TypeVar

Part = Literal["tune", "report"]
PARTS: tuple[Part, ...] = ("tune", "report")
T = TypeVar("T")


def base_id(question_id: str) -> str:
    """The id a derived question (``X:filtered``, ``X#turn2``) shares with its original."""
    for sep in (":", "#"):
        question_id = question_id.split(sep, 1)[0]
    return question_id


def split_of(question_id: str) -> Part:
    """``tune`` for half of the ids, ``report`` for the other half."""
    h = hashlib.sha1(base_id(question_id).encode("utf-8")).digest()
    return "tune" if h[0] % 2 == 0 else "report"


def select(items: Iterable[T], part: Part | None, key=lambda q: q.id) -> list[T]:
    """The items in ``part`` (all of them for None)."""
    return [q for q in items if part is None or split_of(key(q)) == part]
