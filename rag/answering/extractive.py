"""The default answerer: extractive, no LLM. Every claim it makes is a verbatim span of a cited passage.

It scores the sentences of the retrieved passages against the question (meaning: the sentence's
cosine to the question; words: what share of the question's IDF-weighted words the sentence and
its passage cover; how well the passage was retrieved), and looks in each for a span of the kind
the question asks for (a number for "how many", a name for "who"… ``spans.py``).

It answers when a sentence holding such a span is supported — its *decision score* reaches
``abstain_below`` — and then leads with that span (the direct answer), followed by the quote it
comes from and, within ``max_words``, further quotes that hold the answer. An untyped question
("why…", "what did X say…") needs a better-supported sentence (``untyped_margin`` more). Otherwise
it abstains, saying in one line what was missing and listing the nearest sources. "What
happened" questions become a list of quotes ordered by report date.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from collections.abc import Set as AbstractSet
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Protocol

from ..models import Answer, Passage, day_label
from ..retrieval.asked import meets_asked
from ..retrieval.hybrid import CITED
from ..retrieval.names import Name, respelled, topic_names
from ..retrieval.outlets import outlet_key
from ..retrieval.text_dates import dateline, days_apart
from ..sentences import quote_aware_spans
from ..text_terms import (
    STOPWORDS,
    content_terms,
    covered,
    is_date_word,
    is_past_form,
    question_terms,
    stem,
    text_stems,
)
from .abstain import abstention, reason
from .compose import Composer, Quote
from .disagreement import DisagreementFinder, count_slot
from .event_dates import RUNNING_TOTAL, war_total
from .naming import asked_sources, named_role, names_role, says_the_asked
from .places import names_place, question_places
from .question_type import QType, question_type
from .report_dates import (
    asked_period,
    date_carried,
    dated_asked_day_in_text,
    long_after,
    near_asked_day,
    predates,
    tells_of_asked_day,
)
from .spans import Span, asked_kind, best_span, carried_stems, counts_asked_noun, focus, is_kind_span, typed_part

TermWeights = Callable[[str], dict[str, float]]
TYPED = (QType.COUNT, QType.DURATION, QType.DATE, QType.PERSON, QType.PLACE, QType.ENTITY)


class Answerer(Protocol):
    def answer(self, question: str, passages: Sequence[Passage]) -> Answer:
        """Compose a cited answer (or an abstention) from retrieved passages."""
        ...


@dataclass(slots=True)
class AnswerConfig:
    # Decision score (see ``decision``) below which it abstains. Chosen on the tune part of RealTime QA dev
    # asked by question text alone (eval/tune_answers.py): 0.36 gives the lowest sum of false abstention
    # (0.28) and missed abstention on no-answer questions (0.22) of the thresholds 0.30-0.42.
    abstain_below: float = 0.36
    untyped_margin: float = 0.1  # an untyped question ("why…", "what did…say") needs this much more support
    no_span_margin: float = 0.5  # a typed question answered by a sentence without a span of its type: more still
    max_sentences: int = 4
    max_quote_chars: int = 240
    max_words: int = 80  # a factoid answer stops adding quotes here (median 47 words on the tune part)
    passages_considered: int = 6
    keep_ratio: float = 0.6  # extra quotes must score ≥ this × the best…
    span_ratio: float = 0.7  # … and their span ≥ this × the direct answer’s
    keep_ratio_untyped: float = 0.8  # an untyped question's extra quotes: ≥ this × the best
    extra_quote_chars: int = 160  # further quotes are cut to the clause that holds their answer
    # A name or place span leads the answer only when its score (spans.best_span) reaches this; a weaker
    # one would put a guess first, so the quote that holds the answer leads instead. Chosen on the tune
    # part (eval/tune_answers.py --direct): 2.2 lifts "first statement holds the gold answer" 0.335 -> 0.469
    # and keeps the best-placed names; counts, dates and durations always lead. Re-chosen on tune after the
    # name-reading rules of spans.py: 2.2 / 2.4 / 2.6 / 2.8 / 3.1 give 0.496 / 0.499 / 0.505 / 0.505 / 0.506, and
    # the names that lead are right 67% / 70% / 73% / 71% / 72% of the time; 2.6 keeps most of them.
    good_name_score: float = 2.0  # a "who" answer's name this good leads before a sentence with a weaker one…
    good_name_margin: float = 0.1  # … that scores at most this much better
    direct_min_score: dict[str, float] = field(default_factory=lambda: {"entity": 2.6, "place": 2.6, "person": 2.6})


@dataclass(frozen=True, slots=True)
class _Asked:
    """What every sentence of one answer is scored against."""

    question: str
    qtype: QType
    focus: dict[str, float]  # the weights of the asking part's words, when a framing part leads
    names_seen: str  # the reports considered: a word capitalised mid-sentence in them is a name
    spelled: Sequence[Name]  # the question's names, to be matched in any spelling


@dataclass(slots=True)
class Candidate:
    passage: Passage
    start: int  # offsets into the article body
    end: int
    text: str
    coverage: float  # of the question by this sentence
    context: float  # of the question by the sentence's passage (title + text)
    typed: bool
    score: float
    rank: int
    semantic: float = 0.0
    span: Span | None = None  # the direct-answer span (offsets into ``text``)
    key: float = 0.0  # share of the question's two rarest words found in the passage
    focus: float = -1.0  # coverage of the asking part, when the question has a framing part before it


# How a sentence's features add up to its score (hand-set; a conditional-logit fit on the tune part of
# RealTime QA dev, `eval/tune_answers.py`, chose the same sentence no more often end to end).
SCORE_WEIGHTS = {
    "sem": 0.35,  # the sentence's cosine to the question
    "cov": 0.15,  # the question's IDF-weighted words the sentence covers…
    "focus": 0.1,  # … and those of its asking part
    "context": 0.15,  # … and those the passage covers
    "rel": 0.15,  # the passage's retrieval score relative to the best
    "key": 0.0,
    "rank": -0.06,
    "span": 0.05,  # a span of the asked type, and how good a one
    "span_score": 0.05,
    "cited": 0.1,  # a sentence of a report the conversation cited: a follow-up is most likely about it
}
AGREEMENT_PER_VOTE = 0.04
NEGATED_PENALTY = 0.15  # "Which group said it had broken the siege?": not "… said the siege had not been broken"
NAME_LEAST = 1.0  # "What was the name of …?": a span scoring less is no name ("told SANAs correspondent")
CARRIED_WEIGHT = 0.5  # a name carried from the conversation weighs this share of a word typed now


# A photo or map caption ("Situation map of Darayya … [26/8/2016, map via …]") most often names a place
# but states nothing: it scores less and is never an extra quote. It may still lead when it scores best
# ("Kerry and Lavrov at a joint press conference in Geneva [10/9/2016]" is where they met).
_CAPTION = re.compile(r"\[[^\]]*\d[^\]]*\]\s*$|^(situation\s+)?maps?\b|^(file\s+)?photo\b", re.I)
_BULLETS = "•·▪‣◦*-–—>"


# a quantity without a number: "hundreds of rebel fighters", "dozens killed", "several civilians"
_VAGUE = re.compile(
    r"^(?:(?:some|about|around|nearly|over|more than|at least|up to)\s+)?(?:dozens|hundreds|thousands|millions|"
    r"scores|several|many|a few|few|numerous|a number)\b",
    re.I,
)
_OPENS_QUOTE = re.compile(r"^\s*[“\"]")
_SAID = re.compile(r"\b(?:said|says|told|tells|added|adds|explained|stated|according to)\b", re.I)
_QUOTED = re.compile(r"[“\"][^”\"]*[”\"]")


_DENIAL = re.compile(r"^(?:reject|deni|deny|dismiss|refut|disput|contradict|doubt|question)\w*$", re.I)


def _negates_asked(sentence: str, question: str) -> bool:
    """Does the sentence deny what the question asks happened ("the siege had not been broken" for
    "which group said it had broken the siege?"): a negation or denial at most three words before
    the question's own verb, when the question itself negates nothing? (Only its past forms: "will
    not attend a summit" may well answer "who skipped the summit?")"""
    asked = _asked_past_forms(question)
    if not asked:
        return False
    words = re.findall(r"[\w’']+", sentence)
    for i, w in enumerate(words):
        if w.islower() and stem(w) in asked and any(_NEGATION.search(x) for x in words[max(0, i - 3) : i]):
            return True
    return False


