"""What surrounds draft selection: input checks, wording, the bibliography in one citation style,
Markdown and DOCX exports, and the `draft` command.

Style (APA-like, the same for every entry):
    Authors (Year). Title. Journal or publisher. https://doi.org/DOI or URL (dostęp: date).
An entry without authors starts with its title; a missing year is "b.d." / "n.d.". Fields come
from the stored `Source` (year, URL, DOI) and a minimal parse of its footnote text; a footnote
citing two works ("...; Jeleskovic & Loeber (2023): ...") gives two entries. Explanatory
footnotes (Source.kind "note") cite no work and are left out. Entry 1 is always the report,
with the pages the draft quotes.
"""

from __future__ import annotations

import json
import os
import re
import sys
import unicodedata
from pathlib import Path
from typing import Any

from assistant.errors import QuestionError

MAX_TOPIC_CHARS = 500
SUFFIXES = (".md", ".docx")
URL = re.compile(r"https?://\S+")
DOI = re.compile(r"10\.\d{4,9}/[^\s;,]+")
ACCESSED = re.compile(r"\[?dostęp:?\s*([\d.]+)\]?", re.IGNORECASE)
CUT = re.compile(r"https?://|\bDOI:|\bdoi:|Dostępne na:?|Available online:?|\[dostęp", re.IGNORECASE)
ANOTHER_WORK = re.compile(r"^[A-ZĄĆĘŁŃÓŚŹŻ][^;()]{0,80}\(\d{4}\)")
APA = re.compile(r"^(?P<authors>[^()]{2,160}?)\.?\s*\((?P<year>\d{4})\)\s*[.,:]?\s*(?P<rest>.+)$")
INITIALS = re.compile(r"^(?P<authors>(?:[A-ZĄĆĘŁŃÓŚŹŻ][\w-]+ (?:[A-Z]\.)+,\s*)+)(?:(?P<year>\d{4}),\s*)?(?P<rest>.+)$")
ORG_YEAR = re.compile(r"^(?P<authors>[^,()]{3,60}?) (?P<year>\d{4}), (?P<rest>.+)$")
FULL_NAME = re.compile(r"^[A-Z][a-z]+ [A-Z][a-z]+(?: and [A-Z][a-z]+ [A-Z][a-z]+)?$")
WORDS = {  # all framing words of a draft; none carries a figure
    "pl": {"title": "Uzasadnienie projektu", "need": "Potrzeba", "notes": "Przypisy", "bibliography": "Bibliografia",
           "page": "s.", "pages": "Wykorzystane strony", "no_year": "b.d.", "accessed": "dostęp", "report": "Raport",
           "website": "Strona internetowa", "via": "dane za", "footnote": "przypis", "in_bib": "Bibliografia, poz.",
           "note": "Szkic ekstrakcyjny: każda liczba jest dosłownym cytatem z raportu, ze stroną i źródłem w przypisie.",
           "note_llm": "Tekst zredagowany przez model językowy; każdą liczbę sprawdzono z cytatem, na który wskazuje jej przypis. "
                       "Akapity, które nie przeszły kontroli, pozostały dosłownymi cytatami.",
           "lead": ("Zasadność projektu potwierdzają dane raportu:", "Raport dokumentuje także:",
                    "Na potrzebę projektu wskazują również dane:"),
           "more": ("Raport wskazuje również:", "Ponadto:", "Co więcej:"),
           "recommend": ("Projekt wpisuje się w rekomendacje raportu:",), "recommend_more": ("Raport zaleca także:",),
           "recommendations": "Powiązanie z rekomendacjami raportu",
           "need_text": "Projekt „{topic}” odpowiada na potrzeby udokumentowane w raporcie „{title}” w obszarach: {areas}."},
    "en": {"title": "Project justification", "need": "Need", "notes": "References", "bibliography": "Bibliography",
           "page": "p.", "pages": "Pages used", "no_year": "n.d.", "accessed": "accessed", "report": "Report",
           "website": "Website", "via": "data from", "footnote": "footnote", "in_bib": "Bibliography, item",
           "note": "Extractive draft: every figure is a verbatim quote from the report (in Polish), with its page "
                   "and source in the references.",
           "note_llm": "Prose edited by a language model; every figure was checked against the quote its reference "
                       "points to. Paragraphs that failed the check stay as verbatim quotes.",
           "lead": ("The report's data support the project:", "The report also documents:", "Further evidence of the need:"),
           "more": ("The report also notes:", "Moreover:", "In addition:"),
           "recommend": ("The project follows the report's recommendations:",),
           "recommend_more": ("The report also recommends:",), "recommendations": "Link to the report's recommendations",
           "need_text": "The project “{topic}” addresses needs documented in the report “{title}” in these areas: {areas}."},
}


