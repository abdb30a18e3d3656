"""Grant-justification drafts on the real store: grounding, references, exports, bad input, the command.

Whether a draft stays on topic is judged against figures and footnotes written by hand from the
report (tests/fixtures/raport-klastry.txt), not with the drafter's own facets or lemma matcher.
"""

from __future__ import annotations

import argparse
import json
import re

import pytest

from assistant.drafts.bibliography import format_entry, parse_reference
from assistant.drafts.command import draft_command
from assistant.drafts.compose import draft_justification
from assistant.drafts.export import to_markdown, write_draft, write_draft_files
from assistant.drafts.model import DraftInputError, DraftOutputError
from assistant.numbers import figures_in

TOPICS = ["szkolenia i staże w klastrze ICT", "internacjonalizacja i targi zagraniczne",
          "gospodarka o obiegu zamkniętym w klastrze obróbki metali"]
# By hand from the report: every figure on each topic that a draft may quote as evidence, with the
# footnote that sources it. A quoted figure outside this list is off topic (or the list needs a look).
ON_TOPIC = {
    TOPICS[0]: {  # training and internships in an ICT cluster
        "1 642": 9, "460": 9, "60": 9,  # p. 6: internships, apprenticeships, members in training
        "13": 10,  # p. 6: ICT is the leading sector of 13% of clusters
        "11": 30, "13,5": 30,  # p. 11 (4.3): wage premium, 13.5% in "modern" (IT) clusters
        "10-15": 33, "40": 34,  # p. 11 (4.3): education level, firms in training projects
        "87": 44, "80": 44, "67": 44, "38": 44, "16": 44, "46": 44,  # pp. 13-14 (5.1): digital technologies
    },
    TOPICS[1]: {  # internationalisation and foreign trade fairs
        "31": 40, "6": 40, "23": 40, "9,8": 40, "22": 40, "37": 40, "29": 40, "753": 40,  # p. 12 (4.4)
        "6,7": 39, "3,2": 39, "2,3": 39,  # p. 12 (4.4): FDI examples, Aragon and Rhineland-Palatinate
    },
    TOPICS[2]: {  # circular economy in a metalworking cluster
        "69": 45, "57": 45,  # p. 14 (5.2): circular-economy solutions, low-emission R&D
        "200": 48, "2–3": 48, "20–30": 48,  # p. 15 (5.2): the Basque net-zero supercluster
    },
}
# a quoted sentence without figures (context) must still name the topic in the report's words
CONTEXT_WORDS = {TOPICS[0]: r"[Ss]zkoleni|[Ss]taż|praktyk|kompetenc|ICT",
                 TOPICS[1]: r"targ|zagraniczn|eksport|FDI|międzynarodow",
                 TOPICS[2]: r"obiegu zamkniętym|recykling|odpad"}
MUST_QUOTE = {TOPICS[0]: {"1 642", "460"}, TOPICS[1]: {"753", "31"}, TOPICS[2]: {"69", "57"}}
RECOMMENDATION_WORDS = {TOPICS[0]: r"[Ss]zkoleni|umiejętności|ICT", TOPICS[1]: r"targi|zagraniczn|eksport",
                        TOPICS[2]: r"obiegu zamkniętego|dekarbonizac|recykling"}
ENTRY_STYLE = re.compile(r"^.+ \((\d{4}|b\.d\.|n\.d\.)\)\. .+\.(?: https?://\S+)?(?: \((dostęp|accessed): [\d.]+\))?$")


@pytest.fixture(scope="module")
def drafts(assistant):
    return {topic: draft_justification(assistant, topic) for topic in TOPICS}


def norm(figure: str) -> str:
    return re.sub(r"\s", "", figure).replace("–", "-")


def report_text(assistant) -> str:
    chunks = sorted((c for c in assistant.snapshot.chunks.values() if c.kind == "report"), key=lambda c: c.start)
    return " ".join(s.text for c in chunks for s in c.sentences)


