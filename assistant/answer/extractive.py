"""The extractive answer: the report's own sentences, chosen under hard conditions, or a refusal.

Every report sentence is scored (scoring.py); the best ones must pass the question's hard
conditions (needs.py) and be close enough, otherwise the answer says the report does not say.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from assistant.answer.citations import make_citation
from assistant.answer.needs import MONEY, NEGATION, Needs, counts, has_phrase, keys_satisfied, mostly_unknown
from assistant.answer.scoring import (ScoredSentence, SentenceIndex, leaning_sentence, pick_sentences, question_terms,
                                      score_sentences, sourced_original)
from assistant.glossary import ACRONYMS
from assistant.lemmas import tokenize
from assistant.numbers import HAS_FIGURE, REPORTED_YEAR, edition_years, year_terms
from assistant.strings import message
from assistant.types import Answer, Citation, SentenceRef

if TYPE_CHECKING:
    from assistant.answer.question import Question
    from assistant.index.retrieval import Retrieved
    from assistant.index.store import StoreSnapshot
    from assistant.settings import AnswerSettings

class ExtractiveAnswerer:
    def __init__(self, snapshot: "StoreSnapshot", sentences: SentenceIndex, settings: "AnswerSettings") -> None:
        self.snapshot = snapshot
        self.sentences = sentences
        self.settings = settings

    def answer(self, question: "Question", retrieved: "Retrieved") -> Answer:
        language, needs, contexts = question.language, question.needs, retrieved.contexts
        scored = score_sentences(question.query, question.expanded, contexts, self.snapshot.chunks, self.sentences,
                                 language, retrieved.query_vector, include_all=True, follow_up=question.follow_up)
        if needs.noun:  # prefer sentences where a figure counts what was asked about
            scored = sorted(scored, key=lambda s: -(s.score + (0.1 if counts(s.text, needs.noun) else 0.0)))
        eligible = [s for s in scored[:15] if self.satisfies(s, needs)]
        chosen = pick_sentences(eligible, question.text)
        original = sourced_original(chosen[0], self.sentences, self.snapshot.chunks) if chosen else None
        if original is not None and original.text not in [s.text for s in chosen]:
            chosen = [chosen[0], original] + chosen[1:2]
        answerable = any(s.coverage >= self.settings.refuse_below or s.score >= self.settings.answer_above for s in chosen)
        if language == "pl" and mostly_unknown(question.text, self.sentences):
            answerable = False
        if not answerable:
            see_also = [self._cite(i + 1, s, s.text, list(s.footnotes), [SentenceRef(s.chunk.id, s.index)])
                        for i, s in enumerate(scored[:3])]
            return Answer(question.text, language, message("refusal", language), True, contexts=contexts,
                          see_also=see_also)
        terms = question_terms(question.expanded)
        citations: list[Citation] = []
        parts = [message("framing", language)]
        for marker, sentence in enumerate(chosen, start=1):
            quote, footnotes = sentence.text, list(sentence.footnotes)
            refs = [SentenceRef(sentence.chunk.id, sentence.index)]
            lean = leaning_sentence(sentence, terms, self.sentences)
            if lean is not None:
                previous = lean[0].sentences[lean[1]]
                if previous.text not in [c.quote for c in citations]:
                    quote = f"{previous.text} {quote}"
                    footnotes = sorted(set(footnotes) | set(previous.footnotes))
                    refs.insert(0, SentenceRef(lean[0].id, lean[1]))
            if sentence.chunk.kind == "source":
                quote = quote.split("\nCytowane przy:")[0]
            citations.append(self._cite(marker, sentence, quote, footnotes, refs))
            parts.append(f"„{quote}” [{marker}]")
        return Answer(question.text, language, " ".join(parts), False, citations=citations, contexts=contexts)

    def _cite(self, marker: int, sentence: ScoredSentence, quote: str, footnotes: list[int],
              refs: list[SentenceRef]) -> Citation:
        return make_citation(marker, sentence.chunk, quote, footnotes, self.snapshot, refs)

    def satisfies(self, sentence: ScoredSentence, needs: Needs) -> bool:
        """The hard conditions. On the passage: the question's names and years (years as reported, not
        as a baseline; the edition it names). On the sentence and what it leans on: a figure when one is
        asked for, one that counts what was asked about ("ile klastrów"), a year, an amount, a negation.
        Multi-word names as written."""
        if sentence.chunk.kind != "report" and not needs.source:
            return False
        if not keys_satisfied(needs.keys, self.answer_terms(sentence)):
            return False
        text = self.answer_text(sentence)
        if needs.figure and not HAS_FIGURE.search(text):
            return False
        if needs.noun and not counts(text, needs.noun):
            return False
        if needs.money and not MONEY.search(text):
            return False
        if needs.year and not REPORTED_YEAR.search(text):
            return False
        if needs.negative and not NEGATION.search(text):
            return False
        passage = sentence.chunk.text if sentence.chunk.kind == "report" else sentence.text
        if needs.years and not needs.years <= year_terms(passage):
            return False
        if needs.editions and not needs.editions <= edition_years(passage):
            return False  # "the 2022 edition" is not answered from the 2024 edition
        return all(has_phrase(p, sentence.chunk.text) for p in needs.phrases)

    def answer_text(self, sentence: ScoredSentence) -> str:
        lean = leaning_sentence(sentence, set(), self.sentences)
        return sentence.text if lean is None else f"{lean[0].sentences[lean[1]].text} {sentence.text}"

    def answer_terms(self, sentence: ScoredSentence, section: bool = True) -> set[str]:
        """What a sentence can vouch for: its terms, the sentence it leans on, its section title."""
        index = self.sentences
        terms = set(index.tokens[(sentence.chunk.id, sentence.index)])
        if section:  # names and years may be set a few sentences earlier in the same passage
            for i in range(len(sentence.chunk.sentences)):
                terms |= index.tokens[(sentence.chunk.id, i)]
        previous = index.context_of((sentence.chunk.id, sentence.index))
        if previous is not None:
            terms |= index.tokens[(previous[0].id, previous[1])]
        if section:  # ...or in the two sentences before it, across a chunk boundary
            before = index.previous.get((sentence.chunk.id, sentence.index))
            for _ in range(2):
                if before is None:
                    break
                terms |= index.tokens[(before[0].id, before[1])]
                before = index.previous.get((before[0].id, before[1]))
        for acronym, expansion in ACRONYMS.items():
            if acronym in terms:
                terms |= set(tokenize(expansion))
        return terms | set(tokenize(sentence.chunk.section)) if section else terms
