"""Which passage answers when the report and another document disagree about answering (issue 26).

Why: the answerer's groups answer in order (named, cited, report, other) and the first that reaches the
refusal level wins. Two cases slip through that order: the report's passage on the same thing falls just
below the refusal level, so another document's different figure became the answer to a report question;
and the report's closest passage to check lacks what the question asks while an unnamed document's passage
holds every word of it, so a fact only that document states stayed hidden under a wrong report passage.
Both are settled here, with the answerer's own judge and the sentence vectors; nothing is sure that was not.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

from assistant.answer.documents import group_of
from assistant.answer.missing import passage_lacks

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


def settle(answerer: "ExtractiveAnswerer", question: "Question", by: str, chosen: list["ScoredSentence"],
           confidence: float | None, answered: list["Candidate"], found: list["Candidate"],
           report_found: list["Candidate"], named: set[str], docs: frozenset[str] | None):
    """(by, chosen, confidence, answered) after the report-first rules: only without a `docs` filter and a
    named document (a filter or a name chose the document), and only with a trained judge."""
    if docs is not None or named or answerer.model is None or not chosen:
        return by, chosen, confidence, answered
    report = [c for c in report_found if group_of(c.sentence, named) == "report"]
    other = [c for c in found if group_of(c.sentence, named) == "other"]
    if by == "other":
        same = _same_in_report(answerer, chosen[0], report)
        if same is not None:  # the report's own passage, to check; the other figure goes under it
            return "report", [same.sentence], same.probability, report
        return by, chosen, confidence, answered
    if by == "report" and other and confidence < answerer.model.sure_threshold:
        lacks = passage_lacks(question, chosen, answerer.sentences, answerer.answer_terms)
        if not lacks:
            return by, chosen, confidence, answered
        whole = [c for c in other if not passage_lacks(question, [c.sentence], answerer.sentences,
                                                         answerer.answer_terms)]
        theirs, their_confidence = answerer._choose(whole, question) if whole else ([], None)
        if (theirs and their_confidence >= answerer.model.sure_threshold  # what the judge would call sure
                and not _same(answerer, theirs[0], [c for c in answered if any(c.sentence is s for s in chosen)])):
            return "other", theirs, their_confidence, other
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
