"""Metric functions, each defined exactly in ``eval/README.md``. Pure: no model, no index.

Retrieval metrics use binary relevance on article ids after de-duplicating the ranked passages
by article; answer metrics work on the ``/ask`` JSON (``Answer.to_dict``).
"""

from __future__ import annotations

import math
import re
import unicodedata
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field

from ..answering.display import shows
from ..text_terms import content_terms, stem

# --- retrieval --------------------------------------------------------------------------------------


def dedupe_articles(article_ids: Iterable[str]) -> list[str]:
    """Article ids in order of first appearance (a ranked passage list → a ranked article list)."""
    return list(dict.fromkeys(article_ids))


def recall_at_k(ranked: Sequence[str], relevant: Iterable[str], k: int) -> float:
    rel = set(relevant)
    if not rel:
        raise ValueError("recall needs at least one relevant id")
    return len(rel & set(dedupe_articles(ranked)[:k])) / len(rel)


def reciprocal_rank(ranked: Sequence[str], relevant: Iterable[str], k: int = 10) -> float:
    rel = set(relevant)
    for i, a in enumerate(dedupe_articles(ranked)[:k], start=1):
        if a in rel:
            return 1.0 / i
    return 0.0


def ndcg_at_k(ranked: Sequence[str], relevant: Iterable[str], k: int = 10) -> float:
    rel = set(relevant)
    if not rel:
        raise ValueError("nDCG needs at least one relevant id")
    dcg = sum(1.0 / math.log2(i + 1) for i, a in enumerate(dedupe_articles(ranked)[:k], start=1) if a in rel)
    ideal = sum(1.0 / math.log2(i + 1) for i in range(1, min(len(rel), k) + 1))
    return dcg / ideal


def first_rank(ranked: Sequence[str], relevant: Iterable[str]) -> int | None:
    """1-based rank of the first relevant article (after de-duplication), or None."""
    rel = set(relevant)
    for i, a in enumerate(dedupe_articles(ranked), start=1):
        if a in rel:
            return i
    return None


RECALL_KS = (1, 5, 10)


def retrieval_scores(ranked: Sequence[str], relevant: Iterable[str]) -> dict[str, float]:
    rel = list(relevant)
    out = {f"recall@{k}": recall_at_k(ranked, rel, k) for k in RECALL_KS}
    out["mrr@10"] = reciprocal_rank(ranked, rel, 10)
    out["ndcg@10"] = ndcg_at_k(ranked, rel, 10)
    return out


# --- answers --------------------------------------------------------------------------------------------

_QUOTES = str.maketrans({"’": "'", "‘": "'", "“": '"', "”": '"', "‐": "-", "–": "-", "—": "-"})
_THOUSANDS = re.compile(r"(?<=\d),(?=\d{3}(?!\d))")
_NORM_TOKEN = re.compile(r"\d+(?:\.\d+)?|[^\W_]+")
_ARTICLES = {"a", "an", "the"}


def normalize_answer(text: str) -> str:
    """Lowercase; ``&`` read as "and"; thousands separators dropped (8,000 → 8000); punctuation →
    spaces (decimal points inside numbers kept); the articles a/an/the dropped; whitespace collapsed."""
    s = unicodedata.normalize("NFKC", text).translate(_QUOTES).lower().replace("&", " and ")
    s = _THOUSANDS.sub("", s)
    return " ".join(t for t in _NORM_TOKEN.findall(s) if t not in _ARTICLES)


def contains_answer(text: str, answers: Iterable[str]) -> bool:
    """Does the normalised text contain any normalised gold answer as a whole-token sequence?"""
    hay = f" {normalize_answer(text)} "
    for a in answers:
        g = normalize_answer(a)
        if g and f" {g} " in hay:
            return True
    return False


def first_statement(answer: dict) -> str:
    """The answer's first sentence: its first statement (the direct answer), else its first line."""
    statements = answer.get("statements") or []
    if statements:
        return statements[0].get("text", "")
    return (answer.get("answer") or "").split("\n", 1)[0]


def word_count(text: str) -> int:
    """Words of an answer as a reader sees them: citation markers are not words."""
    return len(re.sub(r"\[\d+\]", " ", text).split())


# --- claims and citations -------------------------------------------------------------------------

_MARKERS = re.compile(r"(?:[ \t]*\[\d+\])+")
_MARKER_N = re.compile(r"\[(\d+)\]")
_QUOTED = re.compile(r"“([^”]*)”|\"([^\"]*)\"")
_ELLIPSIS = re.compile(r"\s*(?:…|\.\.\.)\s*")


@dataclass(slots=True)
class Claim:
    text: str
    markers: list[int] = field(default_factory=list)  # [] → an uncited sentence


