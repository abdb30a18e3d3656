"""The draft's bibliography in one citation style, and the text of its endnotes.

Style (APA-like, the same for every entry):
    Authors (Year). Title. Journal or publisher. https://doi.org/DOI or URL (dostęp: date).
An entry without authors starts with its title; a missing year is "b.d." / "n.d.". Fields come
from the stored `Source` (year, URL, DOI) and a minimal parse of its footnote text; a footnote
citing two works ("...; Jeleskovic & Loeber (2023): ...") gives two entries. Explanatory
footnotes (Source.kind "note") cite no work and are left out. Entry 1 is always the report,
with the pages the draft quotes.
"""

from __future__ import annotations

import re
from typing import Any

from assistant.drafts.model import Draft, DraftCitation
from assistant.drafts.tables import WORDS, DraftWords

URL = re.compile(r"https?://\S+")
DOI = re.compile(r"10\.\d{4,9}/[^\s;,]+")
ACCESSED = re.compile(r"\[?dostęp:?\s*([\d.]+)\]?", re.IGNORECASE)
CUT = re.compile(r"https?://|\bDOI:|\bdoi:|Dostępne na:?|Available online:?|\[dostęp", re.IGNORECASE)
ANOTHER_WORK = re.compile(r"^[A-ZĄĆĘŁŃÓŚŹŻ][^;()]{0,80}\(\d{4}\)")
APA = re.compile(r"^(?P<authors>[^()]{2,160}?)\.?\s*\((?P<year>\d{4})\)\s*[.,:]?\s*(?P<rest>.+)$")
INITIALS = re.compile(r"^(?P<authors>(?:[A-ZĄĆĘŁŃÓŚŹŻ][\w-]+ (?:[A-Z]\.)+,\s*)+)(?:(?P<year>\d{4}),\s*)?(?P<rest>.+)$")
ORG_YEAR = re.compile(r"^(?P<authors>[^,()]{3,60}?) (?P<year>\d{4}), (?P<rest>.+)$")
FULL_NAME = re.compile(r"^[A-Z][a-z]+ [A-Z][a-z]+(?: and [A-Z][a-z]+ [A-Z][a-z]+)?$")


def build_bibliography(draft: Draft, snapshot, lang: str) -> list[dict[str, Any]]:
    """Numbered entries (1 = the report); sets each citation's `references` to its entry numbers."""
    citations = draft.citations
    pages = sorted({c.page for c in citations})
    report = {"number": 1, "kind": "report", "id": citations[0].doc if citations else "", "authors": None, "year": None,
              "title": draft.title, "container": WORDS[lang].report, "url": None, "doi": None, "accessed": None,
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
        if (ch == "." and depth == 0 and rest[i + 1:i + 2] == " "
                and not re.search(r"(\b\w{1,2}|Sp|vol|No|np)$", rest[:i])):
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
    year = entry.get("year") or words.no_year
    title = (entry.get("title") or "").rstrip(".")
    head = (f"{entry['authors']} ({year})." + (f" {title}." if title else "") if entry.get("authors")
            else f"{title} ({year}).")
    container = entry.get("container")
    parts = [head]
    if container:
        parts.append((words.website if container == "website" else container).rstrip(".") + ".")
    if entry["kind"] == "report":
        parts.append(f"{words.pages}: {words.page} {_page_ranges(entry['pages'])}.")
    link = f"https://doi.org/{entry['doi']}" if entry.get("doi") else entry.get("url")
    if link:
        parts.append(link + (f" ({words.accessed}: {entry['accessed']})" if entry.get("accessed") else ""))
    return " ".join(parts)


def _page_ranges(pages: list[int]) -> str:
    ranges: list[list[int]] = []
    for page in pages:
        if ranges and page == ranges[-1][-1] + 1:
            ranges[-1].append(page)
        else:
            ranges.append([page])
    return ", ".join(f"{r[0]}–{r[-1]}" if len(r) > 1 else str(r[0]) for r in ranges)


def endnote(citation: DraftCitation, draft: Draft) -> str:
    """The text of one `[n]` endnote: where the quote is, the report's source for it, its bibliography items."""
    words = WORDS[draft.language]
    short_title = draft.title.split(":")[0]
    text = f"{short_title}, {words.page} {citation.page}, {citation.section}"
    by_number = {e["number"]: e for e in draft.bibliography}
    sources = [by_number[n] for n in citation.references if n != 1 and n in by_number]
    if sources:
        shown = "; ".join(f"{_short(e, words)} ({words.footnote} "
                          f"{', '.join(str(s.footnote) for s in citation.sources if s.id == e['id'])})"
                          for e in sources)
        text += f"; {words.via}: {shown}"
    return f"{text}. {words.in_bib} {', '.join(map(str, citation.references))}."


def _short(entry: dict[str, Any], words: DraftWords) -> str:
    name = entry.get("authors") or entry.get("title") or ""
    return f"{name.split(',')[0] if entry.get('authors') else name} ({entry.get('year') or words.no_year})"
