"""The right footnote for a figure (issue 28), on the real report parsed by real pypdf: a sentence cites
its own marker, the work it names, or its paragraph's; never a footnote of another (sub)section; footnote
URLs rebuilt whole from the PDF's wrapped text and its link annotations."""

from __future__ import annotations

import pytest

from ingest.footnotes import URL, parse_footnote_lines
from ingest.pdf_reader import read_pdf

FRANCE_CLUSTERS = ("https://www.franceclusters.fr/actualites/quel-nouveau-modele-economique-des-poles-de-competitivite-"
                   "clusters-avec-cluster-invest#:~:text=aboutissant%20%C3%A0%20la%20lev%C3%A9e%20de,"
                   "d%E2%80%99exp%C3%A9riences%20et%20de%20bonnes%20pratiques")
BANQUE = ("https://www.banquedesterritoires.fr/phase-v-des-poles-de-competitivite-la-saison-de-verite#:~:text="
          "Les%20objectifs%20des%20p%C3%B4les%20ont,les%20p%C3%B4les%20ont%20besoin%20de")


def sentence(parsed, start: str):
    return next(s for s in parsed.sentences if s.text.startswith(start))


def test_the_84_clusters_cite_the_inventory_they_come_from(parsed_report):
    """„Inwentaryzacja klastrów” is named in the sentence: footnote 6 (that inventory), not 5 (the KKK list)."""
    s = sentence(parsed_report, "Według raportu „Inwentaryzacja klastrów”")
    assert "84" in s.text and s.footnotes == [6]
    notes = {n.number: n for n in parsed_report.footnotes}
    assert "Inwentaryzacja klastrów" in notes[6].text
    assert sentence(parsed_report, "Według stanu na 31 grudnia 2025").footnotes == [5]  # its own marker stays


def test_no_footnote_is_borrowed_across_a_sub_heading(parsed_report):
    """The French budget (sub-section "2) Finansowanie działalności koordynatora") has no marker of its own;
    footnote 57 belongs to "3) Program „Cluster Invest”", so the budget cites nothing rather than 57."""
    budget = sentence(parsed_report, "W fazie V roczny budżet centralny wynosi 9 mln euro")
    assert budget.footnotes == []
    assert sentence(parsed_report, "2) Finansowanie działalności koordynatora").footnotes == []
    assert sentence(parsed_report, "Program Cluster Invest, realizowany").footnotes == [57]


def test_benchmarking_paragraph_still_takes_the_marker_at_its_end(parsed_report):
    s = sentence(parsed_report, "Aktualnym źródłem informacji o klastrach w Polsce")
    assert s.footnotes == [7]


def test_footnotes_56_and_57_have_whole_urls(parsed_report):
    notes = {n.number: n for n in parsed_report.footnotes}
    assert notes[57].urls == (FRANCE_CLUSTERS,)
    assert notes[56].urls == (BANQUE,)
    for number in (56, 57):  # the reference text shows the link once, unbroken
        assert [u.rstrip(".,;") for u in URL.findall(notes[number].text)] == list(notes[number].urls)


def test_a_url_wrapped_mid_word_is_joined_and_its_hidden_copy_dropped():
    lines = ["3 Site, https://example.org/a/very-long-path#:~:text=exp%C3%A9rienc",
             "es%20et%20de%20bonnes",
             "https://example.org/a/very-long-path#:~:text=exp%C3%A9",
             "riences%20et%20de%20bonnes"]
    (note,) = parse_footnote_lines(lines, page=4, expected=3)
    assert note.text == "Site, https://example.org/a/very-long-path#:~:text=exp%C3%A9riences%20et%20de%20bonnes"
    assert note.urls == ("https://example.org/a/very-long-path#:~:text=exp%C3%A9riences%20et%20de%20bonnes",)


def test_a_word_after_a_url_is_not_glued_to_it():
    (note,) = parse_footnote_lines(["3 Moretti (2010). https://www.aeaweb.org/articles", "Dostęp 2025."], 4, 3)
    assert note.urls == ("https://www.aeaweb.org/articles",) and note.text.endswith("articles Dostęp 2025.")


def test_a_link_annotation_completes_a_url_printed_cut_short():
    lines = ["4 Report, https://example.org/reports/2024"]
    target = "https://example.org/reports/2024/cluster-panorama.pdf"
    (note,) = parse_footnote_lines(lines, 9, 4, page_links=[target, "https://elsewhere.example/"])
    assert note.urls == (target,) and target in note.text


def test_link_annotations_are_read_from_a_real_pdf(tmp_path):
    fpdf = pytest.importorskip("fpdf")
    pdf = fpdf.FPDF()
    pdf.add_page()
    pdf.set_font("helvetica", size=11)
    target = "https://example.org/reports/2024/cluster-panorama.pdf"
    pdf.cell(text="A report with a link", link=target)
    path = tmp_path / "linked.pdf"
    pdf.output(str(path))
    _, pages = read_pdf(path)
    assert pages[0].links == [target]
