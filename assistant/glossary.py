"""Key terms in both languages, so English questions also match Polish passages lexically.

Dense retrieval is multilingual already; this adds the lexical side. Acronyms used by
the report are expanded too (KKK -> Krajowy Klaster Kluczowy). The tables are data
(assistant/data/glossary.toml), checked when loaded.
"""

from __future__ import annotations

import re
import tomllib
from functools import lru_cache
from pathlib import Path

from assistant.lemmas import tokenize

DATA_FILE = Path(__file__).parent / "data" / "glossary.toml"
STEM_LETTERS = 6  # Polish inflection changes endings: "niemieckie" and "niemiecki" share "niemie"
TABLES = ("en_to_pl", "en_names", "en_phrases", "acronyms")


class WordTableError(ValueError):
    """A word table that would make matching ambiguous: the message names the file, table and key."""


def load_word_tables(path: Path, tables: tuple[str, ...]) -> dict[str, dict[str, str]]:
    """Read a TOML file of string tables; reject what would silently shadow or contradict an entry.

    TOML itself rejects a key written twice in one table; this also rejects keys that differ only
    in case or spacing, empty values, missing or unknown tables.
    """
    try:
        data = tomllib.loads(Path(path).read_text(encoding="utf-8"))
    except tomllib.TOMLDecodeError as error:  # includes duplicate keys
        raise WordTableError(f"{path}: {error} (a key written twice, or a syntax error)") from error
    unknown, missing = set(data) - set(tables), set(tables) - set(data)
    if unknown or missing:
        raise WordTableError(
            f"{path}: tables must be exactly {', '.join(tables)} "
            f"(unknown: {sorted(unknown)}, missing: {sorted(missing)})"
        )
    for name in tables:
        seen: dict[str, str] = {}
        for key, value in data[name].items():
            if not isinstance(value, str) or not value.strip():
                raise WordTableError(f"{path}: [{name}] {key!r} needs a non-empty text value")
            normal = " ".join(key.lower().split())
            if normal in seen:
                raise WordTableError(f"{path}: [{name}] {key!r} duplicates {seen[normal]!r}")
            seen[normal] = key
    return data


def _check_translations(data: dict[str, dict[str, str]], path: Path) -> None:
    """A word in both en_to_pl and en_names must translate to the same Polish stem (first 6 letters)."""

    def stems(text: str) -> set[str]:
        return {w[:STEM_LETTERS] for w in text.split()}

    for word in set(data["en_to_pl"]) & set(data["en_names"]):
        if not stems(data["en_to_pl"][word]) & stems(data["en_names"][word]):
            raise WordTableError(
                f"{path}: {word!r} translates as {data['en_to_pl'][word]!r} in [en_to_pl] "
                f"but {data['en_names'][word]!r} in [en_names]"
            )


def load_glossary(path: Path = DATA_FILE) -> dict[str, dict[str, str]]:
    data = load_word_tables(path, TABLES)
    _check_translations(data, path)
    return data


_GLOSSARY = load_glossary()
EN_TO_PL: dict[str, str] = _GLOSSARY["en_to_pl"]
EN_NAMES: dict[str, str] = _GLOSSARY["en_names"]  # place names and demonyms: hard keys in translation
EN_PHRASES: dict[str, str] = _GLOSSARY["en_phrases"]  # multi-word English terms
ACRONYMS: dict[str, str] = _GLOSSARY["acronyms"]


def glossary_texts() -> list[str]:
    """Every term of the glossary, both languages (ingest puts their lemmas in the store's cache)."""
    return [
        text.replace("|", " ")
        for table in (EN_TO_PL, EN_NAMES, EN_PHRASES, ACRONYMS)
        for item in table.items()
        for text in item
    ]


# ordinals a question spells out where a text numbers with Roman numerals ("the third phase", "w piątej fazie":
# "Faza III", "fazie V"); "first"/"pierwszy" is left out, as its "i" is the Polish "and"
ORDINAL_ROMAN = {"second": "ii", "third": "iii", "fourth": "iv", "fifth": "v", "sixth": "vi", "seventh": "vii",
                 "drugi": "ii", "druga": "ii", "trzeci": "iii", "trzecia": "iii", "czwarty": "iv", "czwarta": "iv",
                 "piąty": "v", "piąta": "v", "szósty": "vi", "szósta": "vi", "siódmy": "vii", "siódma": "vii"}


def roman_numerals(word: str) -> set[str]:
    """The Roman numeral an ordinal word stands for (any inflection: "trzeciej" -> "iii"), else nothing."""
    lower = word.lower()
    return {ORDINAL_ROMAN[form] for form in (lower, *tokenize(lower)) if form in ORDINAL_ROMAN}


