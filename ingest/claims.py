"""The claim check, run at ingest: does source N's own text support a report sentence that cites footnote N?

Why at ingest: it compares every footnoted sentence with every sentence of its source, which is too
slow to do per question; stored with the bibliography, it is looked up at answer time. A check is
kept from the previous generation while the sentence, the source file (its hash) and this module's
version are the same, so a source added later is the only one whose checks run.

The rule, per report sentence S citing footnote N and the sentences P of N's full text:
- the topic overlap of P with S is the share of S's content lemmas found in P and the sentence before
  it (English words count by their Polish dictionary forms, assistant.glossary), plus the numbers
  (figures and years) they share;
- "confirmed": a passage on the topic states every figure of S (same value, any spelling);
- "figure_differs": no such passage, but a passage clearly on the topic states a figure of the same
  kind (a share for a share) where S has its figure: both figures are kept;
- "not_found" otherwise (and for S without a figure when no passage clearly states the same thing).
"""

from __future__ import annotations

import re
from dataclasses import asdict, dataclass

import numpy as np

from assistant.glossary import translations
from assistant.lemmas import shares_stem, tokenize
from assistant.numbers import figures_in, find_numbers, is_year, number_values

from .sources_dir import FullText, is_source_file

CLAIMS_VERSION = 1  # bump when the rule changes: every check is made again
ON_TOPIC = 0.3  # share of the sentence's content lemmas a passage must carry to confirm a figure
CLEARLY_ON_TOPIC = 0.5  # ... to say the source gives another figure, or to confirm a sentence without figures
DENSE_WEIGHT = 0.2  # the embedder only breaks ties: its similarities of unrelated sentences are high


@dataclass
class ClaimCheck:
    """One report sentence, one footnote, one source file: the best passage and the verdict."""

    doc: str  # the citing document (the report)
    footnote: int
    sentence: str  # the report sentence, as stored
    source: str  # bibliography source id
    file: str  # the full text's file in corpus/
    file_sha256: str
    state: str  # "confirmed", "figure_differs", "not_found"
    page: int | None = None
    quote: str | None = None
    figure: str | None = None  # the report's figure (figure_differs)
    source_figure: str | None = None  # the source's figure in its place
    version: int = CLAIMS_VERSION

    def to_dict(self) -> dict:
        return asdict(self)


@dataclass
class Passage:
    text: str
    page: int
    lemmas: set[str]  # its own and the previous sentence's, English words with their Polish forms
    numbers: set[str]  # normalised readings of every number in it
    vector: np.ndarray | None


def check_claims(records: dict[str, dict], full_texts: list[FullText], footnote_source: dict[tuple[str, int], str],
                 previous: list[dict]) -> tuple[list[ClaimCheck], dict[str, int]]:
    """Every check for the linked sources: reused when nothing it depends on changed, else made now."""
    files_of: dict[str, list[str]] = {}
    for item in full_texts:
        if item.source and item.file in records:
            files_of.setdefault(item.source, []).append(item.file)
    kept = {_key(c["doc"], c["footnote"], c["sentence"], c["file"], c["file_sha256"]): c for c in previous
            if c.get("version") == CLAIMS_VERSION}
    passages: dict[str, list[Passage]] = {}
    checks, stats = [], {"checked": 0, "reused": 0, "confirmed": 0, "figure_differs": 0, "not_found": 0}
    for doc, record in sorted(records.items()):
        if is_source_file(doc):
            continue
        for text, vector, notes in _sentences(record):
            for number in notes:
                source = footnote_source.get((doc, number))
                for file in files_of.get(source, []):
                    sha = records[file]["sha256"]
                    old = kept.get(_key(doc, number, text, file, sha))
                    if old is not None:
                        check = ClaimCheck(**old)
                        stats["reused"] += 1
                    else:
                        if file not in passages:
                            passages[file] = source_passages(records[file])
                        check = check_sentence(text, vector, passages[file])
                        check.doc, check.footnote, check.sentence, check.source = doc, number, text, source
                        check.file, check.file_sha256 = file, sha
                        stats["checked"] += 1
                    stats[check.state] += 1
                    checks.append(check)
    return checks, stats