@lru_cache(maxsize=256)  # one question, every candidate sentence
def _asked_past_forms(question: str) -> frozenset[str]:
    """Stems of the question's past-form verbs; none when the question negates or asks about a
    denial ("Which monitor rejected the claim that the siege was broken?": the denial answers)."""
    qwords = re.findall(r"[\w’']+", question)
    if any(_NEGATION.search(w) or _DENIAL.match(w) for w in qwords):
        return frozenset()
    return frozenset(stem(w.lower()) for w in qwords if is_past_form(w))


def _speaker(before: str, text: str) -> str:
    """Who speaks a quotation that goes on from the sentence before ("“We are being forced to leave,”
    Hussam Ayash, an activist in the town, told AP. “We withstood for four years…”"): that sentence's
    words outside its quotes, when ``text`` is a quote with no attribution of its own."""
    if not before or not _OPENS_QUOTE.match(text) or _SAID.search(_QUOTED.sub(" ", text)):
        return ""
    outside = _QUOTED.sub(" ", before)
    return outside if _SAID.search(outside) else ""


def _coverage(q: dict[str, float], words: AbstractSet[str]) -> float:
    total = sum(q.values())
    return sum(w for t, w in q.items() if covered(t, words)) / total if total else 0.0


def _key_terms(q: dict[str, float], n: int = 2) -> dict[str, float]:
    return dict(sorted(q.items(), key=lambda kv: -kv[1])[:n])


