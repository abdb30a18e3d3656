"""The .docx a coordinator pastes into an application, read back as Word would read it (python-docx and the XML).

A4 with 2.5 cm margins, the draft's language in every `w:lang` of the styles (pl-PL, or en-GB with the Polish
quotes marked pl-PL), core properties from the project (title = subject, author = KLASTRY_DRAFT_AUTHOR, never
"python-docx"), footnote markers that cannot run together ("¹,²", not "¹²"), URLs and DOIs as real hyperlinks,
a file name from the subject and the date, and `--max-chars` cutting whole quotes and saying so.
"""

from __future__ import annotations

import argparse
import re
import zipfile
from datetime import date
from xml.etree import ElementTree

import pytest

from assistant.drafts.command import draft_command
from assistant.drafts.compose import draft_justification
from assistant.drafts.export import draft_filename, to_markdown, write_draft, write_draft_files
from assistant.drafts.length import section_chars
from assistant.drafts.model import DraftInputError

W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"
R_ID = "{http://schemas.openxmlformats.org/officeDocument/2006/relationships}id"
RELS = "{http://schemas.openxmlformats.org/package/2006/relationships}"
TOPIC = "szkolenia i staże w klastrze ICT"
ENGLISH = "Draft a justification for a training and internship programme in the cluster, citing the report."
AUTHOR = "Klaster Testowy Sp. z o.o."


@pytest.fixture(scope="module")
def authored(built_store):
    """An assistant whose settings name the drafts' author, as KLASTRY_DRAFT_AUTHOR would."""
    from assistant import Assistant, Settings

    corpus, store = built_store
    return Assistant.load(Settings.load(corpus_dir=corpus, store_dir=store, draft_author=AUTHOR))


@pytest.fixture(scope="module")
def polish(authored):
    return draft_justification(authored, TOPIC, llm=False)


@pytest.fixture(scope="module")
def english(authored):
    return draft_justification(authored, ENGLISH, llm=False)


def package(path) -> dict[str, bytes]:
    with zipfile.ZipFile(path) as docx:
        return {name: docx.read(name) for name in docx.namelist()}


def test_a4_page_with_polish_office_margins_and_page_numbers(polish, tmp_path):
    from docx import Document

    path = write_draft(polish, tmp_path / "u.docx")
    for section in Document(str(path)).sections:
        assert (round(section.page_width.mm), round(section.page_height.mm)) == (210, 297)
        margins = [section.top_margin, section.bottom_margin, section.left_margin, section.right_margin]
        assert all(abs(m.mm - 25) < 0.1 for m in margins)
    footer = package(path)["word/footer1.xml"].decode() if "word/footer1.xml" in package(path) else ""
    assert "PAGE" in footer


@pytest.mark.parametrize("which, tag", [("polish", "pl-PL"), ("english", "en-GB")])
def test_document_language_is_the_drafts_in_every_style(which, tag, request, tmp_path):
    draft = request.getfixturevalue(which)
    files = package(write_draft(draft, tmp_path / "u.docx"))
    styles = ElementTree.fromstring(files["word/styles.xml"])
    langs = [e.get(W + "val") for e in styles.iter(W + "lang")]
    assert langs and set(langs) == {tag}  # the defaults and every style: no en-US left for Word to spell-check
    defaults = styles.find(f"{W}docDefaults/{W}rPrDefault/{W}rPr/{W}lang")
    assert defaults is not None and defaults.get(W + "val") == tag
    assert f"<dc:language>{tag}</dc:language>" in files["docProps/core.xml"].decode()
    body = ElementTree.fromstring(files["word/document.xml"])
    quoted = [r for r in body.iter(W + "r") if "„" in "".join(t.text or "" for t in r.iter(W + "t"))]
    marked = [r for r in quoted if (lang := r.find(f"{W}rPr/{W}lang")) is not None and lang.get(W + "val") == "pl-PL"]
    if tag == "en-GB":  # the quotes stay Polish: Word checks them as Polish
        assert quoted and len(marked) == len(quoted)


def test_core_properties_come_from_the_project(polish, tmp_path):
    from docx import Document

    properties = Document(str(write_draft(polish, tmp_path / "u.docx"))).core_properties
    assert properties.title == polish.subject == "Szkolenia i staże w klastrze ICT"
    assert properties.author == AUTHOR and properties.last_modified_by == AUTHOR
    assert "python-docx" not in (properties.author + properties.comments + properties.last_modified_by)
    assert properties.created.date() == date.today() or properties.created.year >= 2025


