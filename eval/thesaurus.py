"""`python -m eval thesaurus`: the Polish synonym table, generated from Debian's thesaurus and the report.

Method (rerun it after adding documents): read mythes-pl, the LibreOffice Polish thesaurus
(synonimy.ux.pl, LGPL; Debian package `mythes-pl`, installed by `scripts/setup --dev`); lemmatize
every headword and every synonym as the answerer does; keep, for each headword lemma, the synonyms
whose every content lemma the indexed report uses. The result, assistant/data/synonyms.tsv, maps a
word a question may use (przeciętnie, staż, wynagrodzenie) to the report's own words (średnio,
praktyka, płaca); the answerer reads it at run time (no thesaurus needed then). Nothing is typed by
hand per question.

The same run writes assistant/data/related.tsv for draft topics (not for the chat's answers): for a word
the report does not use, the report's words the thesaurus relates to it more loosely, each written as the
report's own derivation of it when the report does not use the word itself (`assistant.synonyms.derivation_stem`):
its one-word synonyms (zarobek: płaca -> płacowy), a broader word that lists it back as narrower (zarobek:
wynagrodzenie), and the synonyms of the adjective a noun is derived from (wydajność: wydajny -> produktywny ->
produktywność).

Kept out, because they would make unrelated sentences look like answers: function words, synonyms
the report uses everywhere (in more than `MAX_SHARE` of its sentences: they tell nothing apart), and
headwords with more than `MAX_SENSES` meanings (a word that means everything matches everything).
"""

from __future__ import annotations

import re
from pathlib import Path

THESAURUS = Path("/usr/share/mythes/th_pl_PL_v2.dat")
OUT = Path(__file__).resolve().parent.parent / "assistant" / "data" / "synonyms.tsv"
RELATED_OUT = OUT.with_name("related.tsv")
MAX_SENSES = 3  # headwords with more meanings are too vague to count as the word
MAX_SHARE = 0.03  # a synonym in more than 3% of the report's sentences singles nothing out
MAX_RELATED = 4  # a word related to more of the report's words is too vague to stand for any
NOTE = re.compile(r"\([^)]*\)")
# broader and narrower words and opposites are listed too, marked: they are not the word
NOT_SYNONYM = re.compile(r"\((?:pojęcie nadrzędne|pojęcie podrzędne|antonim)\)")


KINDS = (("pojęcie nadrzędne", "broader"), ("pojęcie podrzędne", "narrower"), ("antonim", "antonym"))


def thesaurus_entries(path: Path = THESAURUS):
    """(headword, [[synonym, ...] per meaning]) of a MyThes .dat file (first line: its encoding)."""
    for head, meanings in thesaurus_relations(path):
        yield head, [[word for word, kind in meaning if kind == "synonym"] for meaning in meanings]


def thesaurus_relations(path: Path = THESAURUS):
    """(headword, [[(word, kind), ...] per meaning]), kind "synonym", "broader", "narrower" or "antonym"."""
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
            words = [(NOTE.sub("", w).strip(), next((kind for mark, kind in KINDS if f"({mark})" in w), "synonym"))
                     for w in line.split("|")[1:]]
            meanings.append([(w, kind) for w, kind in words if w])
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


def related_table(relations, df: dict[str, int], total: int) -> dict[str, set[str]]:
    """Lemma the report does not use -> the report's lemmas the thesaurus relates to it (module docstring)."""
    from assistant.synonyms import derivation_stem

    limit = MAX_SHARE * total
    by_stem: dict[str, set[str]] = {}
    for term, count in df.items():
        if 0 < count <= limit and term.isalpha() and len(term) > 2:
            by_stem.setdefault(derivation_stem(term), set()).add(term)
    related: dict[str, set[tuple[str, str]]] = {}
    for head, meanings in relations:
        heads = content_lemmas(head)
        if len(heads) != 1 or len(meanings) > MAX_SENSES:
            continue
        related.setdefault(heads[0], set())
        for meaning in meanings:
            for word, kind in meaning:
                lemmas = content_lemmas(word)
                if len(lemmas) == 1 and lemmas != heads and not (word.lower().startswith("nie")
                                                                 and not lemmas[0].startswith("nie")):
                    related.setdefault(heads[0], set()).add((lemmas[0], kind))
    bases: dict[str, set[str]] = {}
    for word in related:
        bases.setdefault(derivation_stem(word), set()).add(word)
    table: dict[str, set[str]] = {}
    for head, words in related.items():
        if df.get(head):
            continue
        close = {w for w, kind in words if kind == "synonym" or (kind == "broader" and (head, "narrower") in
                                                                 related.get(w, ()))}
        for base in bases.get(derivation_stem(head), set()) - {head}:  # wydajność: the adjective wydajny
            close |= {w for w, kind in related[base] if kind == "synonym"}
        found = {t for w in close
                 for t in ({w} if 0 < df.get(w, 0) <= limit else by_stem.get(derivation_stem(w), set()))}
        if 0 < len(found - {head}) <= MAX_RELATED:
            table[head] = found - {head}
    return table


def build(store_dir: Path, out: Path = OUT, thesaurus: Path = THESAURUS) -> int:
    df, total = sentence_frequencies(store_dir)
    table = synonym_table(thesaurus_entries(thesaurus), df, total)
    from .bilingual import write_word_list

    write_word_list(out.with_name(RELATED_OUT.name), related_table(thesaurus_relations(thesaurus), df, total), [
        "Polish lemma the report does not use -> the report's words related to it (derivations, close broader words;",
        "drafts only). Generated by `python -m eval thesaurus` from mythes-pl (synonimy.ux.pl, LGPL-2.1); do not edit.",
    ])
    return write_word_list(out, table, [
        "Polish lemma -> the report's synonyms ('+' joins a multi-word one). Generated by `python -m eval thesaurus`",
        "from mythes-pl (synonimy.ux.pl, LGPL-2.1) and the indexed report's vocabulary; do not edit by hand.",
    ])
