"""The draft written out: Markdown (.md: `[n]` markers, the notes and the bibliography) or DOCX (.docx:
real Word footnotes, assistant.drafts.docx_notes).

Both follow Polish application practice: "Diagnoza i uzasadnienie potrzeby" (the need, then one
paragraph per facet under its own heading), "Zgodność z rekomendacjami i politykami", "Dane i wskaźniki
z raportu" (the figure-bearing clauses of the need's quotes, verbatim); the English draft has the
matching English headings. A quote flagged as damaged carries a visible warning.

    write_draft(draft, "uzasadnienie.docx")              # the format follows the extension
    write_draft_files(draft, folder, stem="wniosek")     # both, for a download button
"""

from __future__ import annotations

import os
import re
import unicodedata
from datetime import date
from pathlib import Path

from assistant.claims import check_line
from assistant.drafts.bibliography import endnote
from assistant.drafts.length import fit_rows, shortened_line
from assistant.drafts.model import Draft, DraftOutputError
from assistant.drafts.tables import WORDS
from assistant.numbers import figures_in
from assistant.types import Mode

SUFFIXES = (".md", ".docx")
SLUG_CHARS = 60
FOLD = str.maketrans({"ł": "l", "Ł": "L"})  # the one Polish letter NFKD does not take apart


def note(draft: Draft) -> str:
    """How the draft was written: verbatim quotes, or LLM prose that passed the grounding check."""
    words = WORDS[draft.language]
    return words.note_llm if draft.mode in (Mode.LLM, Mode.LLM_PARTIAL) else words.note


ABBREVIATION = re.compile(r"(?i)\b(np|m\.in|tzw|ok|ang|r|tys|mln|mld|pkt|por|wg|ww|dr|prof|st|nr)\.$")
CLAUSE = re.compile(r"(?<=[;:])\s+|,\s+(?=(?:a|oraz|ale|jednak|natomiast|przy czym)\s)|(?<=[.!?])\s+(?=[A-ZĄĆĘŁŃÓŚŹŻ])")


def clauses(text: str) -> list[str]:
    """The text split into clauses at `CLAUSE` boundaries outside brackets and not after an abbreviation
    ("(np. ...)", "(KPI: ...)" stay whole: a data bullet is never cut inside its list)."""
    pieces, start, depth = [], 0, 0
    bounds = {m.start(): m.end() for m in CLAUSE.finditer(text)}
    for position, char in enumerate(text):
        depth += (char == "(") - (char == ")")
        if position in bounds and depth <= 0 and not ABBREVIATION.search(text[start:position]):
            pieces.append(text[start:position])
            start = bounds[position]
    return pieces + [text[start:]]


def indicators(draft: Draft, limited: bool = True) -> list[tuple[str, object]]:
    """(verbatim clause with a figure, its citation) for every figure the need section quotes; `limited`: only
    the first rows that fit the data section's length limit (`Draft.limits["data"]`)."""
    rows = []
    for paragraph in draft.section("need"):
        for citation in paragraph.citations:
            for clause in clauses(citation.quote.replace(" […] ", "; ")):
                clause = clause.strip(" ,;:")
                if clause and figures_in(clause) and (clause, citation) not in rows:
                    rows.append((clause.rstrip("."), citation))
    if not limited:
        return rows
    words = WORDS[draft.language]
    limit = draft.limits.get("data")
    kept, _ = fit_rows(rows, limit and limit - len(words.section_data) - len(words.data_intro) - 2, _row_text(words))
    return kept


def _row_text(words):
    return lambda row: f"„{row[0]}” [{row[1].marker}] ({words.page} {row[1].page})"


def draft_filename(draft: Draft, suffix: str = ".docx", when: date | None = None) -> str:
    """"uzasadnienie-program-szkolen-i-stazy-w-klastrze-2026-12-07.docx": the kind of document, the subject in
    plain letters (at most 60), the date; never the same name for every download."""
    folded = unicodedata.normalize("NFKD", (draft.subject or draft.topic).translate(FOLD))
    slug = re.sub(r"[^a-z0-9]+", "-", "".join(ch for ch in folded if not unicodedata.combining(ch)).lower()).strip("-")
    if len(slug) > SLUG_CHARS:
        slug = slug[:SLUG_CHARS].rsplit("-", 1)[0]
    kind = "uzasadnienie" if draft.language == "pl" else "justification"
    return f"{kind}-{slug or 'projekt'}-{(when or date.today()).isoformat()}{suffix}"


def to_markdown(draft: Draft) -> str:
    words = WORDS[draft.language]
    lines = [f"# {words.title}: {draft.subject or draft.topic}", ""]
    if draft.refused:
        return "\n".join(lines + [draft.message, ""])
    lines += [f"*{note(draft)}*", "", f"## {words.section_need}", "", draft.need, ""]
    for section, name in (("need", None), ("policy", words.section_policy)):
        if name and draft.section(section):
            lines += [f"## {name}", ""]
        for paragraph in draft.section(section):
            lines += [f"### {paragraph.heading}", "", paragraph.text, ""]
            lines += [f"> ⚠ [{c.marker}] {words.damaged.format(piece=c.damage, page=c.page)}"
                      for c in paragraph.citations if c.damage]
            lines += [""] if any(c.damage for c in paragraph.citations) else []
        lines += [f"*{shortened_line(draft, section, words)}*", ""] if shortened_line(draft, section, words) else []
    rows = indicators(draft)
    if rows:
        lines += [f"## {words.section_data}", "", words.data_intro, ""]
        lines += [f"- {_row_text(words)(row)}" for row in rows]
        lines += [""]
        lines += [f"*{shortened_line(draft, 'data', words)}*", ""] if shortened_line(draft, "data", words) else []
    lines += [f"## {words.notes}", ""]
    for c in draft.citations:
        lines.append(f"{c.marker}. {endnote(c, draft)}")
        # what each cited work's own text says, when it is indexed (corpus/sources/, assistant.claims)
        lines += [f"   - {words.footnote} {s.footnote}: {check_line(s.check, draft.language)}"
                  for s in c.sources if s.check is not None]
    lines += ["", f"## {words.bibliography}", ""]
    lines += [f"{e['number']}. {e['text']}" for e in draft.bibliography]
    return "\n".join(lines) + "\n"


def to_docx(draft: Draft, path: str | Path) -> None:
    from assistant.drafts.docx_notes import to_docx as write

    write(draft, path, WORDS[draft.language], note(draft), indicators)


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


def write_draft_files(draft: Draft, folder: str | Path, stem: str | None = None) -> list[Path]:
    """The draft as .md and .docx in `folder` (for a download button), named `stem` or after its subject and
    date (`draft_filename`); none for a refused draft."""
    if draft.refused:
        return []
    return [write_draft(draft, Path(folder) / (f"{stem}{suffix}" if stem else draft_filename(draft, suffix)))
            for suffix in SUFFIXES]