@pytest.mark.parametrize("topic", TOPICS)
def test_draft_quotes_figures_verbatim_with_resolvable_markers(assistant, drafts, topic):
    draft = drafts[topic]
    assert not draft.refused, draft.message
    assert 1 <= len(draft.paragraphs) <= 9
    headings = [p.heading for p in draft.paragraphs]
    assert len(headings) == len(set(headings))  # one heading per paragraph
    figures = {norm(f) for p in draft.paragraphs for f in p.figures}
    assert len(figures) >= 2, figures  # no padding: only what serves the topic
    text = report_text(assistant)
    numbers = {e["number"] for e in draft.bibliography}
    for paragraph in draft.paragraphs:
        assert 1 <= len(paragraph.citations) <= 3
        framing = paragraph.text
        for citation in paragraph.citations:
            for figure in citation.figures:
                assert figure in citation.quote
            for part in citation.quote.split(" […] "):  # every quoted sentence is the report's, word for word
                assert part in text, part
            assert 1 in citation.references and set(citation.references) <= numbers
            piece = f"„{citation.quote}” [{citation.marker}]"
            assert piece in framing, (piece, framing)
            framing = framing.replace(piece, "")
        assert not figures_in(framing), framing  # no figure outside a quote
        assert not re.search(r"\[\d+\]", framing)  # no marker without its quote
    drafted = " ".join(p.text for p in draft.paragraphs)
    markers = [int(m) for m in re.findall(r"\[(\d+)\]", drafted)]
    assert markers == list(range(1, len(draft.citations) + 1))


@pytest.mark.parametrize("topic", TOPICS)
def test_every_quoted_figure_is_one_the_report_gives_on_the_topic(drafts, topic):
    draft = drafts[topic]
    allowed = {norm(figure): footnote for figure, footnote in ON_TOPIC[topic].items()}
    quoted = set()
    for paragraph in draft.section("need"):
        for citation in paragraph.citations:  # every quoted sentence, not just the paragraph
            if not citation.figures:
                assert re.search(CONTEXT_WORDS[topic], citation.quote), (topic, citation.quote)
            for figure in citation.figures:
                assert norm(figure) in allowed, (topic, figure, citation.quote)
                assert allowed[norm(figure)] in citation.footnotes, (figure, citation.footnotes, citation.quote)
                quoted.add(norm(figure))
    assert {norm(f) for f in MUST_QUOTE[topic]} <= quoted, quoted
    policy = [c for p in draft.section("policy") for c in p.citations]
    assert policy
    for citation in policy:
        assert citation.section.startswith(("7.", "8.", "9.")) and 16 <= citation.page <= 22, citation
        assert re.search(RECOMMENDATION_WORDS[topic], citation.quote), citation.quote


@pytest.mark.parametrize("topic", TOPICS)
def test_bibliography_lists_the_report_pages_and_every_footnoted_source(assistant, drafts, topic):
    draft = drafts[topic]
    report = draft.bibliography[0]
    assert report["kind"] == "report" and report["pages"] == sorted({c.page for c in draft.citations})
    listed = {e["id"] for e in draft.bibliography[1:]}
    for citation in draft.citations:
        for source in citation.sources:
            if assistant.snapshot.sources[source.id].kind != "note":
                assert source.id in listed
    for entry in draft.bibliography:
        assert ENTRY_STYLE.match(entry["text"]), entry["text"]


def test_known_figures_and_sources_appear(drafts):
    training = drafts[TOPICS[0]]
    assert "1 642" in training.paragraphs[0].text or any("1 642" in p.text for p in training.paragraphs)
    assert any(9 in c.footnotes for c in training.citations)
    fairs = drafts[TOPICS[1]]
    assert any("753" in c.figures for c in fairs.citations)
    circular = drafts[TOPICS[2]]
    assert any({"69", "57"} <= set(c.figures) for c in circular.citations)
    assert any("Benchmarking klastrów w Polsce" in e["text"] for e in circular.bibliography)


def test_english_framing_keeps_polish_quotes(assistant):
    draft = draft_justification(assistant, "internationalisation and trade fairs", lang="en")
    assert not draft.refused
    assert draft.need.startswith("The project") and draft.paragraphs[0].heading == "Internationalisation and exports"
    assert any("targi" in c.quote for c in draft.citations)
    markdown = to_markdown(draft)
    assert "## References" in markdown and "## Bibliography" in markdown


def test_off_topic_is_refused_and_nothing_is_drafted(assistant):
    draft = draft_justification(assistant, "hodowla alpak w Peru")
    assert draft.refused and draft.message == "Raport nie zawiera danych na ten temat."
    assert not draft.paragraphs and not draft.bibliography and not draft.citations
    refused = draft_justification(assistant, "alpaca farming in Peru", lang="en")
    assert refused.message.startswith("The report contains no data")
    assert not figures_in(to_markdown(draft))


@pytest.mark.parametrize("topic", ["", "   ", "x" * 501, "szkolenia\x00"])
def test_bad_topics_raise_a_one_line_value_error(assistant, topic):
    with pytest.raises(DraftInputError) as error:
        draft_justification(assistant, topic)
    assert isinstance(error.value, ValueError) and "\n" not in str(error.value)