class ExtractiveAnswerer:
    def __init__(self, term_weights: TermWeights | None = None, config: AnswerConfig | None = None):
        self.term_weights = term_weights or (lambda qs: {stem(t): 1.0 for t in question_terms(qs)})
        self.config = config or AnswerConfig()

    def weights(self, question: str) -> dict[str, float]:
        """The question's term weights, the names a follow-up carries (``carried_stems``) at
        ``CARRIED_WEIGHT``: they point at the conversation's reports, the user's own words at the answer."""
        return _carried_down(self.term_weights(question), question)

    # --- scoring ------------------------------------------------------------------------------
    def candidates(self, question: str, passages: Sequence[Passage]) -> list[Candidate]:
        whole = self.term_weights(question)  # a carried name weighs fully for the report it is in
        q = _carried_down(whole, question)
        qtype = question_type(question)
        top = _considered(passages, self.config.passages_considered)
        if not top:
            return []
        best_score = max(p.score for p in top) or 1.0
        seen: set[tuple[str, int]] = set()
        out: list[Candidate] = []
        # the asking part of a quiz-style question ("… . Where is the launchpad?") weighs on its own
        focus_stems = {stem(t) for t in content_terms(focus(question))}
        qfocus = {t: w for t, w in q.items() if t in focus_stems}
        credits = _credits(passages)
        # a word capitalised mid-sentence in any report found is a name where it starts a sentence ("China hit back")
        names_seen = "\n".join(p.text for p in top)
        spelled = topic_names(question, list(whole))  # "Hasaka" in a report covers "Hasakeh" in the question
        asked = _Asked(question, qtype, qfocus, names_seen, spelled)
        for rank, p in enumerate(top):
            qp = _by_metadata(q, p, credits)
            qw = _by_metadata(whole, p, credits) if whole is not q else qp
            ctx_words = _passage_words(p, spelled)
            context = _coverage(qw, ctx_words) if qw else 1.0
            key = _coverage(_key_terms(qw), ctx_words) if qw else 1.0
            rel = max(0.0, p.score / best_score) if best_score > 0 else 0.0
            sims = {e: c for _, e, c in p.sentences}  # by end offset: a stripped bullet moves only the start
            prev = ""
            for s, e in quote_aware_spans(p.text):
                prev, before = p.text[s:e], prev
                while s < e and (p.text[s] in _BULLETS or p.text[s].isspace()):
                    s += 1  # quote a list item without its bullet
                key_ = (p.article_id, p.start + s)
                if key_ in seen:
                    continue  # overlapping chunks repeat sentences
                seen.add(key_)
                text = p.text[s:e]
                if len(text) < 20 or not re.search(r"[^\W\d_]{3}", text):
                    continue  # captions' fragments, bullets, bare numbers
                speaker = _speaker(before, text)
                out.append(self._candidate(asked, qp, p, s, e, text, sims, context, key, rel, rank, speaker))
        out.sort(key=lambda c: -c.score)
        return out

    def _candidate(self, asked: _Asked, qp, p, s, e, text, sims, context, key, rel, rank, speaker="") -> Candidate:
        question, qtype, qfocus, spelled = asked.question, asked.qtype, asked.focus, asked.spelled
        words = text_stems(text) | text_stems(speaker)  # a quote's words and who said it
        words |= respelled(text, words, spelled)
        cov = _coverage(qp, words) if qp else 1.0
        # the best cosine of the sentence's parts to the question if retrieval stored them, else the lexical share
        parts = [c for end, c in sims.items() if p.start + s < end <= p.start + e]
        sem = max(parts) if parts else cov
        typed_text = _without_dateline(text, p, s) if qtype is QType.DATE else text
        span = best_span(qtype, typed_text, question, asked.names_seen or p.text) if qtype in TYPED else None
        typed = span is not None or qtype not in TYPED
        focus_cov = _coverage(qfocus, words) if qfocus else cov
        w = SCORE_WEIGHTS
        score = (
            w["sem"] * sem
            + w["cov"] * cov
            + w["focus"] * focus_cov
            + w["context"] * context
            + w["rel"] * rel
            + w["key"] * key
            + w["rank"] * rank / max(1, self.config.passages_considered)
            + (w["span"] + w["span_score"] * span.score if span is not None else 0.0)
            + (w["cited"] if CITED in p.scores else 0.0)
            - (0.15 if _CAPTION.search(text) else 0.0)
            - (NEGATED_PENALTY if qtype is not QType.YESNO and _negates_asked(text, question) else 0.0)
        )
        framed = bool(qfocus) and len(qfocus) < len(qp)  # "X happened this week. Which country …?"
        c = Candidate(p, p.start + s, p.start + e, text, cov, context, typed, score, rank, sem, span, key)
        c.focus = focus_cov if framed else -1.0
        return c

    @staticmethod
    def support(c: Candidate) -> float:
        """How well the question is supported by this sentence in its passage: meaning (cosine of
        the sentence to the question) and words (the passage must cover the question's key words,
        the sentence a fair share of them, or of its asking part when a framing part leads). In [0, 1]."""
        return 0.4 * c.semantic + 0.35 * c.context + 0.25 * max(c.coverage, c.focus)  # the asking part may do

    def decision_score(self, c: Candidate, qtype: QType) -> float:
        """What is compared with ``abstain_below``: the support of a sentence holding a span of the
        asked type. An untyped question needs ``untyped_margin`` more; a typed one whose sentence has
        no span of its type ``no_span_margin`` more (a "what X" answer need not be a name: only ``untyped_margin``)."""
        if qtype not in TYPED:
            return self.support(c) - self.config.untyped_margin
        if c.span is not None:
            return self.support(c)
        if qtype is QType.COUNT:
            return 0.0  # a sentence with no number never answers "how many"
        margin = self.config.untyped_margin if qtype is QType.ENTITY else self.config.no_span_margin
        return self.support(c) - margin

    def decision(self, question: str, passages: Sequence[Passage]) -> float:
        """The best decision score over the candidates: the answerer abstains exactly when it is below
        ``abstain_below`` (the eval sweeps thresholds over it)."""
        qtype = question_type(question)
        cands = self.candidates(question, passages)
        return max((self.decision_score(c, qtype) for c in _that_can_answer(question, _pool(cands))), default=0.0)

    def _supported(self, question: str, qtype: QType, pool: list[Candidate]) -> list[Candidate]:
        """The candidates that can answer and whose decision score clears ``abstain_below``."""
        floor = self.config.abstain_below
        return [c for c in _that_can_answer(question, pool) if self.decision_score(c, qtype) >= floor]

    # --- composing --------------------------------------------------------------------------------
    def answer(self, question: str, passages: Sequence[Passage]) -> Answer:
        qtype = question_type(question)
        cands = self.candidates(question, passages)
        pool = _pool(cands)
        ok = self._supported(question, qtype, pool)
        ok, unnamed = _naming_what_is_asked(question, qtype, ok)
        if unnamed:  # "What was the name of the girl killed …?" and no sentence names her
            return abstention(passages, f"The reports don't answer this: none of the sentences found gives {unnamed}.")
        if not ok:
            role = asked_role(question)
            if role and any(self.decision_score(c, qtype) >= self.config.abstain_below for c in pool):
                why = f"The reports don't answer this: none of the sentences found names the {role}."
                return abstention(passages, why)
            return abstention(passages, self._why(question, qtype, passages, bool(pool)))
        if qtype is QType.EVENTS:
            return self._events(question, ok, cands, passages)
        best = max(ok, key=self._ranking(question, qtype, ok, pool, passages))
        return self._factoid(question, qtype, best, ok, passages, _naming_neighbour(question, best, cands, qtype))

    def _ranking(
        self, question: str, qtype: QType, ok: list[Candidate], pool: list[Candidate], passages: Sequence[Passage]
    ) -> Callable[[Candidate], tuple]:
        """The order of the supported sentences: one with a span of the asked type, of the report and
        day asked for, of the place and source asked about, then the report's own count, then score."""
        leads = _leads(qtype, question)  # the best sentence with a span of the asked type, else the best
        agree = _agreement(pool, per_report=qtype is not QType.COUNT)
        counted = qtype is QType.COUNT  # "how many rebels": a sentence that counts rebels beats one counting groups
        per_event = counted and RUNNING_TOTAL.search(question) is None  # unless it asks "… so far this year"
        # each report's own count (the one its title repeats, or its lead gives) before its others;
        # not for a running total, which the finder leaves out
        asked_outlets = sorted({p.source for p in passages if "outlet" in p.scores})
        # … unless the question names a source the reports quote, not an outlet ("did the Observatory say"):
        # then that source's count of the asked place comes first
        quoted = not asked_outlets and bool(asked_sources(question))
        own = _own_counts(question, [c.passage for c in ok]) if per_event and not quoted else {}

        top = max(c.score for c in ok)
        places = _count_places(question) if counted else []
        sources = asked_sources(typed_part(question)) if counted and _ASKS_ITS_TOLL.search(question) else []
        placed = {p.chunk_id for p in passages if places and _names_asked_place(p, places)}  # read once each
        weights = self.term_weights(question)
        districts = [p for p in places if _is_rare(p, weights) and _a_district(p, question)]
        # once per passage, not per sentence: it reads every sentence of the passage for the asked day
        ok_passages = {c.passage.chunk_id: c.passage for c in ok}
        day_met = {cid: _asked_passage(p, question, asked_outlets) for cid, p in ok_passages.items()}

        def rank(c: Candidate) -> tuple:
            counts = counted and c.span is not None and counts_asked_noun(c.span.text, question)
            precise = counted and c.span is not None and not _VAGUE.match(c.span.text)  # "800" before "hundreds"
            named = (  # among the sentences that score near the best, one with a good name for "who"
                qtype is QType.PERSON
                and c.span is not None
                and c.span.score >= self.config.good_name_score
                and c.score >= top - self.config.good_name_margin
            )
            asked = day_met.get(c.passage.chunk_id, 0.0)
            total = per_event and RUNNING_TOTAL.search(c.text) is not None  # "300 killed since April"
            return (
                leads(c),
                not predates(c.passage, question),  # a report of before the asked period tells nothing of it
                not long_after(c.passage, question),  # … and one of months later looks back on it at best
                asked,
                not places or c.passage.chunk_id in placed,  # "in al-Atareb": a report from there
                _of_the_place(c.text, places, counts),  # … and the count told of there, not its region's total
                not districts or names_place(c.text, districts),  # … a district's own count before its city's
                not sources or _names_source(c.text, sources),  # "what toll did the Observatory give?"
                named,
                named and c.span is not None and " " in c.span.text,  # … a full name before one word ("Syria")
                not total,
                _holds(c, own),
                counts,
                precise,
                c.score + agree.get(id(c), 0.0),
            )

        return rank

    def _why(self, question: str, qtype: QType, passages: Sequence[Passage], found: bool) -> str:
        """The one-line reason: the question's rarest words no passage mentions, else the type not found."""
        q = _without_credits(self.weights(question), _credits(passages))  # an outlet is no missing word
        seen: set[str] = set()
        for p in passages[: self.config.passages_considered]:
            seen |= text_stems(p.title) | text_stems(p.text)
        originals: dict[str, str] = {}
        for w in re.findall(r"[\w'’-]+", question):
            originals.setdefault(stem(w.lower()), w)
        ranked = sorted(q.items(), key=lambda kv: -kv[1])
        carried = carried_stems(question)  # a name the conversation carried is no word the user asked for
        missing = [
            originals.get(t, t) for t, _ in ranked if not covered(t, seen) and not is_date_word(t) and t not in carried
        ]
        return reason(qtype, missing, found)

    def _quote(self, c: Candidate, q: dict[str, float], limit: int | None = None, whole: float = 1.0) -> Quote:
        start, end, pre, post = _trim(c, q, limit or self.config.max_quote_chars, whole)
        return Quote(c.passage, start, end, pre, post, c.score)

    def _factoid(
        self,
        question: str,
        qtype: QType,
        best: Candidate,
        ok: list[Candidate],
        passages: Sequence[Passage],
        naming: Candidate | None = None,
    ) -> Answer:
        why = _not_what_was_asked(question, qtype, best, passages, self.term_weights(question))
        if why:
            nearest = [best.passage, *(p for p in passages if p is not best.passage)]
            return abstention(nearest, f"The reports don't answer this: {why}.")
        q = self.weights(question)
        comp = Composer()
        # "What did it say?": what was said is the answer, and it follows the words the question shares
        speech = _ASKS_SPEECH.search(question) is not None
        limit = int(self.config.max_quote_chars * (1.5 if speech else 1.0))
        quote = self._quote(best, q, limit, _WHOLE_IF_WITHIN)  # the lead a little over the limit: whole
        # the words it has over its cut form do not count against the further quotes' budget
        budget = self.config.max_words + len(quote.text.split()) - len(self._quote(best, q, limit).text.split())
        direct = None
        if best.span is not None and best.span.score >= self.config.direct_min_score.get(qtype.value, 0.0):
            s, e = best.start + best.span.start, best.start + best.span.end
            if quote.start <= s and e <= quote.end:
                direct = comp.add_direct(quote, s, e)
        prefix = ""
        if qtype is QType.YESNO:
            other = _other_side(question, best, ok)
            sides = {_polarity(question, best.text), *([_polarity(question, other.text)] if other else [])}
            prefix = "Reports differ: " if len(sides) > 1 else f"{sides.pop()}: "
            comp.add_quote(quote, "direct", prefix=prefix)
            if other is not None:
                comp.add_quote(self._quote(other, q))
            return comp.answer(passages, None)
        if naming is not None and direct is None and naming.end <= best.start:
            comp.add_quote(self._quote(naming, q), "context")
        comp.add_quote(quote, "quote" if direct or comp.statements else "direct")
        if naming is not None and direct is None and naming.start >= best.end:
            comp.add_quote(self._quote(naming, q), "context")
        totals = qtype is QType.COUNT and RUNNING_TOTAL.search(question) is None  # a count of one event
        for c in self._extras(best, ok, qtype, no_totals=totals):
            if len(comp.citations) >= self.config.max_sentences:
                break
            extra = self._quote(c, q, self.config.extra_quote_chars)
            before = len(comp.statements), len(comp.citations), comp.words()
            comp.add_quote(extra)
            if comp.words() > budget:  # over the budget: take it back
                del comp.statements[before[0] :], comp.citations[before[1] :]
                break
        return comp.answer(passages, direct)

    def _extras(self, best: Candidate, ok: list[Candidate], qtype: QType, no_totals: bool = False) -> list[Candidate]:
        """Further quotes that hold the answer too: a span of the asked type nearly as good as the
        direct answer's (an untyped question: a sentence nearly as good), not repeating, other
        reports first; for a count of one event (``no_totals``), no running total ("since April")."""
        typed = qtype in TYPED
        floor = best.score * (self.config.keep_ratio if typed else self.config.keep_ratio_untyped)
        out: list[Candidate] = []
        for c in sorted(ok, key=lambda c: (c.passage.article_id == best.passage.article_id, -c.score)):
            if c is best or c.score < floor or _CAPTION.search(c.text):
                continue
            if no_totals and RUNNING_TOTAL.search(c.text):
                continue
            if typed and (c.span is None or (best.span and c.span.score < self.config.span_ratio * best.span.score)):
                continue
            if any(_redundant(c.text, o.text) or _overlaps(c, o) for o in [best, *out]):
                continue
            out.append(c)
        return out

    def _events(
        self, question: str, ok: list[Candidate], cands: list[Candidate], passages: Sequence[Passage]
    ) -> Answer:
        """ "What happened" questions: quotes from different reports, ordered by report date."""
        q = self.weights(question)
        best = max(ok, key=lambda c: c.score)
        floor = best.score * 0.6
        chosen = [best]
        eligible = [c for c in ok if c is not best and c.score >= floor and not _CAPTION.search(c.text)]
        eligible.sort(key=lambda c: (c.passage.article_id == best.passage.article_id, -c.score))
        for c in eligible:
            if len(chosen) >= self.config.max_sentences:
                break
            if not any(_redundant(c.text, o.text) or _overlaps(c, o) for o in chosen):
                chosen.append(c)
        chosen.sort(key=lambda c: (c.passage.date or "9999", c.passage.article_id, c.start))
        comp = Composer()
        for c in chosen:
            comp.add_quote(self._quote(c, q))
        return comp.answer(passages, None)


