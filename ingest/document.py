"""Assemble a parsed document: sections, sentences with their footnotes, chunks.

Pure: pages in (from the PDF or text readers), a `ParsedDocument` out.
Rules: a heading numbered past the current one opens a section (1.-9., 4.1-5.3;
lists numbered inside a section are not headings); a sentence cites the markers
inside it, and a sentence without a marker takes the next marker of its paragraph
(or, when the paragraph has none, the next one in its section).
"""

from __future__ import annotations

import hashlib
import itertools
import re
from dataclasses import dataclass, field

import simplemma

from assistant.types import Chunk, Footnote, Sentence

from .footnotes import MARKER, marker_value, parse_footnote_lines
from .layout import Block, PageParts, continues_previous

ABBREVIATIONS = (" al.", " np.", " tzw.", " ok.", " m.in.", " ang.", " wg.", " tj.", " ds.", " im.", " prof.", " dr.")
MAX_CHUNK = 900
SOFT_CHUNK = 450


@dataclass
class ParsedSentence:
    text: str
    page: int
    section: str
    paragraph: int
    markers: list[int] = field(default_factory=list)
    footnotes: list[int] = field(default_factory=list)
    table: bool = False


@dataclass
class ParsedDocument:
    doc: str
    title: str
    pages: list[int]
    footnotes: list[Footnote]
    sentences: list[ParsedSentence]
    chunks: list[Chunk]


def parse_document(doc: str, title: str, pages: list[PageParts]) -> ParsedDocument:
    footnotes: list[Footnote] = []
    blocks: list[Block] = []
    for parts in pages:
        notes = parse_footnote_lines(parts.footnote_lines, parts.number, len(footnotes) + 1, parts.links)
        footnotes.extend(notes)
        page_blocks = list(parts.blocks)
        if page_blocks and continues_previous(blocks, page_blocks[0]):
            blocks[-1].segments.extend(page_blocks.pop(0).segments)
        blocks.extend(page_blocks)
    known = {n.number for n in footnotes}
    sentences = _sentences(blocks, known)
    _inherit_markers(sentences, footnotes)
    chunks = chunk_sentences(doc, title, sentences)
    return ParsedDocument(doc, title, [p.number for p in pages], footnotes, sentences, chunks)


def _sentences(blocks: list[Block], known: set[int]) -> list[ParsedSentence]:
    sentences: list[ParsedSentence] = []
    section, current_number = "", ()
    has_headings = any(b.kind == "heading" for b in blocks)
    table_caption = ""
    table_header: list[str] = []
    row_label = ""
    for index, block in enumerate(blocks):
        if block.kind == "heading":
            number = tuple(int(p) for p in block.number.split(".")) if block.number else None
            if number is None:  # an unnumbered (Markdown) heading always opens a section
                section = re.sub(r"\s+", " ", block.text).strip()
                continue
            if number > current_number:
                section, current_number = re.sub(r"\s+", " ", block.text).strip(), number
                continue
        if has_headings and not section:
            continue  # front matter (title page) before the first numbered section
        if block.kind == "table_row":
            cells = block.text.split(" | ")
            if block.level == 1:
                table_header = cells
                continue
            continued = bool(sentences) and sentences[-1].table and len(cells) < len(table_header)
            if not continued:
                row_label = cells[0]
            last = sentences[-1] if continued else None
            for text in _table_row_sentences(table_caption, table_header, cells, row_label, partial=continued):
                # the row's tail printed on the next page stays with its row (page and paragraph)
                sentences.append(ParsedSentence(text, last.page if last else block.page, section,
                                                last.paragraph if last else index, table=True))
            continue
        if (block.text.startswith(("Tabela", "Table")) and index + 1 < len(blocks)
                and blocks[index + 1].kind == "table_row"):
            table_caption = _clean_marker_text(block.text)[0].strip()
            continue
        for text, page, markers in _split_block(block, known):
            sentences.append(ParsedSentence(text, page, section, index, markers=markers))
    return sentences


