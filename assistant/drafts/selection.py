"""Which of a draft's relevant candidates are ticked by default, and within which limits.

`compose._offer` decides what is relevant to the subject; this module decides what the default selection
holds: figures first, a statement only where no figure covers its topic word unless the chat's judge is
sure of it (strong evidence widens the selection instead of being left unticked), a recommendation with
figures as the need's evidence when the report has nothing else, and the draft's limits (per facet, per
section, no figure quoted twice).
"""

from __future__ import annotations

from dataclasses import replace

from assistant.drafts.damage import damage
from assistant.drafts.model import FigureCandidate
from assistant.drafts.quotes import QuoteCandidate
from assistant.drafts.relevance import carries_topic
from assistant.numbers import figure_key, figures_in

STRONG_CONFIDENCE = 0.6  # the judge's probability from which a candidate is evidence on its own strength
STATEMENTS_PER_WORD = 2  # statements quoted at most for one topic word no figure covers
MAX_EVIDENCE = 9         # relevant need quotes at most
MAX_PER_PARAGRAPH = 3
MAX_PER_PARAGRAPH_SURE = 5  # ...when the judge is sure of a figure for the whole subject: evidence concentrated
MAX_PARAGRAPHS = 6
MAX_POLICY = 3
OFFERED = 6              # sentences below the bar still listed (unticked) for the coordinator
RUN_ON = 3               # sentences a sure quote may take in from its passage
WHOLE_LIST = 6           # a list of at most this many items is quoted whole when two of its items are evidence

Found = list[tuple[FigureCandidate, QuoteCandidate]]


def statements_where_needed(found: Found, words: dict[str, set[str]], strong: set[str]) -> None:
    """A statement (no figures) stays relevant for a topic word that no relevant figure quote names (a named
    cluster's activity or a programme stands in where there are no figures), or names only with less of the
    judge's confidence than the statement has (a count of university members does not push out the finding that
    university-firm partnerships in clusters bring new firms), or when the judge is sure of it: figures come
    first, but strong evidence without figures is not left out because a figure exists."""
    covered: dict[str, float] = {}  # topic word -> the judge's best probability for a figure quote naming it
    for w, lemmas in words.items():
        for c, q in found:
            if c.relevant and c.part == "need" and c.figures and carries_topic(q.terms, lemmas):
                covered[w] = max(covered.get(w, 0.0), c.confidence or 0.0)
    stated = dict.fromkeys(words, 0)
    for candidate, quote in found:
        if candidate.relevant and candidate.part == "need" and not candidate.figures:
            needed = [w for w, lemmas in words.items() if carries_topic(quote.terms, lemmas)
                      and (w not in covered or (candidate.confidence or 0.0) > covered[w])
                      and stated[w] < STATEMENTS_PER_WORD]
            candidate.relevant = bool(needed) or candidate.id in strong
            for word in needed:
                stated[word] += 1


def fills_gaps(found: Found, names_topic=lambda candidate: True) -> None:
    """A sentence between two relevant sentences of one passage (same chunk, same part) is relevant with them, as
    sure as the less sure of the two: a recommendation's "co 3–4 lata" between its KPI and its certification
    sentences is not left out of the quote's passage. A statement of the need (no figures) only when it names the
    topic itself (`names_topic(candidate)`): a general line between two figures is no evidence. Damaged text
    stays out."""
    by_id = {candidate.id: candidate for candidate, _ in found}
    for candidate, _ in found:
        if candidate.relevant or candidate.damage or "#" not in candidate.id:
            continue
        if candidate.part == "need" and not candidate.figures and not names_topic(candidate):
            continue
        chunk, _, index = candidate.id.rpartition("#")
        if not index.isdigit():
            continue
        around = [by_id.get(f"{chunk}#{int(index) + step}") for step in (-1, 1)]
        if all(c is not None and c.relevant and c.part == candidate.part for c in around):
            candidate.relevant = True
            if all(c.confidence is not None for c in around):
                candidate.confidence = min(c.confidence for c in around)


