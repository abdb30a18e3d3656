"""The draft as a Word document whose references are real Word footnotes.

python-docx has no footnote API, so the footnotes part is built here the way Word writes it:
`word/footnotes.xml` (the separator and continuation-separator notes, then one `w:footnote` per cited
source) related from the document with the footnotes relationship and registered in
`[Content_Types].xml`; the text carries `w:footnoteReference` runs. One footnote per cited source:
the report first (with the pages used), then each original source in full, with its URL/DOI. A
source cited again points at its footnote through a NOTEREF cross-reference field (a bookmark
around the first reference), as Word's "Insert cross-reference > Footnote number" does, so every
source has exactly one footnote. Footnote numbers therefore equal the bibliography's numbers.
"""

from __future__ import annotations

import re
from pathlib import Path

from docx.opc.constants import RELATIONSHIP_TYPE
from docx.opc.packuri import PackURI
from docx.opc.part import Part
from docx.oxml import parse_xml
from docx.oxml.ns import qn

from assistant.drafts.docx_layout import NOTE_PT, W, add_text, link_runs, prepare
from assistant.drafts.model import Draft

FOOTNOTES_CT = "application/vnd.openxmlformats-officedocument.wordprocessingml.footnotes+xml"
SEPARATOR = ","  # between two adjacent footnote references: ¹,² (never ¹² read as footnote 12)
MARKER = re.compile(r"\[(\d+)\]")
SEPARATORS = ('<w:footnote w:type="separator" w:id="-1"><w:p><w:pPr><w:spacing w:after="0" w:line="240" '
              'w:lineRule="auto"/></w:pPr><w:r><w:separator/></w:r></w:p></w:footnote>'
              '<w:footnote w:type="continuationSeparator" w:id="0"><w:p><w:pPr><w:spacing w:after="0" '
              'w:line="240" w:lineRule="auto"/></w:pPr><w:r><w:continuationSeparator/></w:r></w:p></w:footnote>')


class Footnotes:
    """The document's footnotes part and the references placed so far (bibliography number -> footnote id)."""

    def __init__(self, document, draft: Draft) -> None:
        self.document = document
        self.entries = {e["number"]: e["text"] for e in draft.bibliography}
        self.placed: dict[int, int] = {}
        self.element = parse_xml(f'<w:footnotes xmlns:w="{W}">{SEPARATORS}</w:footnotes>')
        # the part exists from the start: a footnote's URL is a hyperlink related from it
        self.part = Part(PackURI("/word/footnotes.xml"), FOOTNOTES_CT, b"", document.part.package)

    def reference(self, paragraph, number: int, follows: bool = False) -> None:
        """A superscript reference to bibliography entry `number`: its footnote the first time, a NOTEREF after.
        `follows`: right after another reference, so a superscript comma keeps "1,2" from reading as "12"."""
        if follows:
            paragraph._p.append(parse_xml(f'<w:r xmlns:w="{W}"><w:rPr><w:vertAlign w:val="superscript"/></w:rPr>'
                                          f'<w:t>{SEPARATOR}</w:t></w:r>'))
        if number not in self.placed:
            footnote_id = len(self.placed) + 1
            self.placed[number] = footnote_id
            bookmark = f"_RefFootnote{footnote_id}"
            paragraph._p.append(parse_xml(f'<w:bookmarkStart xmlns:w="{W}" w:id="{footnote_id}" w:name="{bookmark}"/>'))
            paragraph._p.append(parse_xml(
                f'<w:r xmlns:w="{W}"><w:rPr><w:vertAlign w:val="superscript"/></w:rPr>'
                f'<w:footnoteReference w:id="{footnote_id}"/></w:r>'))
            paragraph._p.append(parse_xml(f'<w:bookmarkEnd xmlns:w="{W}" w:id="{footnote_id}"/>'))
            self._add_footnote(footnote_id, self.entries.get(number, ""))
        else:
            footnote_id = self.placed[number]
            paragraph._p.append(parse_xml(
                f'<w:fldSimple xmlns:w="{W}" w:instr=" NOTEREF _RefFootnote{footnote_id} \\f \\h ">'
                f'<w:r><w:rPr><w:vertAlign w:val="superscript"/></w:rPr><w:t>{footnote_id}</w:t></w:r></w:fldSimple>'))

    def _add_footnote(self, footnote_id: int, text: str) -> None:
        note = parse_xml(
            f'<w:footnote xmlns:w="{W}" w:id="{footnote_id}"><w:p><w:pPr><w:spacing w:after="0"/></w:pPr>'
            f'<w:r><w:rPr><w:vertAlign w:val="superscript"/></w:rPr><w:footnoteRef/></w:r></w:p></w:footnote>')
        link_runs(note.find(qn("w:p")), self.part, " " + text, NOTE_PT)
        self.element.append(note)

    def attach(self) -> None:
        """Fill the footnotes part and relate the document to it."""
        from lxml import etree

        self.part._blob = etree.tostring(self.element, xml_declaration=True, encoding="UTF-8", standalone=True)
        self.document.part.relate_to(self.part, RELATIONSHIP_TYPE.FOOTNOTES)


