"""`python -m eval thesaurus`: the Polish synonym table, generated from Debian's thesaurus and the report.

Method (rerun it after adding documents): read mythes-pl, the LibreOffice Polish thesaurus
(synonimy.ux.pl, LGPL; Debian package `mythes-pl`, installed by `scripts/setup --dev`); lemmatize
every headword and every synonym as the answerer does; keep, for each headword lemma, the synonyms
whose every content lemma the indexed report uses. The result, assistant/data/synonyms.tsv, maps a
word a question may use (przeciętnie, staż, wynagrodzenie) to the report's own words (średnio,
praktyka, płaca); the answerer reads it at run time (no thesaurus needed then). Nothing is typed by
hand per question.

Kept out, because they would make unrelated sentences look like answers: function words, synonyms
the report uses everywhere (in more than `MAX_SHARE` of its sentences: they tell nothing apart), and
headwords with more than `MAX_SENSES` meanings (a word that means everything matches everything).
"""

from __future__ import annotations

import re
from pathlib import Path

THESAURUS = Path("/usr/share/mythes/th_pl_PL_v2.dat")
OUT = Path(__file__).resolve().parent.parent / "assistant" / "data" / "synonyms.tsv"
MAX_SENSES = 3  # headwords with more meanings are too vague to count as the word
MAX_SHARE = 0.03  # a synonym in more than 3% of the report's sentences singles nothing out
NOTE = re.compile(r"\([^)]*\)")
# broader and narrower words and opposites are listed too, marked: they are not the word
NOT_SYNONYM = re.compile(r"\((?:pojęcie nadrzędne|pojęcie podrzędne|antonim)\)")


def thesaurus_entries(path: Path = THESAURUS):
    """(headword, [[synonym, ...] per meaning]) of a MyThes .dat file (first line: its encoding)."""
    if not path.exists():
        raise FileNotFoundError(f"{path} is missing: apt-get install mythes-pl")
    raw = path.read_bytes()
    encoding = raw.split(b"\n", 1)[0].decode("ascii").strip().replace("ISO8859", "ISO-8859")
    lines = raw.decode(encoding).splitlines()[1:]
    i = 0
    while i < len(lines):
        head, _, count = lines[i].rpartition("|")
        meanings = []
        for line in lines[i + 1 : i + 1 + int(count)]:
            words = [NOTE.sub("", w).strip() for w in line.split("|")[1:] if not NOT_SYNONYM.search(w)]
            meanings.append([w for w in words if w])
        yield head, meanings
        i += 1 + int(count)


def sentence_frequencies(store_dir: Path) -> tuple[dict[str, int], int]:
    """How many of the report's sentences use each lemma, and how many sentences there are."""
    import json

    from assistant.index.layout import StoreLayout
    from assistant.lemmas import tokenize

    generation = StoreLayout(Path(store_dir)).published()
    if generation is None:
        raise FileNotFoundError(f"no index in {store_dir}: run `python -m ingest` first")
    chunks = json.loads(generation.chunks.read_text("utf-8"))
    df: dict[str, int] = {}
    total = 0
    for chunk in chunks:
        if chunk["kind"] != "report":
            continue
        for sentence in chunk["sentences"]:
            total += 1
            for term in set(tokenize(sentence["text"])):
                df[term] = df.get(term, 0) + 1
    return df, total


def content_lemmas(text: str) -> list[str]:
    from assistant.lemmas import tokenize

    return [t for t in tokenize(text) if t.isalpha() and len(t) > 2]


def synonym_table(entries, df: dict[str, int], total: int) -> dict[str, set[str]]:
    """headword lemma -> the report's synonyms (a multi-word synonym as its lemmas joined by '+').

    A one-word synonym is kept only when the thesaurus also lists the headword under it (mutual): one-way
    entries are mostly broader words ("wytwórczość" -> "praca"). A synonym spelt with "nie-" whose lemma
    lost it (the lemmatizer reads "niefachowy" as "fachowy") is dropped: it would mean the opposite."""
    limit = MAX_SHARE * total
    listed: dict[str, set[str]] = {}  # lemma -> every lemma the thesaurus gives for it, any meaning
    kept: list[tuple[str, list[str]]] = []
    for head, meanings in entries:
        heads = content_lemmas(head)
        if len(heads) != 1:
            continue
        for meaning in meanings:
            for synonym in meaning:
                lemmas = content_lemmas(synonym)
                if len(lemmas) == 1:
                    listed.setdefault(heads[0], set()).add(lemmas[0])
                if len(meanings) > MAX_SENSES or not lemmas or lemmas == heads or len(lemmas) > 2:
                    continue
                if synonym.lower().startswith("nie") and not lemmas[0].startswith("nie"):
                    continue
                if all(0 < df.get(t, 0) <= limit for t in lemmas):
                    kept.append((heads[0], lemmas))
    table: dict[str, set[str]] = {}
    for head, lemmas in kept:
        if len(lemmas) == 1 and head not in listed.get(lemmas[0], ()):
            continue
        table.setdefault(head, set()).add("+".join(lemmas))
    for head, words in compound_synonyms(listed, df).items():
        table.setdefault(head, set()).update(words)
    return table


# size prefixes of compounds: "mikroprzedsiębiorstwo" is "mikro" + "przedsiębiorstwo", so a question's
# "mikrofirma" is the report's word when "firma" and "przedsiębiorstwo" are synonyms. (Other prefixes, "eko",
# "geo", "cyber", made mostly words nobody writes from the thesaurus's looser senses: "ekoukład".)
COMPOUND_PREFIXES = ("mikro", "makro")


def compound_synonyms(listed: dict[str, set[str]], df: dict[str, int]) -> dict[str, set[str]]:
    """A compound the report uses under another compound a question may use: "mikrofirma" -> the report's
    "mikroprzedsiębiorstwo", when the thesaurus lists "firma" and "przedsiębiorstwo" as each other's synonyms.
    The compound is specific even where its second part is common (which the share rule keeps out)."""
    table: dict[str, set[str]] = {}
    for lemma in df:
        prefix = next((p for p in COMPOUND_PREFIXES if lemma.startswith(p) and len(lemma) - len(p) >= 4), None)
        if prefix is None:
            continue
        rest = lemma[len(prefix):]
        for synonym in listed.get(rest, ()):
            if rest in listed.get(synonym, ()) and synonym != rest:
                table.setdefault(prefix + synonym, set()).add(lemma)
    return table


def build(store_dir: Path, out: Path = OUT, thesaurus: Path = THESAURUS) -> int:
    df, total = sentence_frequencies(store_dir)
    table = synonym_table(thesaurus_entries(thesaurus), df, total)
    from .bilingual import write_word_list

    return write_word_list(out, table, [
        "Polish lemma -> the report's synonyms ('+' joins a multi-word one). Generated by `python -m eval thesaurus`",
        "from mythes-pl (synonimy.ux.pl, LGPL-2.1) and the indexed report's vocabulary; do not edit by hand.",
    ])
