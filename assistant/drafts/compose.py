"""Grant-justification drafts: a topic (or an instruction) in, a cited, extractive justification out.

The subject is read from what the coordinator typed (assistant.drafts.topic); every quotable report
sentence is ranked for it (assistant.drafts.relevance: dense + lexical + the answerability ranker).
Figure sentences that serve the topic become the need's evidence, one paragraph per facet
(assistant/data/draft_facets.toml) with its own heading, facets in order of relevance, nothing added
to fill a quota; recommendations and policy areas that fit become the policy section. Every quote is
verbatim with its `[n]`; one whose text looks damaged by extraction is flagged (assistant.drafts.damage)
and not chosen by default. No relevant figure sentence: refused, nothing invented.

    draft = draft_justification(assistant, "Napisz uzasadnienie projektu szkoleń i staży w klastrze")
    draft.candidates                      # what the coordinator may tick (relevant ones are)
    draft = draft_justification(assistant, topic, chosen=[c.id for c in picked])   # the chosen ones
    write_draft(draft, "uzasadnienie.docx")      # or .md (assistant.drafts.export)
"""

from __future__ import annotations

import re

from assistant.answer.citations import make_citation
from assistant.drafts.bibliography import build_bibliography
from assistant.drafts.damage import damage
from assistant.drafts.export import to_markdown, write_draft_files  # re-exported: the web chat imports them from here
from assistant.drafts.model import Draft, DraftCitation, DraftInputError, DraftParagraph, FigureCandidate, Shortened
from assistant.drafts.quotes import BULLET, QuoteCandidate, quotable, unnamed_terms
from assistant.drafts.relevance import RARE_SHARE, TopicTerms, carries_topic, matches, rank_for_topic
from assistant.drafts.selection import (
    STRONG_CONFIDENCE,
    figures_as_need,
    fills_gaps,
    limit_candidates,
    lists_whole,
    passage_goes_on,
    statements_where_needed,
    sure_level,
)
from assistant.drafts.tables import FACETS, WORDS, heading
from assistant.drafts.topic import DraftRequest, read_topic
from assistant.lemmas import tokenize
from assistant.numbers import figures_in
from assistant.strings import message

__all__ = ["Draft", "DraftCitation", "DraftInputError", "DraftParagraph", "FigureCandidate", "draft_justification",
           "matches", "quote_paragraph", "to_markdown", "write_draft_files"]

MIN_FIGURE_SENTENCES = 1      # fewer relevant figure sentences than this: refuse
RELEVANT_MARGIN = -5.5        # ranker margin (whole subject) a sentence carrying a topic word needs to be relevant
STRONG_MARGIN = 1.0           # ...and one without a topic word of its own
WORD_MARGIN = -3.0            # the best sentence for one topic word alone is relevant from this margin
WORD_BEST = {"figure": 1, "statement": 1, "policy": 1}  # the best sentences of each kind per topic word
FACET_MARGIN = 0.0            # the ranker's margin a facet's best figure needs (positive: it is for that facet)
STATEMENT_MARGIN = -2.0       # a statement (no figures) carrying a topic word, when no figure covers that word
STATEMENT_WORDS = 10          # a statement shorter than this is a heading or a fragment, not evidence
POLICY_MARGIN = -3.0          # a recommendation or policy area carrying a topic word
BROAD_MARGIN = -2.0           # ...and one carrying only the subject's less specific words (in 3.5-10% of sentences)
EVIDENCE_SKIP = ("1.", "9.")  # the summary restates footnoted figures; the recommendations are policy
POLICY_ITEM = re.compile(r"^(Rekomendacja:|[a-f]\) )")
SECTION_NUMBER = re.compile(r"^[\d.\s]+")
METHOD = re.compile(r"^(Badanie|Analiza|Raport|Dane)\b[^.]{0,60}?\b(objęł\w*|opiera\w* się|opart\w*|wykorzystuj\w*|"
                    r"agreguj\w*|analizuj\w*)\b")  # how a study was made (its sample, its data): no evidence of a need



