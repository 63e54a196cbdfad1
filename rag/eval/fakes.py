"""Questions across many reports, built from the FA-KES dev annotations: timelines and disagreements.

The crowd annotated each FA-KES article with the place (a governorate), the date of the incident
and casualty counts. From the dev part (``fa-kes-annotations.dev.jsonl``) this builds:

- **timeline** questions: for every (place, month) with 3–20 annotated reports, "What happened in
  {Place} in {Month YYYY}? Give me a timeline." The key is the list of those reports.
- **disagreement** questions: for every (place, day) whose reports come from two or more outlets,
  "How many civilians were killed in {Place} on {D Month YYYY}? Do the reports agree?". The event
  *disagrees* when two reports from different outlets give different civilian counts, and
  *agrees* when every report gives the same one (those are the false-alarm checks).
- **day_count** questions, one per (place, day) whose reports give a count, naming no outlet: "How
  many civilians were reported killed in {Place} on {D Month YYYY}?"; any of the day's counts answers.
- **casualty** questions, one per annotated report: "How many civilians were reported killed in
  {Place} on {D Month YYYY} according to {outlet}?" (the data README's own form). The key is that
  report's civilian count; a count of 0 is mostly a report that gives none, so those are kept
  apart and not scored for the number.

Scoring works on the ``/ask`` JSON (``Answer.to_dict``) and the corpus metadata (place and date of
every article), and is defined in ``eval/README.md``. Question ids decide the tune/report split.
"""

from __future__ import annotations

import datetime as dt
import json
import re
from collections.abc import Iterable, Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path

from .metrics import mean, quoted_pieces, rate, split_claims

ANNOTATIONS_FILE = "fa-kes-annotations.dev.jsonl"
ARTICLES_FILE = "fa-kes-articles.jsonl"
COVERAGE_CAP = 8  # coverage counts at most this many of a period's reports


@dataclass(slots=True)
class TimelineQuestion:
    id: str
    question: str
    place: str
    start: str  # the asked period, ISO, inclusive
    end: str
    report_ids: list[str]  # annotated reports of that place and period


@dataclass(slots=True)
class DisagreementQuestion:
    id: str
    question: str
    place: str
    date: str
    values: dict[str, str]  # report id → annotated civilian count
    sources: dict[str, str]  # report id → outlet
    disagree: bool = field(default=False)


@dataclass(slots=True)
class CasualtyQuestion:
    id: str
    question: str
    report_id: str  # the annotated report
    count: str  # its civilian count ("0": none given)


@dataclass(frozen=True, slots=True)
class ArticleMeta:
    place: str
    date: str | None


def read_jsonl(path: Path) -> list[dict]:
    with open(path, encoding="utf-8") as f:
        return [json.loads(line) for line in f if line.strip()]


def article_meta(articles: Iterable[dict]) -> dict[str, ArticleMeta]:
    """Article id (the corpus ``row``, as the index stores it) → its annotated place and date."""
    return {str(a["row"]): ArticleMeta(a.get("location") or "", a.get("date")) for a in articles}


def index_ids(annotations: Sequence[dict], articles: Iterable[dict]) -> list[dict]:
    """The annotations with ``report``: the id the index holds for the annotated article. The reader
    keeps the first of identical articles (FA-KES repeats some under new rows), so a later copy is
    cited as the first; a copy annotated again for the same place is one report and keeps its first
    annotation. ``row`` stays as it was: question ids, and so the tune/report split, do not move."""
    first: dict[tuple, str] = {}
    kept: dict[str, str] = {}
    for art in articles:
        key = (art.get("title"), art.get("content"), art.get("source"), art.get("date"))
        kept[str(art["row"])] = first.setdefault(key, str(art["row"]))
    out, seen = [], set()
    for a in annotations:
        report = kept.get(str(a["row"]), str(a["row"]))
        if (report, a.get("location")) in seen:
            continue
        seen.add((report, a.get("location")))
        out.append({**a, "report": report})
    return out


def _report_id(a: dict) -> str:
    return str(a.get("report", a["row"]))


def _place_name(location: str) -> str:
    return " ".join(w.capitalize() for w in location.split())


