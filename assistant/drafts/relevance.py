"""Which report sentences serve a topic: dense + lexical + the answerability ranker, per sentence.

The subject is asked as a question, and so is each of its content words alone (a topic has several
facets: "szkolenia i staże w klastrze ICT" is training, internships and ICT). For every report
sentence the chat's own signals are computed (`score_sentences`: sentence vectors, lemma coverage,
retrieval rank; `candidate_features`: concept coverage, bm25, chunk similarity) and the
answerability ranker (`AnswerabilityModel.rank`) orders them, and `judged` gives
the calibrated probability for the whole subject. `compose` decides: relevant is a sentence the whole
subject ranks high enough, or the best one for one of the topic's words. A sentence is relevant only when its own words
(or the sentence it leans on) carry one of the topic's words: the ranker alone may like a sentence
about something next to the topic (the wage premium for a training programme), the quote must not.
"""

from __future__ import annotations

from dataclasses import dataclass

from assistant.answer.answerability import candidate_features, question_concepts, unknown_share
from assistant.answer.question import Question
from assistant.answer.scoring import score_sentences
from assistant.lemmas import shares_stem

RETRIEVE_K = 10


@dataclass
class TopicRanking:
    """Ranker margins for every report sentence: under the whole subject, and per topic word (best first)."""

    whole: dict[tuple[str, int], float]
    probability: dict[tuple[str, int], float]  # judged, under the whole subject (its top sentences)
    words: dict[str, list[tuple[tuple[str, int], float]]]


def rank_for_topic(assistant, subject: str, words: list[str]) -> TopicRanking:
    """Every report sentence ranked for the subject and for each of its telling words alone."""
    model = assistant.extractive.model
    _, order, probability = _ranked(assistant, subject, model, whole=True)
    ranking = TopicRanking(dict(order), probability, {})
    for word in dict.fromkeys(words):
        if word.lower() != subject.lower():
            ranking.words[word] = _ranked(assistant, word, model, whole=False)[1]
    return ranking


def _ranked(assistant, text: str, model, whole: bool):
    """(rows, [(key, ranker margin)], {key: judged probability} for the whole subject's top sentences)."""
    question = Question.read(text, [], assistant.sentences)
    retrieved = assistant.search.retrieve(question.query, RETRIEVE_K, lexical_query=question.expanded)
    scored = [s for s in score_sentences(question.query, question.expanded, retrieved.contexts,
                                         assistant.snapshot.chunks, assistant.sentences, question.language,
                                         retrieved.query_vector, include_all=True)
              if s.chunk.kind == "report"]
    if not scored:
        return [], [], {}
    extractive = assistant.extractive
    top_similarity = max(s.features.get("similarity", 0.0) for s in scored)
    unknown = unknown_share(question, assistant.sentences)
    concepts = question_concepts(question, assistant.sentences)
    top_bm25 = max(retrieved.lexical.values(), default=0.0) or 1.0
    min_dense = min(retrieved.dense.values(), default=0.0)
    rows = []
    for sentence in scored:
        values = candidate_features(question, sentence, extractive.answer_terms(sentence),
                                    extractive.answer_text(sentence), top_similarity, scored[0].score, unknown,
                                    concepts, extractive.own_terms(sentence), assistant.sentences)
        values["bm25"] = retrieved.lexical.get(sentence.chunk.id, 0.0) / top_bm25
        values["chunk_dense"] = retrieved.dense.get(sentence.chunk.id, min_dense)
        rows.append(((sentence.chunk.id, sentence.index), values))
    if model is None:  # no trained model: the hand-set score stands in for the ranker's margin
        return rows, [(key, s.score * 4 - 4) for (key, _), s in zip(rows, scored)], {}
    order = model.rank([values for _, values in rows])
    probabilities = {}
    if whole:
        for place, (position, score) in enumerate(order[:40]):
            following = order[place + 1][1] if place + 1 < len(order) else None
            probabilities[rows[position][0]] = model.judged(rows[position][1], score, following)
    return rows, [(rows[position][0], score) for position, score in order], probabilities


def carries_topic(terms: set[str], topic_terms: set[str], letters: int) -> bool:
    """The quote's own lemmas name at least one of the topic's words (Polish derivation allowed)."""
    return any(shares_stem(t, terms, letters) for t in topic_terms)
