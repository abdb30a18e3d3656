"""Grant-justification drafts: a project topic in, a cited, extractive justification out.

Report sentences with figures that share lemmas with the topic (or a facet of it, see
assistant/data/draft_facets.toml) are found by several retrieval queries, quoted verbatim with
`[n]` endnotes, grouped into evidence paragraphs and tied to the report's recommendations; fewer
than two such sentences: refused, nothing invented.

    draft = draft_justification(assistant, "szkolenia i staże w klastrze ICT", lang="pl")
    write_draft(draft, "uzasadnienie.docx")      # or .md (assistant.drafts.export)

The package by job: tables (the word tables), model (the draft objects), compose (this: choosing
the quotes and paragraphs), bibliography (references and endnotes), rewrite (the LLM rewrite under
the grounding check), export (Markdown, DOCX), command (`python -m assistant draft`).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from assistant.answer.citations import make_citation
from assistant.answer.language import detect_language
from assistant.answer.scoring import LEANS_BACK
from assistant.drafts.bibliography import build_bibliography
from assistant.drafts.export import to_markdown, write_draft_files  # re-exported: the web chat imports them from here
from assistant.drafts.model import Draft, DraftCitation, DraftInputError, DraftParagraph, validate_topic
from assistant.drafts.tables import FACETS, WORDS, Facet, heading
from assistant.glossary import expand_query
from assistant.lemmas import shares_stem, tokenize
from assistant.numbers import figure_key, figures_in
from assistant.strings import message

__all__ = ["Draft", "DraftCitation", "DraftInputError", "DraftParagraph", "draft_justification", "matches",
           "quote_paragraph", "to_markdown", "write_draft_files"]

MIN_FIGURE_SENTENCES = 2      # fewer relevant figure sentences than this: refuse
MIN_COVERAGE = 0.2            # IDF-weighted share of the topic's lemmas a sentence must carry
CONTEXT_COVERAGE = 0.4        # a sentence without figures joins a paragraph only when this much on topic
MAX_CONTEXT = 2
GENERIC_SHARE = 0.1           # a lemma in more than this share of sentences ("klaster") says nothing
MAX_EVIDENCE = 10             # quoted figure sentences in all evidence paragraphs
MAX_PER_PARAGRAPH = 3
MAX_PARAGRAPHS = 6
RECOMMENDATIONS_SECTION = "9."

DRAFT_STEM_LETTERS = 7  # topics match more strictly: 6 letters would make szkolenie ~ szkoła
NOT_QUOTABLE = re.compile(r"^(Tabela|Wykres|Źródło:|Uwaga:|\d+[.)]\s)")
BULLET = re.compile(r"^[•−–-]\s")


@dataclass
class _Candidate:
    chunk: Any
    index: int
    quote: str
    footnotes: tuple[int, ...]
    terms: set[str]
    figures: list[str]
    score: float = 0.0
    coverage: float = 0.0
    heading_key: str = ""


def matches(term: str, terms: set[str]) -> bool:
    """A lemma found among others, allowing Polish derivation (szkolenie ~ szkoleniowy) by a 7-letter prefix."""
    return shares_stem(term, terms, DRAFT_STEM_LETTERS)


def draft_justification(assistant, topic: str, lang: str = "pl", llm: bool | None = None, chat_model=None) -> Draft:
    """A grant justification for `topic` from the report alone; `lang` ("pl"/"en") sets the framing, quotes stay Polish.

    `llm=None` follows the settings (`KLASTRY_LLM_BACKEND`): with an LLM, each paragraph's prose is
    rewritten and kept only when it passes the grounding check (assistant.drafts.rewrite).
    """
    draft = _extractive_draft(assistant, topic, lang)
    use_llm = assistant.settings.llm_backend != "none" if llm is None else llm
    if use_llm or chat_model is not None:
        from assistant.drafts.rewrite import rewrite_draft

        draft = rewrite_draft(assistant, draft, chat_model)
    return draft


def _extractive_draft(assistant, topic: str, lang: str) -> Draft:
    topic = validate_topic(topic, lang)
    subject = _Topic.read(assistant, topic)
    if subject.too_general:
        return Draft(topic, lang, True, message("draft_too_general", lang))
    if not subject.weights:
        return Draft(topic, lang, True, message("draft_refusal", lang))
    fitting = [f for f in FACETS if subject.weights.keys() & f.lemmas]
    candidates, context = _candidates(assistant, subject, fitting)
    chosen = _choose(candidates)
    if len(chosen) < MIN_FIGURE_SENTENCES:
        return Draft(topic, lang, True, message("draft_refusal", lang))
    snapshot = assistant.snapshot
    # the document the evidence comes from (the corpus may hold other documents)
    titles = [c.chunk.title for c in chosen]
    title = max(set(titles), key=titles.count)
    paragraphs, marker = [], 1
    for position, (key, group) in enumerate(_group(chosen, context)):
        citations = [_cite(marker + i, c, snapshot) for i, c in enumerate(group)]
        marker += len(group)
        text = quote_paragraph(citations, WORDS[lang].lead, WORDS[lang].more, position)
        paragraphs.append(DraftParagraph(heading(key, lang), key, text, citations))
    recommended = _recommendations(assistant, subject, fitting)
    citations = [_cite(marker + i, c, snapshot) for i, c in enumerate(recommended)]
    recommendations = DraftParagraph(WORDS[lang].recommendations, "recommendations",
                                     quote_paragraph(citations, WORDS[lang].recommend, WORDS[lang].recommend_more),
                                     citations)
    areas = ", ".join(dict.fromkeys(p.heading.lower() for p in paragraphs))
    need = WORDS[lang].need_text.format(topic=topic, title=title.split(":")[0], areas=areas)
    draft = Draft(topic, lang, False, "", need, paragraphs, recommendations, title=title)
    draft.bibliography = build_bibliography(draft, snapshot, lang)
    return draft


@dataclass
class _Topic:
    """The topic as lemmas the report can match: IDF weights of the telling ones, and the weight of those
    the report never uses (they count against coverage). An English topic counts by its Polish key terms."""

    text: str
    query: str                      # what retrieval is asked: the topic, plus Polish key terms for English
    polish: str                     # the topic in Polish words (the topic itself, or its glossary terms)
    weights: dict[str, float]
    unknown: float = 0.0
    too_general: bool = False

    @classmethod
    def read(cls, assistant, topic: str) -> _Topic:
        index = assistant.sentences
        polish = detect_language(topic) == "pl"
        in_polish = topic if polish else expand_query(topic, "en")
        query = topic if polish else f"{topic} {in_polish}"
        lemmas = set(tokenize(in_polish))
        lemmas = {t for t in lemmas if not t[0].isdigit() or t in index.df}  # "4.0" of "Przemysł 4.0" stays
        telling = {t for t in lemmas if index.df.get(t, 0) <= GENERIC_SHARE * max(1, len(index.tokens))}
        vocabulary = set(index.df)
        known = {t for t in telling if matches(t, vocabulary)}
        unknown = telling - known if polish else set()
        if not known or len(unknown) > len(known):
            return cls(topic, query, in_polish, {}, too_general=bool(lemmas) and not telling)
        weights = {t: index.idf.get(t) or max(index.idf[v] for v in vocabulary if matches(v, {t})) for t in known}
        return cls(topic, query, in_polish, weights, sum(index.unknown_idf for _ in unknown))

    def coverage(self, terms: set[str], section_terms: set[str] = frozenset()) -> float:
        """IDF-weighted share of the topic in a sentence; a match only in its section title counts half."""
        total = sum(self.weights.values()) + self.unknown
        found = sum(w for t, w in self.weights.items() if matches(t, terms))
        in_section = sum(w for t, w in self.weights.items() if not matches(t, terms) and matches(t, section_terms))
        return (found + 0.5 * in_section) / total


def _queries(assistant, subject: _Topic, fitting: list[Facet]) -> dict[str, float]:
    """Retrieved report chunks with their best rank prior, over the topic and topic-plus-facet queries."""
    queries = [subject.query, " ".join(subject.weights)] + [f"{subject.polish} {facet.terms}"
                                                            for facet in (fitting or FACETS)]
    prior: dict[str, float] = {}
    for query in queries:
        for rank, context in enumerate(assistant.search.search(query, 10)):
            prior[context.chunk_id] = max(prior.get(context.chunk_id, 0.0), 1.0 / (rank + 2))
    return prior


def _candidates(assistant, subject: _Topic, fitting: list[Facet]):
    """Figure sentences on the topic or a fitting facet, best first; and strongly on-topic sentences without figures."""
    chunks = assistant.snapshot.chunks
    found, context = [], []
    for chunk_id, prior in _queries(assistant, subject, fitting).items():
        chunk = chunks[chunk_id]
        if chunk.kind != "report" or chunk.section.startswith((RECOMMENDATIONS_SECTION, "1.")):
            continue
        for i, sentence in enumerate(chunk.sentences):
            candidate = _quotable(assistant, chunk, i)
            if candidate is None:
                continue
            candidate.coverage = subject.coverage(candidate.terms, set(tokenize(chunk.section)))
            facet, candidate.heading_key = _facet(candidate, fitting)
            if not candidate.figures:
                if subject.coverage(candidate.terms) >= CONTEXT_COVERAGE:  # on topic by its own words
                    candidate.score = candidate.coverage + 0.15 * prior
                    context.append(candidate)
                continue
            overlap = len({t for t in candidate.terms if facet and matches(t, facet.lemmas)})
            on_topic = candidate.coverage >= MIN_COVERAGE
            in_facet = facet is not None and (chunk.section.startswith(facet.sections) or overlap >= 2)
            if not (on_topic or in_facet):
                continue
            candidate.score = (candidate.coverage + 0.1 * min(overlap, 3) + 0.15 * prior
                               + 0.1 * bool(candidate.footnotes) - 0.1 * bool(BULLET.match(sentence.text)))
            found.append(candidate)
    return sorted(found, key=lambda c: -c.score), sorted(context, key=lambda c: -c.score)


def _quotable(assistant, chunk, i: int) -> _Candidate | None:
    """The sentence as a quote: with the sentence it leans on, or a bullet with its list's lead-in."""
    index = assistant.sentences
    sentence = chunk.sentences[i]
    if NOT_QUOTABLE.match(sentence.text):
        return None
    footnotes, terms = set(sentence.footnotes), set(index.tokens[(chunk.id, i)])
    previous = lead_key = index.previous.get((chunk.id, i))
    if BULLET.match(sentence.text):
        while lead_key is not None and BULLET.match(lead_key[0].sentences[lead_key[1]].text):
            lead_key = index.previous.get((lead_key[0].id, lead_key[1]))
        if lead_key is None or not lead_key[0].sentences[lead_key[1]].text.rstrip().endswith(":"):
            return None
    elif previous is None or not LEANS_BACK.search(sentence.text):
        lead_key = None
    quote = sentence.text
    if lead_key is not None:
        lead = lead_key[0].sentences[lead_key[1]]
        quote = f"{lead.text} {sentence.text}" if lead_key == previous else f"{lead.text} […] {sentence.text}"
        footnotes |= set(lead.footnotes)
        terms |= index.tokens[(lead_key[0].id, lead_key[1])]
    return _Candidate(chunk, i, quote, tuple(sorted(footnotes)), terms, figures_in(sentence.text))


