"""The drafts' word tables (assistant/data/draft_facets.toml), read into typed objects and checked.

`FACETS` are the angles a justification can take (retrieval terms, report sections, headings);
`WORDS[lang]` the framing words of a draft; `heading(key, lang)` a paragraph's heading. The loader
is as strict as the glossary's (`assistant.glossary.load_word_tables`, whose flat string tables
cannot hold these lists): it raises `WordTableError` naming the file, table and entry for a
duplicate or conflicting entry rather than let one entry silently shadow another.
"""

from __future__ import annotations

import string
import tomllib
from dataclasses import dataclass, fields
from functools import cached_property
from pathlib import Path
from typing import Any

from assistant.glossary import WordTableError
from assistant.lemmas import tokenize

__all__ = ["DATA_FILE", "FACETS", "LANGUAGES", "SECTION_HEADINGS", "WORDS", "DraftTables", "DraftWords", "Facet",
           "WordTableError", "heading", "load_draft_tables"]

DATA_FILE = Path(__file__).resolve().parents[1] / "data" / "draft_facets.toml"
LANGUAGES = ("pl", "en")
TABLES = ("facet", "section_headings", "words")
FACET_FIELDS = ("key", "sections", "terms", "heading")
RESERVED_KEYS = ("recommendations", "partner")  # paragraph facets the drafter sets itself (and "section-N")
RESERVED_PREFIX = "section-"
PLACEHOLDERS = {"need_text": {"topic", "title", "areas"}, "damaged": {"piece", "page"},
                "shortened": {"limit", "dropped"}}


@dataclass(frozen=True)
class Facet:
    """One angle of a justification: retrieval terms, the report sections it lives in, its heading per language."""

    key: str
    sections: tuple[str, ...]
    terms: str
    headings: dict[str, str]
    expands: bool = True  # its terms are aspects of one subject: a topic naming one is served by the others

    @cached_property
    def lemmas(self) -> set[str]:
        return set(tokenize(self.terms))


@dataclass(frozen=True)
class DraftWords:
    """The framing words of a draft in one language; none carries a figure. Tuples are variants."""

    title: str
    need: str
    notes: str
    bibliography: str
    page: str
    pages: str
    no_year: str
    accessed: str
    report: str
    website: str
    via: str
    footnote: str
    in_bib: str
    evidence: str  # the heading of evidence no facet or known section claims
    note: str
    note_llm: str
    lead: tuple[str, ...]
    more: tuple[str, ...]
    recommend: tuple[str, ...]
    recommend_more: tuple[str, ...]
    recommendations: str
    need_text: str
    partner: str
    section_need: str
    section_policy: str
    section_data: str
    policy_lead: tuple[str, ...]
    data_intro: str
    damaged: str
    shortened: str  # under a section cut to its length limit
    to_check: str   # a candidate the judge is not sure of (offered unticked)


@dataclass(frozen=True)
class DraftTables:
    facets: tuple[Facet, ...]
    section_headings: dict[str, dict[str, str]]
    words: dict[str, DraftWords]


def load_draft_tables(path: Path = DATA_FILE) -> DraftTables:
    """The checked tables of `path`; WordTableError says which entry is wrong and why."""
    path = Path(path)
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except tomllib.TOMLDecodeError as error:  # includes a key written twice in one table
        raise WordTableError(f"{path}: {error}") from error
    _exact_keys(path, "the file", data, TABLES)
    if not isinstance(data["facet"], list):
        raise WordTableError(f"{path}: facets must be an array of tables, [[facet]]")
    facets = tuple(_facet(path, n, entry) for n, entry in enumerate(data["facet"], start=1))
    section_headings = {str(number): _bilingual(path, f"[section_headings] {number!r}", value)
                        for number, value in _table(path, "[section_headings]", data["section_headings"]).items()}
    words_table = _table(path, "[words]", data["words"])
    _exact_keys(path, "[words]", words_table, LANGUAGES)
    words = {lang: _words(path, lang, words_table[lang]) for lang in LANGUAGES}
    _check_conflicts(path, facets, section_headings)
    return DraftTables(facets, section_headings, words)


def _table(path: Path, where: str, value: Any) -> dict[str, Any]:
    if not isinstance(value, dict):
        raise WordTableError(f"{path}: {where} must be a table")
    return value


def _exact_keys(path: Path, where: str, table: dict[str, Any], expected: tuple[str, ...]) -> None:
    unknown, missing = set(table) - set(expected), set(expected) - set(table)
    if unknown or missing:
        raise WordTableError(f"{path}: {where} must have exactly {', '.join(expected)} "
                             f"(unknown: {sorted(unknown)}, missing: {sorted(missing)})")


