"""Which passage answers when the report and another document disagree about answering (issue 26).

Why: the answerer's groups answer in order (named, cited, report, other) and the first that reaches the
refusal level wins. When the report's passage on the same thing falls just below the refusal level, another
document's different figure became the answer to a report question; here the report's passage is shown to
check instead, with the other figure under it. The other way round, a fact only another document states: the
report's closest passage is one to check that misses much of what the question asks, while another document's
passage says it, judged at the sure level, stating nothing the report states; that passage is shown, to check,
and the report's passage goes under it when it holds another figure (`only_elsewhere`).
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

from assistant.answer.documents import group_of
from assistant.answer.missing import LACKING_SHARE, lacking_share
from assistant.sources import is_report

if TYPE_CHECKING:
    from assistant.answer.extractive import Candidate, ExtractiveAnswerer
    from assistant.answer.question import Question
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
# A fact only another document states: the report's passage to check misses at least LACKING_SHARE of the question's
# content words (the reader is told which), the other passage misses at least CLOSER less, and no sentence of the
# report is as close to it as a restatement is (sources_dev: restatements of the report's figures sit at 0.917-0.981
# from their report sentence, facts of the documents alone at 0.870-0.926).
CLOSER = 0.2
RESTATED = 0.93


def settle(answerer: "ExtractiveAnswerer", question: "Question", by: str, chosen: list["ScoredSentence"],
           confidence: float | None, answered: list["Candidate"], report_found: list["Candidate"],
           found: list["Candidate"], named: set[str], docs: frozenset[str] | None):
    """(by, chosen, confidence, answered) after the report-first rules: only without a `docs` filter and a
    named document (a filter or a name chose the document), and only with a trained judge."""
    if docs is not None or named or answerer.model is None or not chosen:
        return by, chosen, confidence, answered
    report = [c for c in report_found if group_of(c.sentence, named) == "report"]
    if by == "other":
        same = _same_in_report(answerer, chosen[0], report)
        if same is not None:  # the report's own passage, to check; the other figure goes under it
            return "report", [same.sentence], same.probability, report
    elif by == "report" and confidence is not None and confidence < answerer.model.second_threshold:
        others = [c for c in found if group_of(c.sentence, named) == "other"]
        elsewhere = only_elsewhere(answerer, question, chosen[0], others, report)
        if elsewhere is not None:  # shown to check: a document nobody chose (`_sure`)
            return "other", [elsewhere.sentence], elsewhere.probability, others
    return by, chosen, confidence, answered


def only_elsewhere(answerer: "ExtractiveAnswerer", question: "Question", shown: "ScoredSentence",
                   others: list["Candidate"], report: list["Candidate"]) -> "Candidate | None":
    """Another document's passage that says what the report's passage to check does not: judged at the sure
    level, missing at least CLOSER less of the question's words than the report's passage (which misses at least
    LACKING_SHARE), and stating nothing the report states (not the same as one of its judged-best candidates, no
    report sentence within RESTATED)."""
    if not others:
        return None
    index, terms = answerer.sentences, answerer.answer_terms
    lacks = lacking_share(question, shown, index, terms)
    if lacks < LACKING_SHARE:
        return None
    best = max(answerer._ranked(others, question), key=lambda c: c.probability)
    if (best.probability < answerer.model.sure_threshold
            or lacking_share(question, best.sentence, index, terms) > lacks - CLOSER
            or _same_in_report(answerer, best.sentence, report) is not None):
        return None
    return None if _closest_in_report(answerer, best.sentence) >= RESTATED else best


def _closest_in_report(answerer: "ExtractiveAnswerer", passage: "ScoredSentence") -> float:
    """The cosine of the report's sentence closest to the passage (1.0 when the vectors are not there: no rule)."""
    index = answerer.sentences
    row = index.row.get((passage.chunk.id, passage.index)) if index.vectors is not None else None
    if row is None:
        return 1.0
    rows = _REPORT_ROWS.get(id(index))
    if rows is None:
        chunks = answerer.snapshot.chunks
        rows = [r for (chunk_id, _), r in index.row.items()
                if chunk_id in chunks and chunks[chunk_id].kind == "report" and is_report(chunks[chunk_id].doc)]
        _REPORT_ROWS.clear() if len(_REPORT_ROWS) >= 4 else None
        _REPORT_ROWS[id(index)] = rows
    return float((index.vectors[rows] @ index.vectors[row]).max()) if rows else 0.0


_REPORT_ROWS: dict[int, list[int]] = {}  # per sentence index: the rows of the report's sentences


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
