"""Chunking: exact offsets, a token budget measured with the model's own tokenizer, one-sentence
overlap, sentence spans that respect abbreviations, and no crash on arbitrary text."""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from rag.chunking import chunk_article, embedding_text, whitespace_token_counter
from rag.models import Article, Chunk
from rag.readers import read_path
from rag.sentences import sentence_spans

ROOT = Path(__file__).resolve().parents[1]
CORPUS_SEED = ROOT / "corpus" / "seed"
BUDGET = 200  # Settings.chunk_tokens
MARGIN = 8  # sentences are counted one by one; the joined chunk may tokenize a little differently
MODEL_WINDOW = 256  # all-MiniLM-L6-v2 reads 256 tokens, [CLS] and [SEP] included


def _covered(body: str, chunks: list[Chunk]) -> list[int]:
    """Positions of non-whitespace characters that no chunk covers."""
    covered = bytearray(len(body))
    for c in chunks:
        covered[c.start : c.end] = b"\x01" * (c.end - c.start)
    return [i for i, ch in enumerate(body) if not covered[i] and not ch.isspace()]


def _check_offsets(a: Article, chunks: list[Chunk]) -> None:
    assert [c.ordinal for c in chunks] == list(range(len(chunks)))
    for c in chunks:
        assert c.article_id == a.id
        assert 0 <= c.start < c.end <= len(a.body)
        assert a.body[c.start : c.end] == c.text
        assert c.text == c.text.strip()
    for p, q in zip(chunks, chunks[1:]):
        assert p.start < q.start and p.end < q.end, "a chunk is not past its predecessor"
    assert _covered(a.body, chunks) == [], "chunking lost text"


def _private_counter(embedder):
    """``embedder.count_tokens`` computed on a private copy of the model's tokenizer."""
    from tokenizers import Tokenizer

    tok = Tokenizer.from_str(embedder._model.tokenizer.backend_tokenizer.to_str())
    tok.no_truncation()
    tok.no_padding()
    return lambda texts: [len(e.ids) - 2 for e in tok.encode_batch(list(texts))] if texts else []


@pytest.fixture(scope="module")
def count_tokens(embedder):
    """``embedder.count_tokens``, after an embed: counts must not depend on whether anything was
    embedded earlier in the process (``encode`` re-configures the model's own tokenizer)."""
    embedder.embed(["warm up the encoder"])
    return embedder.count_tokens


@pytest.mark.slow
def test_token_counts_survive_embedding(embedder):
    texts = ["Short one.", "A longer sentence with quite a few more words.", " ".join(["word"] * 400)]
    expected = _private_counter(embedder)(texts)
    assert expected == [3, 10, 400]
    embedder.embed(["anything at all"])
    assert embedder.count_tokens(texts) == expected


def _check_with_model(articles: list[Article], embedder, count_tokens) -> int:
    """Offsets, budget, model window and overlap for every chunk; returns the chunk count."""
    per_article = [(a, chunk_article(a, count_tokens, BUDGET, 1)) for a in articles]
    flat = [(a, c) for a, cs in per_article for c in cs]
    assert flat
    chunk_tokens = count_tokens([c.text for _, c in flat])
    input_tokens = count_tokens([embedding_text(a, c) for a, c in flat])
    assert embedder.max_tokens == MODEL_WINDOW
    for (a, c), n, m in zip(flat, chunk_tokens, input_tokens):
        assert n <= BUDGET + MARGIN, (a.id, c.ordinal, n)
        # count_tokens leaves out [CLS] and [SEP]; the model would silently truncate past its window
        assert m + 2 <= MODEL_WINDOW, (a.id, c.ordinal, m)
    for a, chunks in per_article:
        _check_offsets(a, chunks)
        _check_overlap(a, chunks, count_tokens)
    return len(flat)


def _check_overlap(a: Article, chunks: list[Chunk], count_tokens) -> None:
    """Consecutive chunks share exactly one whole sentence: the last of one is the first of the next,
    unless that sentence and the next one do not fit in one chunk together, or the boundary falls
    inside a sentence too long for one chunk (which is cut into pieces)."""
    spans = sentence_spans(a.body)
    counts = dict(zip(spans, count_tokens([a.body[s:e] for s, e in spans])))

    def sentence_at(pos: int) -> tuple[int, int]:
        return next((s, e) for s, e in spans if s <= pos < e)

    for p, q in zip(chunks, chunks[1:]):
        if q.start < p.end:
            if (q.start, p.end) in counts:
                continue
            s, e = sentence_at(q.start)
            assert p.end <= e and counts[(s, e)] > BUDGET, (
                f"{a.id}: overlap {a.body[q.start : p.end]!r} is neither a sentence nor a piece of a long one"
            )
            continue
        last, first = sentence_at(p.end - 1), sentence_at(q.start)
        if last[1] != p.end or first[0] != q.start:  # a cut inside an over-long sentence
            assert counts[last] > BUDGET or counts[first] > BUDGET
            continue
        assert last[0] >= p.start
        assert counts[last] + counts[first] > BUDGET, f"{a.id}: chunks {p.ordinal}/{q.ordinal} could have overlapped"


