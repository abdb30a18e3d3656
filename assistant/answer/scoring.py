"""Extractive answering: pick the report sentences that answer the question.

Report sentences (the top retrieved chunks first) are scored by IDF-weighted coverage of the
question's lemmas, their chunk's rank, and, for how-many / what-share questions, by
whether they carry a figure. A sentence that leans on the previous one ("było ich 18",
"Był on o 25%") brings that sentence along. Low coverage means the report does not
say: the caller refuses.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass, field

from assistant.answer.language import detect_language
from assistant.glossary import in_polish
from assistant.lemmas import shares_stem, tokenize
from assistant.numbers import REPORTED_YEAR, figures_of, plain_numbers, states_figure
from assistant.sources import is_report
from assistant.synonyms import synonym_weight, synonyms
from assistant.types import Chunk, Context

QUANTITY = re.compile(
    r"\b(ile|ilu|jaki odsetek|jaki procent|jaki udział|jaka część|o ile|jak duż|jak wysok"
    r"|jaka (?:była|jest) (?:średnia|łączna|wartość|liczba)"
    r"|jaką wartość|jaki budżet|jaki wzrost|how many|how much|what share|what percentage|what percent|by how much"
    r"|what (?:was|is) the (?:average|median|total|number|value|budget|share|growth)|how large|how high"
    r"|what (?:was|is) the (?:\w+ )?(?:correlation|coefficient)"
    r"|jak\w* (?:jest |był\w* )?(?:korelacj\w*|współczynnik\w*))\b",
    re.IGNORECASE,
)
SOURCE_QUESTION = re.compile(
    r"\b(źródł|przypis|skąd|kto (?:podaje|wskazuje)|which source|what source|cited|cites|cite|footnote|reference)",
    re.IGNORECASE,
)
COMPARISON = re.compile(
    r"\b(porówna|w porównaniu|a ile|versus|vs\.?|compare|compared|difference|różnic)", re.IGNORECASE
)
LEANS_BACK = re.compile(
    r"^(był[aoy]?\s+(on|ona|ono|ich)|było ich|wśród nich|z nich|dotyczy to|wynika to|jest to|to\s|"
    r"klaster ten|ponadto|jednocześnie|dzięki (temu|platformom)|przykładem)|\b(ich|nich)\s+\d",
    re.IGNORECASE,
)
YEAR_QUESTION = re.compile(
    r"\b(in what year|what year|which year|since when|until when|w którym roku|w jakim roku|"
    r"od którego roku|do którego roku|od kiedy|do kiedy|jakie lata|jakich latach|na jakie lata)\b",
    re.IGNORECASE,
)
YEAR_WORDS = {"rok", "lata", "lato", "latać", "year", "years", "kiedy", "when"}
TABLE_QUESTION = re.compile(r"\b(tabel\w*|tables?)\b", re.IGNORECASE)
RARE_DF = 8  # a term in at most this many sentences is distinctive
SPECIFIC_DF, SPECIFIC_BONUS = (
    3,
    0.4,
)  # words in at most 3 sentences: their coverage adds this much (eval/questions.yaml)


@dataclass
class ScoredSentence:
    chunk: Chunk
    index: int  # position of the sentence in its chunk
    text: str
    footnotes: tuple[int, ...]
    score: float  # the hand-weighted ranking score (which candidates the answerability model looks at)
    coverage: float
    features: dict[str, float] = field(default_factory=dict)  # the signals behind `score`, for answerability


@dataclass(frozen=True)
class SentenceCues:
    """The question-independent cues of one sentence that scoring reads."""

    leans_back: bool  # "było ich 18": it means what the sentence before it says
    has_figure: bool
    has_year: bool
    is_table: bool

    @classmethod
    def read(cls, text: str, own: bool = True) -> "SentenceCues":
        """`own`: a sentence of the report (another document's "35.6" is a figure too)."""
        return cls(bool(LEANS_BACK.search(text)), states_figure(text, not own), bool(REPORTED_YEAR.search(text)),
                   text.startswith(("Tabela", "Table")))


class SentenceIndex:
    """Token sets and IDF of every sentence, computed once when the store is opened."""

    def __init__(self, chunks: dict[str, Chunk], vectors=None, keys: list | None = None) -> None:
        self.vectors = vectors  # sentence embeddings (numpy, rows follow `keys`), optional
        self.row = {tuple(k): r for r, k in enumerate(keys or [])}
        self.tokens: dict[tuple[str, int], set[str]] = {}
        self.cues: dict[tuple[str, int], SentenceCues] = {}  # what scoring reads from the text, read once
        df: dict[str, int] = {}
        counted = 0  # the report's sentences (and its bibliography): other documents never move its weights
        for chunk in chunks.values():
            own = chunk.kind == "source" or is_report(chunk.doc)
            for i, sentence in enumerate(chunk.sentences):
                terms = set(tokenize(sentence.text))
                if not own and detect_language(sentence.text) == "en":  # another document's English text
                    terms |= in_polish(sentence.text)
                self.tokens[(chunk.id, i)] = terms
                self.cues[(chunk.id, i)] = SentenceCues.read(sentence.text, own)
                if own:
                    counted += 1
                    for term in terms:
                        df[term] = df.get(term, 0) + 1
        total = max(1, counted)
        self.df = df
        self.idf = {t: math.log((total + 1) / (n + 0.5)) for t, n in df.items()}
        self.unknown_idf = math.log((total + 1) / 0.5)
        # previous sentence in reading order, across chunk boundaries of the same section
        ordered = sorted((c for c in chunks.values() if c.kind == "report"), key=lambda c: (c.doc, c.start))
        self.previous: dict[tuple[str, int], tuple[Chunk, int] | None] = {}
        self.lead_in: dict[tuple[str, int], tuple[Chunk, int]] = {}  # list item -> the sentence introducing the list
        last: tuple[Chunk, int] | None = None
        lead: tuple[Chunk, int] | None = None
        for chunk in ordered:
            for i, sentence in enumerate(chunk.sentences):
                same_section = last is not None and last[0].section == chunk.section and last[0].doc == chunk.doc
                self.previous[(chunk.id, i)] = last if same_section else None
                if not same_section:
                    lead = None
                if is_list_item(sentence.text):
                    if lead is not None:
                        self.lead_in[(chunk.id, i)] = lead
                else:
                    lead = (chunk, i)
                last = (chunk, i)

    def context_of(self, key: tuple[str, int]) -> tuple[Chunk, int] | None:
        """The sentence another one leans on: a list item's lead-in, else the sentence before."""
        return self.lead_in.get(key) or self.previous.get(key)

    def similarities(self, query_vector) -> dict[tuple[str, int], float]:
        """Every sentence's similarity to the question, in one product (one product per sentence cost ~5 ms)."""
        if self.vectors is None or query_vector is None:
            return {}
        products = (self.vectors @ query_vector).tolist()
        return {key: products[row] for key, row in self.row.items()}

    def is_known(self, term: str) -> bool:
        return shares_stem(term, self.df)

    def is_rare(self, term: str) -> bool:
        return self.df.get(term, 0) <= RARE_DF

    def weight(self, term: str) -> float:
        return self.idf.get(term, self.unknown_idf)


def is_list_item(text: str) -> bool:
    return text.lstrip()[:1] in "•−"


def question_terms(question: str) -> set[str]:
    return set(tokenize(question))


def coverage(terms: set[str], sentence_terms: set[str], index: SentenceIndex, unknown: bool = True) -> float:
    """IDF-weighted share of the question's terms found in the sentence.

    Terms the corpus never uses count against the answer (Polish questions about
    things the report does not mention); for English questions `unknown=False`
    ignores them, since most English words never occur in the Polish text.
    """
    return coverage_of(terms, index, unknown)(sentence_terms)


def coverage_of(terms: set[str], index: SentenceIndex, unknown: bool = True):
    """`coverage` with the question's side computed once: a function of the sentence's terms."""
    alternatives = {t: synonyms(t) for t in terms if not t[0].isdigit()}
    alternatives = {t: found for t, found in alternatives.items() if found}
    if not unknown:
        terms = {t for t in terms if t in index.idf or t in alternatives}
    if not terms:
        return lambda sentence_terms: 0.0
    weights = {t: synonym_weight(t, index) for t in terms}
    total = sum(weights[t] for t in terms)
    if not alternatives:
        return lambda sentence_terms: sum(weights[t] for t in terms & sentence_terms) / total

    def cover(sentence_terms: set[str]) -> float:
        found = terms & sentence_terms
        by_synonym = [t for t, alts in alternatives.items()
                      if t not in found and any(alt <= sentence_terms for alt in alts)]
        return (sum(weights[t] for t in found) + sum(weights[t] for t in by_synonym)) / total

    return cover


def score_sentences(
    question: str,
    expanded: str,
    contexts: list[Context],
    chunks: dict[str, Chunk],
    index: SentenceIndex,
    language: str = "pl",
    query_vector=None,
    include_all: bool = False,
    follow_up: str | None = None,
) -> list[ScoredSentence]:
    """Every candidate sentence scored: term coverage, meaning, retrieval rank, footnotes, and cues of
    the question (a figure, a year, a source, a table). `follow_up`: the short question that continues
    the conversation in `question`; what it adds ("A firmy średnie i duże?") decides between sentences."""
    terms = question_terms(expanded)
    new_terms = question_terms(follow_up) if follow_up else set()
    own_terms = question_terms(question)
    unknown = language != "en"
    wants_figure = bool(QUANTITY.search(question))
    wants_source = bool(SOURCE_QUESTION.search(question))
    wants_table = bool(TABLE_QUESTION.search(question))
    wants_year = bool(YEAR_QUESTION.search(question))
    if wants_year:  # "jakie lata", "what year" ask for a year; they are not the topic
        terms, own_terms = terms - YEAR_WORDS, own_terms - YEAR_WORDS
    rare = {t for t in terms | own_terms if 0 < index.df.get(t, 0) <= SPECIFIC_DF and not t[0].isdigit()}
    scored = []
    ranked = [(chunks[c.chunk_id], 1.0 / (rank + 2)) for rank, c in enumerate(contexts)]
    if include_all:  # every report sentence competes: a one-sentence chunk the chunk search missed still answers;
        seen = {c.chunk_id for c in contexts}  # other documents only where retrieval found them (issue 26: speed)
        ranked += [(c, 0.0) for c in chunks.values() if c.kind == "report" and is_report(c.doc) and c.id not in seen]
    cover_all, cover_own = coverage_of(terms, index, unknown), coverage_of(own_terms, index, unknown)
    cover_rare = coverage_of(rare, index)
    cover_new = coverage_of(new_terms, index, unknown)
    similarities = index.similarities(query_vector)
    for chunk, prior in ranked:
        for i, sentence in enumerate(chunk.sentences):
            key = (chunk.id, i)
            sentence_terms, cues = index.tokens[key], index.cues[key]
            cover = max(cover_all(sentence_terms), cover_own(sentence_terms))
            previous = index.context_of(key)
            leans = previous is not None and (cues.leans_back or key in index.lead_in)
            joined = sentence_terms | index.tokens[(previous[0].id, previous[1])] if leans else sentence_terms
            if leans:
                cover = max(cover, 0.95 * cover_all(joined))
            score = cover + 0.25 * prior + (0.15 if sentence.footnotes else 0.0)
            rare_cover = cover_rare(joined) if rare else 0.0
            if rare:  # the question's most specific words ("mikroprzedsiębiorstwa") single out the sentence
                score += SPECIFIC_BONUS * rare_cover
            new_cover = cover_new(joined) if new_terms else 0.0
            if new_terms:
                score += 0.6 * new_cover
            similarity = 0.0
            if query_vector is not None:
                similarity = similarities.get(key, 0.0)
                if leans:  # "było ich 18" means what the sentence before it says
                    similarity = max(similarity, 0.98 * similarities.get((previous[0].id, previous[1]), 0.0))
                score += 1.2 * min(1.0, max(0.0, (similarity - 0.78) / 0.12))
            has_figure = cues.has_figure
            if wants_figure:
                score += 0.12 if has_figure else -0.2
            if wants_source and sentence.footnotes:
                score += 0.1
            has_year = cues.has_year
            if wants_year:
                score += 0.15 if has_year else -0.2
            is_table = cues.is_table
            if wants_table and is_table:
                score += 0.3  # "w tabeli 1", "in Table 1": the reader points at the table
            if chunk.kind == "source" and not wants_source:
                score -= 0.6
            features = {
                "coverage": cover,
                "rare_coverage": rare_cover,
                "has_rare": float(bool(rare)),
                "follow_up_coverage": new_cover,
                "similarity": similarity,
                "retrieved": prior,
                "footnoted": float(bool(sentence.footnotes)),
                "leans": float(leans),
                "figure_fit": (1.0 if has_figure else -1.0) if wants_figure else 0.0,
                "year_fit": (1.0 if has_year else -1.0) if wants_year else 0.0,
                "table_fit": float(wants_table and is_table),
                "source_fit": float(wants_source and bool(sentence.footnotes)),
            }
            scored.append(ScoredSentence(chunk, i, sentence.text, sentence.footnotes, score, cover, features))
    return sorted(scored, key=lambda s: -s.score)


def leaning_sentence(best: ScoredSentence, terms: set[str], index: SentenceIndex) -> tuple[Chunk, int] | None:
    """The previous sentence when the chosen one leans on it for its subject."""
    if best.chunk.kind != "report":
        return None
    if (best.chunk.id, best.index) in index.lead_in:  # "• Małe: 30%" reads with "Struktura ... następująco:"
        return index.lead_in[(best.chunk.id, best.index)]
    previous = index.previous.get((best.chunk.id, best.index))
    if previous is None:
        return None
    chunk, i = previous
    joined = index.tokens[(best.chunk.id, best.index)] | index.tokens[(chunk.id, i)]
    gain = coverage(terms, joined, index) - coverage(terms, index.tokens[(best.chunk.id, best.index)], index)
    if LEANS_BACK.search(best.text) or gain >= 0.25:
        return previous
    return None


def prefer_sourced(scored: list[ScoredSentence]) -> list[ScoredSentence]:
    """A figure restated without a footnote (the executive summary) yields to the sourced sentence."""
    if not scored or scored[0].footnotes:
        return scored
    figures = plain_numbers(scored[0].text)
    for candidate in scored[1:6]:
        if candidate.footnotes and candidate.score >= 0.7 * scored[0].score and figures & plain_numbers(candidate.text):
            return [candidate] + [s for s in scored if s is not candidate]
    return scored


def sourced_original(best: ScoredSentence, index: SentenceIndex, chunks: dict[str, Chunk]) -> ScoredSentence | None:
    """The footnoted body sentence that a summary sentence restates: same figure, same subject.

    The executive summary cites nothing; a reader quoting "18 KKK" in a grant application needs
    the sentence on page 5 that carries footnote 5.
    """
    figures = figures_of(best.text)
    if not figures or best.footnotes:
        return None
    own = index.tokens[(best.chunk.id, best.index)]
    found, found_overlap = None, 0.3
    for (chunk_id, i), terms in index.tokens.items():
        chunk = chunks.get(chunk_id)
        if chunk is None or chunk.kind != "report" or chunk_id == best.chunk.id:
            continue
        sentence = chunk.sentences[i]
        if not sentence.footnotes or not figures & figures_of(sentence.text):
            continue
        previous = index.previous.get((chunk_id, i))
        if previous is not None and LEANS_BACK.search(sentence.text):
            terms = terms | index.tokens[(previous[0].id, previous[1])]
        overlap = coverage(own, terms, index)
        if overlap > found_overlap:
            found, found_overlap = (
                ScoredSentence(chunk, i, sentence.text, sentence.footnotes, best.score, best.coverage),
                overlap,
            )
    return found


def pick_sentences(scored: list[ScoredSentence], question: str) -> list[ScoredSentence]:
    """The best sentence, plus close runners-up that add something (1-3 in all)."""
    scored = prefer_sourced(scored)
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
