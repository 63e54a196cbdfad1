"""Generative answers through the user's own LLM, verified sentence by sentence.

``client`` talks to any OpenAI-compatible chat API; ``prompt`` numbers the retrieved passages;
``claims`` splits the model's text into cited sentences; ``facts`` and ``verify`` decide whether
each is supported by what it cites; ``answerer`` releases only verified sentences and falls back to
the extractive answer when nothing (or no model) is usable.
"""

from __future__ import annotations

from ..settings import Settings
from .answerer import Final, GenerationConfig, GenerativeAnswerer, GenEvent, Released, Sources
from .client import Generator, GeneratorError, OpenAICompatGenerator
from .verify import LockedEmbedder, Verifier, VerifyConfig

__all__ = [
    "Final",
    "GenEvent",
    "GenerationConfig",
    "GenerativeAnswerer",
    "Generator",
    "GeneratorError",
    "LockedEmbedder",
    "OpenAICompatGenerator",
    "Released",
    "Sources",
    "Verifier",
    "VerifyConfig",
    "generator_from_settings",
]


def generator_from_settings(settings: Settings) -> OpenAICompatGenerator | None:
    """The configured LLM, or None when ``RAG_LLM_BASE_URL`` is unset (answers stay extractive)."""
    if not settings.llm_base_url:
        return None
    return OpenAICompatGenerator(
        settings.llm_base_url,
        model=settings.llm_model,
        api_key=settings.llm_api_key,
        timeout_s=settings.llm_timeout_s,
        max_tokens=settings.llm_max_tokens,
    )