_ASKS_SPEECH = re.compile(
    r"\bwhat\b.*\b(?:say|said|says|tell|told|announce|announced|claim|claimed|write|wrote|state|stated)\b", re.I
)
_NEGATION = re.compile(r"\b(not|no|never|denied|denies|deny|untrue|false|rejected|refuted)\b|n[’']t\b", re.I)
_DENIAL = re.compile(r"\b(denied|denies|deny|rejected|refuted|disputed)\b", re.I)
_CONTRAST = re.compile(r"\b(?:but|however|although|though|whereas)\b", re.I)


def _passage_words(p: Passage, spelled: Sequence[Name]) -> set[str]:
    """The stems of a passage's title and text, and the question's names it gives in another spelling."""
    words = set(text_stems(p.title) | text_stems(p.text))
    return words | respelled(f"{p.title}\n{p.text}", words, spelled)


def _without_dateline(text: str, p: Passage, s: int) -> str:
    """The sentence with the report's own dateline ("Saturday 03 December 2016 17:53 …") blanked: the
    day a report was filed answers no "when" about what it reports (offsets kept)."""
    if p.start != 0:
        return text
    line = dateline(p.text, head=80)
    if line is None or not p.date or days_apart(line[0], p.date) > 3:
        return text  # "Ted Turner launched CNN on June 1, 1980 …" opens with an event's date, not the report's
    at = p.text.find(line[1])
    end = re.match(r"\s*(?:\d{1,2}[:.]\d{2}\b)?", p.text[at + len(line[1]) :])
    cut = at + len(line[1]) + (end.end() if end else 0) - s
    return text if cut <= 0 else " " * min(cut, len(text)) + text[cut:]