def draft_justification(assistant, topic: str, lang: str | None = None, llm: bool | None = None, chat_model=None,
                        chosen: list[str] | None = None, max_chars=None) -> Draft:
    """A grant justification for `topic` (a bare topic or an instruction) from the report alone.

    `lang` ("pl"/"en", default: the language the topic or instruction is in) sets the framing and
    headings; quotes stay Polish. `chosen`: ids of `Draft.candidates` to quote instead of the relevant
    ones (the coordinator's check boxes). `max_chars`: characters per section ("1500", "need=2000,..."
    or a dict; assistant.drafts.length). `llm=None` follows the settings (`KLASTRY_LLM_BACKEND`): with
    an LLM, each paragraph's prose is rewritten and kept only when it passes the grounding check."""
    from assistant.drafts.length import parse_limits

    request = read_topic(topic, lang)
    limits = parse_limits(max_chars)
    draft = _extractive_draft(assistant, request, chosen, limits)
    use_llm = assistant.settings.llm_backend != "none" if llm is None else llm
    if use_llm or chat_model is not None:
        from assistant.drafts.rewrite import rewrite_draft

        draft = rewrite_draft(assistant, draft, chat_model)
    return draft


def _extractive_draft(assistant, request: DraftRequest, chosen: list[str] | None,
                      limits: dict[str, int] | None = None) -> Draft:
    lang, topic = request.language, request.text
    subject = TopicTerms.read(assistant, request.subject)
    refused = Draft(topic, lang, True, subject=request.subject)
    if subject.too_general:
        refused.message = message("draft_too_general", lang)
        return refused
    if not subject.weights:
        refused.message = message("draft_refusal", lang)
        return refused
    offered = _offer(assistant, request, subject)
    refused.candidates = [c for c, _ in offered]
    if chosen is None and sum(c.relevant and c.part == "need" for c, _ in offered) < MIN_FIGURE_SENTENCES:
        only_check = any(c.check and c.part == "need" for c, _ in offered)
        refused.message = message("draft_only_check" if only_check else "draft_refusal", lang)
        return refused
    if chosen is not None:
        known = {c.id for c, _ in offered}
        unknown = [i for i in chosen if i not in known]
        if unknown:
            raise DraftInputError(f"{unknown[0]!r} is not one of this draft's candidates: list them with --candidates")
    picked = [(c, q) for c, q in offered if (c.id in chosen if chosen is not None else c.relevant)]
    if chosen is not None and not any(c.part == "need" for c, _ in picked):
        raise DraftInputError("none of the chosen quotes is a figure of this draft: choose at least one of its "
                              "candidates with data")
    picked, shortened = _fit(assistant, picked, request, limits or {})
    paragraphs, need, title = _paragraphs(assistant, picked, request)
    draft = Draft(topic, lang, False, "", need, paragraphs, title=title, subject=request.subject,
                  candidates=[c for c, _ in offered], chosen=[c.id for c, _ in picked],
                  author=getattr(assistant.settings, "draft_author", ""), limits=dict(limits or {}),
                  shortened=shortened)
    draft.bibliography = build_bibliography(draft, assistant.snapshot, lang)
    if "data" in draft.limits:
        from assistant.drafts.export import indicators

        dropped = len(indicators(draft, limited=False)) - len(indicators(draft))
        draft.shortened += [Shortened("data", draft.limits["data"], dropped)] if dropped else []
    return draft


