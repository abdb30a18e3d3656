"""Extractive answering: pick the report sentences that answer the question.

Sentences from the top retrieved chunks are scored by IDF-weighted coverage of the
question's lemmas, their chunk's rank, and, for how-many / what-share questions, by
whether they carry a figure. A sentence that leans on the previous one ("było ich 18",
"Był on o 25%") brings that sentence along. Low coverage means the report does not
say: the caller refuses.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass

from .lexical import tokenize
from .types import Chunk, Context

QUANTITY = re.compile(
    r"\b(ile|ilu|jaki odsetek|jaki procent|jaki udział|jaka część|o ile|jak duż|jak wysok|jaka (?:była|jest) (?:średnia|łączna|wartość|liczba)"
    r"|jaką wartość|jaki budżet|jaki wzrost|how many|how much|what share|what percentage|what percent|by how much"
    r"|what (?:was|is) the (?:average|median|total|number|value|budget|share|growth)|how large|how high)\b", re.IGNORECASE)
SOURCE_QUESTION = re.compile(r"\b(źródł|przypis|skąd|kto (?:podaje|wskazuje)|which source|what source|cited|cites|cite|footnote|reference)", re.IGNORECASE)
COMPARISON = re.compile(r"\b(porówna|w porównaniu|a ile|versus|vs\.?|compare|compared|difference|różnic)", re.IGNORECASE)
LEANS_BACK = re.compile(r"^(był[aoy]?\s+(on|ona|ono|ich)|było ich|wśród nich|z nich|dotyczy to|wynika to|jest to|to\s|"
                        r"klaster ten|ponadto|jednocześnie|dzięki (temu|platformom)|przykładem)|\b(ich|nich)\s+\d", re.IGNORECASE)
HAS_FIGURE = re.compile(r"(?<![\d.,])(?!(?:19|20)\d\d(?!\d))\d+(?:[ ,]\d+)*(?![.]\d)(?!\d)")
COUNTED = re.compile(r"\b(?:ile|ilu|how many)\s+(?:(?:jest|było|są|było|ma|mają|had|have|are|were|is|did|do|the)\s+)*([^\W\d_]+)", re.IGNORECASE)
NUMBER_TOKEN = re.compile(r"^\d")


@dataclass
class ScoredSentence:
    chunk: Chunk
    index: int  # position of the sentence in its chunk
    text: str
    footnotes: tuple[int, ...]
    score: float
    coverage: float


class SentenceIndex:
    """Token sets and IDF of every sentence, computed once when the store is opened."""

    def __init__(self, chunks: dict[str, Chunk]) -> None:
        self.tokens: dict[tuple[str, int], set[str]] = {}
        df: dict[str, int] = {}
        for chunk in chunks.values():
            for i, sentence in enumerate(chunk.sentences):
                terms = set(tokenize(sentence.text))
                self.tokens[(chunk.id, i)] = terms
                for term in terms:
                    df[term] = df.get(term, 0) + 1
        total = max(1, len(self.tokens))
        self.idf = {t: math.log((total + 1) / (n + 0.5)) for t, n in df.items()}
        self.unknown_idf = math.log((total + 1) / 0.5)
        # previous sentence in reading order, across chunk boundaries of the same section
        ordered = sorted((c for c in chunks.values() if c.kind == "report"), key=lambda c: (c.doc, c.start))
        self.previous: dict[tuple[str, int], tuple[Chunk, int] | None] = {}
        last: tuple[Chunk, int] | None = None
        for chunk in ordered:
            for i in range(len(chunk.sentences)):
                same_section = last is not None and last[0].section == chunk.section and last[0].doc == chunk.doc
                self.previous[(chunk.id, i)] = last if same_section else None
                last = (chunk, i)

    def weight(self, term: str) -> float:
        return self.idf.get(term, self.unknown_idf)


def question_terms(question: str) -> set[str]:
    return set(tokenize(question))


def coverage(terms: set[str], sentence_terms: set[str], index: SentenceIndex) -> float:
    if not terms:
        return 0.0
    total = sum(index.weight(t) for t in terms)
    return sum(index.weight(t) for t in terms & sentence_terms) / total


def score_sentences(question: str, expanded: str, contexts: list[Context], chunks: dict[str, Chunk],
                    index: SentenceIndex) -> list[ScoredSentence]:
    terms = question_terms(expanded)
    own_terms = question_terms(question)
    wants_figure = bool(QUANTITY.search(question))
    wants_source = bool(SOURCE_QUESTION.search(question))
    scored = []
    for rank, context in enumerate(contexts):
        chunk = chunks[context.chunk_id]
        prior = 1.0 / (rank + 2)
        for i, sentence in enumerate(chunk.sentences):
            sentence_terms = index.tokens[(chunk.id, i)]
            cover = max(coverage(terms, sentence_terms, index), coverage(own_terms, sentence_terms, index))
            previous = index.previous.get((chunk.id, i))
            if previous is not None and LEANS_BACK.search(sentence.text):
                joined = sentence_terms | index.tokens[(previous[0].id, previous[1])]
                cover = max(cover, 0.95 * coverage(terms, joined, index))
            score = cover + 0.25 * prior + (0.06 if sentence.footnotes else 0.0)
            if wants_figure:
                score += 0.12 if HAS_FIGURE.search(sentence.text) else -0.2
            if wants_source and sentence.footnotes:
                score += 0.1
            if chunk.kind == "source" and not wants_source:
                score -= 0.3
            scored.append(ScoredSentence(chunk, i, sentence.text, sentence.footnotes, score, cover))
    return sorted(scored, key=lambda s: -s.score)


def counted_noun(question: str, language: str) -> str | None:
    """The lemma of what a how-many question counts ("Ile klastrów..." -> "klaster")."""
    match = COUNTED.search(question)
    if not match:
        return None
    word = match.group(1).lower()
    if language == "en":
        from .glossary import EN_TO_PL

        word = EN_TO_PL.get(word, word).split()[0]
    lemmas = tokenize(word)
    return lemmas[0] if lemmas else None


def counts(sentence: str, noun: str) -> bool:
    """Whether a figure in the sentence counts `noun` ("84 ... klastry", "było ich 18")."""
    tokens = tokenize_with_numbers(sentence)
    for i, token in enumerate(tokens):
        if NUMBER_TOKEN.match(token):
            window = tokens[i + 1:i + 4]
            if noun in window or (i > 0 and tokens[i - 1] in ("on", "ich", "nich")):
                return True
    return False


def tokenize_with_numbers(text: str) -> list[str]:
    from .lexical import NUMBER, WORD, _lemma, normalize_number

    out = []
    for match in re.finditer(f"{NUMBER.pattern}|{WORD.pattern}", text):
        token = match.group()
        out.append(normalize_number(token) if token[0].isdigit() else _lemma(token.lower()).lower())
    return out


def leaning_sentence(best: ScoredSentence, terms: set[str], index: SentenceIndex) -> tuple[Chunk, int] | None:
    """The previous sentence when the chosen one leans on it for its subject."""
    if best.chunk.kind != "report":
        return None
    previous = index.previous.get((best.chunk.id, best.index))
    if previous is None:
        return None
    chunk, i = previous
    joined = index.tokens[(best.chunk.id, best.index)] | index.tokens[(chunk.id, i)]
    gain = coverage(terms, joined, index) - coverage(terms, index.tokens[(best.chunk.id, best.index)], index)
    if LEANS_BACK.search(best.text) or gain >= 0.25:
        return previous
    return None


def pick_sentences(scored: list[ScoredSentence], question: str) -> list[ScoredSentence]:
    """The best sentence, plus close runners-up that add something (1-3 in all)."""
    if not scored:
        return []
    best = scored[0]
    limit = 3 if COMPARISON.search(question) else 2
    chosen = [best]
    for candidate in scored[1:]:
        if len(chosen) >= limit:
            break
        if candidate.score < 0.8 * best.score or candidate.coverage < 0.5 * best.coverage:
            break
        if any(candidate.text == c.text for c in chosen):
            continue
        chosen.append(candidate)
    return chosen