def test_exports_markdown_and_docx(drafts, tmp_path):
    from docx import Document

    draft = drafts[TOPICS[0]]
    markdown = write_draft(draft, tmp_path / "uzasadnienie.md").read_text(encoding="utf-8")
    assert "## Przypisy" in markdown and "## Bibliografia" in markdown
    assert re.search(r"^1\. Klastry przemysłowe w Polsce", markdown, re.MULTILINE)
    document = Document(str(write_draft(draft, tmp_path / "uzasadnienie.docx")))
    headings = [p.text for p in document.paragraphs if p.style.name.startswith("Heading")]
    assert "Diagnoza i uzasadnienie potrzeby" in headings and "Bibliografia" in headings
    assert "Zgodność z rekomendacjami i politykami" in headings and "Dane i wskaźniki z raportu" in headings
    body = "\n".join(p.text for p in document.paragraphs)
    assert "1 642" in body and not re.search(r"\[\d+\]", body)  # markers became Word footnotes
    assert [p.suffix for p in write_draft_files(draft, tmp_path, "wniosek")] == [".md", ".docx"]


def test_unwritable_output_gives_a_clear_error(drafts, tmp_path):
    blocker = tmp_path / "plik.txt"
    blocker.write_text("x")
    for path, reason in [(blocker / "out.md", "does not exist"), (tmp_path / "brak" / "out.docx", "does not exist"),
                         (tmp_path / "out.pdf", "use .md or .docx"), (tmp_path, "unknown format")]:
        with pytest.raises(DraftOutputError, match=reason) as error:
            write_draft(drafts[TOPICS[0]], path)
        assert str(error.value).startswith("cannot write") and "\n" not in str(error.value)


def test_command_prints_markdown_or_saved_to_json_and_errors(assistant, tmp_path, capsys):
    def run(*argv, **extra):
        args = argparse.Namespace(topic=argv[0], lang=extra.get("lang", "pl"), out=extra.get("out"),
                                  json=extra.get("json", False), store=None)
        code = draft_command(args, assistant=assistant)
        return code, capsys.readouterr()

    code, output = run(TOPICS[1], out=str(tmp_path / "d.docx"))  # --out: one line saying where, not the Markdown
    assert code == 0 and output.out == f"saved to {tmp_path / 'd.docx'}\n" and (tmp_path / "d.docx").exists()
    code, output = run(TOPICS[1])
    assert code == 0 and output.out.startswith("# Uzasadnienie projektu")
    code, output = run(TOPICS[1], json=True, lang="en")
    data = json.loads(output.out)
    assert code == 0 and data["language"] == "en" and not data["refused"]
    assert data["bibliography"][0]["kind"] == "report"
    assert {"heading", "text", "citations", "figures"} <= set(data["paragraphs"][0])
    code, output = run("hodowla alpak w Peru", out=str(tmp_path / "alpaki.md"))
    assert code == 1 and "nie zawiera danych" in output.out and not (tmp_path / "alpaki.md").exists()
    for argv, extra in [(("",), {}), (("x" * 501,), {}), ((TOPICS[1],), {"out": str(tmp_path / "nie" / "d.md")})]:
        code, output = run(*argv, **extra)
        assert code == 2 and output.err.startswith("error: ") and output.err.count("\n") == 1 and not output.out


def test_figures_exclude_years_dates_ordinals_and_names():
    text = ("Według stanu na 31 grudnia 2025 r. było ich 18; podczas 6. Śląskich Dni w 2004 r. "
            "zrealizowano 1 642 staże, premia 11–13,5%, 2000 podmiotów, RIS3, druk 3D, Przemysł 4.0, (EU13) "
            "i korelacja 0,3670 (2022–2023).")
    assert figures_in(text) == ["18", "1 642", "11–13,5", "2000", "0,3670"]
    assert figures_in("1. Rozwój dedykowanej, długoterminowej polityki klastrowej") == []