def _fit(assistant, picked, request: DraftRequest, limits: dict[str, int]):
    """(the quotes that fit each section's limit, the sections cut): a section over its limit loses its last quote
    as the text reads, again until it fits; the need keeps its first quote (a draft without evidence is none)."""
    shortened = []
    for section in ("need", "policy"):
        if section not in limits:
            continue
        dropped = 0
        paragraphs, need, _ = _paragraphs(assistant, picked, request)
        while _section_chars(paragraphs, need, section) > limits[section]:
            drop = _last_in_text(paragraphs, picked, section)
            if drop is None or (section == "need" and sum(c.part == "need" for c, _ in picked) <= 1):
                break
            picked = [(c, q) for c, q in picked if c.id != drop]
            paragraphs, need, _ = _paragraphs(assistant, picked, request)
            dropped += 1
        shortened += [Shortened(section, limits[section], dropped)] if dropped else []
    return picked, shortened


def _paragraphs(assistant, picked, request: DraftRequest) -> tuple[list[DraftParagraph], str, str]:
    """One paragraph per facet (need, then policy), markers in reading order; the need's opening; the title of
    the document quoted."""
    lang, paragraphs, marker = request.language, [], 1
    for part in ("need", "policy"):
        for position, (key, group) in enumerate(_group([(c, q) for c, q in picked if c.part == part])):
            citations = [_cite(marker + i, q, assistant.snapshot, c.damage) for i, (c, q) in enumerate(group)]
            marker += len(group)
            leads = WORDS[lang].lead if part == "need" else WORDS[lang].policy_lead
            mores = WORDS[lang].more if part == "need" else WORDS[lang].recommend_more
            position = position if part == "need" else int(key == "partner")
            text = quote_paragraph(citations, leads, mores, position)
            paragraphs.append(DraftParagraph(_heading(key, lang), key, text, citations, part))
    titles = [q.chunk.title for _, q in picked] or [""]
    title = max(set(titles), key=titles.count)
    areas = ", ".join(dict.fromkeys(p.heading.lower() for p in paragraphs if p.section == "need"))
    need = WORDS[lang].need_text.format(topic=request.subject, title=title.split(":")[0], areas=areas)
    return paragraphs, need, title


def _section_chars(paragraphs: list[DraftParagraph], need: str, section: str) -> int:
    from assistant.drafts.length import section_chars

    chosen = [p for p in paragraphs if p.section == section]
    return section_chars([p.heading for p in chosen], ([need] if section == "need" else []) + [p.text for p in chosen])


def _last_in_text(paragraphs: list[DraftParagraph], picked, section: str) -> str | None:
    """The id of the section's last quote as the text reads (the last paragraph's last quote)."""
    last = next((p for p in reversed(paragraphs) if p.section == section and p.citations), None)
    if last is None:
        return None
    by_quote = {q.quote: c.id for c, q in picked if c.part == section}
    return by_quote.get(last.citations[-1].quote)