class DraftInputError(QuestionError):
    """A topic the drafter cannot take (empty, too long, control characters, unknown language)."""


class DraftOutputError(OSError):
    """The draft cannot be written where asked (unknown format, missing or unwritable folder)."""


def validate_topic(topic: Any, lang: str = "pl") -> str:
    if lang not in WORDS:
        raise DraftInputError(f"unknown language {lang!r}: use pl or en")
    if not isinstance(topic, str) or not topic.strip():
        raise DraftInputError("the topic is empty: describe the project in a few words")
    if len(topic) > MAX_TOPIC_CHARS:
        raise DraftInputError(f"the topic is too long ({len(topic)} characters, at most {MAX_TOPIC_CHARS}): "
                              "describe the project in one sentence")
    if any(unicodedata.category(ch) == "Cc" and ch not in "\n\t\r" for ch in topic):
        raise DraftInputError("the topic contains control characters: paste it as plain text")
    return re.sub(r"\s+", " ", topic).strip()


# --- bibliography -------------------------------------------------------------------------------

def build_bibliography(draft, snapshot, lang: str) -> list[dict[str, Any]]:
    """Numbered entries (1 = the report); sets each citation's `references` to its entry numbers."""
    citations = draft.citations
    pages = sorted({c.page for c in citations})
    report = {"number": 1, "kind": "report", "id": citations[0].doc if citations else "", "authors": None, "year": None,
              "title": draft.title, "container": WORDS[lang]["report"], "url": None, "doi": None, "accessed": None,
              "pages": pages, "footnotes": []}
    entries, numbers = [report], {}
    for citation in citations:
        citation.references = [1]
        for cited in citation.sources:
            source = snapshot.sources.get(cited.id)
            if source is None or source.kind == "note":
                continue
            for part, work in enumerate(parse_reference(source)):
                key = (source.id, part)
                if key not in numbers:
                    numbers[key] = len(entries) + 1
                    entries.append({"number": numbers[key], "kind": "source", "id": source.id, **work, "footnotes": []})
                entry = entries[numbers[key] - 1]
                entry["footnotes"] = sorted(set(entry["footnotes"]) | {cited.footnote})
                if numbers[key] not in citation.references:
                    citation.references.append(numbers[key])
    for entry in entries:
        entry["text"] = format_entry(entry, lang)
    return entries


def parse_reference(source) -> list[dict[str, Any]]:
    """Authors, year, title, container, URL, DOI of each work a footnote cites (a minimal parse)."""
    works = []
    for position, part in enumerate(_split_works(source.reference)):
        url = (URL.search(part).group() if URL.search(part) else None) or (source.url if position == 0 else None)
        doi = DOI.search(part) or (DOI.search(source.doi) if position == 0 and source.doi else None)
        accessed = ACCESSED.search(part)
        body = CUT.split(part, maxsplit=1)[0].strip(" .,;:")
        authors, year, rest = _authors_year(body)
        if year is None and source.year and position == 0 and source.year in body:
            year = source.year
        comma_style = bool(INITIALS.match(body)) or _full_name_authors(body)[0] is not None
        title, container = _title_container(rest, comma_style)
        if url and not (container or authors or year) and (not title or len(title) < 60):  # "Name, URL" or a bare URL
            authors, title, container = title or re.sub(r"^https?://", "", url).split("/")[0], "", "website"
        works.append({"authors": authors, "year": year, "title": title, "container": container,
                      "url": _clean_url(url), "doi": _clean_doi(doi.group()) if doi else None,
                      "accessed": accessed.group(1).strip(".") if accessed else None})
    return works