# --- real tokenizer -------------------------------------------------------------------------------


@pytest.mark.slow
def test_seed_corpus_chunks_fit_the_model(embedder, count_tokens):
    res = read_path(CORPUS_SEED)
    assert len(res.articles) == 8
    n = _check_with_model(res.articles, embedder, count_tokens)
    assert n > len(res.articles)  # some articles are long enough to need more than one chunk


@pytest.mark.slow
def test_fakes_chunks_fit_the_model(embedder, count_tokens, shared_data):
    path = shared_data / "fa-kes" / "fa-kes-articles.jsonl"
    if not path.exists():
        pytest.skip(f"{path} not present")
    res = read_path(path)
    assert len(res.articles) == 792
    n = _check_with_model(res.articles, embedder, count_tokens)
    assert n > 1500


@pytest.mark.slow
def test_overlong_sentence_is_split_within_budget(count_tokens):
    words = " ".join(f"district{i % 17} villagers reported shelling near checkpoint{i}" for i in range(120))
    body = f"First sentence here. {words} and then it ended. Last one."
    a = Article(id="long", title="A title", body=body)
    chunks = chunk_article(a, count_tokens, BUDGET, 1)
    assert len(chunks) >= 4
    _check_offsets(a, chunks)
    for c, n in zip(chunks, count_tokens([c.text for c in chunks])):
        assert n <= BUDGET + MARGIN


@pytest.mark.slow
def test_unspaced_text_is_still_cut_to_budget(count_tokens):
    """A long run without whitespace (a URL, unspaced script) is cut anyway: the model would
    otherwise read only its first 256 tokens."""
    body = "近日叙利亚北部发生激烈冲突造成大量平民伤亡" * 40 + "。"
    a = Article(id="zh", title="", body=body)
    chunks = chunk_article(a, count_tokens, BUDGET, 1)
    assert len(chunks) >= 2
    _check_offsets(a, chunks)
    assert max(count_tokens([c.text for c in chunks])) <= BUDGET + MARGIN


# --- pure logic (fast) ---------------------------------------------------------------------------


def _body(n: int) -> str:
    return " ".join(f"Sentence number {i} says something about town {i}." for i in range(n))


def test_consecutive_chunks_overlap_by_one_sentence():
    a = Article(id="o", title="T", body=_body(40))
    chunks = chunk_article(a, whitespace_token_counter, max_tokens=40, overlap=1)
    assert len(chunks) > 5
    _check_offsets(a, chunks)
    spans = sentence_spans(a.body)
    for p, q in zip(chunks, chunks[1:]):
        shared = a.body[q.start : p.end]
        assert (q.start, p.end) in spans, shared
        assert shared.startswith("Sentence number ") and shared.count(".") == 1


def test_overlap_zero_and_two():
    a = Article(id="o", title="T", body=_body(30))
    none = chunk_article(a, whitespace_token_counter, max_tokens=40, overlap=0)
    assert all(q.start > p.end for p, q in zip(none, none[1:]))
    assert "".join(c.text + " " for c in none).strip() == a.body
    two = chunk_article(a, whitespace_token_counter, max_tokens=40, overlap=2)
    spans = sentence_spans(a.body)
    for p, q in zip(two, two[1:]):
        assert sum(1 for s, e in spans if q.start <= s and e <= p.end) == 2


def test_no_chunk_is_only_the_overlap():
    """Sentences of 100, 90 and 150 tokens with a budget of 200: the second chunk must not be just
    the 90-token sentence again (a redundant copy of the end of the first chunk)."""
    sizes = [100, 90, 150]
    body = " ".join(" ".join(["word"] * n) + "." for n in sizes)
    a = Article(id="r", title="", body=body)
    count = lambda texts: [len(t.split()) for t in texts]
    chunks = chunk_article(a, count, max_tokens=200, overlap=1)
    assert len(chunks) == 2
    assert all(q.end > p.end for p, q in zip(chunks, chunks[1:]))
    _check_offsets(a, chunks)


def test_short_and_empty_bodies():
    assert chunk_article(Article(id="e", title="T", body="")) == []
    assert chunk_article(Article(id="e", title="T", body=" \n\n\t ")) == []
    [c] = chunk_article(Article(id="s", title="T", body="  Just one.  "))
    assert (c.start, c.end, c.text) == (2, 11, "Just one.")