def test_references_parse_into_one_style(assistant):
    sources = {s.footnotes[0]: s for s in assistant.snapshot.sources.values()}
    ketels = parse_reference(sources[21])
    assert [w["year"] for w in ketels] == ["2003", "2023"] and ketels[1]["title"].startswith("How industrial clusters")
    hsu = parse_reference(sources[18])[0]
    assert hsu["doi"] == "10.1108/JM2-11-2012-0038"
    assert hsu["container"].startswith("Journal of Modelling in Management")
    oughton = parse_reference(sources[47])[0]
    assert oughton["authors"].startswith("Chris Oughton") and oughton["year"] == "2023"
    assert "#:~:" not in parse_reference(sources[56])[0]["url"]
    for source in sources.values():
        if source.kind != "note":
            for work in parse_reference(source):
                text = format_entry({"kind": "source", **work}, "pl")
                assert ENTRY_STYLE.match(text), text


def test_docx_has_real_word_footnotes_one_per_source(drafts, tmp_path):
    """Read back the package XML: a footnotes part related and typed, one footnote per bibliography entry (the
    report first, with its pages), each reference in the text pointing at one of them."""
    import zipfile
    from xml.etree import ElementTree

    draft = drafts[TOPICS[0]]
    path = write_draft(draft, tmp_path / "u.docx")
    with zipfile.ZipFile(path) as package:
        types = package.read("[Content_Types].xml").decode()
        rels = package.read("word/_rels/document.xml.rels").decode()
        notes = package.read("word/footnotes.xml")
        body = package.read("word/document.xml").decode()
    assert 'PartName="/word/footnotes.xml"' in types and "footnotes+xml" in types
    assert 'relationships/footnotes" Target="footnotes.xml"' in rels
    w = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"
    texts = [(note.get(w + "id"), "".join(t.text or "" for t in note.iter(w + "t")))  # the XML parsed, entities read
             for note in ElementTree.fromstring(notes) if note.get(w + "type") is None]
    assert [int(i) for i, _ in texts] == [e["number"] for e in draft.bibliography]
    assert [t.strip() for _, t in texts] == [e["text"] for e in draft.bibliography]
    assert texts[0][1].strip().startswith("Klastry przemysłowe w Polsce")
    listed = re.search(r"s\. ([\d–, ]+)\.$", texts[0][1]).group(1)  # "5–6, 11, 16": the pages used, ranges joined
    pages = {p for part in listed.split(", ") for a, _, b in [part.partition("–")]
             for p in range(int(a), int(b or a) + 1)}
    assert pages == set(draft.bibliography[0]["pages"]) and 6 in pages
    assert sorted(set(int(n) for n in re.findall(r'footnoteReference w:id="(\d+)"', body))) == \
        [e["number"] for e in draft.bibliography]
    assert len(re.findall(r"footnoteReference", body)) == len(draft.bibliography)  # one footnote per source
    assert "NOTEREF _RefFootnote1" in body  # the report cited again points at its one footnote


def test_instruction_is_read_as_its_subject_with_the_training_figures(assistant):
    topic = ("Napisz krótkie uzasadnienie wniosku o dofinansowanie programu szkoleń i staży w klastrze, "
             "powołując się na dane z raportu.")
    draft = draft_justification(assistant, topic, llm=False)
    assert draft.subject == "Program szkoleń i staży w klastrze" and "Napisz" not in draft.need
    quoted = " ".join(c.quote for c in draft.citations)
    assert "1 642 staże" in quoted and "460 praktyk" in quoted and "60%" in quoted
    assert any(9 in c.footnotes for c in draft.citations)
    assert "11% wyższe" not in quoted and "14,2y" not in quoted  # not the wage premium, not the damaged sentence
    headings = [p.heading for p in draft.paragraphs]
    assert len(headings) == len(set(headings))
    english = draft_justification(assistant, "Draft a justification for a training and internship programme in "
                                             "the cluster, citing the report.", llm=False)
    assert english.language == "en" and english.subject.startswith("Training and internship programme")
    assert "Needs analysis and justification" in to_markdown(english)


def test_a_damaged_quote_is_flagged_and_only_quoted_when_chosen(assistant):
    topic = "stabilne finansowanie koordynatorów klastrów"
    draft = draft_justification(assistant, topic, llm=False)
    damaged = [c for c in draft.candidates if c.damage == "14,2y"]
    assert damaged and not damaged[0].relevant or damaged[0].id not in draft.chosen
    figure = [c.id for c in draft.candidates if c.part == "need" and not c.damage][:1]  # a draft needs one figure
    chosen = draft_justification(assistant, topic, llm=False, chosen=[damaged[0].id] + (draft.chosen or figure))
    flagged = [c for c in chosen.citations if c.damage]
    assert flagged and "14,2y" in flagged[0].quote
    assert "uszkodzony przy ekstrakcji" in to_markdown(chosen) and "„14,2y”" in to_markdown(chosen)