def _carried_down(q: dict[str, float], question: str) -> dict[str, float]:
    """``q`` with the names a follow-up carries (``carried_stems``) at ``CARRIED_WEIGHT``."""
    carried = carried_stems(question)
    return {t: w * CARRIED_WEIGHT if t in carried else w for t, w in q.items()} if carried else q


def _naming_what_is_asked(question: str, qtype: QType, ok: list[Candidate]) -> tuple[list[Candidate], str]:
    """For "What was the name of the nurse / the school …?", the sentences that give it, and what no
    sentence gave ("the name of the nurse") when none does."""
    if ok and qtype is QType.PERSON and _ASKS_NAME.search(question):
        ok = _giving_the_name(question, ok)
        role = named_role(question)
        return ok, "" if ok else f"the name of the {_display_role(question, role)}" if role else "the name"
    facility = _ASKS_FACILITY.search(question) if ok and qtype in (QType.ENTITY, QType.PLACE) else None
    if facility:
        ok = [c for c in ok if _names_facility(c)]
        return ok, "" if ok else f"the name of the {facility.group(1)}"
    return ok, ""


def _giving_the_name(question: str, ok: list[Candidate]) -> list[Candidate]:
    """The sentences that give a name, and when the question asks the name of someone ("the nurse
    wounded …"), a name that is the nurse's (``names_role``), not the monitor's who reported it."""
    role = named_role(question)
    out = []
    for c in ok:
        if c.span is None or c.span.score < NAME_LEAST:
            continue
        if role is None or names_role(c.text, c.span.start, c.span.end, role):
            out.append(c)
    return out


# a building or site whose name a question asks for: its name stands next to the word ("Latamneh hospital",
# "the Al-Amal School", "the hospital of Al-Quds"), else the sentence does not give it
_FACILITIES = (
    r"school|hospital|clinic|(?:health|medical) (?:facility|centre|center)|mosque|"
    r"church|market|bakery|prison|stadium|airport|university"
)
_ASKS_FACILITY = re.compile(rf"\bname of the (?:[\w'’-]+\s+){{0,2}}?({_FACILITIES})\b", re.I)
_FACILITY = re.compile(rf"\b(?:{_FACILITIES}|centre|center|facility)\b", re.I)


def _names_facility(c: Candidate) -> bool:
    """Does the candidate's span name a building: the word inside it, or right before or after it?"""
    if c.span is None:
        return False
    before = c.text[max(0, c.span.start - 25) : c.span.start]
    after = c.text[c.span.end : c.span.end + 25]
    return bool(
        _FACILITY.search(c.span.text)
        or re.match(rf"\s+(?:{_FACILITY.pattern})", after, re.I)
        or re.search(rf"(?:{_FACILITY.pattern})\s+(?:of\s+)?(?:the\s+)?$", before, re.I)
    )


def _display_role(question: str, role: str) -> str:
    """The question's own word for the role ("nurse", "women"), for the abstention's line."""
    for w in re.findall(r"[\w'’-]+", question):
        if stem(w.lower()) == role:
            return w
    return role


# a group of people a count may be of, and the whole it is a part of
_GROUPS = frozenset(
    "children child women woman men boys girls teachers students pupils doctors nurses medics journalists "
    "soldiers troops fighters militants rebels policemen police officers workers volunteers".split()
)
_WHOLE = frozenset("people persons civilians individuals residents".split())


def _part_asked(question: str, best: Candidate) -> str | None:
    """The group a count question asks for ("how many children"), when the best sentence's count is
    of everyone ("at least 12 people"): that number does not answer it."""
    m = re.search(r"\bhow many\s+([a-z-]+)(?:\s+([a-z]+))?", question, re.I)
    words = [w.lower() for w in (m.groups() if m else ()) if w]
    asked = next((w for w in words if w in _GROUPS), "")  # "how many children", "how many Syrian soldiers"
    if not asked or best.span is None:
        return None
    last = re.findall(r"[A-Za-z]+", best.span.text)[-1:]
    return asked if last and last[0].lower() in _WHOLE else None


_ASKS_NAME = re.compile(
    r"\bnames?\s+of\b|\b(?:his|her|their)\s+(?:full\s+)?names?\b|\b(?:surname|family name|last name|first name)s?\b",
    re.I,
)

# "Who was the director of …": the role the answer must hold
_ROLE = re.compile(
    r"\b(?:(?i:who)\s+(?:was|is|were|are|will be|has been)|(?i:what)\s+(?:was|is|were|are)\s+the\s+(?:full\s+)?"
    r"names?\s+of)\s+the\s+(?:\w+\s+)??"
    r"(?:(?!(?:of|at|in|for|on|to|by|with|from|who|that)\b)[\w'’-]+\s+){0,3}?"
    # the role ends before a preposition, a relative word or a participle ("the spokesman quoted")
    r"([a-z]+)(?=\s+(?:of|at|in|for|who|whom|that|whose|killed|when|during|[a-z]+ed)\b|\s*\??\s*$)"
)


@lru_cache(maxsize=256)
def asked_role(question: str) -> str | None:
    """The role a who-question asks to fill ("Who was the director of the hospital?" → "director"),
    or None. Only a lower-case noun: "Who was the first American?" names no role."""
    if question_type(question) is not QType.PERSON:
        return None  # "What is the name of the organization …?": a thing's name seldom repeats its kind
    m = _ROLE.search(typed_part(question))  # "Who is the Homs governor? (Homs, 1 October 2014)"
    return m.group(1) if m and m.group(1) not in STOPWORDS | _NO_ROLE | _RELATION else None


# words that fill the slot of a role without naming one ("the other half", "the man who …")
_NO_ROLE = frozenset("half other one first last latest next former new only same man woman person people".split())
# a relation, not an office: a report says "a deal between the government and the Asayish", seldom
# "the government's counterpart"
_RELATION = frozenset("counterpart counterparts partner partners opponent opponents rival rivals adversary".split())


def _count_places(question: str) -> list[str]:
    """The places a count question asks of ("killed in al-Atareb"), not a source ("from the CDC")."""
    part = typed_part(question)
    return [p for p in question_places(part) if not re.search(rf"\b(?:from|by|to)\s+(?:the\s+)?{re.escape(p)}", part)]


# "What toll did the Observatory give?": the count a source gave is the question itself (not "How many
# people did the Observatory say were killed?", where the source seldom tells one count from another)
_ASKS_ITS_TOLL = re.compile(r"^\W*(?:and\s+)?what\s+(?:[\w-]+\s+){0,2}(?:toll|figure|number|count|tally)\s+did\b", re.I)