def passage_goes_on(found: Found, keeps_to, sure: float, next_id, names_facet=None) -> None:
    """A relevant, sure quote takes in the next sentences of its passage while each one keeps to the subject
    (`keeps_to(candidate, quote, facet)`: it names the topic, or the facet the quote is filed under, in its own
    words) and is not evidence on its own, at most RUN_ON sentences, on the same page: section 5.3's dual-use
    panels go on to the FENG/PARP support and PGM's defence working group. One quote, not pieces left out.
    A passage that goes on into a short list it introduces ("Można wskazać następujące przykłady:") takes in
    the lead-in and the whole list when one of its items names the topic or the quote's facet
    (`names_facet(candidate, quote, facet)`, figures allowed: the examples are the quote's own): the FDI quote
    brings Aragon's 6,7 mld and Rhineland-Palatinate's 2,3 mld. `next_id` gives a candidate id's next sentence
    id (None at a paragraph's end)."""
    position = {candidate.id: n for n, (candidate, _) in enumerate(found)}
    merged: set[int] = set()
    for n, (candidate, quote) in enumerate(found):
        if n in merged or not (candidate.relevant and candidate.part == "need" and not candidate.damage
                               and (candidate.confidence or 0.0) >= sure):
            continue
        last = candidate.id
        for _ in range(RUN_ON):
            after = position.get(next_id(last))
            if after is None and names_facet is not None:
                listed = _list_after(found, next_id(last), merged, candidate, names_facet)
                if listed:
                    found[n] = _with_list(found[n], [found[m] for m in listed])
                    merged |= set(listed)
                break
            if after is None or after in merged:
                break
            following, next_quote = found[after]
            if (following.relevant or following.page != candidate.page or following.part != "need"
                    or not keeps_to(following, next_quote, candidate.facet)
                    or any(next_quote.own in q.quote for c, q in found if c.relevant and c.id != candidate.id)):
                break  # not the topic's, or quoted by another relevant quote already
            last = following.id
            merged.add(after)
            if next_quote.own in quote.quote:
                continue
            text = next_quote.quote if quote.quote in next_quote.quote else f"{quote.quote} {next_quote.own}"
            footnotes = tuple(sorted({*quote.footnotes, *next_quote.footnotes}))
            candidate = replace(candidate, quote=text, footnotes=footnotes, figures=figures_in(text),
                                damage=damage(text, footnotes))
            quote = replace(quote, quote=text, footnotes=footnotes, terms=quote.terms | next_quote.terms,
                            figures=figures_in(text), own=f"{quote.own} {next_quote.own}")
            found[n] = (candidate, quote)
    found[:] = [pair for n, pair in enumerate(found) if n not in merged]


def _list_after(found: Found, lead_id: str | None, merged: set[int], candidate: FigureCandidate,
                names_facet) -> list[int]:
    """The items (positions in `found`, reading order) of the short list `lead_id` introduces, when none is evidence
    on its own, all are on the candidate's page and one names the topic or the candidate's facet; else []."""
    items = [m for m, (c, q) in enumerate(found) if q.list_lead is not None and m not in merged
             and f"{q.list_lead[0]}#{q.list_lead[1]}" == lead_id]
    if (not items or len(items) > WHOLE_LIST or any(found[m][0].relevant or found[m][0].page != candidate.page
                                                    or found[m][0].part != "need" for m in items)
            or not any(names_facet(found[m][0], found[m][1], candidate.facet) for m in items)):
        return []
    return sorted(items, key=lambda m: (found[m][1].chunk.start, found[m][1].index))


def _with_list(pair, items: Found):
    """The quote followed by the list's lead-in (read off its first item's quote) and every item."""
    candidate, quote = pair
    lead = items[0][1].list_intro
    text = " ".join([quote.quote, lead] + [q.own for _, q in items])
    footnotes = tuple(sorted({*quote.footnotes, *(f for _, q in items for f in q.footnotes)}))
    return (replace(candidate, quote=text, footnotes=footnotes, figures=figures_in(text),
                    damage=damage(text, footnotes)),
            replace(quote, quote=text, footnotes=footnotes, terms=quote.terms.union(*(q.terms for _, q in items)),
                    figures=figures_in(text), own=f"{quote.own} {lead} " + " ".join(q.own for _, q in items)))


def lists_whole(found: Found, by_lead=lambda quote: False) -> None:
    """Two or more items of one short list are evidence: the list is quoted once, whole, after its lead-in ("Struktura
    wg wielkości ...: • Mikroprzedsiębiorstwa: 37%, • Małe: 30%, • Średnie: 19%, • Duże: 14%"), in the place of its
    best item, rather than as pieces that each repeat the lead-in and fill the paragraph's places. So is a list one of
    whose items is evidence only by what its lead-in says (`by_lead(quote)`: its own words name nothing of the
    topic): the lead-in serves its siblings as much ("Pozostałe instytucje będące członkami klastrów to: ..." for
    business support organisations and local governments as members: the 265 and the 48 together)."""
    lists: dict[tuple[str, int], list[int]] = {}
    for n, (candidate, quote) in enumerate(found):
        if quote.list_lead is not None and candidate.part == "need":
            lists.setdefault(quote.list_lead, []).append(n)
    merged: set[int] = set()
    for lead, members in lists.items():
        chosen = [n for n in members if found[n][0].relevant]
        if len(members) > WHOLE_LIST or not (len(chosen) >= 2 or (chosen and by_lead(found[chosen[0]][1]))):
            continue
        items = sorted(members, key=lambda n: (found[n][1].chunk.start, found[n][1].index))
        best = min(chosen)  # found is ordered most relevant first
        candidate, quote = found[best]
        start = quote.quote.split(" […] ")[0] if " […] " in quote.quote else quote.quote[: -len(quote.own)].rstrip()
        text = " ".join([start or quote.list_intro] + [found[n][1].own for n in items])
        footnotes = tuple(sorted({f for n in items for f in found[n][1].footnotes}))
        terms = set().union(*(found[n][1].terms for n in items))
        found[best] = (replace(candidate, quote=text, footnotes=footnotes, figures=figures_in(text),
                               damage=damage(text, footnotes),
                               confidence=max((found[n][0].confidence or 0.0) for n in chosen)
                               if candidate.confidence is not None else None),
                       replace(quote, quote=text, footnotes=footnotes, terms=terms, figures=figures_in(text),
                               own=text))
        merged |= set(members) - {best}
    found[:] = [pair for n, pair in enumerate(found) if n not in merged]


