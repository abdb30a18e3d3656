"""An acronym and the words it stands for are one term in another document's passages (issue 26).

Why: a question asks about "R&D" or "KIS" while a cited work writes "prace badawczo-rozwojowe" or "Krajową
Inteligentną Specjalizację" (or the other way round); the acronym was a hard key the passage failed, and the
spelled-out words counted as missing. Only other documents' passages get these terms: the report's sentences keep
exactly the terms its answers were measured with (the report alone answers as before).
"""

from __future__ import annotations

from functools import lru_cache

from assistant.glossary import ACRONYMS
from assistant.lemmas import tokenize

# spellings the glossary's one expansion per acronym does not hold (adjectives, English words)
MORE_FORMS = {
    "b+r": ("badawczo-rozwojowy", "research development", "działalność badawczy"),
    "oze": ("renewable energy", "odnawialny energia"),
    "goz": ("circular economy", "obieg zamknięty"),
    "mśp": ("sme", "small medium enterprise", "mały średni firma"),
    "fdi": ("foreign direct investment", "inwestycja zagraniczny bezpośredni"),
    "tfp": ("total factor productivity",),
    "gva": ("gross value added", "wdb"),
    "kis": ("smart specialisation", "inteligentny specjalizacja"),
}


@lru_cache(maxsize=1)
def _groups() -> tuple[tuple[frozenset[str], tuple[frozenset[str], ...]], ...]:
    """Per acronym: the lemmas a passage gains (the acronym and its one-word forms: "b+r", "badawczo-rozwojowy"),
    and each form as the lemmas that must all be present. The words of a form of several words are not added:
    "mały", "średni", "firma" of SMEs would lend any passage on SMEs an "average" it does not state."""
    groups = []
    for acronym, expansion in ACRONYMS.items():
        forms = {frozenset(tokenize(acronym)), frozenset(tokenize(expansion))}
        forms |= {frozenset(tokenize(text)) for text in MORE_FORMS.get(acronym, ())}
        forms = {f for f in forms if f}
        groups.append((frozenset().union(*(f for f in forms if len(f) == 1)), tuple(forms)))
    return tuple(groups)


def spelled_terms(terms: set[str] | frozenset[str]) -> set[str]:
    """The acronym and its one-word forms when the terms hold one of its forms whole ("prace badawczo-rozwojowe"
    brings "b+r"; "Krajowa Inteligentna Specjalizacja" brings "kis"; "R&D", read as "b+r", brings
    "badawczo-rozwojowy")."""
    added: set[str] = set()
    for words, forms in _groups():
        if any(form <= terms for form in forms):
            added |= words
    return added
