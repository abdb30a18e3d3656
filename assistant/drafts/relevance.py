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

import re
from dataclasses import dataclass, field
from functools import lru_cache

from assistant.answer.language import detect_language
from assistant.answer.question import Question
from assistant.answer.scoring import score_sentences
from assistant.drafts.topic import project_words
from assistant.glossary import ACRONYMS, ENGLISH_STOP, expand_query, translations
from assistant.lemmas import english_lemma, shares_stem, tokenize
from assistant.synonyms import derivation_stem, derived_report_words, loanword_lemmas, report_words_for

RETRIEVE_K = 10
JUDGED, JUDGED_PER_WORD = 40, 10  # sentences the judge weighs: the subject's best, each telling word's best
DRAFT_STEM_LETTERS = 7  # topics match more strictly: 6 letters would make szkolenie ~ szkoła
PREFIX_LETTERS = 5      # pro-, z-, prze-, cyber-: a derivation or compound prefix before the topic word stem
GENERIC_SHARE = 0.1     # a lemma in more than this share of sentences ("klaster") says nothing
RARE_SHARE = 0.035      # the topic's words in at most this share decide what serves it ("gospodarka" does not)
BARELY_USED = 2         # a topic word in at most this many sentences also stands for its derivations (członkostwo)
WORD = re.compile(r"[^\W\d_][\w+&-]*")


def matches(term: str, terms: set[str]) -> bool:
    """A lemma found among others, allowing Polish derivation (szkolenie ~ szkoleniowy) by a 7-letter prefix,
    a prefixed derivation, and either spelling of a hyphenated loanword (start-up ~ startupów)."""
    if shares_stem(term, terms, DRAFT_STEM_LETTERS):
        return True
    stem = term[:DRAFT_STEM_LETTERS]
    if len(term) >= DRAFT_STEM_LETTERS and any(0 < t.find(stem) <= PREFIX_LETTERS for t in terms):
        return True  # a prefixed derivation: eksport ~ proeksportowy, dywersyfikacja ~ zdywersyfikować
    bare = term.replace("-", "")
    hyphenated = {t for t in terms if "-" in t}
    if bare == term and not hyphenated:
        return False
    return shares_stem(bare, {t.replace("-", "") for t in (terms if bare != term else hyphenated)}, DRAFT_STEM_LETTERS)