def _names_source(sentence: str, sources: Sequence[str]) -> bool:
    """Does the sentence name a source the question asks about ("the Syrian Observatory … said the
    bombings killed 21" for "what toll did the Syrian Observatory give?"): most of its words?"""
    words = text_stems(sentence)
    for src in sources:
        own = text_stems(src)
        if own and len(own & words) * 2 >= len(own):
            return True
    return False


def _of_the_place(sentence: str, places: Sequence[str], counts_asked: bool) -> bool:
    """False for a count told of a wider place the question also names, not of the place it asks
    about first ("nine civilians … in Eastern Ghouta" for "killed in the city of Arbin in the strikes
    on Eastern Ghouta"), and for one naming neither place unless it counts what is asked ("12
    children were among the victims" may answer; "three children" for "how many civilians" not)."""
    if not places[1:] or names_place(sentence, places[:1]):
        return True
    return counts_asked and not names_place(sentence, places[1:])


def _not_what_was_asked(
    question: str, qtype: QType, best: Candidate, passages: Sequence[Passage], weights: dict[str, float]
) -> str | None:
    """Why the best sentence does not answer after all: it is not the report asked for (outlet, day); or
    it counts another place's event; or it counts everyone when a group is asked ("How many children …?")."""
    unmet = _unmet(best.passage, passages, question, best.text)
    if unmet:
        return f"no report {unmet} among those found says it"
    if qtype is not QType.COUNT:
        return None
    place = _unplaced(question, best, passages, weights)
    if place:  # the count's report never names the place of the event asked about: another event's
        return f"none of those found names {place}"
    group = _part_asked(question, best)
    return f"none of those found gives the number of {group}" if group else None


_YEAR_NAMED = re.compile(r"\b(?:19|20)\d\d\b")
# "the UK", "US Capitol", "India's", "the North American box office": a country said in passing
_BROAD = re.compile(r"^[A-Z]{2,}\b|['’]s?$|(?:ian|ean|can|ese|ish)$")


# a place the archive names this rarely (idf ≥ 4: in about one passage in 50 or fewer) is a town or a
# street; a province or a capital is named everywhere, and a report of one of its towns may not name it
RARE_PLACE = 4.0


def _unplaced(question: str, best: Candidate, passages: Sequence[Passage], weights: dict[str, float]) -> str | None:
    """For a count of an event the question pins by a rare place and a year ("wounded in al-Atareb on 25
    April 2016"), the place when none of the retrieved passages of the best sentence's report names any
    of the question's places: that report tells of another event."""
    if not _YEAR_NAMED.search(question):
        return None
    places = [p for p in _count_places(question) if _is_rare(p, weights) and not _BROAD.search(p)]
    same = [p for p in passages if p.article_id == best.passage.article_id]
    if not places or any(_names_asked_place(p, places) for p in same):
        return None
    return places[0]


_DISTRICT = r"(?:neighbou?rhoods?|districts?|areas?|quarters?)"


def _a_district(place: str, question: str) -> bool:
    """Does the question call the place a part of a city ("the Bab al-Nasr area of Old Aleppo", "Aleppo's
    Karam al-Beik neighbourhood", "the district of Marjeh")?"""
    name = re.escape(place)
    return bool(
        re.search(rf"{name}\s+(?:and\s+[\w'’-]+\s+)?{_DISTRICT}\b|\b{_DISTRICT}\s+of\s+(?:the\s+)?{name}", question)
    )


def _is_rare(place: str, weights: dict[str, float]) -> bool:
    return max((weights.get(t, 0.0) for t in text_stems(place)), default=0.0) >= RARE_PLACE


def _names_asked_place(p: Passage, places: Sequence[str]) -> bool:
    return names_place(p.title, places) or names_place(p.text, places)


def _that_can_answer(question: str, pool: list[Candidate]) -> list[Candidate]:
    """The candidates whose sentence can answer what is asked: for "who claimed …", one that says
    someone claimed it; for a count of one event, not a whole war's toll; for a role, one that says
    the role (itself or an alias): a sentence about the hospital that never says "director" does not
    tell who its director was."""
    if _ASKS_CLAIMANT.search(question):  # "Who claimed the attack?": a sentence that says who claimed it
        pool = [c for c in pool if _CLAIM.search(c.text)]
    if question_type(question) is QType.COUNT and not (RUNNING_TOTAL.search(question) or war_total(question)):
        pool = [c for c in pool if not war_total(c.text)]  # "330,000 killed since the war began"
    role = asked_role(question)
    if role is None:
        return pool
    r = stem(role)
    return [c for c in pool if covered(r, text_stems(c.text)) or _speaker_of_role(c, r)]


_SPOKE = re.compile(r"\s+(?:says?|said|told|tells)\b")
_CREDITS = re.compile(r"\b(?:according to|said|says|told)\b")


def _speaker_of_role(c: Candidate, role: str) -> bool:
    """Is the sentence's name the one who spoke, right after a sentence that credits the asked role
    ("… according to a local civil defense official. … Vasik Harak told Anadolu Agency."): a report
    says who its source is once, then names him."""
    if c.span is None or not _SPOKE.match(c.text, c.span.end):
        return False
    before = c.passage.text[: max(0, c.start - c.passage.start)].strip()
    prev = re.split(r"(?<=[.!?])\s+", before)[-1] if before else ""
    return bool(_CREDITS.search(prev)) and covered(role, text_stems(prev))


_ASKS_CLAIMANT = re.compile(  # claimed an attack ("claimed the bombing"), not a fact ("claimed the siege had …")
    r"^\s*(?:and\s+)?(?:who\s+|(?:which|what)\s+(?:[\w'’-]+\s+){1,2}?)(?:has\s+|had\s+)?"
    r"(?:(?:claimed|claims|claim|took|takes|taken)\s+(?:responsibility|credit)\b|(?:claimed|claims|claim)\s+"
    r"(?:it\b|(?:the|an?|this|that)\s+(?!(?:[\w'’-]+\s+){0,3}(?:had|has|have|was|were|is|are|would|will)\b)))",
    re.I,
)
_CLAIM = re.compile(r"\bclaim|\bresponsib|\bstatement\b|\btook credit|\bowned up", re.I)


def _naming_neighbour(question: str, best: Candidate, cands: list[Candidate], qtype: QType) -> Candidate | None:
    """For a "which X" question whose best sentence speaks of "the X" without naming it ("The film,
    starring Adrien Brody, has been nominated for 10 Oscars"), the sentence right before it in its
    report (else the one right after): a report names a thing once, then says "the film"."""
    if qtype not in (QType.ENTITY, QType.PLACE, QType.PERSON) or not says_the_asked(best.text, question):
        return None
    if best.span is not None and qtype is not QType.ENTITY:  # a "what X" span is any name: it may not be X
        return None
    same = [c for c in cands if c is not best and c.passage.article_id == best.passage.article_id]
    before = [c for c in same if 0 <= best.start - c.end <= _ADJACENT]
    after = [c for c in same if 0 <= c.start - best.end <= _ADJACENT]
    return (before or after)[0] if before or after else None


_ADJACENT = 4  # characters of white space between two sentences that follow each other


