"""The draft written out: Markdown (.md) or DOCX (.docx, python-docx, references as an endnote list).

    write_draft(draft, "uzasadnienie.docx")              # the format follows the extension
    write_draft_files(draft, folder, stem="wniosek")     # both, for a download button
"""

from __future__ import annotations

import os
from pathlib import Path

from assistant.drafts.bibliography import endnote
from assistant.drafts.model import Draft, DraftOutputError, DraftParagraph
from assistant.drafts.tables import WORDS
from assistant.types import Mode

SUFFIXES = (".md", ".docx")


def note(draft: Draft) -> str:
    """How the draft was written: verbatim quotes, or LLM prose that passed the grounding check."""
    words = WORDS[draft.language]
    return words.note_llm if draft.mode in (Mode.LLM, Mode.LLM_PARTIAL) else words.note


def to_markdown(draft: Draft) -> str:
    words = WORDS[draft.language]
    lines = [f"# {words.title}: {draft.topic}", ""]
    if draft.refused:
        return "\n".join(lines + [draft.message, ""])
    lines += [f"*{note(draft)}*", "", f"**{words.need}:** {draft.need}", ""]
    for heading, paragraph in _parts(draft):
        lines += ([f"## {heading}", ""] if heading else []) + [paragraph.text, ""]
    lines += [f"## {words.notes}", ""]
    lines += [f"{c.marker}. {endnote(c, draft)}" for c in draft.citations]
    lines += ["", f"## {words.bibliography}", ""]
    lines += [f"{e['number']}. {e['text']}" for e in draft.bibliography]
    return "\n".join(lines) + "\n"


def to_docx(draft: Draft, path: str | Path) -> None:
    from docx import Document
    from docx.shared import Pt

    words = WORDS[draft.language]
    document = Document()
    document.core_properties.title = f"{words.title}: {draft.topic}"
    document.add_heading(f"{words.title}: {draft.topic}", level=0)
    if draft.refused:
        document.add_paragraph(draft.message)
    else:
        document.add_paragraph().add_run(note(draft)).italic = True
        need = document.add_paragraph()
        need.add_run(f"{words.need}: ").bold = True
        need.add_run(draft.need)
        for heading, paragraph in _parts(draft):
            if heading:
                document.add_heading(heading, level=1)
            document.add_paragraph(paragraph.text)
        for heading, lines in ((words.notes, [f"[{c.marker}] {endnote(c, draft)}" for c in draft.citations]),
                               (words.bibliography, [f"{e['number']}. {e['text']}" for e in draft.bibliography])):
            document.add_heading(heading, level=1)
            for line in lines:
                document.add_paragraph(line).runs[0].font.size = Pt(9)
    document.save(str(path))


def _parts(draft: Draft) -> list[tuple[str | None, DraftParagraph]]:
    """(heading or None when it repeats the previous one, paragraph) in reading order."""
    paragraphs = draft.paragraphs + (
        [draft.recommendations] if draft.recommendations and draft.recommendations.citations else [])
    return [(p.heading if i == 0 or p.heading != paragraphs[i - 1].heading else None, p)
            for i, p in enumerate(paragraphs)]


def check_output_path(path: str | Path) -> Path:
    """The output path if a draft can be written there; else DraftOutputError with a one-line reason."""
    path = Path(path)
    if path.suffix.lower() not in SUFFIXES:
        raise DraftOutputError(f"cannot write {path}: unknown format {path.suffix or '(none)'!r}, use .md or .docx")
    folder = path.parent if str(path.parent) else Path(".")
    if path.is_dir():
        raise DraftOutputError(f"cannot write {path}: it is a folder")
    if not folder.is_dir():
        raise DraftOutputError(f"cannot write {path}: folder {folder} does not exist")
    if not os.access(folder, os.W_OK) or (path.exists() and not os.access(path, os.W_OK)):
        raise DraftOutputError(f"cannot write {path}: permission denied")
    return path


def write_draft(draft: Draft, path: str | Path) -> Path:
    """Write the draft as Markdown (.md) or DOCX (.docx), chosen by the extension."""
    path = check_output_path(path)
    try:
        if path.suffix.lower() == ".docx":
            to_docx(draft, path)
        else:
            path.write_text(to_markdown(draft), encoding="utf-8")
    except OSError as error:
        raise DraftOutputError(f"cannot write {path}: {error.strerror or error}") from error
    return path


def write_draft_files(draft: Draft, folder: str | Path, stem: str = "uzasadnienie") -> list[Path]:
    """The draft as `stem`.md and `stem`.docx in `folder` (for a download button); none for a refused draft."""
    return [] if draft.refused else [write_draft(draft, Path(folder) / f"{stem}{suffix}") for suffix in SUFFIXES]
