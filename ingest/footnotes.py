"""Footnote entries, footnote markers, and the deduplicated bibliography.

Pure functions: footnote lines of a page in, `Footnote` objects out; footnotes in,
`Source` objects out. Traps handled: multi-line entries and wrapped URLs, `8 tamże`
(ibid.), `47Chris` (no space), `57 57 France` (number doubled).
"""

from __future__ import annotations

import hashlib
import re
import unicodedata

from assistant.types import Footnote, Source

URL = re.compile(r"https?://\S+")
DOI = re.compile(r"\b(10\.\d{4,9}/[^\s;,\]]+)", re.IGNORECASE)
SUPERSCRIPT_DIGITS = "⁰¹²³⁴⁵⁶⁷⁸⁹"
MARKER = re.compile(f"[{SUPERSCRIPT_DIGITS}]+")
IBID = re.compile(r"^(tamże|ibid\.?|ibidem|tamze)\W*$", re.IGNORECASE)
YEAR = re.compile(r"\((\d{4})\)|\b((?:19|20)\d{2})\b")


def marker_value(marker: str) -> int:
    return int(marker.translate(str.maketrans(SUPERSCRIPT_DIGITS, "0123456789")))


def parse_footnote_lines(lines: list[str], page: int, expected: int) -> list[Footnote]:
    """Split a page's footnote lines into entries numbered expected, expected+1, ...

    A line opens entry N only when N is the next number; anything else continues the
    current entry, so `7633-561-2.` or `49(7), 104050.` never start a footnote.
    """
    entries: list[list] = []  # [number, text_lines, extra_urls]
    for raw in lines:
        line = raw.strip()
        if not line:
            continue
        opened = re.match(rf"^{expected}(?!\d)\s*(?:{expected}\s+)?(.*)$", line)
        if opened:
            entries.append([expected, [opened.group(1).strip()], []])
            expected += 1
        elif not entries:
            continue  # the tail of an entry that began on an earlier page is not split across pages here
        elif URL.fullmatch(line) and not _ends_mid_url(line) and not _ends_mid_url(entries[-1][1][-1]):
            entries[-1][2].append(line)  # a link line: the full target of the entry's (maybe wrapped) URL
        else:
            entries[-1][1].append(line)
    return [_make_footnote(number, parts, extra, page) for number, parts, extra in entries]


def _clean_url(url: str) -> str:
    url = url.rstrip(".,;]")
    while url.endswith(")") and url.count(")") > url.count("("):
        url = url[:-1]
    return url


def _ends_mid_url(line: str) -> bool:
    last = line.split()[-1] if line.split() else ""
    return last.endswith("-") and ("/" in last or any(c.isdigit() for c in last))


def _join_entry(parts: list[str]) -> str:
    text = parts[0]
    for part in parts[1:]:
        if _ends_mid_url(text):
            text += part  # a URL, ISBN or DOI wrapped at a hyphen
        else:
            text += " " + part
    return re.sub(r"\s+", " ", text).strip()


def _make_footnote(number: int, parts: list[str], extra_urls: list[str], page: int) -> Footnote:
    text = _join_entry(parts)
    links = [_clean_url(u) for u in extra_urls]
    printed = [_clean_url(u) for u in URL.findall(text)]
    urls = [u for u in printed if not any(link.startswith(u) and link != u for link in links)] + links
    doi_match = DOI.search(text) or next((DOI.search(u) for u in urls if DOI.search(u)), None)
    doi = doi_match.group(1).rstrip(".,;") if doi_match else None
    same_as = number - 1 if IBID.match(text) else None
    return Footnote(number=number, page=page, text=text, urls=tuple(dict.fromkeys(urls)), doi=doi, same_as=same_as)


def build_bibliography(footnotes: list[Footnote]) -> dict[int, Source]:
    """Map each footnote number to its deduplicated source.

    Footnotes whose normalized reference is equal, or a prefix of another (a short
    form of the same work), become one source; `tamże` joins the previous footnote's.
    """
    by_number: dict[int, Source] = {}
    sources: list[tuple[str, Source]] = []
    for note in sorted(footnotes, key=lambda n: n.number):
        if note.same_as is not None and note.same_as in by_number:
            source = by_number[note.same_as]
        else:
            key = _reference_key(note.text)
            source = next((s for k, s in sources if _same_work(k, key)), None)
            if source is None:
                source = _new_source(note, key)
                sources.append((key, source))
            elif len(note.text) > len(source.reference) and not IBID.match(note.text):
                source.reference = note.text  # keep the fullest form of the reference
        source.footnotes.append(note.number)
        if not source.url and note.urls:
            source.url = note.urls[0]
        if not source.doi and note.doi:
            source.doi = note.doi
        by_number[note.number] = source
    return by_number


def _reference_key(text: str) -> str:
    without_urls = URL.sub("", text)
    if not re.sub(r"\[[^\]]*\]|\W", "", without_urls):
        return re.sub(r"[^a-z0-9]", "", text.lower())  # a bare URL is its own key
    text = without_urls
    text = re.sub(r"\[dost[eę]p[^\]]*\]", "", text, flags=re.IGNORECASE)
    text = re.sub(r"(available online|dostępne na:?)", "", text, flags=re.IGNORECASE)
    text = unicodedata.normalize("NFKD", text.lower())
    return re.sub(r"[^a-z0-9]", "", text)


def _same_work(a: str, b: str) -> bool:
    if a == b:
        return True
    shorter, longer = sorted((a, b), key=len)
    return len(shorter) >= 30 and longer.startswith(shorter)


def _new_source(note: Footnote, key: str) -> Source:
    year_match = YEAR.search(note.text)
    year = (year_match.group(1) or year_match.group(2)) if year_match else None
    authors = None
    paren = re.search(r"\(\d{4}\)", note.text)
    if paren and paren.start() > 0:
        authors = note.text[: paren.start()].strip(" .,:") or None
    kind = "reference" if (year or note.urls or note.doi) else "note"
    ascii_text = unicodedata.normalize("NFKD", note.text.lower()).encode("ascii", "ignore").decode()
    first_word = re.sub(r"[^a-z0-9]+", "-", ascii_text)
    stem = "-".join(w for w in first_word.split("-") if w and not w.startswith("http"))[:24].strip("-") or "source"
    digest = hashlib.sha1(key.encode()).hexdigest()[:6]
    return Source(id=f"{stem}-{digest}", reference=note.text, authors=authors, year=year,
                  url=note.urls[0] if note.urls else None, doi=note.doi, footnotes=[], kind=kind)