def _leads(qtype: QType, question: str) -> Callable[[Candidate], bool]:
    """Which candidates go first: one with a span of the asked type (a "what X" answer is often no name at
    all, so not for those: there a span only adds to the score), and for "what kind of market?" one that
    qualifies the noun ("a cattle market")."""
    if qtype in TYPED and qtype is not QType.ENTITY:
        return lambda c: c.span is not None
    if qtype is QType.ENTITY and asked_kind(question):
        return lambda c: c.span is not None and is_kind_span(c.span.text, question)
    return lambda c: False


def _pool(cands: list[Candidate], size: int = 12, asked: int = 6) -> list[Candidate]:
    """The best ``size`` sentences, and the best ``asked`` more from the reports that meet most of the
    question's own constraints (its day, its outlet): the one report asked for may have many sentences
    that score lower than other reports' best ones."""
    pool = cands[:size]
    most = max((_asked_report(c.passage) for c in cands), default=0)
    if most:
        pool += [c for c in cands[size:] if _asked_report(c.passage) == most][:asked]
    return pool


def _considered(passages: Sequence[Passage], n: int, asked: int = 3) -> list[Passage]:
    """The first ``n`` passages, and up to ``asked`` more from the reports the question asked for
    (``meets_asked``: its day and outlet), wherever retrieval ranked them."""
    top = list(passages[:n])
    return top + [p for p in passages[n:] if meets_asked(p)][:asked]


def _credits(passages: Sequence[Passage]) -> set[str]:
    """The names (outlet keys and stems) of the outlets the question named as its source, read from
    the reports of theirs that retrieval marked."""
    out: set[str] = set()
    for p in passages:
        if "outlet" in p.scores:
            out |= {outlet_key(part) for part in p.source.split("/")} | text_stems(p.source)
    return out


def _by_metadata(q: dict[str, float], p: Passage, credits: AbstractSet[str] = frozenset()) -> dict[str, float]:
    """The question's words the report's text must cover. In a report from the date window the question
    names ("on August 16, 2016") the date words are answered by the report's date; an outlet the
    question names as its source ("according to SANA") is answered by a credit line, not by any text."""
    if "window" in p.scores:
        q = {t: w for t, w in q.items() if not is_date_word(t)}
    return _without_credits(q, credits)


def _without_credits(q: dict[str, float], credits: AbstractSet[str]) -> dict[str, float]:
    return {t: w for t, w in q.items() if t not in credits and outlet_key(t) not in credits} if credits else q


def _unmet(p: Passage, passages: Sequence[Passage], question: str = "", sentence: str = "") -> str:
    """The question's own outlet and day (marked by retrieval) that this report does not meet, named
    as the reports that do meet them credit and date them ("from SANA of 5 Jul 2016"), or "". A
    report that credits the asked outlet in so many words ("… state news agency SANA reported")
    meets it."""
    missing = []
    names = sorted({q.source for q in passages if "outlet" in q.scores})
    if "asked_outlet" in p.scores and "outlet" not in p.scores and not _credits_asked(p.text, question, names):
        missing.append("from " + " or ".join(names[:2]))
    dated = len(missing)
    period = "asked_period" in p.scores and "period" not in p.scores
    told = any(_tells_of_day(q, question) for q in [p, *passages] if q.article_id == p.article_id)  # any chunk
    if period and not date_carried(question) and not told:  # "In December …" in a report of a month on
        missing.append("of the month or week the question names")
    days = sorted({q.date for q in passages if "window" in q.scores and q.date})
    told = told or near_asked_day(p, question) or tells_of_asked_day(sentence, p, question)
    if "asked_day" in p.scores and "window" not in p.scores and not told:
        missing.append(f"of {day_label(days[0])}" if days else "of the day the question names")
    if len(missing) == dated and predates(p, question):  # no report of the period at all: still not earlier
        missing.append(f"of {asked_period(question)} or after")
    return " ".join(missing)


_ACCORDING_TO = re.compile(r"\baccording to (?:the )?([\w'’&.-]+(?: [\w'’&.-]+)?)", re.I)


def _credits_asked(text: str, question: str, outlets: Sequence[str] = ()) -> bool:
    """Does the text give its news as the outlet the question names ("according to SANA", "did SANA
    say") said it ("SANA reported", "state news agency SANA said", "according to SANA")? The outlet
    is the one after "according to" in the question, or any of ``outlets`` (the asked outlet as the
    index stores it)."""
    m = _ACCORDING_TO.search(question)
    names = [m.group(1).strip(" ?.!,")] if m else []
    names += [o for o in outlets if o and o.lower() in question.lower()]
    said = r"(?:reported|reports|said|says|quoted|cited|announced)"
    for name in names:
        n = re.escape(name)
        if re.search(rf"\b{n}\b(?:\s+[\w'’-]+){{0,2}}\s+{said}\b|according to (?:the )?{n}\b", text, re.I):
            return True
    return False


def _own_counts(question: str, passages: Sequence[Passage]) -> dict[str, int]:
    """Where each report gives its own count of what the question asks (the one its title repeats,
    or its lead gives; ``DisagreementFinder.mentions``): article id → body offset of that count."""
    slot = count_slot(question)
    if slot is None:
        return {}
    unique = list({p.chunk_id: p for p in passages}.values())
    # "how many children": a count of "26 people" is no report's own count of children ("people" may be civilians)
    exact = bool(slot.nouns - _ANYONE_CIVILIAN)
    return {m.passage.article_id: m.start for m in DisagreementFinder().mentions(slot, unique, exact)}


_ANYONE_CIVILIAN = frozenset({stem("civilians")})


def _holds(c: Candidate, own: dict[str, int]) -> bool:
    """Does the sentence hold its report's own count (``_own_counts``)?"""
    at = own.get(c.passage.article_id)
    return at is not None and c.start <= at < c.end


def _asked_report(p: Passage, question: str = "", outlets: Sequence[str] = ()) -> float:
    """How many of the question's own constraints the report meets: its day (or date window) and
    the outlet it names as its source ("on 16 July 2015 according to SANA"), from that outlet or
    crediting it in so many words. Retrieval marks them. A report dated near the asked day (the
    day after, or its own dateline names the day) meets the day by half."""
    credited = "asked_outlet" in p.scores and bool(question) and _credits_asked(p.text, question, outlets)
    near = "window" not in p.scores and "asked_day" in p.scores and bool(question) and near_asked_day(p, question)
    return ("window" in p.scores) + 0.5 * near + ("outlet" in p.scores or credited)


def _tells_of_day(p: Passage, question: str) -> bool:
    """Does one of the passage's sentences put what it tells on the asked day ("… hurt in Tuesday's
    attack" in Thursday's report, for "the 4 April 2017 attack"), or its own dateline name it?"""
    told = any(tells_of_asked_day(p.text[s:e], p, question) for s, e in quote_aware_spans(p.text))
    return told or dated_asked_day_in_text(p, question)


