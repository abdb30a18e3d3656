"""corpus/sources/: the cited works' own texts, linked to the report's bibliography.

A coordinator drops PDFs, `.txt` or `.md` files into `corpus/sources/`. Each file is indexed like any
other document (the plan step finds it); this module says which bibliography entry it is the full text
of: first by the manifest `corpus/sources/sources.toml` (`[[source]]` tables with `file` and either
`footnotes = [5]` or `id = "..."`), else by how much its title and first lines look like a reference
(title and author similarity by rapidfuzz). A file that matches nothing stays an extra document.
A broken manifest, or an entry naming a missing file or an unknown footnote, is one warning line and
the files are matched by title instead: nothing is lost.
"""

from __future__ import annotations

import re
import tomllib
from dataclasses import asdict, dataclass
from pathlib import Path

from rapidfuzz import fuzz, process, utils

from assistant.types import Source

SOURCES_DIR = "sources"
MANIFEST = f"{SOURCES_DIR}/sources.toml"
MATCH_AT = 80.0  # combined similarity (0-100) at which a file is taken to be the cited work
SURE_AT = 90.0  # ... and above which, with a clear lead over the runner-up, the match is called sure
LEAD = 8.0  # how far the best reference must lead the second one


@dataclass(frozen=True)
class FullText:
    """One file of corpus/sources/ and the cited work it is the text of (`source` None: an extra document)."""

    file: str  # path relative to the corpus folder ("sources/panorama.pdf")
    source: str | None = None  # bibliography source id
    footnotes: tuple[int, ...] = ()
    how: str = "none"  # "manifest", "title" (similarity) or "none"
    score: float | None = None  # title/author similarity of the best reference, 0-100
    sure: bool = False  # manifest entries, and title matches with a clear lead
    closest: str | None = None  # for an unmatched file: the most similar reference's id

    def to_dict(self) -> dict:
        data = asdict(self)
        data["footnotes"] = list(self.footnotes)
        return data

    @classmethod
    def from_dict(cls, data: dict) -> "FullText":
        return cls(**{**data, "footnotes": tuple(data.get("footnotes") or ())})


def is_source_file(rel: str) -> bool:
    """A file under corpus/sources/ (a cited work's text), not the manifest."""
    return rel.startswith(f"{SOURCES_DIR}/") and rel != MANIFEST


def is_manifest(rel: str) -> bool:
    return rel == MANIFEST


@dataclass(frozen=True)
class ManifestEntry:
    file: str  # relative to the corpus folder
    footnotes: tuple[int, ...] = ()
    id: str | None = None


def read_manifest(corpus_dir: Path) -> tuple[list[ManifestEntry], list[str]]:
    """The manifest's entries and one warning line per problem (a missing manifest is no problem)."""
    path = Path(corpus_dir) / MANIFEST
    if not path.is_file():
        return [], []
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as error:
        return [], [f"{MANIFEST}: cannot be read ({error}); files are matched by title instead"]
    entries, warnings = [], []
    tables = data.get("source", [])
    if not isinstance(tables, list):
        return [], [f"{MANIFEST}: `source` must be [[source]] tables; files are matched by title instead"]
    for number, table in enumerate(tables, start=1):
        file, notes, source_id = table.get("file"), table.get("footnotes", []), table.get("id")
        where = f"{MANIFEST} [[source]] #{number}"
        if not isinstance(file, str) or not file.strip():
            warnings.append(f"{where}: no `file = \"...\"`; entry ignored")
            continue
        if not (isinstance(notes, list) and all(isinstance(n, int) and not isinstance(n, bool) for n in notes)):
            warnings.append(f"{where}: `footnotes` must be a list of numbers, e.g. [5]; entry ignored")
            continue
        if not notes and not isinstance(source_id, str):
            warnings.append(f"{where}: give `footnotes = [N]` or `id = \"...\"`; entry ignored")
            continue
        rel = file.replace("\\", "/").lstrip("/")
        rel = rel if rel.startswith(f"{SOURCES_DIR}/") else f"{SOURCES_DIR}/{rel}"
        entries.append(ManifestEntry(rel, tuple(notes), source_id if isinstance(source_id, str) else None))
    return entries, warnings