def split_claims(answer: str) -> list[Claim]:
    """The answer split at citation markers: each segment ending in one or more ``[n]`` is a claim
    citing those n; trailing text with letters or digits but no marker is an uncited claim."""
    out: list[Claim] = []
    pos = 0
    for m in _MARKERS.finditer(answer):
        seg = answer[pos : m.start()].strip()
        out.append(Claim(seg, [int(n) for n in _MARKER_N.findall(m.group(0))]))
        pos = m.end()
    tail = answer[pos:].strip()
    if re.search(r"[^\W_]", tail):
        out.append(Claim(tail, []))
    return out


def quoted_pieces(text: str) -> list[str]:
    """Verbatim pieces a claim quotes: text inside “…” or "…", split at ellipses (a trimmed quote)."""
    pieces: list[str] = []
    for m in _QUOTED.finditer(text):
        q = m.group(1) if m.group(1) is not None else m.group(2)
        pieces += [p for p in _ELLIPSIS.split(q) if p.strip()]
    return pieces


def citation_problems(answer: dict, body_of: Callable[[str], str | None]) -> list[str]:
    """One line per invalid citation: a cited chunk or article that is not among the returned
    passages, a quote that is not ``article.body[start:end]`` (or lies outside the cited passage),
    a repeated citation number, or a ``[n]`` marker with no citation n."""
    problems: list[str] = []
    passages = {p["chunk_id"]: p for p in answer.get("passages", [])}
    numbers: set[int] = set()
    for c in answer.get("citations", []):
        n = c.get("n")
        tag = f"[{n}]"
        if n in numbers:
            problems.append(f"{tag}: citation number used twice")
        numbers.add(n)
        p = passages.get(c.get("chunk_id"))
        if p is None:
            problems.append(f"{tag}: chunk {c.get('chunk_id')} is not among the returned passages")
        elif p.get("article_id") != c.get("article_id"):
            problems.append(f"{tag}: article {c.get('article_id')!r} is not the article of chunk {c.get('chunk_id')}")
        body = body_of(c.get("article_id", ""))
        start, end, quote = c.get("start"), c.get("end"), c.get("quote")
        if body is None:
            problems.append(f"{tag}: article {c.get('article_id')!r} is not in the index")
        elif not (isinstance(start, int) and isinstance(end, int)) or body[start:end] != quote:
            problems.append(f"{tag}: quote is not the article body at [{start}:{end}]")
        elif p is not None and not (p["start"] <= start and end <= p["end"]):
            problems.append(f"{tag}: quote [{start}:{end}] lies outside its passage [{p['start']}:{p['end']}]")
    for n in sorted({int(x) for x in _MARKER_N.findall(answer.get("answer", ""))} - numbers):
        if not answer.get("abstained"):
            problems.append(f"[{n}]: marker has no citation")
    return problems


# --- support of a claim by its citations ---------------------------------------------------------------

SUPPORT_THRESHOLD = 0.6  # a non-verbatim claim is supported when its support score reaches this


def _terms(text: str) -> tuple[set[str], set[str]]:
    words, numbers = set(), set()
    for t in content_terms(_THOUSANDS.sub("", text)):
        if t[0].isdigit():
            numbers.add(t.rstrip(".,"))
        else:
            words.add(stem(t))
    return words, numbers


def lexical_support(claim: str, evidence: str) -> tuple[float, float]:
    """(share of the claim's content words found in the evidence, share of its numbers found)."""
    cw, cn = _terms(claim)
    ew, en = _terms(evidence)
    words = len(cw & ew) / len(cw) if cw else 1.0
    nums = len(cn & en) / len(cn) if cn else 1.0
    return words, nums


def support_score(claim: str, evidence: str, cosine: float | None = None) -> float:
    """For a claim that is not a verbatim quote: 0.4·words + 0.2·numbers + 0.4·max(cosine, 0);
    without an embedder, 2/3·words + 1/3·numbers."""
    words, nums = lexical_support(claim, evidence)
    if cosine is None:
        return (2 * words + nums) / 3
    return 0.4 * words + 0.2 * nums + 0.4 * max(0.0, min(1.0, cosine))


Cosine = Callable[[str, str], float]


@dataclass(slots=True)
class ClaimResult:
    text: str
    markers: list[int]
    support: float  # 1.0 when every quoted piece is verbatim in the cited spans
    method: str  # verbatim | lexical | uncited | dangling
    supported: bool
    citations_supporting: list[bool]


def _span_text(c: dict, body_of: Callable[[str], str | None]) -> str:
    body = body_of(c.get("article_id", ""))
    if body is not None and isinstance(c.get("start"), int) and isinstance(c.get("end"), int):
        return body[c["start"] : c["end"]]
    return ""