def _split_works(reference: str) -> list[str]:
    parts = [p.strip() for p in reference.split(";")]
    works = [parts[0]]
    for part in parts[1:]:
        if ANOTHER_WORK.match(part):
            works.append(part)
        elif part:
            works[-1] = f"{works[-1]}; {part}"
    return works


def _authors_year(body: str) -> tuple[str | None, str | None, str]:
    match = APA.match(body)
    if match and len(match.group("rest")) > 3:
        return _finish_authors(match.group("authors")), match.group("year"), match.group("rest")
    match = INITIALS.match(body)
    if match:
        rest = match.group("rest")
        trailing = re.search(r"\s*\((\d{4})\)\s*$", rest)
        year = match.group("year") or (trailing.group(1) if trailing else None)
        rest = rest[:trailing.start()] if trailing else rest
        return _finish_authors(match.group("authors").strip(" ,")), year, rest
    match = ORG_YEAR.match(body)
    if match:
        return match.group("authors"), match.group("year"), match.group("rest")
    authors, rest = _full_name_authors(body)
    if authors:
        trailing = re.search(r",\s*(\d{4})$", rest)
        return authors, trailing.group(1) if trailing else None, rest[:trailing.start()] if trailing else rest
    return None, None, body


def _full_name_authors(body: str) -> tuple[str | None, str]:
    """'Chris Oughton, Biji Kurup, Martin Anda and Goen Ho, Title, ...' -> (names, the rest)."""
    segments = body.split(", ")
    names = []
    while segments and FULL_NAME.match(segments[0]):
        names.append(segments.pop(0))
    if len(names) < 1 or not segments:
        return None, body
    return ", ".join(names), ", ".join(segments)


def _finish_authors(authors: str) -> str:
    authors = authors.strip(" ,")
    return authors + "." if re.search(r"(\b[A-Z]|\bet al)$", authors) else authors


def _title_container(rest: str, comma_style: bool) -> tuple[str, str | None]:
    rest = rest.strip(" .,;:")
    quoted = re.match(r"^[\"“„](?P<title>[^\"”]+)[\"”],?\s*(?P<container>.*)$", rest)
    if quoted:
        return quoted.group("title").strip(), _clean_container(quoted.group("container"))
    if comma_style and ", " in rest:
        title, container = rest.split(", ", 1)
        return title, _clean_container(container)
    depth = 0
    for i, ch in enumerate(rest):
        depth += (ch == "(") - (ch == ")")
        if ch == "." and depth == 0 and rest[i + 1:i + 2] == " " and not re.search(r"(\b\w{1,2}|Sp|vol|No|np)$", rest[:i]):
            return rest[:i], _clean_container(rest[i + 1:])
    return rest, None


def _clean_container(text: str) -> str | None:
    text = re.sub(r"^In\s+", "", text.strip(" .,;:"))
    return text or None


def _clean_url(url: str | None) -> str | None:
    return url.split("#:~:")[0].rstrip(".,;") if url else None


def _clean_doi(doi: str) -> str:
    return re.sub(r"/(full/html|abstract|pdf|full)$", "", doi.rstrip(".,;"))