def _offer(assistant, request: DraftRequest, subject: TopicTerms) -> list[tuple[FigureCandidate, QuoteCandidate]]:
    """Every sentence the draft may quote, most relevant first: figure sentences (and, for a topic word no figure
    covers, statements) for the need, recommendations and policy areas for the policy section; the relevant and
    sure ones ticked, the relevant ones the judge is not sure of marked "to check", a few more offered."""
    telling = subject.telling(assistant.sentences)
    words = subject.words(assistant.sentences)
    facets = _related_facets(telling, set(subject.weights) - telling)
    ranking = rank_for_topic(assistant, subject.query, list(words) + [f.terms for f in facets])
    index = assistant.sentences
    related = {t for f in facets for t in f.lemmas  # a facet's specific words only ("przemysł" says nothing)
               if index.df.get(t, 0) <= RARE_SHARE * max(1, len(index.tokens))} - telling
    broad = set(subject.weights) - telling  # the subject's less specific words ("B+R" of "R&D spending")
    quotes: dict[tuple[tuple[str, int], bool], tuple[QuoteCandidate, str] | None] = {}

    def quote_of(key: tuple[str, int], context: bool = False):
        """(quote, kind: "figure", "statement" or "policy"), or None when the sentence cannot be quoted."""
        if (key, context) not in quotes:
            chunk = assistant.snapshot.chunks[key[0]]
            sentence = chunk.sentences[key[1]]
            quote = quotable(assistant, chunk, key[1], context)
            policy = chunk.section.startswith("9.") or any(  # a policy area's item, also past its first sentence
                POLICY_ITEM.match(text) for text in (sentence.text, quote.quote if quote else ""))
            unusable = (quote is None or (chunk.section.startswith(EVIDENCE_SKIP) and not policy)
                        or (policy and (BULLET.match(sentence.text) or len(sentence.text.split()) < 8))
                        or (not policy and not quote.figures and len(quote.own.split()) < STATEMENT_WORDS))
            kind = "policy" if policy else "figure" if quote and quote.figures else "statement"
            quotes[(key, context)] = None if unusable else (quote, kind)
        return quotes[(key, context)]

    best_for_word, facet_best = _best_per_word(ranking, words, facets, quote_of)
    model = assistant.extractive.model
    sure = sure_level(model, getattr(assistant.settings, "draft_sure_threshold", 0.0))
    found: list[tuple[FigureCandidate, QuoteCandidate]] = []
    strong: set[str] = set()  # candidates the judge is sure of for the whole subject
    carrying: set[str] = set()  # candidates whose own words name the topic
    for_subject: set[str] = set()  # figure candidates judged sure for the whole subject
    for key, margin in sorted(ranking.whole.items(), key=lambda item: -max(item[1], best_for_word.get(item[0], -99))):
        usable = quote_of(key)
        if usable is None:
            continue
        quote, kind = usable
        word_margin = best_for_word.get(key, -99.0)
        confidence = ranking.probability.get(key, 0.0) if model is not None else None
        subject_sure = ranking.subject_probability.get(key, 0.0)  # the judge on the whole subject
        lexical = _carries(quote, telling)
        if lexical:
            carrying.add(f"{quote.chunk.id}#{key[1]}")
        if not lexical and kind == "figure" and max(margin, word_margin) >= RELEVANT_MARGIN:
            # the facet's clear best figure, named by its words ("automatyki" for "cyfryzacja"), the judge sure of it
            lexical = key in facet_best and _carries(quote, related) and (confidence or 0.0) >= STRONG_CONFIDENCE
        if not lexical and kind == "figure" and _section_names(quote.chunk.section, telling):
            lexical = True  # its section is the topic's ("8. Model wsparcia klastrów we Francji": the 55 clusters)
        if not lexical and quote_of(key, context=True) and _carries(quote_of(key, True)[0], telling):
            (quote, kind), lexical = quote_of(key, True), True  # named by the sentence before: quoted with it
            lead = _label(assistant, key)
            if lead is not None:  # a list item's label ("• Zapewnienie ciągłości finansowania koordynatorów.")
                margin = max(margin, ranking.whole.get(lead, margin))  # says what the item is about
                confidence = confidence if confidence is None else max(confidence, ranking.probability.get(lead, 0))
                subject_sure = max(subject_sure, ranking.subject_probability.get(lead, 0.0))
        if kind == "policy":
            relevant = lexical and max(margin, word_margin) >= POLICY_MARGIN
        elif kind == "statement":
            relevant = lexical and (word_margin >= WORD_MARGIN or margin >= STATEMENT_MARGIN)
        else:
            relevant = ((lexical and (margin >= RELEVANT_MARGIN or word_margin >= WORD_MARGIN))
                        or margin >= STRONG_MARGIN or (margin >= BROAD_MARGIN and _carries(quote, broad)))
        if ((subject_sure >= STRONG_CONFIDENCE and (lexical or _carries(quote, related | broad)))
                or (confidence or 0.0) >= STRONG_CONFIDENCE and (lexical or _carries(quote, related))):
            # the judge is sure it serves the whole subject (and it names the topic, a facet or a broader word), or
            # one of the topic's words or facets (and it names that topic or facet)
            relevant = True
            strong.add(f"{quote.chunk.id}#{key[1]}")
        if kind != "policy" and METHOD.match(quote.own):
            relevant = False  # "Badanie objęło ... 733 ich członków": offered, never ticked by default
            strong.discard(f"{quote.chunk.id}#{key[1]}")
        if kind == "figure" and subject_sure >= sure:
            for_subject.add(f"{quote.chunk.id}#{key[1]}")
        chunk = quote.chunk
        facet = ("partner" if chunk.section.startswith("7") else "recommendations") if kind == "policy" \
            else _facet_key(quote)
        damaged = damage(quote.quote, quote.footnotes)
        found.append((FigureCandidate(f"{chunk.id}#{key[1]}", quote.quote, chunk.page, chunk.section, quote.footnotes,
                                      figures_in(quote.quote), "policy" if kind == "policy" else "need", facet,
                                      round(max(margin, word_margin), 3), relevant, damaged,
                                      None if confidence is None else round(confidence, 3)), quote))
    statements_where_needed(found, words, strong)
    following = {f"{p[0].id}#{p[1]}": f"{key[0]}#{key[1]}" for key, p in index.previous.items() if p is not None}
    facet_terms = {f.key: {t for t in f.lemmas if index.df.get(t, 0) <= RARE_SHARE * len(index.tokens)} for f in FACETS}

    def keeps_to(candidate: FigureCandidate, quote: QuoteCandidate, facet: str) -> bool:
        """It names the topic, or (without figures of its own: they would be another subject's, "energetyka
        (9,5%)" after the ICT share) the facet its passage is filed under."""
        return candidate.id in carrying or (not quote.figures and _carries(quote, facet_terms.get(facet, set())))

    def names_facet(candidate: FigureCandidate, quote: QuoteCandidate, facet: str) -> bool:
        return candidate.id in carrying or _carries(quote, facet_terms.get(facet, set()))

    fills_gaps(found, lambda candidate: candidate.id in carrying)
    passage_goes_on(found, keeps_to, sure, following.get, names_facet)
    lists_whole(found, lambda quote: not carries_topic(set(tokenize(quote.own)), telling | broad | related))
    for candidate, _ in found:  # ticked: relevant, whole and sure; relevant but not sure: offered "to check"
        candidate.check = candidate.relevant and not candidate.damage and candidate.confidence is not None \
            and candidate.confidence < sure
        candidate.relevant = candidate.relevant and not candidate.damage and not candidate.check
    figures_as_need(found, _facet_key)
    own = {f.key for f in FACETS if any(matches(t, f.lemmas) for t in subject.weights)}  # "członków": members
    kept = limit_candidates(found, for_subject, own)
    for number, (candidate, _) in enumerate(kept, start=1):
        candidate.number = number
    return kept


