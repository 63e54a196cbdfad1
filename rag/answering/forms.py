"""The form of a question that spans many reports: a timeline, a comparison, a list of reports.

A *form* is about the shape of the answer, not its topic, so the patterns name only question
framing ("what happened in …", "do the reports agree", "which outlets reported …") and never a
word of one corpus. Questions of none of these forms are single-fact questions (``SINGLE``).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from enum import Enum


class Form(str, Enum):
    TIMELINE = "timeline"  # what happened in/during a period, how something unfolded
    COMPARISON = "comparison"  # do the reports agree, according to different outlets
    LIST = "list"  # which outlets / reports said something
    SINGLE = "single"


_SOURCES = r"(reports?|sources?|outlets?|accounts?|media|news ?papers?|agencies|agency|articles?|stories)"

_TIMELINE = re.compile(
    r"\b(give|show|make|build|draw|create|provide|want|need|like)\b.{0,20}\btime ?lines?\b|^\W*time ?lines?\b|"
    r"\btime ?line of (the )?(events|what)\b|\bin (chronological|date) order\b|\bchronology of\b|"
    r"\bsequence of events\b|\bday[- ]by[- ]day\b|"
    r"\bwhat (has |had )?(happened|went on|took place|occurred|was happening|is happening)\s+"
    r"(in|during|on|at|over|between|since|throughout|across|around|near|from|last|this|yesterday|today|recently)\b|"
    r"\bhow did\b.{1,120}?\b(unfold|develop|evolve|progress|play out|escalate)\b|"
    r"\b(walk|take) me through\b|\bwhat were the (main |key )?events\b|"
    r"\b(recount|trace|outline) the events\b",
    re.I,
)
_COMPARISON = re.compile(
    rf"\bdo (the |all |different |these |those )?{_SOURCES} (all )?(agree|differ|disagree|conflict|match|concur)\b|"
    rf"\b(does|do) .{{1,40}}\bagree\b|"
    rf"\baccording to (the )?(different|various|several|other|each of the|each|all the|multiple) {_SOURCES}\b|"
    rf"\bhow do (the )?(different |various )?{_SOURCES} (differ|compare|vary)\b|"
    rf"\b(conflicting|contradictory|differing|different|disputed) (figures|numbers|counts|tolls|"
    rf"accounts|reports|claims|versions|estimates)\b|"
    rf"\b(is|are) there (any )?(disagreement|discrepanc|contradiction|conflict)|\bdiscrepanc(y|ies)\b|"
    rf"\bcompare (the )?{_SOURCES}\b",
    re.I,
)
_LIST = re.compile(
    rf"\b(which|what) {_SOURCES} (reported|covered|said|mentioned|wrote|published|claimed|described)\b|"
    rf"(?:^\W*|[.,;:?!]\s+)who (reported|covered|wrote about)\b|"  # not "the director who reported the toll"
    rf"\blist (all |the )?{_SOURCES}\b|"
    rf"\bhow many {_SOURCES} (reported|covered|mentioned|said)\b",
    re.I,
)


@dataclass(frozen=True, slots=True)
class QuestionForm:
    form: Form
    phrase: str = ""  # the words that gave the form away


def question_form(question: str) -> QuestionForm:
    """The form of ``question``. Comparison wins over timeline ("do the reports agree on what
    happened in …" asks for the differences), timeline over list."""
    for form, pat in ((Form.COMPARISON, _COMPARISON), (Form.TIMELINE, _TIMELINE), (Form.LIST, _LIST)):
        m = pat.search(question)
        if m:
            return QuestionForm(form, m.group(0))
    return QuestionForm(Form.SINGLE)


def without_comparison(question: str) -> str:
    """``question`` less the words that ask for a comparison, for the single-fact answerer: "…
    on 5 May 2016? Do the reports agree?" asks for the count; "agree" is no word a report must say."""
    f = question_form(question)
    if f.form is not Form.COMPARISON:
        return question
    start = question.find(f.phrase)
    end = start + len(f.phrase)
    while end < len(question) and question[end].isalnum():  # "conflict" of "conflicting": the whole word
        end += 1
    rest = question[:start] + " " + question[end:]
    rest = re.sub(r"(?<=[?.!])[\s?.!,;:]+$", "", rest.strip())  # the comparison's own sentence, left empty
    rest = re.sub(r"\s+([?.!,;:])", r"\1", re.sub(r"\s{2,}", " ", rest)).strip()
    return rest if re.search(r"\w", rest) else question
