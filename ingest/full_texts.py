"""The ingest step for cited works' full texts: link corpus/sources/ files to the bibliography, check claims.

Called by `run_ingest` after embedding (the checks use the sentence vectors) and before the generation
is written. The result goes into the generation's bibliography file under `full_texts` (which file is which work, how it
was matched, the manifest's hash) and `claims` (one check per footnoted report sentence and source
file), so answers look a check up instead of computing it.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from pathlib import Path

from assistant.index.layout import StoreLayout, read_json

from .claims import check_claims
from .sources_dir import MANIFEST, describe, is_source_file, link_full_texts


@dataclass
class FullTextsResult:
    stored: dict  # {"manifest_sha256", "files": [FullText dicts], "claims": [ClaimCheck dicts]}
    lines: list[str] = field(default_factory=list)  # for the ingest summary
    claims: dict[str, int] = field(default_factory=dict)  # checked, reused, and per state


def manifest_digest(corpus_dir: Path) -> str:
    path = Path(corpus_dir) / MANIFEST
    try:
        return hashlib.sha256(path.read_bytes()).hexdigest() if path.is_file() else ""
    except OSError:
        return ""


def previous_full_texts(layout: StoreLayout, generation: str | None) -> dict:
    """What the published generation stored about full texts (empty for a store built before them)."""
    if not generation:
        return {}
    path = layout.generation(generation).bibliography
    try:
        return read_json(path).get("full_texts") or {}
    except (OSError, ValueError, AttributeError):
        return {}


def manifest_changed(corpus_dir: Path, previous: dict, records: dict[str, dict]) -> bool:
    """sources.toml is not indexed itself, so a change to it alone must still make a new generation; so must
    source files the published generation has not linked yet (a store built before full texts)."""
    linked = {item["file"] for item in previous.get("files") or []}
    return (manifest_digest(corpus_dir) != previous.get("manifest_sha256", "")
            or linked != {rel for rel in records if is_source_file(rel)})


def bibliography_records(records: dict[str, dict]) -> dict[str, dict]:
    """The records with the footnotes of cited works' texts left out: their notes are not the report's
    bibliography (their sentences and pages are indexed all the same)."""
    return {rel: ({**record, "footnotes": []} if is_source_file(rel) else record) for rel, record in records.items()}


def link_and_check(corpus_dir: Path, records: dict[str, dict], sources, footnotes: list[dict],
                   previous: dict) -> FullTextsResult:
    """Link the files, then run the checks that are new (the others are reused from `previous`)."""
    linked, warnings = link_full_texts(corpus_dir, records, sources, footnotes)
    footnote_source = {(n["doc"], n["number"]): n["source"] for n in footnotes}
    checks, stats = check_claims(records, linked, footnote_source, previous.get("claims") or [])
    stored = {"manifest_sha256": manifest_digest(corpus_dir), "files": [item.to_dict() for item in linked],
              "claims": [c.to_dict() for c in checks]}
    lines = warnings + describe(linked)
    if checks:
        lines.append(f"claim checks: {stats['confirmed']} confirmed, {stats['figure_differs']} figure differs, "
                     f"{stats['not_found']} not found ({stats['checked']} checked now, {stats['reused']} reused)")
    return FullTextsResult(stored, lines, stats if checks else {})


def summary_of(stored: dict) -> tuple[list[dict], dict[str, int]]:
    """(files, counts per state) of a stored block, for a run that had nothing to do."""
    counts: dict[str, int] = {}
    for check in stored.get("claims") or []:
        counts[check["state"]] = counts.get(check["state"], 0) + 1
    return list(stored.get("files") or []), counts