def _best_per_word(ranking, words: dict[str, set[str]], facets, quote_of):
    """({sentence: its margin} for the best sentence of each kind per topic word and the best figure per facet,
    {the facets' best figures the ranker is positive about}); a sentence counts for a word it carries."""
    best: dict[tuple[str, int], float] = {}
    facet_best: set[tuple[str, int]] = set()
    lemmas_of = words | {f.terms: f.lemmas for f in facets}
    for word, order in ranking.words.items():
        taken = dict.fromkeys(WORD_BEST, 0) if word in words else {"figure": 0}  # a facet: its best figure
        for key, margin in order:
            found = quote_of(key)
            if (found and found[1] in taken and carries_topic(found[0].terms, lemmas_of[word])
                    and taken[found[1]] < WORD_BEST[found[1]]):
                best[key] = max(best.get(key, margin), margin)
                taken[found[1]] += 1
                if word not in words and margin >= FACET_MARGIN:
                    facet_best.add(key)
            if all(taken[kind] >= WORD_BEST[kind] for kind in taken):
                break
    return best, facet_best


def _label(assistant, key: tuple[str, int]) -> tuple[str, int] | None:
    """The key of the sentence before `key` when it is a list item's short label ("• Finansowanie kaskadowe dla
    MŚP."), which says what the item's sentences are about; else None."""
    previous = assistant.sentences.previous.get(key)
    if previous is None:
        return None
    text = previous[0].sentences[previous[1]].text
    return (previous[0].id, previous[1]) if BULLET.match(text) and len(text.split()) < STATEMENT_WORDS else None


