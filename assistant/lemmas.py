"""Polish lemmas via simplemma: the tokens lexical search, answering and drafts compare.

Numbers are tokens of their own and are normalized so `25 863`, `25863` and
`25 863` match; decimal commas and points are the same (`14,2` = `14.2`).
"""

from __future__ import annotations

import json
import re
import threading
from functools import lru_cache
from pathlib import Path

import simplemma

from assistant.numbers import NUMBER_TOKEN, normalize_number

WORD = re.compile(r"[^\W\d_]+(?:[-+][^\W\d_]+)*", re.UNICODE)
STOPWORDS = frozenset(
    """
a aby ale albo bo by być był była było były co czy dla do go i ich im in jak jaki jaka jakie jako je jego jej
jest już lub ma mają może na nad nie niż o od oraz po pod przez przy się są ta tak także te tego tej ten to
tu tych tym w we według wg z za ze że który która które których którym ile czym
the of and or in on at to for is are was were be by with what which how many much does do did
that this from as an it its their there according report raport
""".split()
)


# word -> lemma for the corpus vocabulary, saved with the index: questions made of the report's
# own words need not wait for simplemma's Polish dictionary (about 5 s to load)
LEMMA_CACHE: dict[str, str] = {}
_SIMPLEMMA_LOCK = threading.Lock()  # one dictionary load at a time (two would double the memory peak)
# simplemma's low-memory dictionaries: the same lemmas (checked on the report's vocabulary) in about
# 55 MB instead of about 400 MB, which is what lets the web chat serve within its memory budget
LOW_MEMORY = True


def _simplemma(word: str) -> str:
    with _SIMPLEMMA_LOCK:
        return simplemma.lemmatize(word, lang=("pl", "en"), low_memory=LOW_MEMORY)


@lru_cache(maxsize=50000)
def _lemma(word: str) -> str:
    cached = LEMMA_CACHE.get(word)
    return cached if cached is not None else _simplemma(word)


def vocabulary_lemmas(texts: list[str]) -> dict[str, str]:
    """The lemma of every lower-cased word in the texts (what the cache file holds)."""
    words = {m.group().lower() for text in texts for m in WORD.finditer(text)}
    return {w: _simplemma(w) for w in sorted(words)}


def load_lemma_cache(path: Path) -> None:
    if path.exists():
        LEMMA_CACHE.update(json.loads(path.read_text(encoding="utf-8")))
        _lemma.cache_clear()


def warm_lemmatizer() -> None:
    """Load simplemma's dictionaries in the background, for words outside the cache."""
    threading.Thread(target=load_lemmatizer, daemon=True).start()


def load_lemmatizer() -> None:
    """Load simplemma's Polish and English dictionaries now (a few seconds, once per process)."""
    _simplemma("klastrów")
    english_lemma("clusters")


def tokenize(text: str) -> list[str]:
    """Lemmas of content words plus normalized numbers, in text order."""
    tokens: list[str] = []
    for match in re.finditer(f"{NUMBER_TOKEN.pattern}|{WORD.pattern}", text):
        token = match.group()
        if token[0].isdigit():
            tokens.append(normalize_number(token))
            continue
        lower = token.lower()
        if token in ("V", "X"):  # Roman numerals name phases and editions ("faza V")
            tokens.append(lower)
            continue
        if lower in STOPWORDS or len(lower) < 2:
            continue
        tokens.append(_lemma(lower).lower())
    return tokens


STEM_LETTERS = 6  # lemmas that share their first 6 letters are one word inflected (Chatterjiego ~ Chatterji)


def shares_stem(term: str, terms, letters: int = STEM_LETTERS) -> bool:
    """`term` is in `terms`, or a long enough term there begins with the same `letters` letters."""
    if term in terms:
        return True
    return len(term) >= letters and any(len(t) >= letters and t[:letters] == term[:letters] for t in terms)


@lru_cache(maxsize=20000)
def english_lemma(word: str) -> str:
    """simplemma's English lemma (English only: Polish dictionaries must not reinterpret English words)."""
    with _SIMPLEMMA_LOCK:
        return simplemma.lemmatize(word, lang="en", low_memory=LOW_MEMORY).lower()