@dataclass
class TopicTerms:
    """The subject as lemmas the report can match: IDF weights of the telling ones, and the weight of those
    the report never uses (they count against coverage). An English subject counts by its Polish key terms:
    the glossary's, a dictionary sense when it is the only one ("diversification" -> dywersyfikacja), and a
    loanword the report itself uses ("start-up"). Words naming the kind of undertaking or its direction
    ("projekt", "wsparcie", "podnoszenie": assistant/data/draft_instructions.toml) are not matched."""

    text: str
    polish: bool
    weights: dict[str, float] = field(default_factory=dict)
    unknown: float = 0.0
    too_general: bool = False
    stands_for: dict[str, set[str]] = field(default_factory=dict)  # a word the report does not use: its lemmas
    asked: dict[str, str] = field(default_factory=dict)  # ... and the words it is asked in instead

    @property
    def query(self) -> str:
        """The subject in the report's words: each word it does not use replaced by the report's words for it
        ("Zarobki pracowników" is asked as "płacowy wynagrodzenie pracowników", "Membership" as "member"), so the
        ranker and the judge weigh the sentences that say it as the report does."""
        text = self.text
        for word, replacement in self.asked.items():
            text = re.sub(rf"(?i)\b{re.escape(word)}\b", replacement, text)
        return text

    @classmethod
    def read(cls, assistant, subject: str) -> TopicTerms:
        index = assistant.sentences
        polish = detect_language(subject) == "pl"
        lemmas = _polish_lemmas(subject, index) if polish else _english_lemmas(subject, index)
        lemmas = {t for t in lemmas if not _project_word(t) and (not t[0].isdigit() or (t in index.df and len(t) > 2))}
        # ... a figure is no topic word: "4" and "0" of "Industry 4.0" would match "4-letnie kontrakty"
        telling = {t for t in lemmas if index.df.get(t, 0) <= GENERIC_SHARE * max(1, len(index.tokens))}
        vocabulary = set(index.df)
        known = {t for t in telling if matches(t, vocabulary)}
        standing: dict[str, set[str]] = {}
        for word in telling - known:  # a word the report does not use stands for the report's words for it
            found = {t for t in report_words_for(word, index) if not _project_word(t)}
            found |= {d for t in found for d in derived_report_words(t, vocabulary) if _specific(d, index)}
            if not found:  # used by the report only in its derivations: zakup -> zakupowy ("konsorcja zakupowe")
                found = {d for d in derived_report_words(word, vocabulary) if _specific(d, index)
                         and not _project_word(d)}
            known |= found
            if found:
                standing[word] = found
        for word in [t for t in known if 0 < index.df.get(t, 0) <= BARELY_USED]:  # członkostwo: członek too
            known |= {d for d in derived_report_words(word, vocabulary) if _specific(d, index) and not _project_word(d)}
        unknown = {t for t in telling - known - set(standing) if not report_words_for(t, index)} if polish else set()
        known -= _bound_to_unknown(subject, unknown, index)
        if not known or len(unknown) > len(known):
            return cls(subject, polish, too_general=bool(lemmas) and not telling)
        weights = {t: index.idf.get(t) or max(index.idf[v] for v in vocabulary if matches(v, {t})) for t in known}
        if polish:
            stands_for = {word: lemmas for word in WORD.findall(subject) for lemma in _polish_lemmas(word, index)
                          if (lemmas := standing.get(lemma))}
            asked = {word: " ".join(sorted(lemmas)) for word, lemmas in stands_for.items()}
        else:
            asked = {word: base for word in WORD.findall(subject) if (base := english_base(word))}
            stands_for = {word: set(tokenize(translations(base, generated=False) or ""))
                          for word, base in asked.items()}
        return cls(subject, polish, weights, sum(index.unknown_idf for _ in unknown), stands_for=stands_for,
                   asked=asked)

    def telling(self, index) -> set[str]:
        """The subject's specific lemmas (in at most RARE_SHARE of the sentences), or all when none is."""
        rare = {t for t in self.weights if index.df.get(t, 0) <= RARE_SHARE * max(1, len(index.tokens))}
        return rare or set(self.weights)

    def words(self, index) -> dict[str, set[str]]:
        """The subject's words that stand for telling lemmas, each with those lemmas (ranked one by one)."""
        telling = self.telling(index)
        found = {}
        for word in WORD.findall(self.text):
            if len(word) <= 2:
                continue
            if word in self.asked and self.stands_for[word] & set(self.weights):  # ranked in the report's words
                found[self.asked[word]] = self.stands_for[word] & set(self.weights)
                continue
            own = _polish_lemmas(word, index) if self.polish else _english_lemmas(word, index)
            own |= {t for t in telling if t[:6] == word.lower()[:6]}
            if own & telling:
                found[word] = own & telling
        named = {t for words in found.values() for t in words}
        for acronym in telling & set(ACRONYMS) - named:  # brought by its expansion: ranked on its own too
            found[acronym.upper()] = {acronym}
        return found


def _bound_to_unknown(subject: str, unknown: set[str], index) -> set[str]:
    """The lemmas of the word right after a Polish word the report does not use, which it governs ("ochrona
    danych": the report never speaks of the protection, and "dane" alone is another subject: data centres,
    the data a study rests on); not a word the glossary or a facet would bring anyway."""
    words = [w for w in WORD.findall(subject) if len(w) > 2]
    bound: set[str] = set()
    for word, following in zip(words, words[1:]):
        if _polish_lemmas(word, index) & unknown:
            bound |= _polish_lemmas(following, index) - unknown
    return bound


def _specific(lemma: str, index) -> bool:
    """Used by the report, and not in so many sentences that it says nothing ("klaster")."""
    return 0 < index.df.get(lemma, 0) <= GENERIC_SHARE * max(1, len(index.tokens))


@lru_cache(maxsize=1)
def _project_lemmas() -> frozenset[str]:
    words = project_words()
    return frozenset(words | set(tokenize(" ".join(words))))


def _project_word(lemma: str) -> bool:
    return lemma in _project_lemmas() or english_lemma(lemma) in _project_lemmas()