def expand_query(question: str, language: str) -> str:
    """The lexical query: Polish questions plus acronym expansions; English questions as their
    Polish key terms plus names, acronyms and numbers (English words would only match the
    English titles in the bibliography)."""
    extra = []
    kept = []
    if language == "en":
        lowered = question.lower()
        for phrase, polish in EN_PHRASES.items():
            if re.search(rf"\b{re.escape(phrase)}\b", lowered):
                extra.append(polish.replace("|", " "))
    for word in re.findall(r"[\w+&-]+", question):
        lower = word.lower()
        if language == "en":
            polish = translations(lower, generated=False) if lower not in _ENGLISH_STOP else None
            if polish:
                extra.append(polish)
            elif word[:1].isupper() or word[:1].isdigit():
                kept.append(word)
        if lower in ACRONYMS and word.isupper():
            extra.append(ACRONYMS[lower])
        extra.extend(sorted(roman_numerals(lower)))
    if language == "en":
        return " ".join(kept + extra)
    return question if not extra else f"{question} {' '.join(extra)}"


def english_lemma(word: str) -> str:
    """The English dictionary form (companies -> company, organised -> organise)."""
    from assistant.lemmas import english_lemma as lemma

    return lemma(word)


BILINGUAL_FILE = Path(__file__).parent / "data" / "bilingual.tsv"


def load_bilingual(path: Path = BILINGUAL_FILE) -> dict[str, str]:
    """The generated English lemma -> Polish lemmas list (`python -m eval bilingual`); duplicates rejected."""
    return read_word_list(path)


def read_word_list(path: Path) -> dict[str, str]:
    """A generated `word<TAB>value` list (comments start with #); an empty or repeated word is an error naming
    the line; a missing file is an empty list."""
    table: dict[str, str] = {}
    if not path.exists():
        return table
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        if not line.strip() or line.startswith("#"):
            continue
        word, _, value = line.partition("\t")
        if not value.strip() or word in table:
            raise WordTableError(f"{path}:{number}: {'duplicate' if word in table else 'empty'} entry {word!r}")
        table[word] = value.strip()
    return table


BILINGUAL: dict[str, str] = load_bilingual()


def translations(word: str, generated: bool = True) -> str | None:
    """Polish forms for an English word (or its lemma): the hand glossary, else (`generated`) the generated list.

    The lexical query uses the glossary only: dictionary senses are broad ("farm" -> "gospodarka") and
    would pull unrelated passages; answerability uses both to decide whether a word is covered at all."""
    lower = word.lower()
    joined = lower.replace("-", "")  # English writes a compound with or without its hyphen: start-ups, startups
    forms = (lower, english_lemma(lower)) + ((joined, english_lemma(joined)) if joined != lower else ())
    for form in forms:
        found = EN_TO_PL.get(form) or EN_NAMES.get(form)
        if found:
            return found
    for form in forms if generated else ():
        if form in BILINGUAL:
            return BILINGUAL[form]
    return None


@lru_cache(maxsize=20000)
def polish_lemmas(word: str) -> frozenset[str]:
    """The Polish lemmas an English word translates to (glossary, else the generated list); empty when none."""
    lower = word.lower()
    if lower in _ENGLISH_STOP:
        return frozenset()
    return frozenset(tokenize(translations(lower) or ""))


# names an English passage writes out that a Polish question names by the report's short form
WRITTEN_OUT = {"united states": "usa stany zjednoczony", "european union": "ue unia europejski",
               "united kingdom": "wielki brytania"}


def in_polish(text: str) -> set[str]:
    """An English passage's words as Polish lemmas (issue 26): a cited work's English full text then shares
    lemmas with a Polish question, as the report shares them with an English question through the glossary."""
    lowered = text.lower()
    names = {w for name, polish in WRITTEN_OUT.items() if name in lowered for w in tokenize(polish)}
    return names.union(*(polish_lemmas(w) for w in re.findall(r"[A-Za-z][A-Za-z&+-]*", text)))


def translatable(word: str, index) -> bool:
    """An English question word the Polish report can match: a glossary word, part of a glossary
    phrase, or a word the report itself uses (names, acronyms, loanwords)."""
    lower = word.lower()
    if translations(lower) or lower in _PHRASE_WORDS:
        return True
    return any(t in index.df for t in tokenize(lower))


_PHRASE_WORDS = {w for phrase in EN_PHRASES for w in re.findall(r"[\w&+-]+", phrase)}


_ENGLISH_STOP = frozenset(
    """a an the of and or in on at to for is are was were be been by with what which how many much does do did
that this these those from as it its their there who when where why than into about per all any some each most more
can could
would should will have has had not no""".split()
)
ENGLISH_STOP = _ENGLISH_STOP  # public: a draft's English subject skips them too ("as" is no topic word: "gdy")