def judge_claim(
    claim: Claim,
    citations: dict[int, dict],
    passages: dict[int, dict],
    body_of: Callable[[str], str | None],
    cosine: Cosine | None = None,
    threshold: float = SUPPORT_THRESHOLD,
) -> ClaimResult:
    cited = [citations[n] for n in claim.markers if n in citations]
    if not claim.markers:
        return ClaimResult(claim.text, [], 0.0, "uncited", False, [])
    if not cited:
        return ClaimResult(claim.text, claim.markers, 0.0, "dangling", False, [False] * len(claim.markers))
    # Quoted text must be verbatim in a cited span; a quoted title (the lead of a report without an
    # outlet) is attribution instead, and is checked against the cited metadata.
    spans = [_span_text(c, body_of) for c in cited]
    titles = [c.get("title") or "" for c in cited]
    found_in, attribution_only = [], True
    if not quoted_pieces(claim.text) and any(shows(claim.text, sp) for sp in spans):
        # a direct answer ("48 hours [1]") is itself a span of the quote it cites
        return ClaimResult(claim.text, claim.markers, 1.0, "verbatim", True, [shows(claim.text, sp) for sp in spans])
    for pc in quoted_pieces(claim.text):
        row = [shows(pc, sp) for sp in spans]
        if any(row):
            found_in.append(row)
            attribution_only = False
        elif not any(pc.strip() in t for t in titles if t):
            found_in.append(row)  # neither in a cited span nor a cited title: not verbatim
    if found_in and not attribution_only and all(any(row) for row in found_in):
        per_cite = [any(row[j] for row in found_in) for j in range(len(cited))]
        return ClaimResult(claim.text, claim.markers, 1.0, "verbatim", True, per_cite)

    # not a verbatim quote: compare with the cited passages' text
    def evidence(c: dict) -> str:
        cid = c.get("chunk_id")
        p = passages.get(cid) if cid is not None else None
        return p["quote"] if p is not None else (c.get("quote") or "")

    def score(ev: str) -> float:
        return support_score(claim.text, ev, cosine(claim.text, ev) if cosine else None)

    per = [score(evidence(c)) for c in cited]
    joint = score(" ".join(evidence(c) for c in cited)) if len(cited) > 1 else per[0]
    best = max(joint, *per)
    return ClaimResult(
        claim.text, claim.markers, round(best, 4), "lexical", best >= threshold, [s >= threshold for s in per]
    )


def citation_quality(
    answer: dict,
    body_of: Callable[[str], str | None],
    cosine: Cosine | None = None,
    threshold: float = SUPPORT_THRESHOLD,
) -> dict:
    """ALCE-style citation recall and precision of one (non-abstained) answer.

    recall = supported claims / claims (an uncited claim counts as unsupported);
    precision = citations that support their claim / citations attached to claims."""
    citations = {c["n"]: c for c in answer.get("citations", [])}
    passages = {p["chunk_id"]: p for p in answer.get("passages", [])}
    claims = [
        judge_claim(c, citations, passages, body_of, cosine, threshold)
        for c in split_claims(answer.get("answer", ""))
        if c.text or c.markers
    ]
    n_cites = sum(len(c.citations_supporting) for c in claims)
    good = sum(sum(c.citations_supporting) for c in claims)
    return {
        "claims": len(claims),
        "uncited_claims": sum(1 for c in claims if c.method == "uncited"),
        "recall": (sum(c.supported for c in claims) / len(claims)) if claims else None,
        "precision": (good / n_cites) if n_cites else None,
        "claim_results": [
            {"text": c.text, "markers": c.markers, "support": c.support, "method": c.method, "supported": c.supported}
            for c in claims
        ],
    }


# --- aggregation ------------------------------------------------------------------------------------------


def mean(values: Iterable[float | None]) -> float | None:
    vals = [v for v in values if v is not None]
    return round(sum(vals) / len(vals), 4) if vals else None


def median(values: Iterable[float | None]) -> float | None:
    vals = sorted(v for v in values if v is not None)
    if not vals:
        return None
    mid = len(vals) // 2
    return float(vals[mid]) if len(vals) % 2 else (vals[mid - 1] + vals[mid]) / 2


def rate(flags: Iterable[bool]) -> float | None:
    f = list(flags)
    return round(sum(f) / len(f), 4) if f else None


def abstention_summary(records: Sequence[dict]) -> dict:
    """Abstention rate on unanswerable questions (higher is better) and false-abstention rate on
    answerable ones (lower is better), with counts; also per unanswerable kind."""
    ans = [r for r in records if r["answerable"]]
    un = [r for r in records if not r["answerable"]]
    out = {
        "answerable": len(ans),
        "unanswerable": len(un),
        "abstained_answerable": sum(r["abstained"] for r in ans),
        "abstained_unanswerable": sum(r["abstained"] for r in un),
        "false_abstention_rate": rate(r["abstained"] for r in ans),
        "abstention_rate_unanswerable": rate(r["abstained"] for r in un),
    }
    for kind in sorted({r["kind"] for r in un}):
        out[f"abstention_rate_{kind}"] = rate(r["abstained"] for r in un if r["kind"] == kind)
    return out
