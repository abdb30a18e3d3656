"""English-Polish cognates from the report's own vocabulary, for the generated bilingual list.

FreeDict knows "share" but not "agglomeration", "analytics" or "sectoral", so an English question about
them found nothing to cover those words and was refused ("The report does not cover: agglomerations")
beside the report's "aglomeracji", "analityki", "sektorowej". Latinate words follow regular spelling and
suffix correspondences (-ation/-acja, -ics/-ika, -ity/-ność, -al/-alny): an English word (WordNet's lemma
lists, Debian `wordnet-base`, plus FreeDict's headwords) becomes the report's Polish lemma when one of its
rewritten forms spells that lemma exactly, after both are reduced to the same spelling (no diacritics, c/k,
y/i, v/w, doubled letters single). Nothing is typed per word.
"""

from __future__ import annotations

import re
import unicodedata
from pathlib import Path

WORDNET_DIR = Path("/usr/share/wordnet")
MIN_LETTERS = 5  # shorter stems match by chance ("art" / "arta")
# English ending -> the Polish endings it corresponds to, both in the reduced spelling (longest ending first)
SUFFIXES = (
    ("ation", ("acja",)),
    ("ition", ("icja",)),
    ("ution", ("ucja",)),
    ("sion", ("sja",)),
    ("tion", ("cja",)),
    ("ikal", ("iczni",)),
    ("iks", ("ika",)),
    ("ism", ("izm",)),
    ("ist", ("ista",)),
    ("iti", ("nosc", "osc")),
    ("iwe", ("iwni",)),
    ("ure", ("ura",)),
    ("ik", ("iczni", "ika")),
    ("al", ("alni", "owi")),
    ("i", ("ia", "ja")),
    ("e", ("a", "")),
    ("", ("", "a")),
)


def reduced(word: str, english: bool = False) -> str:
    """One spelling for both languages: no diacritics, doubled letters single, y as i, v as w; in an English word
    ph/th/qu/x/ck written out and c before a hard vowel or a consonant as k (Polish c stays: "-ność")."""
    text = word.lower().replace("ł", "l")
    text = "".join(ch for ch in unicodedata.normalize("NFD", text) if not unicodedata.combining(ch))
    if english:
        for old, new in (("ph", "f"), ("th", "t"), ("qu", "kw"), ("ck", "k"), ("x", "ks"), ("ch", "H")):
            text = text.replace(old, new)
        text = re.sub(r"c(?![eiy])", "k", text).replace("H", "ch")
    text = text.replace("y", "i").replace("v", "w")
    return re.sub(r"(.)\1+", r"\1", text)


def polish_forms(english: str) -> set[str]:
    """The reduced Polish spellings an English word may correspond to."""
    word = reduced(english, english=True)
    forms = set()
    for ending, polish_endings in SUFFIXES:
        if word.endswith(ending) and len(word) - len(ending) >= MIN_LETTERS - 1:
            stem = word[: len(word) - len(ending)] if ending else word
            forms |= {stem + p for p in polish_endings}
    return forms


def cognates(english_words, vocabulary: set[str]) -> dict[str, set[str]]:
    """English word -> the report's Polish lemmas it is a cognate of (only words of MIN_LETTERS or more)."""
    by_spelling: dict[str, set[str]] = {}
    for lemma in vocabulary:
        if len(lemma) >= MIN_LETTERS and lemma.isalpha():
            by_spelling.setdefault(reduced(lemma), set()).add(lemma)
    table: dict[str, set[str]] = {}
    english_words = set(english_words)
    english_words |= {w + "s" for w in english_words if w.endswith("ic")}  # analytics: WordNet lists "analytic"
    for english in sorted(english_words):
        if len(english) < MIN_LETTERS or not english.isalpha() or not english.isascii():
            continue
        hits = set().union(*(by_spelling.get(form, set()) for form in polish_forms(english)))
        if hits:
            table[english] = hits
    return table


# English prefixes of compounds and the Polish ones they become: "micro-enterprise" is the report's
# "mikroprzedsiębiorstwo" because "enterprise" translates to "przedsiębiorstwo"
COMPOUND_PREFIXES = {"micro": "mikro", "macro": "makro"}


def prefixed_compounds(translated: dict[str, set[str]], vocabulary: set[str]) -> dict[str, set[str]]:
    """English prefix + a translated word -> the report's Polish compound of the prefix and a translation, under
    both spellings ("micro-enterprise", "microenterprise"), when the report uses that compound."""
    table: dict[str, set[str]] = {}
    for english, polish in translated.items():
        for prefix, polish_prefix in COMPOUND_PREFIXES.items():
            hits = {polish_prefix + word for word in polish} & vocabulary
            if hits and english.isalpha():
                for spelling in (f"{prefix}-{english}", f"{prefix}{english}"):
                    table.setdefault(spelling, set()).update(hits)
    return table


def wordnet_lemmas(folder: Path = WORDNET_DIR) -> set[str]:
    """Single-word lemmas of WordNet's noun, verb, adjective and adverb indexes (empty without the package)."""
    words: set[str] = set()
    for part in ("noun", "verb", "adj", "adv"):
        index = folder / f"index.{part}"
        if not index.exists():
            raise FileNotFoundError(f"{index} is missing: apt-get install wordnet-base")
        for line in index.read_text(encoding="latin-1").splitlines():
            if line and not line.startswith(" "):
                word = line.split(" ", 1)[0]
                if word.isalpha():
                    words.add(word.lower())
    return words
