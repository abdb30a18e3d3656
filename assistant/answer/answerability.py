"""Answerability: one calibrated probability that a report sentence answers the question.

A small logistic model over signals that do not depend on any one question: meaning (sentence
vectors), lemma coverage of the question's content words (words the report never uses count as
uncovered), the question's most specific words, names/numbers/years matched, the figure or year
the question asks for, retrieval rank, and how much of the question is outside the report's
vocabulary. `python -m eval train` fits it on the dev questions only and writes
assistant/data/answerability.json (weights, feature scaling, and two levels chosen on dev: the refusal
`threshold` and the `sure_threshold`). Below the threshold the answerer refuses; between the two its passage
is shown for the reader to check; at or above the sure level it is an answer (`Outcome`, issue 25).
"""

from __future__ import annotations

import json
import math
import re
from dataclasses import dataclass, replace
from pathlib import Path
from typing import TYPE_CHECKING

from assistant.answer.cascade import PairCascade
from assistant.answer.needs import MONEY, counts, keys_satisfied, names_same_place
from assistant.glossary import roman_numerals
from assistant.lemmas import shares_stem, tokenize
from assistant.synonyms import covered_by_synonym, synonym_weight, synonyms
from assistant.types import Outcome

if TYPE_CHECKING:
    from assistant.answer.question import Question
    from assistant.answer.scoring import ScoredSentence, SentenceIndex
    from assistant.settings import AnswerSettings

MODEL_FILE = Path(__file__).resolve().parent.parent / "data" / "answerability.json"
# the sure level of a model file written before issue 25 (no `sure_threshold` key): the level a judged probability
# of 0.9 or more was right at on dev out of fold (92%, the model of 2026-11-30), never below the refusal level
DEFAULT_SURE_THRESHOLD = 0.9

FEATURES = (
    "coverage",
    "rare_coverage",
    "has_rare",
    "follow_up_coverage",
    "similarity",
    "similarity_gap",
    "retrieved",
    "footnoted",
    "leans",
    "figure_fit",
    "year_fit",
    "table_fit",
    "source_fit",
    "count_fit",
    "unknown_share",
    "english",
    "heuristic",
    "heuristic_gap",
    "concept_coverage",
    "attribute_coverage",
    "uncovered_attributes",
    "max_uncovered",
    "percent_fit",
    "money_fit",
    "bm25",
    "chunk_dense",
)
# the judge sees the ranker's best candidate through these, plus its ranker score and lead over the next
JUDGE_FEATURES = (
    "bm25",
    "chunk_dense",
    "attribute_coverage",
    "max_uncovered",
    "uncovered_attributes",
    "concept_coverage",
    "unknown_share",
    "similarity",
    "similarity_gap",
    "coverage",
    "english",
    "follow_up_coverage",
    "figure_fit",
    "count_fit",
    "percent_fit",
    "money_fit",
    "table_fit",
    "year_fit",
    "source_fit",
    "heuristic",
    "retrieved",
    "rank_score",
    "rank_lead",
)
SHARE_QUESTION = re.compile(
    r"\b(odset\w*|procent\w*|udzia\w*|jaka część|jaką część|share|percent\w*|proportion|%)", re.IGNORECASE
)
PERCENT = re.compile(r"\d\s?%|\bproc\.|\bprocent")

# words that frame a question rather than name what it asks about
QUESTION_FRAME = frozenset(
    """
jaki jaka jakie jakim jakiej jakich kto kogo komu czego co ile ilu który która które których którym kiedy gdzie
podawać podać podaje wskazywać wskazuje wymieniać wymienić wynosić wynosi wynieść mieć być zostać raport raportu
według wg polska polski polsce klaster klastrów klastry klastra klastrowy dotyczyć dotyczy
""".split()
)
SCOPE_LEMMAS = frozenset({"polska", "polski", "klaster", "klastrowy", "raport", "report", "cluster", "poland"})


@dataclass(frozen=True)
class LogisticScore:
    """A logistic regression over named, standardized signals (weights fitted by `python -m eval train`)."""

    features: tuple[str, ...]
    mean: tuple[float, ...]
    scale: tuple[float, ...]
    weights: tuple[float, ...]
    bias: float

    def margin(self, values: dict[str, float]) -> float:
        return self.bias + sum(
            w * (values.get(name, 0.0) - m) / s
            for name, m, s, w in zip(self.features, self.mean, self.scale, self.weights)
        )

    def probability(self, values: dict[str, float]) -> float:
        return 1.0 / (1.0 + math.exp(-max(-30.0, min(30.0, self.margin(values)))))

    @classmethod
    def from_dict(cls, data: dict) -> "LogisticScore":
        return cls(
            tuple(data["features"]),
            tuple(data["mean"]),
            tuple(data["scale"]),
            tuple(data["weights"]),
            float(data["bias"]),
        )