def format_entry(entry: dict[str, Any], lang: str) -> str:
    """One bibliography line in the draft's single style."""
    words = WORDS[lang]
    year = entry.get("year") or words["no_year"]
    title = (entry.get("title") or "").rstrip(".")
    head = f"{entry['authors']} ({year})." + (f" {title}." if title else "") if entry.get("authors") else f"{title} ({year})."
    container = entry.get("container")
    parts = [head]
    if container:
        parts.append((words["website"] if container == "website" else container).rstrip(".") + ".")
    if entry["kind"] == "report":
        parts.append(f"{words['pages']}: {words['page']} {_page_ranges(entry['pages'])}.")
    link = f"https://doi.org/{entry['doi']}" if entry.get("doi") else entry.get("url")
    if link:
        parts.append(link + (f" ({words['accessed']}: {entry['accessed']})" if entry.get("accessed") else ""))
    return " ".join(parts)


def _page_ranges(pages: list[int]) -> str:
    ranges: list[list[int]] = []
    for page in pages:
        if ranges and page == ranges[-1][-1] + 1:
            ranges[-1].append(page)
        else:
            ranges.append([page])
    return ", ".join(f"{r[0]}–{r[-1]}" if len(r) > 1 else str(r[0]) for r in ranges)


def endnote(citation, draft) -> str:
    """The text of one `[n]` endnote: where the quote is, the report's source for it, its bibliography items."""
    words = WORDS[draft.language]
    short_title = draft.title.split(":")[0]
    text = f"{short_title}, {words['page']} {citation.page}, {citation.section}"
    by_number = {e["number"]: e for e in draft.bibliography}
    sources = [by_number[n] for n in citation.references if n != 1 and n in by_number]
    if sources:
        shown = "; ".join(f"{_short(e, words)} ({words['footnote']} "
                          f"{', '.join(str(s.footnote) for s in citation.sources if s.id == e['id'])})" for e in sources)
        text += f"; {words['via']}: {shown}"
    return f"{text}. {words['in_bib']} {', '.join(map(str, citation.references))}."


def _short(entry: dict[str, Any], words: dict[str, str]) -> str:
    name = entry.get("authors") or entry.get("title") or ""
    return f"{name.split(',')[0] if entry.get('authors') else name} ({entry.get('year') or words['no_year']})"


def compose(citations: list, lang: str, lead: str, more: str, paragraph: int = 0) -> str:
    """Framing words (never a figure) and the verbatim quotes with their markers."""
    parts = []
    for position, citation in enumerate(citations):
        options = WORDS[lang][lead] if position == 0 else WORDS[lang][more]
        words = options[(paragraph if position == 0 else position - 1) % len(options)]
        end = "" if citation.quote.rstrip().endswith((".", "!", "?")) else "."
        parts.append(f"{words} „{citation.quote}” [{citation.marker}]{end}")
    return " ".join(parts)


# --- Markdown and DOCX --------------------------------------------------------------------------

def note(draft) -> str:
    """How the draft was written: verbatim quotes, or LLM prose that passed the grounding check."""
    return WORDS[draft.language]["note_llm" if draft.mode in ("llm", "llm-partial") else "note"]


def to_markdown(draft) -> str:
    words = WORDS[draft.language]
    lines = [f"# {words['title']}: {draft.topic}", ""]
    if draft.refused:
        return "\n".join(lines + [draft.message, ""])
    lines += [f"*{note(draft)}*", "", f"**{words['need']}:** {draft.need}", ""]
    for heading, paragraph in _parts(draft):
        lines += ([f"## {heading}", ""] if heading else []) + [paragraph.text, ""]
    lines += [f"## {words['notes']}", ""]
    lines += [f"{c.marker}. {endnote(c, draft)}" for c in draft.citations]
    lines += ["", f"## {words['bibliography']}", ""]
    lines += [f"{e['number']}. {e['text']}" for e in draft.bibliography]
    return "\n".join(lines) + "\n"