def _polish_lemmas(text: str, index) -> set[str]:
    """The lemmas of a Polish text; a lemmatizer slip ("szkoleń" -> "szkolić") is read as the report's word with
    that stem; the words of an acronym's expansion bring the acronym ("gospodarka o obiegu zamkniętym": GOZ)."""
    lemmas = set(tokenize(text))
    for word in re.findall(r"[^\W\d_]{7,}", text.lower()):
        own = set(tokenize(word))
        if own & lemmas and all(t[:6] != word[:6] and not _project_word(t) for t in own):
            lemmas |= {v for v in index.df if v[:6] == word[:6]}  # "4.0" of "Przemysł 4.0" stays
    for acronym, expansion in ACRONYMS.items():
        expanded = set(tokenize(expansion))
        if len(expanded) > 1 and expanded <= lemmas and acronym in index.df:
            lemmas.add(acronym)
    return lemmas


def _english_lemmas(text: str, index) -> set[str]:
    """The Polish key terms of an English text: hyphenated words read as their parts too ("supply-chain")."""
    spelled = re.sub(r"(?<=\w)-(?=\w)", " ", text)
    lemmas = set(tokenize(expand_query(f"{text} {spelled}", "en")))
    for word in {w.lower() for w in WORD.findall(f"{text} {spelled}")}:
        if word in ENGLISH_STOP or _project_word(word) or translations(word, generated=False):
            continue  # a function word is no topic word: the dictionary's sense of "as" is "gdy"
        base = english_base(word)
        if base:  # membership: the glossary's member
            lemmas |= set(tokenize(translations(base, generated=False)))
            continue
        sense = translations(word)
        if sense and len(sense.split()) == 1:
            lemmas |= set(tokenize(sense))
        elif sense and len({derivation_stem(t) for t in tokenize(sense)}) == 1:
            lemmas |= {t for t in tokenize(sense) if t in index.df}  # forms of one word: członkostwo, członkowski
        elif sense is None:
            lemmas |= {t for t in tokenize(word) if t in index.df}  # a loanword the report uses
            lemmas |= loanword_lemmas(word, index.df)  # ... in its Polish spelling (internacjonalizacja)
    return lemmas


ENGLISH_DERIVATION = ("ship", "hood", "ness")  # membership, partnership, leadership: the glossary's base word


def english_base(word: str) -> str | None:
    """The glossary word an English derivation the glossary lacks is made from (membership -> member), or None."""
    lower = word.lower()
    if translations(lower, generated=False):
        return None
    for suffix in ENGLISH_DERIVATION:
        base = lower.removesuffix(suffix)
        if base != lower and len(base) >= 4 and translations(base, generated=False):
            return base
    return None


@dataclass
class TopicRanking:
    """Ranker margins for every report sentence: under the whole subject, and per topic word (best first)."""

    whole: dict[tuple[str, int], float]
    probability: dict[tuple[str, int], float]  # judged: under the whole subject or one word (the best of them)
    words: dict[str, list[tuple[tuple[str, int], float]]]
    subject_probability: dict[tuple[str, int], float] = field(default_factory=dict)  # judged under the whole subject


def rank_for_topic(assistant, subject: str, words: list[str]) -> TopicRanking:
    """Every report sentence ranked for the subject and for each of its telling words alone."""
    model = assistant.extractive.model
    _, order, probability = _ranked(assistant, subject, model, whole=True)
    ranking = TopicRanking(dict(order), dict(probability), {}, probability)
    for word in dict.fromkeys(words):
        if word.lower() != subject.lower():
            _, ranking.words[word], judged = _ranked(assistant, word, model, whole=False)
            for key, value in judged.items():
                ranking.probability[key] = max(value, ranking.probability.get(key, 0.0))
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
    signals = assistant.extractive.signals(question, retrieved, scored)
    rows = []
    for sentence in scored:
        values = signals(sentence)
        rows.append(((sentence.chunk.id, sentence.index), values))
    if model is None:  # no trained model: the hand-set score stands in for the ranker's margin
        return rows, [(key, s.score * 4 - 4) for (key, _), s in zip(rows, scored)], {}
    order = model.rank([values for _, values in rows])
    probabilities = {}
    for place, (position, score) in enumerate(order[:JUDGED if whole else JUDGED_PER_WORD]):
        following = order[place + 1][1] if place + 1 < len(order) else None
        probabilities[rows[position][0]] = model.judged(rows[position][1], score, following)
    return rows, [(rows[position][0], score) for position, score in order], probabilities


def carries_topic(terms: set[str], topic_terms: set[str]) -> bool:
    """The quote's own lemmas name at least one of the topic's words (Polish derivation allowed)."""
    return any(matches(t, terms) for t in topic_terms)