def _facet(candidate: _Candidate, fitting: list[Facet]) -> tuple[Facet | None, str]:
    """The fitting facet the sentence shares most lemmas with (its section's facet wins ties), and its heading key:
    that facet, else the facet of its section, else its section number."""
    scored = [(len({t for t in candidate.terms if matches(t, f.lemmas)}),
               candidate.chunk.section.startswith(f.sections), f)
              for f in fitting]
    best = max((s for s in scored if s[0]), key=lambda s: s[:2], default=(0, False, None))[2]
    section = next((f for f in FACETS if candidate.chunk.section.startswith(f.sections)), None)
    return best, (best or section).key if (best or section) else "section-" + candidate.chunk.section.split(".")[0]


def _choose(candidates: list[_Candidate]) -> list[_Candidate]:
    """The best sentences, skipping any whose figures are all quoted already (the summary repeats them)."""
    chosen: list[_Candidate] = []
    used: set[str] = set()
    for candidate in candidates:
        figures = {figure_key(f) for f in candidate.figures}
        if (len(chosen) >= MAX_EVIDENCE or figures <= used
                or any(c.quote in candidate.quote or candidate.quote in c.quote for c in chosen)
                or sum(c.heading_key == candidate.heading_key for c in chosen) >= 2 * MAX_PER_PARAGRAPH):
            continue
        chosen.append(candidate)
        used |= figures
    return chosen


