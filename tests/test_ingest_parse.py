"""Parsing the real report with real pypdf: footnotes, markers, sections, table, bibliography."""

from __future__ import annotations

import re

from conftest import REPORT_PDF, REPORT_TXT

from ingest.footnotes import build_bibliography, parse_footnote_lines
from ingest.pdf_reader import read_pdf


def test_all_57_footnotes_with_numbers_and_pages(parsed_report):
    notes = parsed_report.footnotes
    assert [n.number for n in notes] == list(range(1, 58))
    assert {n.page for n in notes} == set(range(4, 21))
    pages = {n.number: n.page for n in notes}
    assert pages[1] == 4 and pages[5] == 5 and pages[8] == 5 and pages[15] == 8 and pages[47] == 14 and pages[57] == 20


def test_footnote_traps(parsed_report):
    notes = {n.number: n for n in parsed_report.footnotes}
    assert notes[8].text == "tamże" and notes[8].same_as == 7
    assert notes[47].text.startswith("Chris Oughton")
    assert notes[47].doi == "10.1051/rees/2023020"  # from the link line under the entry
    assert notes[57].text.startswith("France Clusters")  # "57 57 France Clusters"
    assert notes[7].text.endswith("ISBN 978-83-7633-561-2.")  # "7633-561-2." is a continuation, not footnote 7633
    assert notes[4].text.endswith("European Cluster Collaboration Platform.")
    assert notes[19].urls[0].endswith("8d097ea0-fda8-46e7-9f64-6d57f80eb057/content")  # URL wrapped at a hyphen
    assert notes[28].doi == "10.1016/S0923-4748(00)00025-5"
    assert notes[15].doi == "10.2826/293809"


def test_body_line_starting_with_a_number_is_not_a_footnote():
    lines = ["11 Kramer, J.-P. (2024). European Cluster", "Panorama Report 2024.",
             "13 europejskich klastrów", "12 Kramer, J.-P. (2024). Second entry."]
    notes = parse_footnote_lines(lines, page=7, expected=11)
    assert [n.number for n in notes] == [11, 12]
    assert "13 europejskich" in notes[0].text


def test_marker_18_with_footnote_5_on_page_5(parsed_report):
    kkk = [s for s in parsed_report.sentences if "było ich 18" in s.text]
    assert len(kkk) == 1
    assert kkk[0].page == 5 and kkk[0].footnotes == [5]
    assert kkk[0].text.endswith("było ich 18.")
    assert not any("185" in s.text for s in parsed_report.sentences)


def test_real_numbers_stay_whole(parsed_report):
    text = " ".join(s.text for s in parsed_report.sentences if s.page == 5)
    for number in ["31 grudnia 2025 r.", "265 (5,4%", "48 (1,0%", "117,7", "102,6", "4942", "242 (4,9%)."]:
        assert number in text, number
    later = " ".join(s.text for s in parsed_report.sentences)
    assert "do 2050 r." in later and "155 000 członków" in later


def test_markers_removed_and_sentence_footnotes(parsed_report):
    all_text = " ".join(c.text for c in parsed_report.chunks)
    assert not re.search("[⁰¹²³⁴⁵⁶⁷⁸⁹]", all_text)
    by_text = {s.text: s for s in parsed_report.sentences}
    flanders = next(s for t, s in by_text.items() if "Flandrii" in t)
    assert flanders.footnotes == [24] and "4,4%." in flanders.text
    # a sentence without its own marker takes the paragraph's next one (Benchmarking, p. 6)
    employment = next(s for t, s in by_text.items() if "25 863" in t)
    assert employment.footnotes == [9] and employment.page == 6
    # a list sourced by one marker at its end
    micro = next(s for t, s in by_text.items() if "Mikroprzedsiębiorstwa: 37%" in t)
    assert micro.footnotes == [8]


def test_every_footnote_is_attached_to_a_chunk(parsed_report):
    attached = {n for c in parsed_report.chunks for n in c.footnotes}
    assert attached == set(range(1, 58))