@dataclass(frozen=True)
class AnswerabilityModel:
    """Two stages: the ranker orders a question's candidates; the judge gives the calibrated probability
    that the ranker's first choice answers the question. Below `threshold`: refuse; from `threshold` to
    below `sure_threshold`: a passage to check; from `sure_threshold` on: a sure answer (`outcome`)."""

    ranker: LogisticScore
    judge: LogisticScore
    threshold: float  # the refusal level, chosen on dev questions
    second_threshold: float  # a further quote joins only when its own judged probability reaches this
    sure_threshold: float = DEFAULT_SURE_THRESHOLD  # the sure level, chosen on dev for precision
    cascade: "PairCascade | None" = None  # the pair judge's second look where the judge is unsure (issue 24)

    def outcome(self, probability: float) -> Outcome:
        """What a judged probability makes of an answer."""
        if probability < self.threshold:
            return Outcome.REFUSED
        return Outcome.SURE if probability >= self.sure_threshold else Outcome.CHECK

    def with_levels(self, check_above: float | None = None, sure_above: float | None = None) -> "AnswerabilityModel":
        """The model with the levels a setting overrides (None keeps the model's own); the sure level is never
        below the refusal level."""
        threshold = self.threshold if check_above is None else check_above
        sure = self.sure_threshold if sure_above is None else sure_above
        return replace(self, threshold=threshold, sure_threshold=max(sure, threshold))

    def rank(self, candidates: list[dict[str, float]]) -> list[tuple[int, float]]:
        """(position, ranker score) best first."""
        scores = [self.ranker.margin(values) for values in candidates]
        return sorted(enumerate(scores), key=lambda pair: -pair[1])

    def judged(self, values: dict[str, float], score: float, next_score: float | None) -> float:
        lead = score - next_score if next_score is not None else 5.0
        return self.judge.probability(values | {"rank_score": score, "rank_lead": lead})

    @classmethod
    def load(cls, path: Path = MODEL_FILE) -> "AnswerabilityModel":
        data = json.loads(Path(path).read_text(encoding="utf-8"))
        threshold = float(data["threshold"])
        return cls(
            LogisticScore.from_dict(data["ranker"]),
            LogisticScore.from_dict(data["judge"]),
            threshold,
            float(data.get("second_threshold", threshold)),
            max(threshold, float(data.get("sure_threshold", DEFAULT_SURE_THRESHOLD))),
            PairCascade.from_dict(data["pair_cascade"]) if data.get("pair_cascade") else None,
        )


def model_for(settings: "AnswerSettings") -> AnswerabilityModel | None:
    """The model the answer settings name, with their `check_above` / `sure_above` levels when set."""
    model = load_model(settings.model)
    return model.with_levels(settings.check_above, settings.sure_above) if model is not None else None


def load_model(spec: str = "") -> AnswerabilityModel | None:
    """The model a setting names: "" the bundled file (None until one is trained), "off" none, else a path."""
    if spec == "off":
        return None
    path = Path(spec) if spec else MODEL_FILE
    if not path.exists():
        if spec:
            from assistant.errors import SettingsError

            raise SettingsError(f"answerability model {path} does not exist (run `python -m eval train`)")
        return None
    return AnswerabilityModel.load(path)


def unknown_share(question: "Question", index: "SentenceIndex") -> float:
    """Share of the question's content words the report never uses (in any form): a question mostly
    about something else ("ile zarabia spawacz") cannot be answered from it."""
    if question.language == "en":
        from assistant.glossary import translatable

        words = [w for w in english_content_words(question.text)]
        if not words:
            return 0.0
        return sum(not translatable(w, index) for w in words) / len(words)
    terms = [t for t in set(tokenize(question.text)) if not t[0].isdigit()]
    if not terms:
        return 0.0
    return sum(not is_known(t, index) for t in terms) / len(terms)


def is_known(lemma: str, index: "SentenceIndex") -> bool:
    """The report uses the word, in some form, or a synonym of it (przeciętnie: średnio)."""
    return shares_stem(lemma, index.df) or bool(synonyms(lemma))


