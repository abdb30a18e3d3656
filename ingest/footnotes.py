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


def parse_footnote_lines(lines: list[str], page: int, expected: int,
                         page_links: list[str] | None = None) -> list[Footnote]:
    """Split a page's footnote lines into entries numbered expected, expected+1, ...

    A line opens entry N only when N is the next number; anything else continues the
    current entry, so `7633-561-2.` or `49(7), 104050.` never start a footnote. A line that is a
    whole URL is the link's own target (printed again below the entry); the lines of URL
    characters after it are the rest of that target. `page_links` (the page's link annotations)
    complete a printed URL that one of them extends.
    """
    entries: list[list] = []  # [number, text_lines, link_lines]
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
        elif entries[-1][2] and _continues_url(entries[-1][2][-1], line):
            entries[-1][2][-1] += line
        elif URL.fullmatch(line) and not _ends_mid_url(line) and not _ends_mid_url(entries[-1][1][-1]):
            entries[-1][2].append(line)  # a link line: the full target of the entry's (maybe wrapped) URL
        else:
            entries[-1][1].append(line)
    return [_make_footnote(number, parts, links, page, page_links or []) for number, parts, links in entries]


def _clean_url(url: str) -> str:
    url = url.rstrip(".,;]")
    while url.endswith(")") and url.count(")") > url.count("("):
        url = url[:-1]
    return url


def _ends_mid_url(line: str) -> bool:
    last = line.split()[-1] if line.split() else ""
    return last.endswith("-") and ("/" in last or any(c.isdigit() for c in last))


URL_TAIL = re.compile(r"^[^\s\[(]*[%/#=&?~][^\s]*$")  # one token with URL characters, no space: a wrapped URL's rest


def _continues_url(text: str, line: str) -> bool:
    """`line` is the rest of a URL that ends `text`: the PDF wraps long links anywhere, even mid-word
    ("...d%E2%80%99exp%C3%A9rienc" / "es%20et%20de..."), so a line that is one token of URL characters
    right after a URL joins it without a space."""
    last = text.split()[-1] if text.split() else ""
    return bool(URL.match(last)) and not line.startswith(("http://", "https://")) and bool(URL_TAIL.match(line))


def _join_entry(parts: list[str]) -> str:
    text = parts[0]
    for part in parts[1:]:
        if _ends_mid_url(text) or _continues_url(text, part):
            text += part  # a URL, ISBN or DOI wrapped at a hyphen or anywhere in a link
        else:
            text += " " + part
    return re.sub(r"\s+", " ", text).strip()


def _make_footnote(number: int, parts: list[str], link_lines: list[str], page: int,
                   page_links: list[str]) -> Footnote:
    text = _join_entry(parts)
    links = [_clean_url(u) for u in link_lines]
    printed = [_clean_url(u) for u in URL.findall(text)]
    links += [link for link in page_links if any(link.startswith(u) and link != u for u in printed + links)]
    printed = [_clean_url(u) for u in URL.findall(text)]
    for url in printed:  # the printed URL cut short (a line break the join could not see): the link's whole target
        fuller = next((link for link in links if link.startswith(url) and link != url), None)
        if fuller is not None:
            text = text.replace(url, fuller, 1)
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