def test_sections_in_order_without_section_6(parsed_report):
    sections = list(dict.fromkeys(c.section for c in parsed_report.chunks))
    numbers = [s.split()[0].rstrip(".") for s in sections]
    assert numbers == ["1", "2", "3", "4", "4.1", "4.2", "4.3", "4.4", "5", "5.1", "5.2", "5.3", "7", "8", "9"]
    assert sections[8] == "5. Klastry w dobie transformacji cyfrowej i zielonej oraz budowania bezpieczeństwa"
    # lists numbered inside section 9 are not sections
    assert all(c.section.startswith("9.") for c in parsed_report.chunks if "Wsparcie internacjonalizacji" in c.text)


def test_chunks_sizes_and_metadata(parsed_report):
    for chunk in parsed_report.chunks:
        assert chunk.page in range(3, 23)
        assert len(chunk.text) <= 900 or chunk.text.startswith("Tabela")
        assert chunk.end - chunk.start == len(chunk.text)
    assert len({c.id for c in parsed_report.chunks}) == len(parsed_report.chunks)


def test_table_rows_keep_their_header(parsed_report):
    rows = [c for c in parsed_report.chunks if c.text.startswith("Tabela 1.")]
    assert len(rows) == 4
    assert all("Wymiar:" in r.text and "Wpływ" in r.text for r in rows)
    firm = next(r for r in rows if "Zachowanie firm" in r.text)
    assert "Inwestycje biznesowe w B+R 0.3670" in firm.text
    assert "Innowacje produktowe w MŚP -0.0313" in firm.text  # the row's tail printed on page 9
    assert firm.page == 8


def test_bibliography_dedupes_repeated_works(parsed_report):
    by_number = build_bibliography(parsed_report.footnotes)
    assert by_number[4].footnotes == [4, 11, 12, 38, 43]
    assert "European Cluster Panorama Report 2024" in by_number[4].reference
    assert by_number[7].footnotes == [7, 8, 9, 40, 45, 51]
    assert by_number[8] is by_number[7]
    assert by_number[5].url == "https://www.gov.pl/web/rozwoj-technologia/lista-kkk"
    assert by_number[5] is not by_number[35]  # different bare-URL sources stay apart
    assert by_number[14].year == "2014" and by_number[14].authors.startswith("Chatterji")


def test_pdf_pages_3_to_22_match_the_text_extraction():
    """pypdf on the PDF gives the same text as the .txt it was rendered from (pages 3-22)."""
    _, layouts = read_pdf(REPORT_PDF)
    pdf_text = " ".join(" ".join(line.text for line in p.lines) for p in layouts if 3 <= p.number <= 22)
    txt = REPORT_TXT.read_text(encoding="utf-8")

    def normalize(text: str) -> str:
        text = text.translate(str.maketrans("⁰¹²³⁴⁵⁶⁷⁸⁹", "0123456789"))
        text = re.sub(r"\S*(https?://|%[0-9A-F]{2})\S*", " ", text)  # link URLs are placed and wrapped differently
        text = re.sub(r"(?m)^\s*12\s*$", " ", text)  # the stray footer line in the .txt
        return re.sub(r"\s+", "", text)

    assert normalize(pdf_text) == normalize(txt)


def test_table_rows_give_one_sentence_per_indicator(parsed_report):
    sentences = [s.text for c in parsed_report.chunks if c.text.startswith("Tabela 1.") for s in c.sentences]
    public = [s for s in sentences if "Inwestycje publiczne w B+R" in s]
    assert public == [("Tabela 1, Otoczenie biznesowe (Business Environment) – Przykładowe wskaźniki (Wpływ): "
                       "Inwestycje publiczne w B+R 0.1374.")]
    assert any(s.endswith("Innowacje produktowe w MŚP -0.0313.") and "Zachowanie firm" in s for s in sentences)
    # 13 indicators, each with its value
    assert len([s for s in sentences if "Przykładowe wskaźniki (Wpływ):" in s]) == 13


def test_sentences_after_a_paragraphs_last_marker_keep_it(parsed_report):
    basque = next(s for c in parsed_report.chunks for s in c.sentences
                  if s.text.startswith("Baskijski superklaster dąży"))
    assert basque.footnotes == (48,)