def _text(path: Path, where: str, value: Any) -> str:
    if not isinstance(value, str) or not value.strip():
        raise WordTableError(f"{path}: {where} needs a non-empty text value")
    return value


def _texts(path: Path, where: str, value: Any) -> tuple[str, ...]:
    if not isinstance(value, list) or not value:
        raise WordTableError(f"{path}: {where} needs a non-empty list of texts")
    texts = tuple(_text(path, where, item) for item in value)
    repeated = sorted({t for t in texts if texts.count(t) > 1})
    if repeated:
        raise WordTableError(f"{path}: {where} lists {repeated[0]!r} twice")
    return texts


def _bilingual(path: Path, where: str, value: Any) -> dict[str, str]:
    table = _table(path, where, value)
    _exact_keys(path, where, table, LANGUAGES)
    return {lang: _text(path, f"{where} {lang}", table[lang]) for lang in LANGUAGES}


def _facet(path: Path, number: int, entry: Any) -> Facet:
    where = f"[[facet]] #{number}"
    entry = _table(path, where, entry)
    expands = entry.pop("expands", True) if isinstance(entry, dict) else True
    if not isinstance(expands, bool):
        raise WordTableError(f"{path}: {where} expands must be true or false")
    _exact_keys(path, where, entry, FACET_FIELDS)
    key = _text(path, f"{where} key", entry["key"])
    where = f"[[facet]] {key!r}"
    if key in RESERVED_KEYS or key.startswith(RESERVED_PREFIX):
        raise WordTableError(f"{path}: {where}: the key is reserved for the drafter's own paragraphs")
    sections = _texts(path, f"{where} sections", entry["sections"])
    return Facet(key, sections, _text(path, f"{where} terms", entry["terms"]),
                 _bilingual(path, f"{where} heading", entry["heading"]), expands)


def _words(path: Path, lang: str, value: Any) -> DraftWords:
    where = f"[words.{lang}]"
    table = _table(path, where, value)
    names = tuple(f.name for f in fields(DraftWords))
    _exact_keys(path, where, table, names)
    values: dict[str, Any] = {}
    for f in fields(DraftWords):
        reader = _texts if f.type.startswith("tuple") else _text
        values[f.name] = reader(path, f"{where} {f.name}", table[f.name])
    for name, needed in PLACEHOLDERS.items():
        found = {field for _, field, _, _ in string.Formatter().parse(values[name]) if field}
        if found != needed:
            raise WordTableError(f"{path}: {where} {name} must use exactly the placeholders "
                                 f"{{{'}, {'.join(sorted(needed))}}} (found: {sorted(found)})")
    return DraftWords(**values)


def _check_conflicts(path: Path, facets: tuple[Facet, ...], section_headings: dict[str, dict[str, str]]) -> None:
    """No facet key twice (case and spacing aside), no heading twice; report sections are only tie-breakers,
    so several facets may name one."""
    keys: dict[str, str] = {}
    headings: dict[tuple[str, str], str] = {}
    for facet in facets:
        normal = " ".join(facet.key.lower().split())
        if normal in keys:
            raise WordTableError(f"{path}: [[facet]] {facet.key!r} duplicates {keys[normal]!r}")
        keys[normal] = facet.key
    named = [(f"[[facet]] {f.key!r}", f.headings) for f in facets]
    named += [(f"[section_headings] {number!r}", texts) for number, texts in section_headings.items()]
    for where, texts in named:
        for lang, text in texts.items():
            normal = (lang, " ".join(text.lower().split()))
            if normal in headings:
                raise WordTableError(f"{path}: {where} heading {text!r} ({lang}) is also the heading of "
                                     f"{headings[normal]}")
            headings[normal] = where


_TABLES = load_draft_tables()
FACETS: tuple[Facet, ...] = _TABLES.facets
SECTION_HEADINGS: dict[str, dict[str, str]] = _TABLES.section_headings
WORDS: dict[str, DraftWords] = _TABLES.words


def heading(key: str, lang: str) -> str:
    """A paragraph's heading: its facet's, else its section's ("section-N"), else the words' `evidence`."""
    facet = next((f for f in FACETS if f.key == key), None)
    texts = facet.headings if facet else SECTION_HEADINGS.get(key.removeprefix("section-"))
    return texts[lang] if texts else WORDS[lang].evidence