def _group(chosen: list[_Candidate], context: list[_Candidate]) -> list[tuple[str, list[_Candidate]]]:
    """Paragraphs of 1-3 sentences sharing a heading, best first, in reading order inside; at most 6.
    Up to two on-topic sentences without figures join a paragraph of their heading that has room."""
    groups: dict[str, list[_Candidate]] = {}
    for candidate in chosen:
        groups.setdefault(candidate.heading_key, []).append(candidate)
    paragraphs = []
    for key, members in groups.items():
        for start in range(0, len(members), MAX_PER_PARAGRAPH):
            paragraphs.append((key, members[start:start + MAX_PER_PARAGRAPH]))
    while len(paragraphs) < 3 and any(len(m) > 1 for _, m in paragraphs):  # 3 paragraphs when there are 3 sentences
        position = max(range(len(paragraphs)), key=lambda p: len(paragraphs[p][1]))
        key, members = paragraphs[position]
        paragraphs[position:position + 1] = [(key, members[:-1]), (key, members[-1:])]
    paragraphs = paragraphs[:MAX_PARAGRAPHS]
    added = 0
    for extra in context:
        quoted = [c.quote for _, members in paragraphs for c in members]
        if added >= MAX_CONTEXT or any(extra.quote in q or q in extra.quote for q in quoted):
            continue
        room = [members for key, members in paragraphs if key == extra.heading_key and len(members) < MAX_PER_PARAGRAPH]
        if room:
            room[0].append(extra)
            added += 1
    return [(key, sorted(members, key=lambda c: (c.chunk.start, c.index))) for key, members in paragraphs]