def _table_row_sentences(caption: str, header: list[str], cells: list[str], row_label: str,
                         partial: bool = False) -> list[str]:
    """One row as self-contained sentences: the caption with `column: value` pairs, then one
    sentence per indicator with its figure, so a question about one indicator meets one sentence.

    When a column holds a dash list and the last column the same number of figures, each item is
    paired with its figure ("Tabela 1, Zachowanie firm (Firm Behaviour) – Przykładowe wskaźniki
    (Wpływ): Inwestycje biznesowe w B+R 0.3670.").
    """
    columns = header[-len(cells):] if partial else header[: len(cells)]
    label = re.sub(r"\s+", " ", row_label).strip()
    short_caption = caption.split(".")[0].strip()
    parts, indicators = [], []
    items = None
    for name, cell in zip(columns, cells):
        if cell.lstrip().startswith("-") and re.search(r"[^\W\d_]", cell) and len(cells) >= 2:
            items = [re.sub(r"\s+", " ", i).strip() for i in re.split(r"(?:^|\n)\s*-", cell) if i.strip()]
            continue
        values = cell.split()
        if items and len(values) == len(items) and all(re.fullmatch(r"-?\d+(?:[.,]\d+)?", v) for v in values):
            list_name = columns[columns.index(name) - 1]
            indicators += [f"{short_caption}, {label} – {list_name} ({name}): {i} {v}." for i, v in zip(items, values)]
            items = None
        else:
            parts.append(f"{name}: " + re.sub(r"\s+", " ", cell))
    head = [(f"{caption}. " + ". ".join(parts)).strip().rstrip(".") + "."] if parts and not partial else []
    return head + indicators


def _clean_marker_text(text: str, known: set[int] | None = None) -> tuple[str, list[tuple[int, int]]]:
    """Remove superscript markers; return clean text and (offset, footnote) pairs."""
    clean, markers, last = [], [], 0
    length = 0
    for match in MARKER.finditer(text):
        piece = text[last:match.start()]
        clean.append(piece)
        length += len(piece)
        value = marker_value(match.group())
        if known is None or value in known:
            markers.append((length, value))
        else:
            restored = match.group().translate(str.maketrans("⁰¹²³⁴⁵⁶⁷⁸⁹", "0123456789"))
            clean.append(restored)
            length += len(restored)
        last = match.end()
    clean.append(text[last:])
    return "".join(clean), markers


def _split_block(block: Block, known: set[int]):
    """Yield (sentence, page, markers) for a paragraph that may span pages."""
    joined, page_at = "", []
    for segment in block.segments:
        if joined:
            joined += " "
            page_at.append(segment.page)
        joined += segment.text
        page_at.extend([segment.page] * len(segment.text))
    clean, markers = _clean_marker_text(joined, known)
    # page of each clean character: drop marker characters from the raw mapping
    raw_pages = [p for ch, p in zip(joined, page_at) if not MARKER.fullmatch(ch)]
    clean = re.sub(r"[ \t]+", " ", clean)
    cursor = 0
    for sentence in _sentence_spans(clean, [o for o, _ in markers]):
        start = clean.find(sentence, cursor)
        end = start + len(sentence)
        cursor = end
        owned = [n for o, n in markers if start < o <= end + 1]
        pages = raw_pages[start:end] or [block.page]
        page = max(set(pages), key=pages.count)
        yield sentence.strip(), page, owned


def _sentence_spans(text: str, marker_offsets: list[int]) -> list[str]:
    """simplemma's sentences, split again where a marker sits at a sentence end ("18⁵. Pod")."""
    merged: list[str] = []
    for sentence in simplemma.split_sentences(text, lang="pl"):
        if merged and (sentence[:1].islower() or sentence[:1] in "(0123456789–-" or merged[-1].endswith(ABBREVIATIONS)
                       or _open_quote(merged[-1])):
            merged[-1] = f"{merged[-1]} {sentence}"  # "Delgado et al. (2016) wykorzystano" stays one sentence
        else:
            merged.append(sentence)
    result = []
    for sentence in merged:
        result.extend(_split_at_markers(sentence, text, marker_offsets))
    return [s for s in result if s.strip()]


