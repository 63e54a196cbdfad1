"""Turn RealTime QA (``../shared/data/realtimeqa``) into the eval question schema.

- gold answer: ``choices[int(answer[0])]`` (the quizzes are multiple-choice);
- evidence: ``evidence_passage_id`` (absent for ~36%: those are kept, answer metrics only);
- ``as_of``: the quiz date (``question_date``), as ISO;
- unanswerable (a): hand-written questions far outside 2020-2026 news (``OFF_TOPIC_REALTIMEQA``);
- unanswerable (b): every 10th question with evidence, re-asked with ``date_to`` = the day before
  its evidence passage's date (the passage's date is the earliest quiz that used it, so the filter
  always excludes it), marked ``answerable: false``;
- unanswerable (c), kind ``no_answer``: dev questions with no evidence passage whose gold answer
  occurs in no passage (by the eval's normalised whole-token test): real news questions the corpus
  cannot answer, one every ``NO_ANSWER_EVERY`` lines.

Order is a fixed, seedless shuffle (sorted by sha1 of the id) so any prefix (``--limit``) spreads
over all years; each filtered re-ask follows its original and off-topic questions are spaced
every ``OFF_TOPIC_EVERY`` lines, so a prefix holds all three kinds.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from collections import Counter
from pathlib import Path

from .metrics import normalize_answer

QUESTIONS_FILE = "realtimeqa-questions.dev.jsonl"
PASSAGES_FILE = "realtimeqa-evidence-passages.jsonl"
FILTER_EVERY = 10  # one filtered-out re-ask per this many questions with evidence
FILTER_MIN_DATE = "2020-02-01"  # evidence older than this would leave an empty index: a trivial abstention
OFF_TOPIC_EVERY = 20
NO_ANSWER_EVERY = 5

# Far outside 2020-2026 news. Each was checked against the passages: none holds its answer (the
# key names — Charlemagne, Mehmed, Constantinople, Kublai, Saladin, Domesday, Justinian, Tokugawa,
# Tenochtitlan, Gutenberg, Marco Polo, Thermopylae, Dante, Joan of Arc, Hanseatic, Clovis,
# Abbasid, Fermat, dodecagon, tungsten, al dente, roux, Brandenburg, Rembrandt, Pompeii,
# Pythagorean, Leif, Atahualpa/Pizarro, Augustus, Ulaanbaatar — occur in no passage). Topics the
# news did touch (the Black Death's origin, Stonehenge, Tutankhamun, Cleopatra, Magna Carta,
# Agincourt, Beowulf, Chaucer) are deliberately left out.
OFF_TOPIC_REALTIMEQA = (
    "In what year did William the Conqueror win the Battle of Hastings?",
    "Who was crowned Emperor of the Romans by Pope Leo III on Christmas Day in the year 800?",
    "Which Ottoman sultan conquered Constantinople in 1453?",
    "Who was the second husband of Eleanor of Aquitaine?",
    "Which Mongol ruler founded the Yuan dynasty in China?",
    "Who led the Muslim army that recaptured Jerusalem from the crusaders in 1187?",
    "In which year was the Domesday Book completed?",
    "Which Byzantine emperor ordered the codification of Roman law known as the Corpus Juris Civilis?",
    "Who was the first Tokugawa shogun of Japan?",
    "What was the capital city of the Aztec Empire?",
    "Who invented the movable-type printing press in Europe around 1440?",
    "Which Venetian merchant wrote about his travels to the court of Kublai Khan?",
    "At which pass did the Spartans under Leonidas fight the Persians in 480 BC?",
    "Who wrote the Divine Comedy in the early fourteenth century?",
    "Which French peasant girl led the army that lifted the siege of Orléans in 1429?",
    "Which league of medieval German trading towns dominated commerce on the Baltic Sea?",
    "Which Frankish king was baptised around the year 496?",
    "Which caliphate founded the city of Baghdad in 762?",
    "Which Inca emperor was captured by Francisco Pizarro at Cajamarca in 1532?",
    "Who became the first Roman emperor after the death of Julius Caesar?",
    "Which Norse explorer is said to have reached North America around the year 1000?",
    "In what year did the eruption of Mount Vesuvius bury Pompeii?",
    "Who proved Fermat's Last Theorem?",
    "How many sides does a dodecagon have?",
    "What is the atomic number of tungsten?",
    "What does the Pythagorean theorem state about a right triangle?",
    "How many minutes should spaghetti be boiled to be al dente?",
    "What are the two ingredients of a classic French roux?",
    "Who composed the Brandenburg Concertos?",
    "Who painted The Night Watch in 1642?",
)


def _key(qid: str) -> str:
    return hashlib.sha1(qid.encode("utf-8")).hexdigest()


def _iso(date: str) -> str:
    return dt.date.fromisoformat(date.strip().replace("/", "-")).isoformat()


def convert_realtimeqa(data_dir: Path | str) -> tuple[list[dict], dict]:
    """(question records in eval order, notes: counts of what was kept, skipped and added)."""
    data_dir = Path(data_dir)
    passage_dates, hay = _read_passages(data_dir / PASSAGES_FILE)
    notes: Counter = Counter()
    base, no_answer = _read_questions(data_dir / QUESTIONS_FILE, passage_dates, hay, notes)
    base.sort(key=lambda q: _key(q["id"]))
    ordered = _with_filtered_reasks(base, passage_dates, notes)
    no_answer.sort(key=lambda q: _key(q["id"]))
    notes["unanswerable: no evidence passage, gold answer in no passage"] = len(no_answer)
    ordered = _interleave(ordered, no_answer, NO_ANSWER_EVERY)
    out = _with_off_topic(ordered, notes)
    notes["written"] = len(out)
    return out, dict(notes)


def _read_passages(path: Path) -> tuple[dict[str, str], str]:
    """(passage id → date, every passage's normalised text joined with `` | `` separators)."""
    passage_dates: dict[str, str] = {}
    texts: list[str] = []
    with open(path, encoding="utf-8") as fh:
        for line in fh:
            if line.strip():
                p = json.loads(line)
                passage_dates[p["passage_id"]] = p["date"]
                texts.append(normalize_answer(p.get("text") or ""))
    return passage_dates, " | " + " | ".join(texts) + " | "


def _read_questions(
    path: Path, passage_dates: dict[str, str], hay: str, notes: Counter
) -> tuple[list[dict], list[dict]]:
    """(answerable questions with their evidence passage, unanswerable ones whose gold answer is in no
    passage), in file order; what is skipped and why is counted in ``notes``."""
    base: list[dict] = []
    no_answer: list[dict] = []
    with open(path, encoding="utf-8") as fh:
        for line in fh:
            if not line.strip():
                continue
            r = json.loads(line)
            notes["read"] += 1
            try:
                gold = r["choices"][int(r["answer"][0])].strip()
            except (IndexError, KeyError, ValueError, TypeError):
                notes["skipped: no usable answer"] += 1
                continue
            if not gold or not (r.get("question_sentence") or "").strip():
                notes["skipped: empty question or answer"] += 1
                continue
            pid = r.get("evidence_passage_id")
            if pid and pid not in passage_dates:
                notes["evidence id not in the passages file"] += 1
                pid = None
            if not pid:
                # The corpus is the evidence passages: without one, the answer may still be in it; only
                # a gold answer found in no passage makes a fair unanswerable question (below).
                if not _in_any(gold, hay):
                    no_answer.append(_no_answer(r, gold))
                else:
                    notes["skipped: no evidence passage, gold answer occurs in a passage"] += 1
                continue
            rec = _answerable(r, gold, pid)
            notes["answerable with evidence"] += 1
            base.append(rec)
    return base, no_answer


def _answerable(r: dict, gold: str, pid: str) -> dict:
    return {
        "id": r["uid"],
        "question": r["question_sentence"].strip(),
        "answers": [gold],
        "evidence_ids": [pid] if pid else [],
        "as_of": _iso(r["question_date"]),
        "answerable": True,
        "kind": "answerable",
        "source": r.get("question_source"),
    }


def _with_filtered_reasks(base: list[dict], passage_dates: dict[str, str], notes: Counter) -> list[dict]:
    """``base`` with every FILTER_EVERY-th question with evidence asked again with a ``date_to`` the day
    before its evidence (unanswerable then), right after the original."""
    ordered: list[dict] = []
    with_evidence = 0
    for q in base:
        ordered.append(q)
        if not q["evidence_ids"]:
            continue
        with_evidence += 1
        ev_date = passage_dates[q["evidence_ids"][0]]
        if with_evidence % FILTER_EVERY or ev_date < FILTER_MIN_DATE:
            continue
        cut = (dt.date.fromisoformat(ev_date) - dt.timedelta(days=1)).isoformat()
        ordered.append(
            {
                **q,
                "id": f"{q['id']}#before-evidence",
                "answerable": False,
                "kind": "filtered_out",
                "filters": {"date_to": cut},
            }
        )
        notes["unanswerable: re-asked with date_to before the evidence"] += 1
    return ordered


def _with_off_topic(ordered: list[dict], notes: Counter) -> list[dict]:
    """``ordered`` with a hand-written off-topic question after every OFF_TOPIC_EVERY - 1 others (the
    rest at the end)."""
    off = [
        {
            "id": f"rtqa-offtopic-{i:02d}",
            "question": text,
            "answers": [],
            "evidence_ids": [],
            "answerable": False,
            "kind": "off_topic",
        }
        for i, text in enumerate(OFF_TOPIC_REALTIMEQA, start=1)
    ]
    notes["unanswerable: off-topic (hand-written)"] = len(off)
    out: list[dict] = []
    for i, q in enumerate(ordered):
        if i % OFF_TOPIC_EVERY == OFF_TOPIC_EVERY - 1 and off:
            out.append(off.pop(0))
        out.append(q)
    out += off
    return out


def _in_any(gold: str, hay: str) -> bool:
    g = normalize_answer(gold)
    return bool(g) and f" {g} " in hay


def _no_answer(r: dict, gold: str) -> dict:
    return {
        "id": r["uid"],
        "question": r["question_sentence"].strip(),
        "answers": [gold],
        "evidence_ids": [],
        "as_of": _iso(r["question_date"]),
        "answerable": False,
        "kind": "no_answer",
        "source": r.get("question_source"),
    }


def _interleave(main: list[dict], extra: list[dict], every: int) -> list[dict]:
    """``main`` with one of ``extra`` after every ``every - 1`` lines, the rest at the end."""
    out: list[dict] = []
    extra = list(extra)
    for i, q in enumerate(main):
        if i % every == every - 1 and extra:
            out.append(extra.pop(0))
        out.append(q)
    return out + extra


def write_jsonl(records: list[dict], path: Path | str) -> None:
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "w", encoding="utf-8") as fh:
        for r in records:
            fh.write(json.dumps(r, ensure_ascii=False) + "\n")