def test_footnote_markers_never_run_together(polish, tmp_path):
    """Two references at one place read "¹,²": a superscript comma stands between any two markers."""
    body = ElementTree.fromstring(package(write_draft(polish, tmp_path / "u.docx"))["word/document.xml"])
    pairs = 0
    for paragraph in body.iter(W + "p"):
        previous_marker = False
        for child in paragraph:
            if child.tag in (W + "bookmarkStart", W + "bookmarkEnd"):
                continue
            marker = (child.find(W + "footnoteReference") is not None
                      or (child.tag == W + "fldSimple" and "NOTEREF" in (child.get(W + "instr") or "")))
            if marker and previous_marker:
                raise AssertionError("two footnote markers side by side: Word shows them as one number")
            text = "".join(t.text or "" for t in child.iter(W + "t"))
            pairs += text == "," and previous_marker
            previous_marker = marker
    assert pairs >= 1  # a quote cites the report and its source: the case that used to read "¹²"


def test_urls_and_dois_are_real_hyperlinks(polish, tmp_path):
    files = package(write_draft(polish, tmp_path / "u.docx"))
    for part, rels_name in (("word/footnotes.xml", "word/_rels/footnotes.xml.rels"),
                            ("word/document.xml", "word/_rels/document.xml.rels")):
        rels = {r.get("Id"): r for r in ElementTree.fromstring(files[rels_name]).iter(RELS + "Relationship")}
        root = ElementTree.fromstring(files[part])
        links = list(root.iter(W + "hyperlink"))
        assert links, part
        for link in links:
            target = rels[link.get(R_ID)]
            text = "".join(t.text or "" for t in link.iter(W + "t"))
            assert target.get("TargetMode") == "External" and target.get("Target") == text
            assert text.startswith(("https://", "http://"))
        linked = {"".join(t.text or "" for t in link.iter(W + "t")) for link in links}
        plain = [t.text or "" for t in root.iter(W + "t")]
        for text in plain:  # every URL shown is one of the links (none left as plain text)
            for url in re.findall(r"https?://\S+", text):
                assert any(url.rstrip(".,;)") == link or link.startswith(url.rstrip(".,;)")) for link in linked), url
    entries = " ".join(e["text"] for e in polish.bibliography)
    if "doi.org" in entries:
        assert b"doi.org" in files["word/_rels/document.xml.rels"]


def test_file_name_from_subject_and_date(polish, english, tmp_path):
    day = date(2026, 3, 9)
    assert draft_filename(polish, ".docx", day) == "uzasadnienie-szkolenia-i-staze-w-klastrze-ict-2026-03-09.docx"
    assert draft_filename(english, ".md", day).startswith("justification-training-and-internship-programme")
    names = [p.name for p in write_draft_files(polish, tmp_path)]
    stem = f"uzasadnienie-szkolenia-i-staze-w-klastrze-ict-{date.today().isoformat()}"
    assert names == [f"{stem}.md", f"{stem}.docx"]


def test_max_chars_cuts_whole_quotes_and_says_so(authored, polish, tmp_path):
    full = polish.section("need")
    limit = section_chars([p.heading for p in full], [polish.need] + [p.text for p in full]) - 50
    cut = draft_justification(authored, TOPIC, llm=False, max_chars=f"need={limit}")
    need = cut.section("need")
    assert section_chars([p.heading for p in need], [cut.need] + [p.text for p in need]) <= limit
    originals = {c.quote for c in polish.citations}
    assert all(c.quote in originals for c in cut.citations)  # whole quotes, never part of a sentence
    assert len(cut.section("need")[-1].citations) >= 1 and len(cut.citations) < len(polish.citations)
    assert [s.section for s in cut.shortened] == ["need"] and cut.shortened[0].limit == limit
    markdown = to_markdown(cut)
    assert f"limitu {limit} znaków" in markdown
    text = "".join(t.text or "" for t in ElementTree.fromstring(
        package(write_draft(cut, tmp_path / "c.docx"))["word/document.xml"]).iter(W + "t"))
    assert f"limitu {limit} znaków" in text
    markers = [int(m) for m in re.findall(r"\[(\d+)\]", "\n".join(p.text for p in cut.paragraphs))]
    assert markers == list(range(1, len(cut.citations) + 1))  # renumbered after the cut: no gaps


@pytest.mark.parametrize("value", ["abc", "need=abc", "nonsense=900", "50", "need=10"])
def test_unreadable_max_chars_is_a_one_line_error(authored, value):
    with pytest.raises(DraftInputError) as error:
        draft_justification(authored, TOPIC, llm=False, max_chars=value)
    assert "\n" not in str(error.value) and "--max-chars" in str(error.value)


def test_command_writes_into_a_folder_and_reports_a_cut(authored, tmp_path, capsys):
    args = argparse.Namespace(topic=TOPIC, lang=None, out=str(tmp_path), json=False, store=None,
                              candidates=False, pick=None, max_chars="need=600")
    assert draft_command(args, assistant=authored) == 0
    output = capsys.readouterr()
    written = tmp_path / f"uzasadnienie-szkolenia-i-staze-w-klastrze-ict-{date.today().isoformat()}.docx"
    assert output.out == f"saved to {written}\n" and written.exists()
    assert output.err.startswith("note: section need cut to 600 characters") and output.err.count("\n") == 1