def _open_quote(text: str) -> bool:
    """A sentence end inside a quoted title ("Benchmarking klastrów w Polsce. Edycja 2024") is not an end."""
    return text.count("„") > text.count("”") or text.count('"') % 2 == 1


def _split_at_markers(sentence: str, text: str, marker_offsets: list[int]) -> list[str]:
    base = text.find(sentence)
    pieces, start = [], 0
    for offset in marker_offsets:
        local = offset - base
        if 0 < local < len(sentence) - 2 and re.match(r"[.!?]\s+[A-ZĄĆĘŁŃÓŚŹŻ]", sentence[local:]):
            pieces.append(sentence[start:local + 1])
            start = local + 1
    pieces.append(sentence[start:])
    return [p.strip() for p in pieces if p.strip()]


def _inherit_markers(sentences: list[ParsedSentence], footnotes: list[Footnote] | None = None) -> None:
    """Give every sentence the footnotes that source it, never one from another (sub)section.

    A sentence cites its own markers. One without them cites the footnote of the work it names by title
    ("Według raportu „Inwentaryzacja klastrów”" -> the footnote whose reference has that title), when its
    paragraph or (sub)section carries that footnote; else the next marker of its paragraph. Past a
    paragraph's last marker (or in a paragraph with none), it looks ahead in its part of the section to
    the first paragraph that has markers and borrows its marker when it has exactly one: a paragraph or
    a list sourced by one marker at its end (the Benchmarking paragraphs); with nothing ahead, sentences
    after the last marker keep it (they go on about the cited case). A numbered sub-heading ("2)
    Finansowanie działalności koordynatora") ends a part: nothing is borrowed across it, and it cites
    nothing itself. Tables, captions and `Źródło:` lines name their source inline: they borrow nothing
    and stop the look-ahead.
    """
    paragraphs: list[list[ParsedSentence]] = []
    for sentence in sentences:
        if paragraphs and paragraphs[-1][0].paragraph == sentence.paragraph:
            paragraphs[-1].append(sentence)
        else:
            paragraphs.append([sentence])
    parts = _parts(paragraphs)
    titles = _footnote_titles(footnotes or [])
    for index, paragraph in enumerate(paragraphs):
        if _names_own_source(paragraph) or _is_subheading(paragraph):
            continue
        ahead = _marker_ahead(paragraphs, index, parts)
        if ahead is None and _is_list_item(paragraph):
            ahead = _lead_in_marker(paragraphs, index, parts)
        own = [n for s in paragraph for n in s.markers]
        pending = ahead if ahead is not None or not own else own[-1]  # trailing sentences continue the cited topic
        nearby = {n for j, other in enumerate(paragraphs) if parts[j] == parts[index] for s in other for n in s.markers}
        for sentence in reversed(paragraph):
            if sentence.markers:
                pending = sentence.markers[0]
                sentence.footnotes = list(sentence.markers)
                continue
            named = _named_work(sentence.text, titles, nearby)
            if named is not None:
                sentence.footnotes = [named]
            elif pending is not None:
                sentence.footnotes = [pending]


SUBHEADING = re.compile(r"^\d{1,2}\)\s+[A-ZĄĆĘŁŃÓŚŹŻ]")
QUOTED = re.compile(r"[„\"“]([^„\"”“]{6,120})[”\"“]")


def _is_subheading(paragraph: list[ParsedSentence]) -> bool:
    """"3) Program „Cluster Invest” – Mobilizacja Kapitału Prywatnego": one short line, no full stop."""
    text = paragraph[0].text.strip()
    return len(paragraph) == 1 and bool(SUBHEADING.match(text)) and len(text) < 120 and not text.endswith(".")


def _parts(paragraphs: list[list[ParsedSentence]]) -> list[tuple[str, int]]:
    """(section, sub-heading count) of each paragraph: the span a footnote may be borrowed within."""
    parts, count, section = [], 0, None
    for paragraph in paragraphs:
        if paragraph[0].section != section:
            section, count = paragraph[0].section, 0
        if _is_subheading(paragraph):
            count += 1
        parts.append((section, count))
    return parts