def _asked_passage(p: Passage, question: str, outlets: Sequence[str] = ()) -> float:
    """``_asked_report`` of a passage, where a report the archive dates otherwise meets the day in full
    when one of the passage's sentences dates what it tells to the asked day ("The blast on Sunday night
    struck …" in Monday's report, for "on 14 August 2016", a Sunday), or its own dateline names the day."""
    asked = _asked_report(p, question, outlets)
    if "window" in p.scores or "asked_day" not in p.scores:
        return asked
    if _tells_of_day(p, question):
        asked += 0.5 if near_asked_day(p, question) else 1.0
    return asked


def _polarity(question: str, sentence: str, strict: bool = False, need: float = 0.5) -> str | None:
    """ "Yes", "No" or "Differ" for a sentence answering a yes/no question: the clauses that carry
    the question's words (or deny a claim) are read for a negation; a claim and its denial in one
    sentence ("X said it had…, but Y denied it") differ."""
    qwords = {stem(t) for t in question_terms(question)}
    verdicts = []
    for part in _CONTRAST.split(sentence):
        words = {stem(t) for t in content_terms(part)}
        if _DENIAL.search(part) or (qwords and len(words & qwords) >= need * len(qwords)):
            verdicts.append(bool(_NEGATION.search(part)))
    if not verdicts:
        if strict:
            return None  # no clause is about the question
        verdicts = [bool(_NEGATION.search(sentence))]
    if len(set(verdicts)) > 1:
        return "Reports differ"
    return "No" if verdicts[0] else "Yes"


def _other_side(question: str, best: Candidate, ok: Sequence[Candidate]) -> Candidate | None:
    """For a yes/no question: a well-supported sentence of another clause or report whose answer differs."""
    mine = _polarity(question, best.text)
    for c in sorted(ok, key=lambda c: -c.score):
        if c is best or _overlaps(c, best) or c.score < 0.6 * best.score:
            continue
        theirs = _polarity(question, c.text, strict=True, need=0.75)
        if theirs is not None and theirs != mine:
            return c
    return None


_QUALIFIER = re.compile(
    r"\b(at least|more than|less than|about|around|nearly|almost|over|some|up to|roughly|approximately|"
    r"well over|an estimated|only|just|another|the|a|an)\b",
    re.I,
)


def _value_key(text: str) -> str:
    """A span's value for comparing reports: qualifiers, case and punctuation dropped."""
    return re.sub(r"[^\w]+", " ", _QUALIFIER.sub(" ", text.lower())).strip()


def _agreement(
    pool: Sequence[Candidate], per_report: bool = True, per_vote: float = AGREEMENT_PER_VOTE, most: int = 3
) -> dict[int, float]:
    """A bonus for each candidate whose answer value other reports give too ("48 hours" in four
    reports beats "seven days" in one): ``per_vote`` per other report, at most ``most`` votes. A name
    one report repeats is its subject more often than its answer ("al-Hader" twice, "Baron Street"
    once); a count it repeats is its own count (the title's and the lead's): ``per_report=False``
    counts sentences."""
    votes: dict[str, set] = {}
    for c in pool:
        if c.span is not None:
            votes.setdefault(_value_key(c.span.text), set()).add(c.passage.article_id if per_report else id(c))
    return {id(c): per_vote * min(most, len(votes[_value_key(c.span.text)]) - 1) for c in pool if c.span is not None}


def _overlaps(a: Candidate, b: Candidate) -> bool:
    return a.passage.article_id == b.passage.article_id and a.start < b.end and b.start < a.end


def _redundant(a: str, b: str) -> bool:
    wa, wb = set(content_terms(a)), set(content_terms(b))
    if not wa or not wb:
        return False
    return len(wa & wb) / min(len(wa), len(wb)) > 0.7


_CLAUSE = re.compile(r"(?<=[,;:—–])\s+|\s+(?=[—–]\s)")


_NEW_WORDS_WEIGHT = 0.2


_WHOLE_IF_WITHIN = 1.2  # a lead sentence up to 20% over the quote limit is quoted whole


def _trim(c: Candidate, q: dict[str, float], limit: int, whole: float = 1.0) -> tuple[int, int, bool, bool]:
    """Body offsets of the part of a long sentence to quote: the clause window that holds the direct
    answer and covers most of the question within ``limit`` characters. Returns (start, end,
    cut_before, cut_after)."""
    if len(c.text) <= limit * whole:  # within the limit (or a lead a little over it): whole
        return c.start, c.end, False, False
    cuts = [0] + [m.end() for m in _CLAUSE.finditer(c.text)] + [len(c.text)]
    pieces = [(cuts[i], cuts[i + 1]) for i in range(len(cuts) - 1)]
    best, best_span, best_cov = -1.0, (0, min(len(c.text), limit)), -1.0
    for i in range(len(pieces)):
        for j in range(i, len(pieces)):
            s, e = pieces[i][0], pieces[j][1]
            if e - s > limit:
                break
            if c.span is not None and not (s <= c.span.start and c.span.end <= e):
                continue
            words = {stem(t) for t in content_terms(c.text[s:e])}
            # the question's words, and something it does not say: not just "The U.N. special envoy for Syria,"
            cov = _coverage(q, words)
            score = cov + _NEW_WORDS_WEIGHT * min(1.0, len(words - q.keys()) / 8)
            if score > best:
                best, best_span, best_cov = score, (s, e), cov
    s, e = best_span
    if best_cov <= 0 and c.span is None:  # no clause window that fits holds a question word: a window around
        s, e = _window(c.text, _heaviest_word(c.text, q), limit)  # the weightiest one the sentence has
    elif best < 0:  # no clause window fits: a word-bounded window around the span (or the start)
        s, e = _window(c.text, c.span, limit)
    seg = c.text[s:e]
    s += len(seg) - len(seg.lstrip())
    e -= len(seg) - len(seg.rstrip(" ,;:—–"))
    return c.start + s, c.start + e, s > 0, e < len(c.text)


def _heaviest_word(text: str, q: dict[str, float]) -> Span | None:
    """The sentence's word with the most question weight, as a span (None when it has none)."""
    best: tuple[float, Span] | None = None
    for m in re.finditer(r"[\w'’-]+", text):
        w = q.get(stem(m.group(0).lower()), 0.0)
        if w > 0 and (best is None or w > best[0]):
            best = (w, Span(m.start(), m.end(), m.group(0), 0.0))
    return best[1] if best else None


def _window(text: str, span: Span | None, limit: int) -> tuple[int, int]:
    """At most ``limit`` characters cut at spaces, holding ``span`` when there is one."""
    if span is None or span.end <= limit:
        e = text.rfind(" ", 0, limit) if " " in text[:limit] else limit
        return 0, e
    mid = (span.start + span.end) // 2
    s = max(0, mid - limit // 2)
    s = text.find(" ", s) + 1 if s > 0 and " " in text[s : span.start] else min(s, span.start)
    e = min(len(text), s + limit)
    if e < len(text):
        e = max(span.end, text.rfind(" ", span.end, e) if " " in text[span.end : e] else e)
    return s, e
