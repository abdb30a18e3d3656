"""Turn positioned lines into blocks: headings, paragraphs, table rows, footnote lines.

Pure functions over `PageLayout`, so they are tested on the real report without I/O.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from .pdf_reader import Line, PageLayout

HEADING_NUMBER = re.compile(r"^(\d+(?:\.\d+)*)\.?\s+\S")
DOT_LEADER = re.compile(r"(\.\s){5,}")
SENTENCE_END = (".", ":", "!", "?", ";")


@dataclass
class Segment:
    page: int
    text: str


@dataclass
class Block:
    kind: str  # "heading" | "paragraph" | "table_row"
    segments: list[Segment]
    level: int = 0
    number: str = ""

    @property
    def text(self) -> str:
        return " ".join(s.text for s in self.segments)

    @property
    def page(self) -> int:
        return self.segments[0].page


@dataclass
class PageParts:
    number: int
    blocks: list[Block] = field(default_factory=list)
    footnote_lines: list[str] = field(default_factory=list)
    links: list[str] = field(default_factory=list)  # link annotations' targets (PDF only)
    skipped: str = ""  # why the page gives no text to index ("table of contents", "no text"), else ""


def is_contents_page(layout: PageLayout) -> bool:
    return sum(bool(DOT_LEADER.search(line.text)) for line in layout.lines) >= 3


def split_page(layout: PageLayout) -> PageParts:
    """Separate a page into body blocks and the footnote lines at its bottom."""
    body = layout.body_size
    parts = PageParts(layout.number, links=list(layout.links))
    lowest_body_y = min((line.y for line in layout.lines if line.size >= 0.95 * body and line.cell is None),
                        default=0.0)
    table_lines: list[Line] = []
    previous: Line | None = None
    for line in layout.lines:
        if line.cell is not None:
            table_lines.append(line)
            continue
        if table_lines:
            parts.blocks.extend(_table_rows(table_lines, layout.number))
            table_lines = []
        if line.size < 0.8 * body and line.y < lowest_body_y:
            parts.footnote_lines.append(line.text)
            continue
        heading = line.bold and line.size > 1.05 * body and HEADING_NUMBER.match(line.text.strip())
        if heading:
            number = heading.group(1)
            if _continues_heading(parts.blocks, previous, line):
                parts.blocks[-1].segments[-1].text += " " + line.text.strip()
            else:
                parts.blocks.append(Block("heading", [Segment(layout.number, line.text.strip())],
                                          number.count(".") + 1, number))
        elif _continues_heading(parts.blocks, previous, line):
            parts.blocks[-1].segments[-1].text += " " + line.text.strip()
        elif _starts_paragraph(previous, line, body) or not parts.blocks or parts.blocks[-1].kind != "paragraph":
            parts.blocks.append(Block("paragraph", [Segment(layout.number, line.text.strip())]))
        else:
            _append_line(parts.blocks[-1].segments[-1], line.text.strip())
        previous = line
    if table_lines:
        parts.blocks.extend(_table_rows(table_lines, layout.number))
    return parts


def _continues_heading(blocks: list[Block], previous: Line | None, line: Line) -> bool:
    return (
        bool(blocks) and blocks[-1].kind == "heading" and previous is not None
        and previous.bold and line.bold and abs(previous.size - line.size) < 0.1
        and 0 < previous.y - line.y < 2.0 * line.size and not HEADING_NUMBER.match(line.text.strip())
    )


def _starts_paragraph(previous: Line | None, line: Line, body: float) -> bool:
    if previous is None:
        return True
    gap = previous.y - line.y
    bullet = line.text.lstrip()[:1] in "•−" or re.match(r"^[a-z0-9]\)\s", line.text.lstrip()) is not None
    return gap > 1.6 * body or gap < 0 or bullet or line.bold != previous.bold or abs(line.size - previous.size) > 0.5


def _append_line(segment: Segment, text: str) -> None:
    if segment.text.endswith(("-", "–")) and not segment.text[-2:-1].isspace():
        segment.text = segment.text + text  # a compound or range wrapped at its dash: "Net-\nZero", "2–\n3"
    else:
        segment.text = f"{segment.text} {text}".strip()


def _table_rows(lines: list[Line], page: int) -> list[Block]:
    """Group table cells (each drawn in its own frame) into rows of column texts."""
    cells: list[tuple[float, bool, str]] = []
    for line in lines:
        if cells and (line.cell, line.bold) == cells[-1][:2] and cells[-1][3] == line.cell:
            x, bold, text, origin = cells[-1]
            cells[-1] = (x, bold, _join_cell(text, line.text), origin)
        else:
            cells.append((line.cell, line.bold, line.text.strip(), line.cell))
    rows: list[list[tuple[float, bool, str]]] = []
    for origin, bold, text, _ in cells:
        x = origin[0]
        if not rows or x <= rows[-1][-1][0]:
            rows.append([])
        rows[-1].append((x, bold, text))
    blocks = []
    for row in rows:
        header = all(bold for _, bold, _ in row)
        blocks.append(Block("table_row", [Segment(page, " | ".join(t for _, _, t in row))], level=1 if header else 0,
                            number=",".join(f"{x:.0f}" for x, _, _ in row)))
    return blocks


def _join_cell(text: str, more: str) -> str:
    more = more.strip()
    if more.startswith("-"):
        return f"{text}\n{more}"
    return f"{text} {more}"


def continues_previous(blocks: list[Block], first: Block) -> bool:
    """A page's first paragraph continues the previous page's last one (no sentence end, lowercase start)."""
    if not blocks or first.kind != "paragraph" or blocks[-1].kind != "paragraph":
        return False
    last = blocks[-1].segments[-1].text.rstrip()
    start = first.segments[0].text.lstrip()
    return bool(last) and not last.endswith(SENTENCE_END) and start[:1] not in "•−–-"
