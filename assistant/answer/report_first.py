"""Which passage answers when the report and another document disagree about answering (issue 26).

Why: the answerer's groups answer in order (named, cited, report, other) and the first that reaches the
refusal level wins. When the report's passage on the same thing falls just below the refusal level, another
document's different figure became the answer to a report question; here the report's passage is shown to
check instead, with the other figure under it. (A second rule, another document's passage replacing the
report's passage to check when that one lacks question words, was dropped: the report may answer then, and
issue 26 quotes another document only when it does not; docs/understanding.md.)
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

from assistant.answer.documents import group_of

if TYPE_CHECKING:
    from assistant.answer.extractive import Candidate, ExtractiveAnswerer
    from assistant.answer.scoring import ScoredSentence

# A report passage states the same thing as another document's passage when their sentence vectors are close and
# they share a figure (an English restatement of the report's Polish correlations: cosine 0.865, two figures in
# common), or when the vectors are closer still and they share half their words. Closeness alone is not enough:
# "Średnia roczna składka członkowska..." and the report's "Średnie zatrudnienie ... wynosi" sit at 0.905.
SAME_WITH_FIGURE = 0.85
SAME_THING = 0.9
SHARED_WORDS = 0.5
YEAR = re.compile(r"(19|20)\d\d")
LOOKED_AT = 5  # the report's judged-best candidates compared with the other document's passage


def settle(answerer: "ExtractiveAnswerer", by: str, chosen: list["ScoredSentence"], confidence: float | None,
           answered: list["Candidate"], report_found: list["Candidate"], named: set[str],
           docs: frozenset[str] | None):
    """(by, chosen, confidence, answered) after the report-first rules: only without a `docs` filter and a
    named document (a filter or a name chose the document), and only with a trained judge."""
    if docs is not None or named or answerer.model is None or not chosen:
        return by, chosen, confidence, answered
    report = [c for c in report_found if group_of(c.sentence, named) == "report"]
    if by == "other":
        same = _same_in_report(answerer, chosen[0], report)
        if same is not None:  # the report's own passage, to check; the other figure goes under it
            return "report", [same.sentence], same.probability, report
    return by, chosen, confidence, answered


def _same_in_report(answerer: "ExtractiveAnswerer", passage: "ScoredSentence",
                    report: list["Candidate"]) -> "Candidate | None":
    """The report's judged-best candidate (of the first LOOKED_AT) that states the same thing as the other
    document's passage, below the refusal level."""
    judged = sorted(report, key=lambda c: -c.probability)[:LOOKED_AT]
    return _same(answerer, passage, judged)


def _same(answerer: "ExtractiveAnswerer", passage: "ScoredSentence",
          candidates: list["Candidate"]) -> "Candidate | None":
    """The first candidate that states the same thing as the passage (close vectors and a shared figure, or
    closer vectors and half the words shared)."""
    index = answerer.sentences
    row = index.row.get((passage.chunk.id, passage.index)) if index.vectors is not None else None
    if row is None:
        return None
    terms = index.tokens.get((passage.chunk.id, passage.index), set())
    figures, words = _figures(terms), terms - _numbers(terms)
    for candidate in candidates:
        key = (candidate.sentence.chunk.id, candidate.sentence.index)
        theirs = index.row.get(key)
        if theirs is None:
            continue
        cosine = float(index.vectors[row] @ index.vectors[theirs])
        their_terms = index.tokens.get(key, set())
        their_words = their_terms - _numbers(their_terms)
        shared = len(words & their_words) / max(1, min(len(words), len(their_words)))
        if (cosine >= SAME_WITH_FIGURE and figures & _figures(their_terms)
                or cosine >= SAME_THING and shared >= SHARED_WORDS):
            return candidate
    return None


def _numbers(terms: set[str]) -> set[str]:
    return {t for t in terms if any(ch.isdigit() for ch in t)}


def _figures(terms: set[str]) -> set[str]:
    """The figures among a sentence's terms, years and one-digit numbers aside (shared by chance too often).
    The tokenizer writes "0,1456" and "0.1456" alike."""
    return {t for t in _numbers(terms) if len(t) >= 2 and not YEAR.fullmatch(t)}