ENGLISH_FUNCTION_WORDS = frozenset(
    """
a an the of and or in on at to for is are was were be been being by with what which how many much does do did that this
these those from as it its their there according report who whom whose when where why than then into about over under
per all any some each most more less least can could would should will shall may might must have has had not no yes
poland polish cluster clusters say says said give gives given list name named mention mentioned tell show shows
one two three four five six seven eight nine ten first second third both either
""".split()
)


def english_content_words(text: str) -> list[str]:
    import re

    return [
        w
        for w in (m.lower() for m in re.findall(r"[A-Za-z][A-Za-z&+-]*", text))
        if w not in ENGLISH_FUNCTION_WORDS and len(w) > 2
    ]


@dataclass(frozen=True)
class Concept:
    """One content word of the question: the lemmas that would show it is covered, and its weight."""

    word: str
    options: frozenset[str]
    weight: float
    is_name: bool  # a capitalised name inside the question (checked as a hard key already)


def question_concepts(question: "Question", index: "SentenceIndex") -> list[Concept]:
    """The question's own content words (a follow-up's own words, not its history's). English words
    count through their Polish translations; a word with none stays, uncovered, never ignored."""
    import re

    concepts: list[Concept] = []
    words = re.findall(r"[^\W\d_][\w&+-]*", question.text)
    for position, word in enumerate(words):
        lower = word.lower()
        is_name = position > 0 and word[:1].isupper()
        if question.language == "en":
            if lower not in english_content_words(lower):
                continue
            from assistant.glossary import translations

            options = set(tokenize(translations(lower) or "")) | set(tokenize(lower))
        else:
            if lower in QUESTION_FRAME:
                continue
            options = set(tokenize(lower))
        options = (options | roman_numerals(lower)) - QUESTION_FRAME
        if not options or options & SCOPE_LEMMAS:
            continue
        known = [index.weight(o) for o in options if o in index.idf]
        known += [synonym_weight(o, index) for o in options if o not in index.idf and synonyms(o)]
        weight = max(known) if known else index.unknown_idf
        concepts.append(Concept(lower, frozenset(options), weight, is_name))
    return concepts


def concept_features(concepts: list[Concept], terms: set[str], index: "SentenceIndex") -> dict[str, float]:
    covered = [
        any(shares_stem(o, terms) or (c.is_name and names_same_place(o, terms)) or covered_by_synonym(o, terms)
            for o in c.options)
        for c in concepts
    ]
    total = sum(c.weight for c in concepts)
    attributes = [(c, ok) for c, ok in zip(concepts, covered) if not c.is_name]
    attribute_total = sum(c.weight for c, _ in attributes)
    missing = [c.weight for c, ok in attributes if not ok]
    return {
        "concept_coverage": sum(c.weight for c, ok in zip(concepts, covered) if ok) / total if total else 1.0,
        "attribute_coverage": sum(c.weight for c, ok in attributes if ok) / attribute_total if attribute_total else 1.0,
        "uncovered_attributes": float(len(missing)),
        "max_uncovered": max(missing, default=0.0) / index.unknown_idf,
    }


def candidate_features(
    question: "Question",
    candidate: "ScoredSentence",
    answer_terms: set[str],
    answer_text: str,
    top_similarity: float,
    top_score: float,
    unknown: float,
    concepts: list[Concept] | None = None,
    own_terms: set[str] | None = None,
    index: "SentenceIndex | None" = None,
) -> dict[str, float]:
    """The candidate's signals from scoring plus those that need the whole question."""
    values = dict(candidate.features)
    if concepts is not None and own_terms is not None and index is not None:
        values.update(concept_features(concepts, own_terms, index))
    needs = question.needs
    values["similarity_gap"] = top_similarity - values.get("similarity", 0.0)
    values["keys_ok"] = float(keys_satisfied(needs.keys, answer_terms))
    values["count_fit"] = (1.0 if counts(answer_text, needs.noun) else -1.0) if needs.noun else 0.0
    values["unknown_share"] = unknown
    values["english"] = float(question.language == "en")
    values["heuristic"] = candidate.score
    values["heuristic_gap"] = top_score - candidate.score
    values["percent_fit"] = (
        (1.0 if PERCENT.search(answer_text) else -1.0) if SHARE_QUESTION.search(question.text) else 0.0
    )
    values["money_fit"] = (1.0 if MONEY.search(answer_text) else -1.0) if needs.money else 0.0
    return values
