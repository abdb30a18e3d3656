"""The extractive answer: the report's own sentences, chosen under hard conditions, or a refusal.

Every report sentence is scored (scoring.py); the best ones must pass the question's hard
conditions (needs.py) and be close enough, otherwise the answer says the report does not say.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from assistant.answer.answerability import AnswerabilityModel, candidate_features, question_concepts, unknown_share
from assistant.answer.citations import make_citation
from assistant.answer.documents import group_of, unboosted
from assistant.answer.missing import passage_lacks, report_lacks
from assistant.answer.needs import MONEY, NEGATION, Needs, counts, has_phrase, keys_satisfied
from assistant.answer.report_first import settle
from assistant.answer.scoring import (
    COMPARISON,
    ScoredSentence,
    SentenceIndex,
    leaning_sentence,
    pick_sentences,
    question_terms,
    score_sentences,
    sourced_original,
)
from assistant.glossary import ACRONYMS
from assistant.lemmas import shares_stem, tokenize
from assistant.numbers import REPORTED_YEAR, edition_years, figures_of, states_figure, year_terms
from assistant.sources import is_report
from assistant.strings import message
from assistant.synonyms import synonyms
from assistant.types import Answer, Citation, OtherValue, Outcome, SentenceRef

if TYPE_CHECKING:
    from assistant.answer.documents import Documents
    from assistant.answer.question import Question
    from assistant.index.retrieval import Retrieved
    from assistant.index.store import StoreSnapshot
    from assistant.settings import AnswerSettings

CANDIDATES = 15  # the best-ranked sentences the answerability model looks at


@dataclass
class Candidate:
    """A sentence that passed the hard checks, with its answerability signals and probability."""

    sentence: ScoredSentence
    features: dict[str, float]
    probability: float = 0.0


class ExtractiveAnswerer:
    def __init__(self, snapshot: "StoreSnapshot", sentences: SentenceIndex, settings: "AnswerSettings",
                 model: AnswerabilityModel | None = None, pair_judge=None) -> None:
        self.snapshot = snapshot
        self.sentences = sentences
        self.settings = settings
        self.model = model
        self.pair_judge = pair_judge  # assistant.answer.pair_judge.PairJudge, when the model has a cascade
        self.vocabulary = set().union(*sentences.tokens.values())  # every indexed document's words (df: the report's)
        self._vocabularies: dict[frozenset[str], set[str]] = {}  # a `docs` filter's words
        self._documents = None  # assistant.answer.documents.Documents, on first use

    def candidates(self, question: "Question", retrieved: "Retrieved", named: set[str] | frozenset[str] = frozenset(),
                   docs: frozenset[str] | None = None) -> tuple[list[Candidate], list[ScoredSentence]]:
        """The top-ranked sentences that pass the hard checks, with their signals; and all ranked sentences.
        The best CANDIDATES of the report, of the documents the question names, and of the others each
        (issue 26: other documents never crowd the report's sentences out)."""
        scored = score_sentences(question.query, question.expanded, retrieved.contexts, self.snapshot.chunks,
                                 self.sentences, question.language, retrieved.query_vector,
                                 include_all=docs is None or any(is_report(d) for d in docs),
                                 follow_up=question.follow_up)
        if docs is not None:
            scored = [s for s in scored if s.chunk.doc in docs]
        if not scored:
            return [], scored
        signals = self.signals(question, retrieved, scored)
        found, seen = [], {}
        for sentence in scored:
            group = group_of(sentence, named)
            if seen.get(group, 0) >= CANDIDATES:
                continue
            seen[group] = seen.get(group, 0) + 1
            terms, text = self.answer_terms(sentence), self.answer_text(sentence)  # each worked out once
            if self.satisfies(sentence, question.needs, terms, text):
                found.append(Candidate(sentence, signals(sentence, terms, text)))
        return found, scored

    def signals(self, question: "Question", retrieved: "Retrieved", scored: list[ScoredSentence]):
        """A function giving one ranked sentence's answerability signals; what the whole question and the
        retrieval share (top similarity, concepts, BM25 scale) is worked out once. Drafts rank with it too."""
        top_similarity = max(s.features.get("similarity", 0.0) for s in scored)
        unknown = unknown_share(question, self.sentences)
        concepts = question_concepts(question, self.sentences)
        top_bm25 = max(retrieved.lexical.values(), default=0.0) or 1.0
        min_dense = min(retrieved.dense.values(), default=0.0)

        def of(sentence: ScoredSentence, terms: set[str] | None = None, text: str | None = None) -> dict[str, float]:
            terms = self.answer_terms(sentence) if terms is None else terms
            text = self.answer_text(sentence) if text is None else text
            values = candidate_features(question, sentence, terms, text, top_similarity, scored[0].score, unknown,
                                        concepts, self.own_terms(sentence), self.sentences)
            values["bm25"] = retrieved.lexical.get(sentence.chunk.id, 0.0) / top_bm25
            values["chunk_dense"] = retrieved.dense.get(sentence.chunk.id, min_dense)
            return values

        return of

    def named(self, question: "Question", docs: frozenset[str] | None = None) -> set[str]:
        """The documents other than the report that the question names (within a `docs` filter)."""
        documents = self.documents()
        if len(documents.names) < 2:  # with the report alone nothing is named
            return set()
        return {d for d in documents.named_in(question.text) if docs is None or d in docs}

    def report_docs(self, docs: frozenset[str] | None) -> frozenset[str] | None:
        """The report's own documents within a `docs` filter (None when there are none)."""
        report = frozenset(d for d in self.documents().docs if is_report(d) and (docs is None or d in docs))
        return report or None

    def answer(self, question: "Question", retrieved: "Retrieved", docs: frozenset[str] | None = None,
               named: set[str] | None = None, by_report: "Retrieved | None" = None,
               by_named: "tuple[Question, Retrieved] | None" = None,
               by_cited: "tuple[set[str], Question, Retrieved] | None" = None) -> Answer:
        """The report answers first (issue 26): another document's passage only when the question names it,
        or when the report does not answer and that passage passes the same judge. `by_report`: the report
        searched alone (its candidates are scored as if nothing else were indexed); `by_named`: the question
        without the documents' names, and the named documents searched with it."""
        language, contexts = question.language, retrieved.contexts
        named = self.named(question, docs) if named is None else named
        cited, cited_found = (by_cited[0], self.candidates(by_cited[1], by_cited[2], set())[0]) if by_cited \
            else (set(), [])
        found, scored = self.candidates(question, retrieved, named, docs)
        report_found = found
        if by_report is not None:
            report_found, report_scored = self.candidates(question, by_report, set(), self.report_docs(docs))
            scored = scored if named else report_scored + [s for s in scored if not is_report(s.chunk.doc)]
        named_found = found
        if by_named is not None:
            named_found, _ = self.candidates(by_named[0], by_named[1], named, frozenset(named))
            seen = {c.chunk_id for c in contexts}
            contexts = contexts + [c for c in by_named[1].contexts if c.chunk_id not in seen]
        chosen, confidence, tried, answered, by = [], None, [], [], "report"
        groups = [] if self.knows_none_of(question, docs) else self._groups(found, report_found, named_found, named,
                                                                              cited, cited_found)
        if not groups:
            tried.append(0.0)  # nothing the documents know: no passage can answer it
        for group, members in groups:  # a named document's passages: the judge's best first (cross-language)
            chosen, confidence = self._choose(members, question, best_judged=group == "named")
            tried.append(confidence)
            if chosen:
                answered, by = members, group
                break
        by, chosen, confidence, answered = settle(self, question, by, chosen, confidence, answered, report_found,
                                                  found, named, docs)  # report first: report_first.py
        if not chosen:
            confidence = max((c for c in tried if c is not None), default=None)
            see_also = [self._cite(i + 1, s, s.text, list(s.footnotes), [SentenceRef(s.chunk.id, s.index)])
                        for i, s in enumerate(scored[:3])]
            return Answer(question.text, language, message("refusal", language), True, contexts=contexts,
                          see_also=see_also, missing=self.missing(question, scored), confidence=confidence)
        if is_report(chosen[0].chunk.doc):
            original = sourced_original(chosen[0], self.sentences, self.snapshot.chunks)
            if original is not None and original.text not in [s.text for s in chosen]:
                chosen = [chosen[0], original] + chosen[1:2]
        sure = self.model is None or confidence is None or self._sure(by, confidence, docs)
        answer = self._quote(question, chosen, contexts, Outcome.SURE if sure else Outcome.CHECK)
        answer.missing = "" if sure else passage_lacks(question, chosen, self.sentences, self.answer_terms)
        if cited and all(is_report(s.chunk.doc) for s in chosen):
            answer.answer = f"{message('framing_citing', language)} {answer.answer}"
        answer.confidence = confidence
        others = [c for c in found + (report_found if report_found is not found else []) if c not in answered]
        answer.other_values = self.other_values(question, chosen, others)
        return answer

    def _sure(self, group: str, confidence: float, docs: frozenset[str] | None) -> bool:
        """The sure level holds where the judge was fitted: the report's sentences. A passage of a document the
        question names is sure by its probability before `named_boost` (the boost shows it, never makes it sure);
        one of a document nobody chose (no name, no `docs` filter: the report did not answer) is a passage to
        check. Beside eval/sources both made sure answers that were wrong (docs/architecture.md)."""
        if group == "named":
            confidence = unboosted(confidence, self.settings.named_boost)
        elif group == "other" and docs is None:
            return False
        return self.model.outcome(confidence) == Outcome.SURE

    def knows_none_of(self, question: "Question", docs: frozenset[str] | None = None) -> bool:
        """Not one of the question's content words is used by the indexed documents (those of `docs`), in any form
        or by a synonym ("$(rm -rf ~) reboot", "the weather in Warsaw tomorrow"): no passage can answer it."""
        concepts = question_concepts(question, self.sentences)
        vocabulary = self.vocabulary if docs is None else self._vocabularies.get(docs)
        if vocabulary is None:  # the filter's own words: the report filtered is the report alone
            chunks = self.snapshot.chunks
            vocabulary = set().union(*(terms for (chunk_id, _), terms in self.sentences.tokens.items()
                                       if chunk_id in chunks and chunks[chunk_id].doc in docs))
            self._vocabularies = {**self._vocabularies, docs: vocabulary} if len(self._vocabularies) < 16 else {}
        return bool(concepts) and not any(shares_stem(o, vocabulary) or synonyms(o)
                                          for c in concepts for o in c.options)

    def _groups(self, found: list[Candidate], report_found: list[Candidate], named_found: list[Candidate],
                named: set[str], cited: set[str], cited_found: list[Candidate]):
        """The candidates in the order they may answer: the documents the question names, the report's sentences
        citing the work it names, the report, then every other document."""
        report = [c for c in report_found if group_of(c.sentence, named) == "report"]
        if named:
            yield "named", [c for c in named_found if group_of(c.sentence, named) == "named"]
        if cited:
            notes = self.snapshot.footnote_source
            yield "cited", [c for c in cited_found if any(notes.get((c.sentence.chunk.doc, n)) in cited
                                                          for n in c.sentence.footnotes)]
        yield "report", report
        yield "other", [c for c in found if group_of(c.sentence, named) == "other"]

    def other_values(self, question: "Question", chosen: list[ScoredSentence],
                     others: list[Candidate]) -> list[OtherValue]:
        """Other documents' passages that pass the same judge for this question and state a figure the answer's
        quotes do not: one per document, at most three."""
        if self.model is None or not others:
            return []
        answered = set().union(*(figures_of(self.answer_text(s)) for s in chosen))
        shown_docs = {s.chunk.doc for s in chosen}
        values: list[OtherValue] = []
        for candidate in self._ranked(others, question):
            sentence = candidate.sentence
            if candidate.probability < self.model.threshold or len(values) >= 3:
                break
            if sentence.chunk.doc in shown_docs or sentence.chunk.kind == "source":
                continue
            differ = sorted(figures_of(sentence.text) - answered)
            if differ and answered:
                values.append(OtherValue(sentence.chunk.doc, sentence.chunk.page, sentence.text, differ,
                                         sentence.chunk.id))
                shown_docs.add(sentence.chunk.doc)
        return values

    def documents(self) -> "Documents":
        """The store's documents and the names each answers to, worked out once per generation."""
        if self._documents is None:
            from assistant.answer.documents import Documents

            self._documents = Documents(self.snapshot)
        return self._documents

    def _ranked(self, found: list[Candidate], question: "Question") -> list[Candidate]:
        """The candidates in the ranker's order, each with its judged probability (the cascade's second look)."""
        order = self.model.rank([c.features for c in found])
        ranked = []
        for place, (position, score) in enumerate(order):
            following = order[place + 1][1] if place + 1 < len(order) else None
            candidate = found[position]
            candidate.probability = self.model.judged(candidate.features, score, following)
            ranked.append(candidate)
        if ranked and self.model.cascade is not None and self.pair_judge is not None:
            ranked = self.model.cascade.rejudge(
                ranked, lambda c: self.pair_judge.probability(question.query, self.answer_text(c.sentence)))
        return ranked

    def _choose(self, found: list[Candidate], question: "Question",
                best_judged: bool = False) -> tuple[list[ScoredSentence], float | None]:
        """The ranker's first candidate if the judge gives it the threshold, and further ones that clear
        the bar on their own; [] means refuse. Also the judged probability of the first (the confidence)."""
        if self.model is None:  # no trained model yet (`python -m eval train`): the hand-set rule
            chosen = pick_sentences([c.sentence for c in found], question.text)
            ok = any(s.coverage >= self.settings.refuse_below or s.score >= self.settings.answer_above for s in chosen)
            return (chosen if ok else []), None
        ranked = self._ranked(found, question)
        ranked = self.documents().judged_first(ranked, self.settings.named_boost) if best_judged else ranked
        if not ranked:
            return [], 0.0
        confidence = round(ranked[0].probability, 4)
        if confidence < self.model.threshold:
            return [], confidence
        limit = 3 if COMPARISON.search(question.text) else 2
        chosen = [ranked[0].sentence]
        for candidate in ranked[1:]:
            if len(chosen) >= limit:
                break
            if (candidate.probability >= self.model.second_threshold
                    and candidate.sentence.text not in [s.text for s in chosen]):
                chosen.append(candidate.sentence)
        if confidence < self.model.sure_threshold and len(chosen) == 1:  # to check: the next closest passage too
            runner_up = next((c for c in ranked[1:] if c.probability >= self.model.threshold
                              and c.sentence.text != chosen[0].text), None)
            chosen += [runner_up.sentence] if runner_up else []
        return chosen, confidence

    def _quote(self, question: "Question", chosen: list[ScoredSentence], contexts, outcome: Outcome) -> Answer:
        """The quotes with their citations: framed as the report's answer when sure, as the closest passage
        for the reader to check otherwise (never "Według raportu")."""
        language = question.language
        terms = question_terms(question.expanded)
        citations: list[Citation] = []
        docs = list(dict.fromkeys(s.chunk.doc for s in chosen))  # a user's own document is named, not "the report"
        kind = "framing" if outcome == Outcome.SURE else "framing_check"
        if all(is_report(doc) for doc in docs):
            framing = message(kind, language)
        elif len(docs) == 1:
            framing = message(f"{kind}_document", language, doc=docs[0])
        else:
            framing = message(f"{kind}_documents", language, docs=", ".join(docs))
        parts = [framing]
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
        return Answer(question.text, language, " ".join(parts), False, citations=citations, contexts=contexts,
                      outcome=outcome)

    def missing(self, question: "Question", scored: list[ScoredSentence]) -> str:
        return report_lacks(question, scored, self.sentences, self.answer_terms, CANDIDATES)

    def _cite(self, marker: int, sentence: ScoredSentence, quote: str, footnotes: list[int],
              refs: list[SentenceRef]) -> Citation:
        return make_citation(marker, sentence.chunk, quote, footnotes, self.snapshot, refs)

    def satisfies(self, sentence: ScoredSentence, needs: Needs, terms: set[str] | None = None,
                  text: str | None = None) -> bool:
        """The generic hard checks: the question's names, numbers and years are in the passage (years as
        reported, not as a baseline; multi-word names as written), and a figure or a year is in the sentence
        (or what it leans on) when the question asks for one. Everything else is the answerability model's."""
        if sentence.chunk.kind != "report" and not needs.source:
            return False
        if not keys_satisfied(needs.keys, self.answer_terms(sentence) if terms is None else terms):
            return False
        text = self.answer_text(sentence) if text is None else text
        if needs.figure and not states_figure(text, not is_report(sentence.chunk.doc)):
            return False
        if needs.year and not REPORTED_YEAR.search(text):
            return False
        passage = sentence.chunk.text if sentence.chunk.kind == "report" else sentence.text
        if needs.years and not needs.years <= year_terms(passage):
            return False
        if not self._extra_checks(needs, text, passage):
            return False
        return all(has_phrase(p, sentence.chunk.text) for p in needs.phrases)

    def _extra_checks(self, needs: Needs, text: str, passage: str) -> bool:
        """The optional checks of `settings.answer.extra_checks` (each decided by measurement, docs/architecture.md)."""
        extra = self.settings.extra_checks
        if "editions" in extra and needs.editions and not needs.editions <= edition_years(passage):
            return False
        if "negation" in extra and needs.negative and not NEGATION.search(text):
            return False
        if "money" in extra and needs.money and not MONEY.search(text):
            return False
        return not ("counted_noun" in extra and needs.noun and not counts(text, needs.noun))

    def own_terms(self, sentence: ScoredSentence) -> set[str]:
        """The sentence's lemmas with those of the sentence it leans on and its section title: what it says itself."""
        terms = set(self.sentences.tokens[(sentence.chunk.id, sentence.index)])
        lean = leaning_sentence(sentence, set(), self.sentences)
        if lean is not None:
            terms |= self.sentences.tokens[(lean[0].id, lean[1])]
        return terms | set(tokenize(sentence.chunk.section))

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
        if section and not is_report(sentence.chunk.doc):  # its title and file name vouch for its passages, and
            terms |= self.documents().vouches(sentence.chunk.doc, terms)  # an acronym for its spelled-out words
        return terms | set(tokenize(sentence.chunk.section)) if section else terms