def to_docx(draft: Draft, path: str | Path, words, note: str, indicators) -> None:
    """Write the draft: title, note, the three sections with their paragraph headings, flagged quotes, the
    bibliography; every `[n]` becomes footnote references to the sources of quote n. The page, language
    and properties are an application's (assistant.drafts.docx_layout)."""
    from docx import Document

    document = Document()
    subject = draft.subject or draft.topic
    prepare(document, draft.language, subject, words.title, draft.author)
    lang = draft.language
    document.add_heading(f"{words.title}: {subject}", level=0)
    if draft.refused:
        document.add_paragraph(draft.message)
        document.save(str(path))
        return
    notes = Footnotes(document, draft)
    by_marker = {c.marker: c for c in draft.citations}
    document.add_paragraph().add_run(note).italic = True
    document.add_heading(words.section_need, level=1)
    document.add_paragraph(draft.need)
    for section, name in (("need", None), ("policy", words.section_policy)):
        if name and draft.section(section):
            document.add_heading(name, level=1)
        for paragraph in draft.section(section):
            document.add_heading(paragraph.heading, level=2)
            _cited_text(document.add_paragraph(), paragraph.text, by_marker, notes, words, lang)
            for citation in paragraph.citations:
                if citation.damage:
                    warning = words.damaged.format(piece=citation.damage, page=citation.page)
                    document.add_paragraph().add_run(f"⚠ {warning}").italic = True  # no [n]: notes are footnotes
        _shortened(document, draft, section, words)
    rows = indicators(draft)
    if rows:
        document.add_heading(words.section_data, level=1)
        document.add_paragraph(words.data_intro)
        for fragment, citation in rows:
            item = document.add_paragraph(style="List Bullet")
            _cited_text(item, f"„{fragment}” [{citation.marker}]", by_marker, notes, words, lang)
        _shortened(document, draft, "data", words)
    document.add_heading(words.bibliography, level=1)
    for entry in draft.bibliography:
        add_text(document.add_paragraph(), f"{entry['number']}. {entry['text']}", "pl", NOTE_PT)
    notes.attach()
    document.save(str(path))


def _shortened(document, draft: Draft, section: str, words) -> None:
    """The line saying a section was cut to its length limit (`--max-chars`), under that section."""
    from assistant.drafts.length import shortened_line

    line = shortened_line(draft, section, words)
    if line:
        document.add_paragraph().add_run(line).italic = True


def _cited_text(paragraph, text: str, by_marker, notes: Footnotes, words, lang: str = "pl") -> None:
    """The text with each `[n]` replaced by the page and footnote references to quote n's sources."""
    position = 0
    for match in MARKER.finditer(text):
        citation = by_marker.get(int(match.group(1)))
        if citation is None:
            continue
        add_text(paragraph, text[position:match.start()].rstrip() + f" ({words.page} {citation.page})", lang)
        for place, number in enumerate(citation.references):
            notes.reference(paragraph, number, follows=place > 0)
        position = match.end()
    add_text(paragraph, text[position:], lang)