def to_docx(draft, path: str | Path) -> None:
    from docx import Document
    from docx.shared import Pt

    words = WORDS[draft.language]
    document = Document()
    document.core_properties.title = f"{words['title']}: {draft.topic}"
    document.add_heading(f"{words['title']}: {draft.topic}", level=0)
    if draft.refused:
        document.add_paragraph(draft.message)
    else:
        document.add_paragraph().add_run(note(draft)).italic = True
        need = document.add_paragraph()
        need.add_run(f"{words['need']}: ").bold = True
        need.add_run(draft.need)
        for heading, paragraph in _parts(draft):
            if heading:
                document.add_heading(heading, level=1)
            document.add_paragraph(paragraph.text)
        for heading, lines in ((words["notes"], [f"[{c.marker}] {endnote(c, draft)}" for c in draft.citations]),
                               (words["bibliography"], [f"{e['number']}. {e['text']}" for e in draft.bibliography])):
            document.add_heading(heading, level=1)
            for line in lines:
                document.add_paragraph(line).runs[0].font.size = Pt(9)
    document.save(str(path))


def _parts(draft) -> list[tuple[str | None, Any]]:
    """(heading or None when it repeats the previous one, paragraph) in reading order."""
    paragraphs = draft.paragraphs + ([draft.recommendations] if draft.recommendations and draft.recommendations.citations else [])
    return [(p.heading if i == 0 or p.heading != paragraphs[i - 1].heading else None, p) for i, p in enumerate(paragraphs)]


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


def write_draft(draft, path: str | Path) -> Path:
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


def write_draft_files(draft, folder: str | Path, stem: str = "uzasadnienie") -> list[Path]:
    """The draft as `stem`.md and `stem`.docx in `folder` (for a download button); none for a refused draft."""
    return [] if draft.refused else [write_draft(draft, Path(folder) / f"{stem}{suffix}") for suffix in SUFFIXES]


# --- command line -------------------------------------------------------------------------------

def add_draft_arguments(parser) -> None:
    """The `draft` subcommand's arguments, for `python -m assistant`."""
    parser.add_argument("topic", help="the project topic, in Polish or English (at most 500 characters)")
    parser.add_argument("--lang", choices=["pl", "en"], default="pl", help="language of the draft's framing (quotes stay Polish)")
    parser.add_argument("--out", help="also write the draft to FILE.md or FILE.docx")
    parser.add_argument("--json", action="store_true", help="print the draft object instead of Markdown")
    parser.add_argument("--store", help="store folder (default .store/)")
    parser.add_argument("--llm", action="store_true",
                        help="rewrite the prose with the configured LLM (KLASTRY_LLM_*); figures pass the grounding check")


def draft_command(args, assistant=None) -> int:
    """`python -m assistant draft "topic" [--lang pl|en] [--out FILE.md|FILE.docx] [--json]`.

    Exit codes: 0 drafted, 1 refused (the report has no data on the topic; no file written),
    2 bad input, unwritable output or missing store (one line `error: ...` on stderr)."""
    from assistant.drafts.compose import draft_justification
    from assistant.llm.answerer import LLMConfigError
    from assistant.index.store import StoreError

    try:
        topic = validate_topic(args.topic, getattr(args, "lang", None) or "pl")
        if getattr(args, "out", None):
            check_output_path(args.out)
        if assistant is None:
            from assistant.answer.assistant import Assistant
            from assistant.settings import Settings

            assistant = Assistant.load(Settings.load(store_dir=getattr(args, "store", None)))
        draft = draft_justification(assistant, topic, getattr(args, "lang", None) or "pl",
                                    llm=True if getattr(args, "llm", False) else None)
        if getattr(args, "out", None) and not draft.refused:
            write_draft(draft, args.out)
    except (DraftInputError, DraftOutputError, StoreError, LLMConfigError) as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    if getattr(args, "json", False):
        print(json.dumps(draft.to_dict(), ensure_ascii=False, indent=1))
    else:
        print(to_markdown(draft))
    return 1 if draft.refused else 0