def check_sentence(text: str, vector: np.ndarray | None, passages: list[Passage]) -> ClaimCheck:
    """The verdict for one sentence against one source's passages (doc, footnote and file left blank)."""
    figures = [f for f in figures_in(text) if _readings(f)]
    wanted = content_lemmas(text)
    numbers = {v for token in find_numbers(text) for v in number_values(token)}
    scored = []
    for passage in passages:
        covered = sum(1 for lemma in wanted if shares_stem(lemma, passage.lemmas)) / len(wanted) if wanted else 0.0
        shared = len(numbers & passage.numbers)
        dense = float(vector @ passage.vector) if vector is not None and passage.vector is not None else 0.0
        scored.append((covered + 0.1 * shared + DENSE_WEIGHT * dense, covered, shared, passage))
    scored.sort(key=lambda item: -item[0])
    blank = dict(doc="", footnote=0, sentence=text, source="", file="", file_sha256="")
    for _, covered, shared, passage in scored:
        if figures and covered >= ON_TOPIC and all(_readings(f) & passage.numbers for f in figures):
            return ClaimCheck(**blank, state="confirmed", page=passage.page, quote=passage.text)
        if not figures and covered >= CLEARLY_ON_TOPIC + 0.2:
            return ClaimCheck(**blank, state="confirmed", page=passage.page, quote=passage.text)
    for _, covered, shared, passage in scored:
        if not figures or covered < CLEARLY_ON_TOPIC and not (covered >= ON_TOPIC and shared):
            continue
        if _statistics(text) and _statistics(passage.text) and not _statistics(text) & _statistics(passage.text):
            continue  # a total is not an average: not the same claim
        pair = differing_figure(text, figures, passage)
        if pair:
            return ClaimCheck(**blank, state="figure_differs", page=passage.page, quote=passage.text,
                              figure=pair[0], source_figure=pair[1])
    return ClaimCheck(**blank, state="not_found")


def differing_figure(text: str, figures: list[str], passage: Passage) -> tuple[str, str] | None:
    """(report figure, source figure): a figure of S the passage lacks, and the passage's figure of the
    same kind (a share for a share, a count for a count) that S does not state."""
    missing = [f for f in figures if not _readings(f) & passage.numbers]
    theirs = [f for f in figures_in(passage.text)
              if _readings(f) and not (is_year(f) and not _is_share(passage.text, f))]
    ours = {v for f in figures for v in _readings(f)}
    for figure in missing:
        kind = _is_share(text, figure)
        for other in theirs:
            if not (_readings(other) & ours) and _is_share(passage.text, other) == kind:
                return figure, other
    return None


def source_passages(record: dict) -> list[Passage]:
    """The full text's sentences with their page, lemmas (with the sentence before), numbers and vector."""
    passages, before = [], set()
    vectors = record.get("sentence_vectors") or []
    position = 0
    for chunk in record["chunks"]:
        for sentence in chunk["sentences"]:
            own = bilingual_lemmas(sentence["text"])
            vector = _unit(vectors[position]) if position < len(vectors) else None
            numbers = {v for token in find_numbers(sentence["text"]) for v in number_values(token)}
            passages.append(Passage(sentence["text"], chunk["page"], own | before, numbers, vector))
            before, position = own, position + 1
    return passages


def content_lemmas(text: str) -> list[str]:
    """The sentence's content lemmas (no numbers), each once."""
    return list(dict.fromkeys(t for t in tokenize(text) if not t[0].isdigit() and len(t) > 2))


def bilingual_lemmas(text: str) -> set[str]:
    """A passage's lemmas, and for English words the lemmas of their Polish dictionary forms."""
    lemmas = set(content_lemmas(text))
    for word in re.findall(r"[A-Za-z][A-Za-z-]{2,}", text):
        polish = translations(word)
        if polish:
            lemmas.update(content_lemmas(polish))
    return lemmas


def _sentences(record: dict):
    vectors = record.get("sentence_vectors") or []
    position = 0
    for chunk in record["chunks"]:
        for sentence in chunk["sentences"]:
            vector = _unit(vectors[position]) if position < len(vectors) else None
            position += 1
            if chunk.get("kind", "report") == "report" and sentence.get("footnotes"):
                yield sentence["text"], vector, sentence["footnotes"]


def _readings(figure: str) -> set[str]:
    """A printed figure's normalised values (a range gives both ends)."""
    return {v for part in re.split(r"\s?[–-]\s?", figure) for v in number_values(part.strip())}


# which statistic a sentence states: a figure of one is no evidence about another
STATISTICS = {"mean": {"średni", "średnia", "średnio", "przeciętny", "average", "mean", "avg"},
              "total": {"łączny", "łącznie", "suma", "ogółem", "razem", "total", "overall", "altogether"},
              "median": {"mediana", "median"}}


def _statistics(text: str) -> set[str]:
    words = set(re.findall(r"[^\W\d_]+", text.lower()))
    lemmas = words | set(content_lemmas(text))
    return {name for name, forms in STATISTICS.items() if lemmas & forms}


def _is_share(text: str, figure: str) -> bool:
    return bool(re.search(rf"{re.escape(figure)}\s?(%|proc|per ?cent)", text))


def _unit(vector) -> np.ndarray:
    array = np.asarray(vector, dtype=np.float32)
    norm = float(np.linalg.norm(array))
    return array / norm if norm else array


def _key(doc: str, footnote: int, sentence: str, file: str, sha: str) -> tuple:
    return doc, footnote, sentence, file, sha
