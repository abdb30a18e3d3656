"""Polish synonyms a question may use for the report's own words (przeciętnie -> średnio, staż -> praktyka).

The table is generated from Debian's Polish thesaurus restricted to the report's vocabulary
(`python -m eval thesaurus`, assistant/data/synonyms.tsv), so coverage, the question's unknown words and
draft topics count a synonym as the word without any list typed per question.
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

from assistant.lemmas import shares_stem

SYNONYM_FILE = Path(__file__).parent / "data" / "synonyms.tsv"
Alternative = frozenset[str]  # the lemmas of one synonym, every one needed ("branża budowlany")


def load_synonyms(path: Path = SYNONYM_FILE) -> dict[str, tuple[Alternative, ...]]:
    """lemma -> its synonyms in the report's words; a duplicate or empty line is an error naming the line."""
    from assistant.glossary import read_word_list

    return {word: tuple(frozenset(s.split("+")) for s in value.split()) for word, value in read_word_list(path).items()}


@lru_cache(maxsize=1)
def _table() -> dict[str, tuple[Alternative, ...]]:
    return load_synonyms()


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


def report_words_for(lemma: str, index) -> set[str]:
    """The report's words for a word it does not use: its thesaurus synonyms, else what it is derived from."""
    found = synonym_lemmas(lemma)
    return found if found else derived_lemmas(lemma, index.df)