def _recommendations(assistant, subject: _Topic, fitting: list[Facet]) -> list[_Candidate]:
    """1-2 sentences of section 9 that share lemmas with the topic or its facets; else the summary's list."""
    scored, fallback = [], None
    for chunk in assistant.snapshot.chunks.values():
        if chunk.kind != "report":
            continue
        for i, sentence in enumerate(chunk.sentences):
            text = sentence.text
            if chunk.section.startswith("1.") and text.startswith("Główne rekomendacje"):
                fallback = _quotable(assistant, chunk, i)
            if not chunk.section.startswith(RECOMMENDATIONS_SECTION) or BULLET.match(text) or len(text.split()) < 8:
                continue
            candidate = _quotable(assistant, chunk, i)
            if candidate is None:
                continue
            facet_overlap = sum(len({t for t in candidate.terms if matches(t, f.lemmas)}) for f in fitting)
            candidate.coverage = subject.coverage(candidate.terms)
            candidate.score = candidate.coverage + 0.1 * min(facet_overlap, 3)
            if candidate.coverage >= MIN_COVERAGE or facet_overlap:
                scored.append(candidate)
    scored.sort(key=lambda c: (-c.score, c.chunk.start, c.index))
    if not scored:
        return [fallback] if fallback else []
    return [c for c in scored[:2] if c.score >= 0.5 * scored[0].score]


def _cite(marker: int, candidate: _Candidate, snapshot) -> DraftCitation:
    base = make_citation(marker, candidate.chunk, candidate.quote, list(candidate.footnotes), snapshot)
    return DraftCitation(**vars(base), figures=figures_in(candidate.quote))


def quote_paragraph(citations: list[DraftCitation], leads: tuple[str, ...], mores: tuple[str, ...],
                    paragraph: int = 0) -> str:
    """Framing words (never a figure) and the verbatim quotes with their markers: the first quote after
    a lead (cycling with the paragraph's position), the next ones after the `mores` in turn."""
    parts = []
    for position, citation in enumerate(citations):
        options = leads if position == 0 else mores
        words = options[(paragraph if position == 0 else position - 1) % len(options)]
        end = "" if citation.quote.rstrip().endswith((".", "!", "?")) else "."
        parts.append(f"{words} „{citation.quote}” [{citation.marker}]{end}")
    return " ".join(parts)