@pytest.mark.parametrize(
    "text, sentences",
    [
        ("He met Mr. Smith in Washington. Then he left.", ["He met Mr. Smith in Washington.", "Then he left."]),
        (
            "The U.S. State Department said so. Others disagreed.",
            ["The U.S. State Department said so.", "Others disagreed."],
        ),
        (
            "Gen. Mattis and Dr. Jones met Sen. J. Smith on Friday. They talked.",
            ["Gen. Mattis and Dr. Jones met Sen. J. Smith on Friday.", "They talked."],
        ),
        (
            "Fighting resumed.\n\nMrs. Ahmed fled with her children. She returned on Aug. 3.",
            ["Fighting resumed.", "Mrs. Ahmed fled with her children.", "She returned on Aug. 3."],
        ),
    ],
)
def test_sentence_spans_keep_titles_with_names(text, sentences):
    spans = sentence_spans(text)
    assert [text[s:e] for s, e in spans] == sentences
    shifted = sentence_spans(text, offset=10)
    assert shifted == [(s + 10, e + 10) for s, e in spans]


def test_chunks_never_split_mr_smith_or_us_state():
    body = " ".join(["Mr. Smith told the U.S. State Department that the talks had failed."] * 30)
    a = Article(id="m", title="", body=body)
    for c in chunk_article(a, whitespace_token_counter, max_tokens=30):
        assert not c.text.endswith(("Mr.", "U.S.")), c.text
        assert not c.text.startswith(("Smith", "State")), c.text


def test_embedding_text_adds_the_title_but_never_to_the_quote():
    a = Article(id="d", title="Truce agreed", body="The truce held. Shops reopened.", date="2016-08-20")
    [c] = chunk_article(a)
    assert c.text == a.body
    text = embedding_text(a, c)
    assert text.startswith("Truce agreed") and text.endswith("\nThe truce held. Shops reopened.")
    untitled = Article(id="x", title="", body="Only body.")
    [u] = chunk_article(untitled)
    assert embedding_text(untitled, u) == "Only body."


# --- property tests --------------------------------------------------------------------------------

# Arbitrary unicode plus what matters to sentence splitting, so it turns up often.
_SPECIAL = st.sampled_from(
    [
        ". ",
        "\n",
        "\n\n",
        "Mr. ",
        "U.S. ",
        "? ",
        "!",
        " ",
        "\t",
        "\u00a0",
        "\u2028",
        "\x00",
        "\x08",
        "\ufffd",
        "\u0301",
        "\U0001f600",
        "…",
        "。",
        "e",
        "word ",
        "\r\n",
        "\ufeff",
    ]
)
TEXT = st.lists(st.one_of(st.text(max_size=30), _SPECIAL), max_size=60).map("".join)
WORDY = st.lists(
    st.one_of(
        st.sampled_from(["alpha", "Beta", "γάμμα", "дельта", "x1", "U.S.", "Mr."]),
        st.sampled_from([" ", " ", " ", ". ", "\n", ", "]),
    ),
    min_size=50,
    max_size=400,
).map("".join)
PROPS = settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@PROPS
@given(TEXT, st.integers(min_value=3, max_value=80), st.integers(min_value=0, max_value=2))
def test_arbitrary_text_chunks_with_valid_offsets(body, max_tokens, overlap):
    a = Article(id="h", title="t", body=body)
    chunks = chunk_article(a, whitespace_token_counter, max_tokens=max_tokens, overlap=overlap)
    if body.strip():
        assert chunks
    _check_offsets(a, chunks)


@PROPS
@given(WORDY, st.integers(min_value=5, max_value=40))
def test_wordy_text_chunks_stay_within_budget(body, max_tokens):
    a = Article(id="w", title="t", body=body)
    chunks = chunk_article(a, whitespace_token_counter, max_tokens=max_tokens, overlap=1)
    _check_offsets(a, chunks)
    # the cheap counter is not additive: int(1.3 w) + 1 per sentence; a chunk may count 1 more
    for c, n in zip(chunks, whitespace_token_counter([c.text for c in chunks])):
        assert n <= max_tokens + 1, (c.text, n)


@PROPS
@given(TEXT)
def test_sentence_spans_are_clean_ordered_and_cover_the_text(text):
    spans = sentence_spans(text)
    prev = 0
    covered = bytearray(len(text))
    for s, e in spans:
        assert prev <= s < e <= len(text)
        assert text[s:e] == text[s:e].strip()
        covered[s:e] = b"\x01" * (e - s)
        prev = e
    assert all(covered[i] or ch.isspace() for i, ch in enumerate(text))