def figures_as_need(found: Found, facet_of) -> None:
    """No relevant need evidence, but a relevant recommendation holds figures (a programme's budget and its share
    for SMEs): it stands as the need's evidence, under the facet its own words name, so the draft is written
    from what the report says rather than refused."""
    if any(c.relevant and c.part == "need" for c, _ in found):
        return
    for candidate, quote in found:
        if candidate.relevant and candidate.part == "policy" and candidate.figures:
            candidate.part, candidate.facet = "need", facet_of(quote)


def sure_level(model, setting: float = 0.0) -> float:
    """The judged probability from which a candidate is ticked by default: the `draft_sure_threshold` setting, else
    the model's answer threshold; 0 without a model (no judge: every relevant candidate is ticked).

    Not the chat's sure level (`sure_threshold`, chosen on dev questions for 97% precision): a candidate is judged
    against a topic, not a question, and measured with that level no candidate of the 27 draft topics is ticked
    (key-figure recall 0.05); at the answer threshold it is 0.99 on the original topics."""
    if model is None:
        return 0.0
    return setting or float(getattr(model, "threshold", 0.0))


def limit_candidates(found: Found, for_subject: set[str] = frozenset(), own_facets: set[str] = frozenset()) -> Found:
    """The relevant sentences within the draft's limits (no quote inside another, no figures all quoted already,
    at most MAX_PER_PARAGRAPH per facet, MAX_PER_PARAGRAPH_SURE for a figure of `for_subject`: one the judge is
    sure of for the whole subject, where a topic's evidence is in one facet, and in a facet of `own_facets`: one
    the subject's own words name, "wielkość klastrów mierzona liczbą członków" the members' facet, whose fourth
    figure, 117,7 members per cluster, is the subject itself), then OFFERED more per part,
    unmarked. Figures take the places first: a statement the judge is sure of never pushes a figure out; then the
    quotes the judge is sure of (≥ STRONG_CONFIDENCE), so a limit drops the less sure ones first."""
    def order(pair) -> tuple[bool, bool]:  # figures first, then what the judge is sure of, then the ranking's order
        candidate = pair[0]
        return (not (candidate.relevant and candidate.figures),
                not (candidate.relevant and (candidate.confidence or 0.0) >= STRONG_CONFIDENCE))

    found = sorted(found, key=order)
    kept: Found = []
    used: set[str] = set()
    extra = {"need": 0, "policy": 0}
    for candidate, quote in found:
        figures = {figure_key(f) for f in candidate.figures}
        inside = next((n for n, (c, q) in enumerate(kept) if q.quote in quote.quote
                       or (quote.quote in q.quote and not c.relevant)), None)
        if inside is not None and candidate.relevant:
            # it holds a kept quote and what leans on it, or an unticked longer quote holds it: it replaces it
            replaced = kept[inside][0]
            candidate.relevance = max(candidate.relevance, replaced.relevance)
            extra[replaced.part] -= not replaced.relevant
            kept[inside] = (candidate, quote)
            used |= figures
            continue
        if any(quote.quote in q.quote or q.quote in quote.quote for _, q in kept):
            continue
        same_part = [c for c, _ in kept if c.part == candidate.part and c.relevant]
        limit = MAX_EVIDENCE if candidate.part == "need" else MAX_POLICY
        if candidate.relevant and (len(same_part) >= limit or (figures and figures <= used)
                                   or sum(c.facet == candidate.facet for c in same_part) >= (
                                       MAX_PER_PARAGRAPH_SURE if candidate.id in for_subject
                                       or candidate.facet in own_facets else MAX_PER_PARAGRAPH)
                                   or (candidate.part == "need" and candidate.facet not in {c.facet for c in same_part}
                                       and len({c.facet for c in same_part}) >= MAX_PARAGRAPHS)):
            candidate.relevant, candidate.limited = False, True
        if not candidate.relevant:
            if extra[candidate.part] >= OFFERED:
                continue
            extra[candidate.part] += 1
        else:
            used |= figures
        kept.append((candidate, quote))
    return kept
