"""Steps 1 and 2 of an ingest run: compare the corpus with what is indexed, then parse what changed.

A file is reused (not parsed, not embedded) when its hash and the parser version match the
record of the published generation; every other file is parsed. A file that cannot be parsed
is skipped and keeps its previous record, so nothing already indexed is lost.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from assistant.errors import StoreError
from assistant.index.layout import Manifest, ManifestError, StoreLayout, read_json

from .document import parse_document
from .errors import IngestError
from .progress import IngestProgress
from .readers import read_document
from .sources_dir import is_manifest

PARSER_VERSION = 10  # bump when parsing changes: files are re-parsed (unchanged chunks are not re-embedded)

# one parsed file, kept in the generation: sha256, parser, title, pages, chunks, footnotes, sentence_vectors
Record = dict


@dataclass
class Previous:
    """The published generation an ingest run starts from (empty for a new store)."""

    manifest: Manifest | None = None
    records: dict[str, Record] = field(default_factory=dict)

    @property
    def indexed(self) -> set[str]:
        return set(self.records) | set(self.manifest.files if self.manifest else ())


@dataclass(frozen=True)
class FilePlan:
    rel: str  # path relative to the corpus folder, with forward slashes
    path: Path
    sha256: str
    previous: Record | None  # what is indexed for this file, if anything
    reuse: bool  # unchanged since it was indexed: keep its record as it is
    error: str = ""  # the file could not even be hashed


@dataclass
class Plan:
    files: list[FilePlan]
    removed: list[str]  # indexed before, gone from the corpus now
    previous: Previous
    rebuild: bool = False

    @property
    def to_parse(self) -> list[FilePlan]:
        return [f for f in self.files if not f.reuse]


@dataclass
class Parsed:
    records: dict[str, Record]  # every file to index, in corpus order
    skipped: list[dict] = field(default_factory=list)  # {"file", "reason"}

    def same_as(self, plan: Plan) -> bool:
        """Nothing to do: every file reused, none removed or skipped, and a generation already published."""
        return (plan.previous.manifest is not None and not plan.rebuild and not plan.removed
                and not self.skipped and all(f.reuse for f in plan.files))


def corpus_files(corpus: Path) -> list[Path]:
    """The documents to index: every file but hidden ones and corpus/sources/sources.toml (ingest.sources_dir)."""
    return sorted(p for p in Path(corpus).rglob("*") if p.is_file() and not p.name.startswith(".")
                  and not is_manifest(p.relative_to(corpus).as_posix()))


def file_hash(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def load_previous(layout: StoreLayout, embedder: str, rebuild: bool) -> Previous:
    """The published manifest and records; a StoreError when the configured embedder differs (unless rebuilding)."""
    try:
        manifest = layout.read_manifest()
    except ManifestError as error:
        if not rebuild:
            raise StoreError(f"{error}: run `python -m ingest --rebuild`") from error
        return Previous()
    if manifest is None:
        return Previous()
    if manifest.embedder != embedder and not rebuild:
        raise StoreError(f"the index was built with {manifest.embedder!r}, now {embedder!r} is configured: "
                         f"run `python -m ingest --rebuild`")
    path = layout.generation(manifest.generation).records
    return Previous(manifest, read_json(path) if path.exists() else {})


def plan_files(corpus_dir: Path, previous: Previous, rebuild: bool = False) -> Plan:
    """Step 1: which corpus files can keep their record, which must be parsed, which were removed."""
    files = []
    for path in corpus_files(corpus_dir):
        rel = path.relative_to(corpus_dir).as_posix()
        record = previous.records.get(rel)
        try:
            digest = file_hash(path)
        except OSError as error:
            files.append(FilePlan(rel, path, "", record, False, f"cannot read the file: {error.strerror or error}"))
            continue
        entry = previous.manifest.files.get(rel) if previous.manifest else None
        reuse = (not rebuild and entry is not None and entry.sha256 == digest and record is not None
                 and record.get("sha256") == digest and record.get("parser") == PARSER_VERSION)
        files.append(FilePlan(rel, path, digest, record, reuse))
    present = {f.rel for f in files}
    return Plan(files, sorted(previous.indexed - present), previous, rebuild)


def parse_files(plan: Plan, progress: IngestProgress | None = None,
                on_skip: Callable[[str, str], None] | None = None) -> Parsed:
    """Step 2: parse every file that is not reused; a file that fails keeps its previous record."""
    parsed = Parsed({})
    progress = progress or IngestProgress()
    for item in plan.files:
        try:
            if item.error:
                raise IngestError(item.error)
            if not item.reuse:
                progress.step(f"parsing {item.rel}")
            parsed.records[item.rel] = item.previous if item.reuse else parse_file(item.path, item.rel, item.sha256)
        except IngestError as error:
            parsed.skipped.append({"file": item.rel, "reason": str(error)})
            if on_skip:
                on_skip(item.rel, str(error))
            if item.previous is not None:  # keep what was indexed before: nothing is lost
                parsed.records[item.rel] = _without_vectors(item.previous) if plan.rebuild else item.previous
        progress.file_done(item.rel)
    return parsed


def parse_file(path: Path, rel: str, digest: str) -> Record:
    title, pages = read_document(path)
    parsed = parse_document(rel, title, pages)
    if not parsed.chunks:
        raise IngestError("no text found to index")
    return {"sha256": digest, "parser": PARSER_VERSION, "title": title, "pages": len(pages),
            "skipped_pages": [[p.number, p.skipped] for p in pages if p.skipped],
            "chunks": [c.to_dict() for c in parsed.chunks],
            "footnotes": [dict(n.__dict__, urls=list(n.urls)) for n in parsed.footnotes]}


def _without_vectors(record: Record) -> Record:
    """A kept record whose sentences are embedded again (a rebuild re-embeds everything)."""
    return {k: v for k, v in record.items() if k != "sentence_vectors"}