def _slug(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")


def timeline_questions(annotations: Sequence[dict], lo: int = 3, hi: int = 20) -> list[TimelineQuestion]:
    groups: dict[tuple[str, str], list[str]] = {}
    for a in annotations:
        if a.get("location") and a.get("date"):
            groups.setdefault((a["location"], a["date"][:7]), []).append(_report_id(a))
    out = []
    for (place, month), rows in sorted(groups.items()):
        if not lo <= len(rows) <= hi:
            continue
        first = dt.date.fromisoformat(f"{month}-01")
        last = (first.replace(day=28) + dt.timedelta(days=4)).replace(day=1) - dt.timedelta(days=1)
        q = f"What happened in {_place_name(place)} in {first.strftime('%B %Y')}? Give me a timeline."
        out.append(
            TimelineQuestion(f"fakes-tl-{_slug(place)}-{month}", q, place, first.isoformat(), last.isoformat(), rows)
        )
    return out


def disagreement_questions(annotations: Sequence[dict]) -> list[DisagreementQuestion]:
    groups: dict[tuple[str, str], list[dict]] = {}
    for a in annotations:
        if a.get("location") and a.get("date") and a.get("nb_civilians") not in (None, ""):
            groups.setdefault((a["location"], a["date"]), []).append(a)
    out = []
    for (place, day), rows in sorted(groups.items()):
        if len({r["source"] for r in rows}) < 2:
            continue
        disagree = any(
            x["nb_civilians"] != y["nb_civilians"] and x["source"] != y["source"] for x in rows for y in rows
        )
        agree = len({r["nb_civilians"] for r in rows}) == 1
        if not (disagree or agree):
            continue
        when = dt.date.fromisoformat(day).strftime("%-d %B %Y")
        q = f"How many civilians were killed in {_place_name(place)} on {when}? Do the reports agree?"
        values = {_report_id(r): str(int(r["nb_civilians"])) for r in rows}
        sources = {_report_id(r): r["source"] for r in rows}
        out.append(DisagreementQuestion(f"fakes-dis-{_slug(place)}-{day}", q, place, day, values, sources, disagree))
    return out


def casualty_questions(annotations: Sequence[dict]) -> list[CasualtyQuestion]:
    out = []
    for a in annotations:
        if not (a.get("location") and a.get("date") and a.get("source")) or a.get("nb_civilians") in (None, ""):
            continue
        when = dt.date.fromisoformat(a["date"]).strftime("%-d %B %Y")
        place = _place_name(a["location"])
        q = f"How many civilians were reported killed in {place} on {when} according to {a['source']}?"
        out.append(CasualtyQuestion(f"fakes-cas-{a['row']}", q, _report_id(a), str(int(a["nb_civilians"]))))
    return out


def _days_with_counts(annotations: Sequence[dict]) -> list[tuple[tuple[str, str], list[dict]]]:
    """The annotations that give a civilian count, grouped by (place, day), in order."""
    groups: dict[tuple[str, str], list[dict]] = {}
    for a in annotations:
        if a.get("location") and a.get("date") and a.get("nb_civilians") not in (None, "", "0"):
            groups.setdefault((a["location"], a["date"]), []).append(a)
    return sorted(groups.items())


def day_count_questions(annotations: Sequence[dict]) -> list[CasualtyQuestion]:
    """One question per (place, day) whose reports give a count, naming no outlet: "How many
    civilians were reported killed in {Place} on {D Month YYYY}?". Any of that day's annotated
    counts answers it (``count`` holds them, comma-separated; ``report_id`` the reports)."""
    out = []
    for (place, day), rows in _days_with_counts(annotations):
        when = dt.date.fromisoformat(day).strftime("%-d %B %Y")
        q = f"How many civilians were reported killed in {_place_name(place)} on {when}?"
        counts = ",".join(sorted({str(int(r["nb_civilians"])) for r in rows}, key=int))
        reports = ",".join(_report_id(r) for r in rows)
        out.append(CasualtyQuestion(f"fakes-casday-{place}-{day}", q, reports, counts))
    return out


def day_report_questions(annotations: Sequence[dict]) -> list[DisagreementQuestion]:
    """One question per (place, day) whose reports give a count, in the disagreement form ("How many
    civilians were killed in {Place} on {D Month YYYY}? Do the reports agree?"), agreeing or not: is
    each report's own count shown, quoted from it? ``values`` holds the reports that give a count."""
    out = []
    for (place, day), rows in _days_with_counts(annotations):
        when = dt.date.fromisoformat(day).strftime("%-d %B %Y")
        q = f"How many civilians were killed in {_place_name(place)} on {when}? Do the reports agree?"
        values = {_report_id(r): str(int(r["nb_civilians"])) for r in rows}
        sources = {_report_id(r): r["source"] for r in rows}
        disagree = len(set(values.values())) > 1
        # the id of the disagreement question of that day: a day in both sets falls in the same part
        out.append(DisagreementQuestion(f"fakes-dis-{_slug(place)}-{day}", q, place, day, values, sources, disagree))
    return out


# --- scoring: timelines ---------------------------------------------------------------------------------


def cited_articles(answer: dict) -> list[str]:
    """Distinct article ids of the citations, in citation order."""
    return list(dict.fromkeys(c["article_id"] for c in answer.get("citations", [])))


def is_chronological(answer: dict, meta: dict[str, ArticleMeta]) -> bool:
    """Timeline entries in non-decreasing date order; without entries, the citations' report dates."""
    entries = answer.get("timeline") or []
    if entries:
        dates = [e["date"] for e in entries if e.get("date")]
    else:
        dates = [d for d in (meta[a].date if a in meta else None for a in cited_articles(answer)) if d]
    return all(a <= b for a, b in zip(dates, dates[1:]))


def score_timeline(q: TimelineQuestion, answer: dict, meta: dict[str, ArticleMeta]) -> dict:
    cited = cited_articles(answer)
    dated = [d for d in (meta[a].date for a in cited if a in meta) if d]
    inside = [q.start <= d <= q.end for d in dated]
    found = set(cited) & set(q.report_ids)
    return {
        "id": q.id,
        "abstained": bool(answer.get("abstained")),
        "cited": len(cited),
        "cited_in_period": sum(inside),
        "in_period": (sum(inside) / len(inside)) if inside else None,
        "coverage": min(len(found), COVERAGE_CAP) / min(len(q.report_ids), COVERAGE_CAP),
        "reports_found": sorted(found, key=int),
        "chronological": is_chronological(answer, meta),
        "entries": len(answer.get("timeline") or []),
        "outside": [a for a in cited if a in meta and (d := meta[a].date) and not q.start <= d <= q.end],
    }


def timeline_summary(records: Sequence[dict]) -> dict:
    cited = sum(r["cited"] for r in records)
    return {
        "questions": len(records),
        "abstained": sum(r["abstained"] for r in records),
        "in_period_mean": mean(r["in_period"] for r in records),
        "in_period_all_citations": round(sum(r["cited_in_period"] for r in records) / cited, 4) if cited else None,
        "coverage_mean": mean(r["coverage"] for r in records),
        "coverage_at_least_0.6": rate(r["coverage"] >= 0.6 for r in records),
        "chronological": rate(r["chronological"] for r in records),
        "reports_cited_mean": mean(r["cited"] for r in records),
        "entries_mean": mean(r["entries"] for r in records),
    }


# --- scoring: disagreements -------------------------------------------------------------------------------

_WORDNUMS = {
    w: str(i)
    for i, w in enumerate(
        "zero one two three four five six seven eight nine ten eleven twelve thirteen fourteen fifteen sixteen "
        "seventeen eighteen nineteen twenty".split()
    )
}
_WORDNUMS.update({"thirty": "30", "forty": "40", "fifty": "50", "sixty": "60", "seventy": "70", "eighty": "80"})
_WORDNUMS.update({"ninety": "90", "hundred": "100"})


def numbers_in(text: str) -> set[str]:
    """The whole numbers a text states, in digits ("1,300" → 1300, "Thirty" → 30)."""
    out = {m.replace(",", "").lstrip("0") or "0" for m in re.findall(r"(?<![\d.])\d[\d,]*+(?![\d.]\d)", text)}
    low = text.lower()
    out |= {_WORDNUMS[w] for w in re.findall(r"[a-z]+", low) if w in _WORDNUMS}
    for tens, unit in re.findall(
        r"\b(twenty|thirty|forty|fifty|sixty|seventy|eighty|ninety)-(one|two|three|four|five|six|seven|eight|nine)\b",
        low,
    ):
        out.add(str(int(_WORDNUMS[tens]) + int(_WORDNUMS[unit])))
    return out


def _of_event(q: DisagreementQuestion, article_id: str, meta: dict[str, ArticleMeta]) -> bool:
    m = meta.get(article_id)
    return article_id in q.values or (m is not None and m.place == q.place and m.date == q.date)


def values_shown(q: DisagreementQuestion, answer: dict, meta: dict[str, ArticleMeta]) -> set[str]:
    """Annotated counts of the event that the answer states inside a quote whose claim cites a
    report of the event."""
    if answer.get("abstained"):
        return set()
    cites = {c["n"]: c["article_id"] for c in answer.get("citations", [])}
    gold = set(q.values.values())
    shown: set[str] = set()
    for claim in split_claims(answer.get("answer", "")):
        if not any(_of_event(q, cites.get(n, ""), meta) for n in claim.markers):
            continue
        for piece in quoted_pieces(claim.text):
            shown |= numbers_in(piece) & gold
    return shown


def false_disagreements(answer: dict, meta: dict[str, ArticleMeta]) -> int:
    """Pairs of values of one claimed disagreement that no two reports of one place and day (a day
    apart at most) support: the reports behind them are about different events."""
    cites = {c["n"]: c["article_id"] for c in answer.get("citations", [])}
    bad = 0
    for d in answer.get("disagreements") or []:
        sides = [[meta.get(cites.get(n, "")) for n in v["citations"]] for v in d["values"]]
        for i in range(len(sides)):
            for j in range(i + 1, len(sides)):
                if not any(_same_event(a, b) for a in sides[i] for b in sides[j]):
                    bad += 1
    return bad


def _same_event(a: ArticleMeta | None, b: ArticleMeta | None) -> bool:
    if a is None or b is None or not a.date or not b.date or a.place != b.place:
        return False
    return abs((dt.date.fromisoformat(a.date) - dt.date.fromisoformat(b.date)).days) <= 1


def score_disagreement(q: DisagreementQuestion, answer: dict, meta: dict[str, ArticleMeta]) -> dict:
    shown = values_shown(q, answer, meta)
    structured = answer.get("disagreements") or []
    return {
        "id": q.id,
        "disagree": q.disagree,
        "gold_values": sorted(set(q.values.values()), key=int),
        "abstained": bool(answer.get("abstained")),
        "values_shown": sorted(shown, key=int),
        "both_sides": len(shown) >= 2,
        "one_side": len(shown) == 1,
        "claimed": bool(structured),
        "claimed_values": [[v["value"] for v in d["values"]] for d in structured],
        "false_pairs": false_disagreements(answer, meta),
    }


def disagreement_summary(records: Sequence[dict]) -> dict:
    pos = [r for r in records if r["disagree"]]
    neg = [r for r in records if not r["disagree"]]
    return {
        "events_disagreeing": len(pos),
        "both_sides_shown": sum(r["both_sides"] for r in pos),
        "one_side_shown": sum(r["one_side"] for r in pos),
        "claimed_on_disagreeing": sum(r["claimed"] for r in pos),
        "events_agreeing": len(neg),
        "claimed_on_agreeing": sum(r["claimed"] for r in neg),
        "false_disagreement_pairs": sum(r["false_pairs"] for r in records),
        "answers_with_false_pairs": sum(1 for r in records if r["false_pairs"]),
        "abstained": sum(r["abstained"] for r in records),
    }


def score_day_reports(q: DisagreementQuestion, answer: dict, meta: dict[str, ArticleMeta]) -> dict:
    """Which of the day's reports have their own count shown: a claim citing the report quotes it."""
    cites = {c["n"]: c["article_id"] for c in answer.get("citations", [])}
    shown: set[str] = set()
    if not answer.get("abstained"):
        for claim in split_claims(answer.get("answer", "")):
            numbers = set().union(*(numbers_in(p) for p in quoted_pieces(claim.text)))
            shown |= {cites.get(n, "") for n in claim.markers if q.values.get(cites.get(n, "")) in numbers}
    return {
        "id": q.id,
        "reports": len(q.values),
        "reports_shown": len(shown),
        "all_shown": shown >= set(q.values),
        "differ": q.disagree,
        "abstained": bool(answer.get("abstained")),
        "claimed": bool(answer.get("disagreements")),
        "claimed_values": [[v["value"] for v in d["values"]] for d in answer.get("disagreements") or []],
        "false_pairs": false_disagreements(answer, meta),
    }


def day_reports_summary(records: Sequence[dict]) -> dict:
    reports = sum(r["reports"] for r in records)
    many = [r for r in records if r["reports"] > 1]
    return {
        "days": len(records),
        "reports": reports,
        "reports_shown": round(sum(r["reports_shown"] for r in records) / reports, 4) if reports else None,
        "days_all_shown": rate(r["all_shown"] for r in records),
        "days_with_2plus_reports": len(many),
        "days_2plus_all_shown": rate(r["all_shown"] for r in many),
        "abstained": sum(r["abstained"] for r in records),
        # a disagreement claimed where the annotated counts agree, or between reports of different events
        "claimed_on_agreeing": sum(r.get("claimed", False) and not r["differ"] for r in records),
        "false_disagreement_pairs": sum(r.get("false_pairs", 0) for r in records),
        "answers_with_false_pairs": sum(1 for r in records if r.get("false_pairs")),
    }


# --- scoring: casualty counts --------------------------------------------------------------------


def _claimed(answer: dict) -> tuple[dict, str]:
    """The first statement and the text of all but our own notes (a note's "of 5 Jul 2016" is no count)."""
    statements = answer.get("statements") or []
    first: dict = statements[0] if statements else {"text": "", "citations": [], "kind": "note"}
    if first.get("kind") == "note":
        first = {"text": "", "citations": []}
    if not statements:
        return first, answer.get("answer", "")
    return first, "\n".join(st["text"] for st in statements if st.get("kind") != "note")


def score_casualty(q: CasualtyQuestion, answer: dict, meta: dict[str, ArticleMeta]) -> dict:
    """Where the report's count appears: the direct answer, the first statement (a note leading the
    answer holds nothing), anywhere but in notes; and whether the report itself is cited (first
    statement / anywhere)."""
    first, text = _claimed(answer)
    cites = {c["n"]: c["article_id"] for c in answer.get("citations", [])}
    direct = (answer.get("direct_answer") or {}).get("text") or ""
    abstained = bool(answer.get("abstained"))
    return {
        "id": q.id,
        "count": q.count,
        "abstained": abstained,
        "direct": not abstained and q.count in numbers_in(direct),
        "first": not abstained and q.count in numbers_in(first["text"]),
        "contains": not abstained and q.count in numbers_in(text),
        "first_cites_report": q.report_id in {cites.get(n) for n in first.get("citations", [])},
        "cites_report": q.report_id in cites.values(),
    }


_NO_REPORT = re.compile(r"The reports don't answer this: no report (?:of|from) ")  # the asked report is not there


def score_day_count(q: CasualtyQuestion, answer: dict, meta: dict[str, ArticleMeta]) -> dict:
    """``score_casualty`` with any of the day's counts and reports as the key."""
    first, text = _claimed(answer)
    cites = {c["n"]: c["article_id"] for c in answer.get("citations", [])}
    counts, reports = set(q.count.split(",")), set(q.report_id.split(","))
    abstained = bool(answer.get("abstained"))
    return {
        "id": q.id,
        "count": q.count,
        "abstained": abstained,
        "direct": not abstained and bool(counts & numbers_in((answer.get("direct_answer") or {}).get("text") or "")),
        "first": not abstained and bool(counts & numbers_in(first["text"])),
        "contains": not abstained and bool(counts & numbers_in(text)),
        "first_cites_report": bool(reports & {cites.get(n) for n in first.get("citations", [])}),
        "cites_report": bool(reports & set(cites.values())),
        "no_report_note": bool(
            re.match(r"The reports don't answer this: no report (?:of|from) ", answer.get("answer", ""))
        ),
    }


def casualty_summary(records: Sequence[dict]) -> dict:
    """Rates over the questions whose report gives a count; the 0-count ones only by abstention."""
    scored = [r for r in records if r["count"] != "0"]
    zero = [r for r in records if r["count"] == "0"]
    out: dict = {"questions": len(scored)}
    for key in ("direct", "first", "contains", "first_cites_report", "cites_report", "abstained"):
        out[key] = rate(r[key] for r in scored)
    if scored and "no_report_note" in scored[0]:
        out["no_report_note"] = rate(r["no_report_note"] for r in scored)
    out["zero_count_questions"] = len(zero)
    out["zero_count_abstained"] = rate(r["abstained"] for r in zero)
    return out


def to_dicts(items: Iterable) -> list[dict]:
    return [asdict(x) for x in items]