def _normal(text: str) -> str:
    return re.sub(r"\W+", " ", text.casefold()).strip()


def _footnote_titles(footnotes: list[Footnote]) -> dict[int, str]:
    return {note.number: _normal(note.text) for note in footnotes}


def _named_work(text: str, titles: dict[int, str], nearby: set[int]) -> int | None:
    """The footnote (among those of the sentence's part) whose reference holds a title the sentence
    quotes: „Inwentaryzacja klastrów”, "Benchmarking klastrów w Polsce – edycja 2024"."""
    for quoted in QUOTED.findall(text):
        words = _normal(quoted)
        if len(words.split()) < 2:
            continue
        found = sorted(n for n in nearby if words in titles.get(n, ""))
        if found:
            return found[0]
    return None


def _lead_in_marker(paragraphs: list[list[ParsedSentence]], index: int, parts: list) -> int | None:
    """A list item with nothing ahead takes the marker of the lead-in it belongs to ("... to⁵⁵:")."""
    for back in range(index - 1, -1, -1):
        paragraph = paragraphs[back]
        if parts[back] != parts[index]:
            return None
        if _is_list_item(paragraph):
            continue
        markers = [n for s in paragraph for n in s.markers]
        return markers[-1] if markers and paragraph[-1].text.rstrip().endswith(":") else None
    return None


def _marker_ahead(paragraphs: list[list[ParsedSentence]], index: int, parts: list) -> int | None:
    for ahead in range(index + 1, len(paragraphs)):
        paragraph = paragraphs[ahead]
        if parts[ahead] != parts[index] or _names_own_source(paragraph):
            return None
        markers = [n for s in paragraph for n in s.markers]
        if markers:
            return markers[0] if len(markers) == 1 else None
    return None


def _is_list_item(paragraph: list[ParsedSentence]) -> bool:
    return paragraph[0].text.lstrip()[:1] in "•−"


def _names_own_source(paragraph: list[ParsedSentence]) -> bool:
    return paragraph[0].table or paragraph[0].text.startswith(("Źródło:", "Source:", "Tabela", "Wykres"))


def chunk_sentences(doc: str, title: str, sentences: list[ParsedSentence]) -> list[Chunk]:
    """Greedy sentence packing: same section and page, at most ~900 characters,
    preferring to break at a paragraph end once past ~450."""
    chunks: list[Chunk] = []
    group: list[ParsedSentence] = []
    offset = 0
    repeats: dict[str, int] = {}  # the same text twice on one page (a repeated paragraph) still gets two ids

    def flush():
        nonlocal group, offset
        if not group:
            return
        text = _group_text(group)
        key = f"{doc}|{group[0].page}|{group[0].section}|{text}"
        repeats[key] = repeats.get(key, 0) + 1
        key += f"|{repeats[key]}" if repeats[key] > 1 else ""
        digest = hashlib.sha1(key.encode()).hexdigest()[:16]
        chunks.append(Chunk(id=f"{doc}:{group[0].page}:{digest}", doc=doc, title=title, page=group[0].page,
                            section=group[0].section, text=text,
                            sentences=[Sentence(s.text, tuple(s.footnotes)) for s in group],
                            start=offset, end=offset + len(text)))
        offset += len(text) + 1
        group = []

    for sentence in sentences:
        if group:
            size = len(_group_text(group))
            new_place = (sentence.section, sentence.page) != (group[0].section, group[0].page)
            too_big = size + len(sentence.text) + 1 > MAX_CHUNK
            soft_break = size >= SOFT_CHUNK and sentence.paragraph != group[-1].paragraph
            table_edge = (sentence.table or group[-1].table) and sentence.paragraph != group[-1].paragraph
            if new_place or too_big or soft_break or table_edge:
                flush()
        group.append(sentence)
    flush()
    return chunks


def _group_text(group: list[ParsedSentence]) -> str:
    text = group[0].text
    for previous, sentence in itertools.pairwise(group):
        text += ("\n" if sentence.paragraph != previous.paragraph else " ") + sentence.text
    return text
