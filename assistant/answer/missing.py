"""What a question asks that the documents, or the one passage shown, do not say: in the question's own words.

A refusal names what the report lacks; a passage to check (issue 25) names the question's words the passage
does not mention, so that a reader checking it knows where to look ("Ile zarabia spawacz…?" shown with the
Talent HUB sentence: "Fragment nie wspomina o: zarabia, spawacz").
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Callable

from assistant.answer.answerability import question_concepts
from assistant.answer.needs import UNITS, keys_satisfied
from assistant.answer.scoring import YEAR_WORDS, ScoredSentence
from assistant.lemmas import shares_stem, tokenize
from assistant.strings import message
from assistant.synonyms import covered_by_synonym

if TYPE_CHECKING:
    from assistant.answer.question import Question
    from assistant.answer.scoring import SentenceIndex

Terms = Callable[[ScoredSentence], set[str]]
# A passage to check names the words it lacks when they weigh at least this share of the question's content words
# (by their weight in the report): "spawacz, zarabia" of a welder's pay, not "organise" beside "internships".
LACKING_SHARE = 0.34


def question_words(text: str) -> list[str]:
    return [w for w in re.findall(r"[^\W\d_][\w&+-]*", text) if len(w) > 2]


def _absent_names(question: "Question", terms: set[str]) -> list[str]:
    absent = [k for k in question.needs.keys if not keys_satisfied([k], terms)]
    return [word for word in question_words(question.text) if any(set(tokenize(word)) & k for k in absent)]


def _lacking(concepts: list, known, nearest: set[str]) -> list:
    """The concepts no option of which is in `known` (in any form) or has a synonym in `nearest`."""
    return [c for c in concepts
            if not any(shares_stem(option, known) or covered_by_synonym(option, nearest) for option in c.options)]


def report_lacks(question: "Question", scored: list[ScoredSentence], index: "SentenceIndex", answer_terms: Terms,
                 nearest_count: int) -> str:
    """For a refusal: a name, region or year no close passage has, or the question's content words the
    documents never use (in any form; a synonym counts only where the closest passages use it)."""
    if question.needs.keys and scored:
        terms: set[str] = set()
        for sentence in scored[:nearest_count]:
            terms |= answer_terms(sentence)
        if words := _absent_names(question, terms):
            return message("missing_names", question.language, names=", ".join(dict.fromkeys(words)))
    nearest: set[str] = set()
    for sentence in scored[:nearest_count]:
        nearest |= index.tokens[(sentence.chunk.id, sentence.index)]
    if unknown := [c.word for c in _lacking(question_concepts(question, index), index.df, nearest)]:
        return message("missing_words", question.language, words=", ".join(dict.fromkeys(unknown)))
    return message("missing_answer", question.language)


def passage_lacks(question: "Question", chosen: list[ScoredSentence], index: "SentenceIndex",
                  answer_terms: Terms) -> str:
    """For a passage to check: the question's names and content words the quoted sentences do not mention
    (in any form, or by a synonym); empty when they mention every one."""
    terms: set[str] = set()
    for sentence in chosen:
        terms |= answer_terms(sentence) | index.tokens.get((sentence.chunk.id, sentence.index), set())
    words = _absent_names(question, terms) if question.needs.keys else []
    share, lacking = _lacking_share(question, terms, index)
    if share >= LACKING_SHARE:  # one filler word alone is not news
        words += [c.word for c in lacking]
    if not words:
        return ""
    return message("passage_lacks", question.language, words=", ".join(dict.fromkeys(words)))


def lacking_share(question: "Question", sentence: ScoredSentence, index: "SentenceIndex",
                  answer_terms: Terms) -> float:
    """The share (by weight in the report) of the question's content words one passage does not mention."""
    terms = answer_terms(sentence) | index.tokens.get((sentence.chunk.id, sentence.index), set())
    return _lacking_share(question, terms, index)[0]


def _lacking_share(question: "Question", terms: set[str], index: "SentenceIndex") -> tuple[float, list]:
    units = UNITS | YEAR_WORDS  # "w 2010 roku" against "po 2010 r.": the figure and year checks judge these
    concepts = [c for c in question_concepts(question, index) if not set(tokenize(c.word)) & units]
    lacking = _lacking(concepts, terms, terms)
    total = sum(c.weight for c in concepts)
    return (sum(c.weight for c in lacking) / total if total else 0.0), lacking
