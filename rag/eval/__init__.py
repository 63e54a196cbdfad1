"""Offline evaluation: retrieval ranking, answer containment, citation grounding, abstention.

``rag eval QUESTIONS.jsonl`` runs it; the question schema and every metric are defined in
``eval/README.md``. The eval goes through ``RagService.ask`` — the same path as ``POST /ask``.
"""

from .metrics import (
    citation_problems,
    citation_quality,
    contains_answer,
    dedupe_articles,
    ndcg_at_k,
    normalize_answer,
    recall_at_k,
    reciprocal_rank,
    split_claims,
)
from .questions import EvalQuestion, QuestionFileError, load_questions
from .runner import EvalConfig, run_eval

__all__ = [
    "EvalConfig",
    "EvalQuestion",
    "QuestionFileError",
    "citation_problems",
    "citation_quality",
    "contains_answer",
    "dedupe_articles",
    "load_questions",
    "ndcg_at_k",
    "normalize_answer",
    "recall_at_k",
    "reciprocal_rank",
    "run_eval",
    "split_claims",
]
