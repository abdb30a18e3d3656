"""Polish synonyms a question may use for the report's own words (przeciętnie -> średnio, staż -> praktyka).

The table is generated from Debian's Polish thesaurus restricted to the report's vocabulary
(`python -m eval thesaurus`, assistant/data/synonyms.tsv), so coverage, the question's unknown words and
draft topics count a synonym as the word without any list typed per question. Draft topics also read a
second generated table, assistant/data/related.tsv: for a word the report does not use, the report's
words the thesaurus relates to it through a derivation or a close broader word (zarobek: płacowy,
wynagrodzenie; wydajność: produktywność), and `derived_report_words` finds a word's derivations
(członkostwo: członek, członkowski) by their common stem.
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

from assistant.lemmas import shares_stem

SYNONYM_FILE = Path(__file__).parent / "data" / "synonyms.tsv"
RELATED_FILE = Path(__file__).parent / "data" / "related.tsv"
Alternative = frozenset[str]  # the lemmas of one synonym, every one needed ("branża budowlany")


def load_synonyms(path: Path = SYNONYM_FILE) -> dict[str, tuple[Alternative, ...]]:
    """lemma -> its synonyms in the report's words; a duplicate or empty line is an error naming the line."""
    from assistant.glossary import read_word_list

    return {word: tuple(frozenset(s.split("+")) for s in value.split()) for word, value in read_word_list(path).items()}


@lru_cache(maxsize=1)
def _table() -> dict[str, tuple[Alternative, ...]]:
    return load_synonyms()


@lru_cache(maxsize=1)
def _related() -> dict[str, frozenset[str]]:
    from assistant.glossary import read_word_list

    return {word: frozenset(value.split()) for word, value in read_word_list(RELATED_FILE).items()}


def related_lemmas(lemma: str) -> frozenset[str]:
    """The report's words for a word it does not use, by the thesaurus' derivations and close broader words."""
    return _related().get(lemma, frozenset())


def synonyms(lemma: str) -> tuple[Alternative, ...]:
    """The report's words for `lemma` (each a set of lemmas that must all appear); () when none."""
    return _table().get(lemma, ())


def covered_by_synonym(lemma: str, terms) -> bool:
    """Some synonym of `lemma` is in `terms`, every word of it (inflected forms count: shared stem)."""
    return any(all(shares_stem(part, terms) for part in alternative) for alternative in synonyms(lemma))


def synonym_lemmas(lemma: str) -> set[str]:
    """Every lemma of every synonym of `lemma` (for a lexical query or a draft topic's terms)."""
    return {part for alternative in synonyms(lemma) for part in alternative}


def synonym_weight(term: str, index) -> float:
    """A word the report uses weighs its IDF; a word it only has synonyms for weighs like its most specific
    synonym (not like a word the report never uses, which would let the synonym decide everything)."""
    alternatives = synonyms(term)
    if term in index.idf or not alternatives:
        return index.weight(term)
    return max(min(index.weight(part) for part in alternative) for alternative in alternatives)


DERIVED_STEM = 8  # a report word this long, less its ending, inside an unknown word: the same word derived


def derived_lemmas(word: str, vocabulary) -> set[str]:
    """Report lemmas an unknown Polish word is derived from: "umiędzynarodowienie" holds "międzynarodow(y)"
    (a prefix and a noun ending around the report's adjective). Only long stems count, so short ones ("firma")
    cannot match by chance."""
    word = word.lower()
    return {v for v in vocabulary if len(v) >= DERIVED_STEM and v[:-2] in word and v != word}


LOANWORD_SPELLING = (  # English spelling -> Polish spelling of the same loanword, in this order
    (r"(?:[iy]s|iz)ation$", "izacja"), (r"ation$", "acja"), (r"tion$", "cja"), (r"tio", "cjo"), (r"ph", "f"),
    (r"qu", "kw"), (r"x", "ks"), (r"th", "t"), (r"v", "w"), (r"c(?=[aou])", "k"), (r"ty$", "tet"),
)


def loanword_lemmas(english_word: str, vocabulary) -> set[str]:
    """The report's Polish spelling of an English loanword: internationalisation -> internacjonalizacja,
    cooperation -> kooperacja, innovation -> innowacja (spelling rules, then the same lemma in the report)."""
    import re

    spelled = english_word.lower()
    for pattern, polish in LOANWORD_SPELLING:
        spelled = re.sub(pattern, polish, spelled)
    if len(spelled) < 6:
        return set()
    return {v for v in vocabulary if v == spelled or (len(v) >= 8 and v[:-1] == spelled[:-1])}


DERIVATION_SUFFIXES = ("owość", "ostwo", "owski", "ość", "stwo", "enie", "anie", "owy", "owa", "owe", "ek", "ec",
                       "a", "o", "e", "y", "i")  # longest first; -ek/-ec lose their mobile e (członek: członk-)
MIN_DERIVATION_STEM = 4


def derivation_stem(lemma: str) -> str:
    """The stem a Polish noun or adjective shares with its derivations: płaca, płacowy -> płac; członek,
    członkostwo, członkowski -> członk; wydajny, wydajność -> wydajn. The lemma itself when no ending leaves
    a stem of MIN_DERIVATION_STEM letters."""
    for suffix in DERIVATION_SUFFIXES:
        if lemma.endswith(suffix) and len(lemma) - len(suffix) >= MIN_DERIVATION_STEM:
            base = lemma[: -len(suffix)]
            return base + suffix[-1] if suffix in ("ek", "ec") else base
    return lemma


def derived_report_words(lemma: str, vocabulary) -> set[str]:
    """The report's lemmas derived from the same stem as `lemma` (not `lemma` itself); a lemma without an ending is
    its own stem (zakup -> zakupowy)."""
    stem = derivation_stem(lemma)
    if not lemma.isalpha() or (stem == lemma and len(stem) <= MIN_DERIVATION_STEM):
        return set()
    return {v for v in vocabulary if v != lemma and v[:2] == stem[:2] and v.isalpha() and derivation_stem(v) == stem}


def report_words_for(lemma: str, index) -> set[str]:
    """The report's words for a word it does not use: its thesaurus synonyms and related words (derivations and
    close broader words: zarobek -> płacowy, wynagrodzenie), else what it is derived from."""
    found = synonym_lemmas(lemma) | {t for t in related_lemmas(lemma) if t in index.df}
    return found if found else derived_lemmas(lemma, index.df)