def _section_names(section: str, terms: set[str]) -> bool:
    """The report section's own title (its number left out) names one of `terms`: a figure sentence in the
    section on the French model is about the French model even when it never says "Francja"."""
    return bool(terms) and carries_topic(set(tokenize(SECTION_NUMBER.sub("", section))), terms)


def _carries(quote: QuoteCandidate, terms: set[str]) -> bool:
    """The quote names one of `terms` in its own words, outside the names it mentions."""
    return bool(terms) and carries_topic(quote.terms, terms) and carries_topic(unnamed_terms(quote.quote), terms)


def _related_facets(telling: set[str], broad: set[str] = frozenset()):
    """The facets (assistant/data/draft_facets.toml) whose terms list one of the topic's telling words: "cyfryzacja"
    brings the digital facet (automatyka, robotyka, IoT), whose best figure sentence serves a digitalisation topic
    even when it never says "cyfryzacja". A facet whose terms are alternatives, not aspects of one subject
    (`expands = false`: the sectors, the kinds of members), brings none: ICT does not bring energy figures. Two of
    the subject's less specific words naming one facet bring it too ("digital ... Industry 4.0": cyfrowy, przemysł)."""
    return [facet for facet in FACETS if facet.expands and (any(matches(t, facet.lemmas) for t in telling)
                                                             or sum(matches(t, facet.lemmas) for t in broad) >= 2)]


def _facet_key(candidate: QuoteCandidate) -> str:
    """The facet sharing most lemmas with what the quote itself says: its own sentence, outside the names it
    mentions (the sentence it leans on, its section's facet, then the table order, break ties); else the
    quote's report section. A heading follows its quote: "Kadry" never stands over a hydrogen sentence
    because its lead-in names STEM specialists."""
    own = {t for t in unnamed_terms(candidate.own or candidate.quote) if not t[0].isdigit()}
    terms = {t for t in candidate.terms if not t[0].isdigit()}
    best, best_score = None, (0, 0, False)
    for facet in FACETS:
        score = (len({t for t in own if matches(t, facet.lemmas)}), len({t for t in terms if matches(t, facet.lemmas)}),
                 candidate.chunk.section.startswith(facet.sections))
        if score[0] and score > best_score:
            best, best_score = facet, score
    return best.key if best else "section-" + candidate.chunk.section.split(".")[0]


def _heading(key: str, lang: str) -> str:
    words = WORDS[lang]
    return {"recommendations": words.recommendations, "partner": words.partner}.get(key) or heading(key, lang)


def _group(picked: list[tuple[FigureCandidate, QuoteCandidate]]):
    """One paragraph per facet, facets in order of their most relevant quote, quotes in reading order inside."""
    groups: dict[str, list[tuple[FigureCandidate, QuoteCandidate]]] = {}
    for candidate, quote in picked:
        groups.setdefault(candidate.facet, []).append((candidate, quote))
    return [(key, sorted(members, key=lambda pair: (pair[1].chunk.start, pair[1].index)))
            for key, members in groups.items()]


def _cite(marker: int, candidate: QuoteCandidate, snapshot, damaged: str = "") -> DraftCitation:
    base = make_citation(marker, candidate.chunk, candidate.quote, list(candidate.footnotes), snapshot)
    return DraftCitation(**vars(base), figures=figures_in(candidate.quote), damage=damaged)


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
