"""`python -m eval bilingual`: the English-to-Polish word list, generated from the report's own vocabulary.

Method (rerun it after adding documents): take every Polish lemma the indexed report uses; read the
FreeDict English-Polish and Polish-English dictionaries (Debian packages dict-freedict-eng-pol and
dict-freedict-pol-eng, GPL/GFDL, installed by `scripts/setup --dev`); keep each English headword whose
translations contain one of those lemmas, and each English translation of a Polish headword that is one
of them. The result, assistant/data/bilingual.tsv, maps an English lemma to the report's Polish lemmas;
the answerer reads it at run time (no dictionary needed then). English words FreeDict lacks are added when
they are cognates of the report's lemmas (eval/cognates.py: agglomeration -> aglomeracja, WordNet's lemma
lists, Debian `wordnet-base`). Nothing is typed by hand per question.
"""

from __future__ import annotations

import gzip
import json
import re
from pathlib import Path

DICT_DIR = Path("/usr/share/dictd")
OUT = Path(__file__).resolve().parent.parent / "assistant" / "data" / "bilingual.tsv"
B64 = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/"


def _b64(text: str) -> int:
    value = 0
    for ch in text:
        value = value * 64 + B64.index(ch)
    return value


def dictd_entries(name: str):
    """(headword, body) of a dictd dictionary (FreeDict's format)."""
    index, data = DICT_DIR / f"{name}.index", DICT_DIR / f"{name}.dict.dz"
    if not index.exists():
        raise FileNotFoundError(f"{index} is missing: apt-get install dict-freedict-eng-pol dict-freedict-pol-eng")
    raw = gzip.open(data).read()
    for line in index.read_text(encoding="utf-8").splitlines():
        head, offset, length = line.split("\t")
        if not head.startswith("00"):
            yield head, raw[_b64(offset) : _b64(offset) + _b64(length)].decode("utf-8")


def _clean(text: str) -> str:
    return re.sub(r"\([^)]*\)|<[^>]*>|/[^/]*/", " ", text)


def english_to_polish(entries) -> dict[str, set[str]]:
    """eng-pol: an English headword and the Polish words of its translation lines."""
    table: dict[str, set[str]] = {}
    for head, body in entries:
        words = set()
        for line in body.splitlines()[1:]:
            line = re.sub(r"^\s*(?:[IVX]+\.\s*)?(?:<\w+>\s*)?(?:\d+\.\s*)?", "", line)
            words |= set(re.findall(r"[^\W\d_]+", _clean(line).lower()))
        table.setdefault(head.lower(), set()).update(words)
    return table


def polish_to_english(entries) -> dict[str, set[str]]:
    """pol-eng: a Polish headword and the English words of its translation lines (the line after the
    headword and after each sense number; the Polish definitions that follow are skipped)."""
    table: dict[str, set[str]] = {}
    for head, body in entries:
        lines = body.splitlines()
        english = set()
        for i, line in enumerate(lines[1:], start=1):
            if i == 1 or re.match(r"^\s*\d+\.\s", line):
                text = re.sub(r"^\s*\d+\.\s*", "", _clean(line))
                english |= {w.strip().lower() for w in text.split(",") if w.strip() and " " not in w.strip()}
        table.setdefault(head.lower(), set()).update(english)
    return table


def report_lemmas(store_dir: Path) -> set[str]:
    from assistant.index.layout import StoreLayout
    from assistant.lemmas import tokenize

    generation = StoreLayout(Path(store_dir)).published()
    if generation is None:
        raise FileNotFoundError(f"no index in {store_dir}: run `python -m ingest` first")
    chunks = json.loads(generation.chunks.read_text("utf-8"))
    return {t for c in chunks if c["kind"] == "report" for t in tokenize(c["text"]) if t.isalpha() and len(t) > 2}


def build(store_dir: Path, out: Path = OUT) -> int:
    from assistant.lemmas import english_lemma, tokenize

    from .cognates import cognates, prefixed_compounds, wordnet_lemmas

    vocabulary = report_lemmas(store_dir)
    table: dict[str, set[str]] = {}
    eng_pol = english_to_polish(dictd_entries("freedict-eng-pol"))
    for english, polish_words in eng_pol.items():
        if " " in english or not english.isalpha():
            continue
        hits = {t for w in polish_words for t in tokenize(w)} & vocabulary
        if hits:
            table.setdefault(english_lemma(english), set()).update(hits)
    for polish, english_words in polish_to_english(dictd_entries("freedict-pol-eng")).items():
        hits = set(tokenize(polish)) & vocabulary
        for english in english_words:
            if hits and english.isalpha():
                table.setdefault(english_lemma(english), set()).update(hits)
    for english, polish in cognates(wordnet_lemmas() | set(eng_pol), vocabulary).items():
        table.setdefault(english_lemma(english), set()).update(polish)
    for english, polish in prefixed_compounds(dict(table), vocabulary).items():
        table.setdefault(english, set()).update(polish)
    return write_word_list(out, table, [
        "English lemma -> the report's Polish lemmas. Generated by `python -m eval bilingual` from FreeDict",
        "eng-pol and pol-eng (GPL-3.0+ / GFDL-1.2+), cognates of WordNet's lemmas (eval/cognates.py) and the",
        "indexed report's vocabulary; do not edit by hand.",
    ])


def write_word_list(out: Path, table: dict[str, set[str]], header: list[str]) -> int:
    """A generated `word<TAB>values` list (assistant.glossary.read_word_list reads it), sorted; its size."""
    lines = [f"# {line}" for line in header]
    lines += [f"{word}\t{' '.join(sorted(values))}" for word, values in sorted(table.items())]
    out.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return len(table)