def link_full_texts(corpus_dir: Path, records: dict[str, dict], sources: list[Source],
                    footnotes: list[dict]) -> tuple[list[FullText], list[str]]:
    """Every indexed file of corpus/sources/ with the cited work it is the text of, and warning lines."""
    entries, warnings = read_manifest(corpus_dir)
    files = sorted(rel for rel in records if is_source_file(rel))
    by_id = {s.id: s for s in sources}
    by_note = {}  # footnote number -> source id, the citing documents (the report) first
    for note in sorted(footnotes, key=lambda n: is_source_file(n["doc"])):
        by_note.setdefault(note["number"], note["source"])
    linked: dict[str, FullText] = {}
    for entry in entries:
        if entry.file not in records:
            warnings.append(f"{MANIFEST}: {entry.file} is not an indexed file of {SOURCES_DIR}/; entry ignored")
            continue
        ids = [entry.id] if entry.id else []
        ids += [by_note[n] for n in entry.footnotes if n in by_note]
        unknown = ([entry.id] if entry.id and entry.id not in by_id else []) + \
            [f"footnote {n}" for n in entry.footnotes if n not in by_note]
        if unknown:
            warnings.append(f"{MANIFEST}: {entry.file}: {', '.join(map(str, unknown))} not in the bibliography")
        ids = [i for i in dict.fromkeys(ids) if i in by_id]
        if len(ids) > 1:
            warnings.append(f"{MANIFEST}: {entry.file} names {len(ids)} different works; the first is used")
        if ids:
            source = by_id[ids[0]]
            linked[entry.file] = FullText(entry.file, source.id, tuple(source.footnotes), "manifest", 100.0, True)
    references = [s for s in sources if s.kind == "reference"]
    for rel in files:
        if rel not in linked:
            linked[rel] = match_by_title(rel, records[rel], references)
    return [linked[rel] for rel in files], warnings


def match_by_title(rel: str, record: dict, references: list[Source]) -> FullText:
    """The reference whose title and authors the document's title and first lines resemble most."""
    if not references:
        return FullText(rel)
    heads = document_heads(rel, record)
    scored = sorted(((similarity(heads, source), source) for source in references), key=lambda pair: -pair[0])
    best, source = scored[0]
    runner_up = scored[1][0] if len(scored) > 1 else 0.0
    if best < MATCH_AT or best - runner_up < LEAD / 2:
        return FullText(rel, score=round(best, 1), closest=source.id)
    sure = best >= SURE_AT and best - runner_up >= LEAD
    return FullText(rel, source.id, tuple(source.footnotes), "title", round(best, 1), sure)


def document_heads(rel: str, record: dict) -> list[str]:
    """What names a document: its title, its first sentences, its file name."""
    first = [s["text"] for c in record.get("chunks", [])[:2] for s in c["sentences"]][:3]
    stem = re.sub(r"[_\-.]+", " ", Path(rel).stem)
    return [t for t in [record.get("title", ""), *first, stem] if t and t.strip()]


def reference_title(source: Source) -> str:
    """The reference without links, authors and year: the part a title page repeats."""
    text = re.sub(r"https?://\S+|doi:\s*\S+|\[dostęp[^\]]*\]", " ", source.reference, flags=re.IGNORECASE)
    after_year = re.split(r"\(\d{4}\)[.:,]?", text, maxsplit=1)
    title = after_year[1] if len(after_year) == 2 else text
    title = re.split(r"(?<=[^\s.]{3})\.\s", title.strip(), maxsplit=1)[0]  # up to the end of its first sentence
    return title.strip(" .,:;\"'")


def similarity(heads: list[str], source: Source) -> float:
    """0-100: title similarity (token set: a title page's words are the reference's title words), scaled
    down to 85% when none of the reference's authors' surnames is in the document, and by 10% when the
    document gives years but not the reference's."""
    title = utils.default_process(reference_title(source))
    if not title:
        return 0.0
    title_score = 0.0
    for head in heads:
        words = utils.default_process(head)
        if len(words.split()) < 3:  # two words are a subset of too many references
            continue
        title_score = max(title_score, fuzz.token_set_ratio(title, words), fuzz.partial_ratio(title, words))
    surnames = author_surnames(source)
    tokens = utils.default_process(" ".join(heads)).split()
    if surnames:
        found = sum(1 for name in surnames if process.extractOne(name, tokens, scorer=fuzz.ratio, score_cutoff=85))
        title_score *= 0.85 + 0.15 * found / len(surnames)
    years = set(re.findall(r"(?<!\d)(?:19|20)\d\d(?!\d)", " ".join(heads)))
    if source.year and years and source.year not in years:
        title_score *= 0.9
    return title_score


def author_surnames(source: Source) -> list[str]:
    """Surnames from the reference's author list ("Kramer, J.-P., Galdiga, L." -> kramer, galdiga)."""
    authors = source.authors or ""
    names = [w for w in re.findall(r"[^\W\d_][^\W\d_'’-]{2,}", authors) if w[0].isupper() and w.lower() != "et"]
    return [utils.default_process(n) for n in dict.fromkeys(names)][:6]


def describe(full_texts: list[FullText], sources: dict[str, Source] | None = None) -> list[str]:
    """One line per file for the ingest summary: which work it was matched to, and how sure."""
    lines = []
    for item in full_texts:
        if item.source is None:
            closest = f"; closest reference {item.closest} ({item.score:.0f}/100)" if item.closest else ""
            lines.append(f"source file {item.file}: not in the bibliography, indexed as an extra document{closest}")
            continue
        notes = ", ".join(map(str, item.footnotes))
        how = ("by the manifest" if item.how == "manifest"
               else f"by title/authors {item.score:.0f}/100, {'sure' if item.sure else 'unsure: check it'}")
        lines.append(f"source file {item.file}: full text of {item.source} (footnotes {notes}), {how}")
    return lines
