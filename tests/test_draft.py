"""Grant-justification drafts on the real store: grounding, references, exports, bad input, the command."""

from __future__ import annotations

import argparse
import json
import re

import pytest

from assistant.drafts.compose import (FACETS, DraftInputError, DraftOutputError, draft_command, draft_justification, figures_in,
                             to_markdown, write_draft, write_draft_files)
from assistant.drafts.compose import matches
from assistant.drafts.export import format_entry, parse_reference
from assistant.lemmas import tokenize

TOPICS = ["szkolenia i staże w klastrze ICT", "internacjonalizacja i targi zagraniczne",
          "gospodarka o obiegu zamkniętym w klastrze obróbki metali"]
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
    assert 3 <= len(draft.paragraphs) <= 6
    figures = {norm(f) for p in draft.paragraphs for f in p.figures}
    assert len(figures) >= 3, figures
    text = report_text(assistant)
    numbers = {e["number"] for e in draft.bibliography}
    for paragraph in draft.paragraphs + [draft.recommendations]:
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
    markers = [int(m) for m in re.findall(r"\[(\d+)\]", " ".join(p.text for p in draft.paragraphs + [draft.recommendations]))]
    assert markers == list(range(1, len(draft.citations) + 1))


@pytest.mark.parametrize("topic", TOPICS)
def test_no_paragraph_is_off_topic(drafts, topic):
    draft = drafts[topic]
    topic_lemmas = set(tokenize(topic)) - {"klaster"}
    facets = {f.key: f.lemmas for f in FACETS}
    for paragraph in draft.paragraphs:
        facet = facets.get(paragraph.facet, set())
        allowed = topic_lemmas | (facet if topic_lemmas & facet else set())  # a facet counts when it fits the topic
        for citation in paragraph.citations:  # every quoted sentence, not just the paragraph
            assert any(matches(t, set(tokenize(citation.quote))) for t in allowed), (paragraph.heading, citation.quote)
    assert all(c.section.startswith("9.") for c in draft.recommendations.citations)


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
    assert draft.need.startswith("The project") and draft.paragraphs[0].heading == "Internationalisation"
    assert any("targi" in c.quote for c in draft.citations)
    markdown = to_markdown(draft)
    assert "## References" in markdown and "## Bibliography" in markdown


def test_off_topic_is_refused_and_nothing_is_drafted(assistant):
    draft = draft_justification(assistant, "hodowla alpak w Peru")
    assert draft.refused and draft.message == "Raport nie zawiera danych na ten temat."
    assert not draft.paragraphs and not draft.bibliography and not draft.citations
    assert draft_justification(assistant, "alpaca farming in Peru", lang="en").message.startswith("The report contains no data")
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
    assert "Przypisy" in headings and "Bibliografia" in headings
    body = "\n".join(p.text for p in document.paragraphs)
    assert all(entry["text"] in body for entry in draft.bibliography)
    assert all(f"[{c.marker}]" in body for c in draft.citations)
    assert [p.suffix for p in write_draft_files(draft, tmp_path, "wniosek")] == [".md", ".docx"]


def test_unwritable_output_gives_a_clear_error(drafts, tmp_path):
    blocker = tmp_path / "plik.txt"
    blocker.write_text("x")
    for path, reason in [(blocker / "out.md", "does not exist"), (tmp_path / "brak" / "out.docx", "does not exist"),
                         (tmp_path / "out.pdf", "use .md or .docx"), (tmp_path, "unknown format")]:
        with pytest.raises(DraftOutputError, match=reason) as error:
            write_draft(drafts[TOPICS[0]], path)
        assert str(error.value).startswith("cannot write") and "\n" not in str(error.value)


def test_command_prints_markdown_json_and_errors(assistant, tmp_path, capsys):
    def run(*argv, **extra):
        args = argparse.Namespace(topic=argv[0], lang=extra.get("lang", "pl"), out=extra.get("out"),
                                  json=extra.get("json", False), store=None)
        code = draft_command(args, assistant=assistant)
        return code, capsys.readouterr()

    code, output = run(TOPICS[1], out=str(tmp_path / "d.docx"))
    assert code == 0 and output.out.startswith("# Uzasadnienie projektu") and (tmp_path / "d.docx").exists()
    code, output = run(TOPICS[1], json=True, lang="en")
    data = json.loads(output.out)
    assert code == 0 and data["language"] == "en" and not data["refused"] and data["bibliography"][0]["kind"] == "report"
    assert {"heading", "text", "citations", "figures"} <= set(data["paragraphs"][0])
    code, output = run("hodowla alpak w Peru", out=str(tmp_path / "alpaki.md"))
    assert code == 1 and "nie zawiera danych" in output.out and not (tmp_path / "alpaki.md").exists()
    for argv, extra in [(("",), {}), (("x" * 501,), {}), ((TOPICS[1],), {"out": str(tmp_path / "nie" / "d.md")})]:
        code, output = run(*argv, **extra)
        assert code == 2 and output.err.startswith("error: ") and output.err.count("\n") == 1 and not output.out


def test_figures_exclude_years_dates_ordinals_and_names():
    text = ("Według stanu na 31 grudnia 2025 r. było ich 18; podczas 6. Śląskich Dni w 2004 r. zrealizowano 1 642 staże, "
            "premia 11–13,5%, 2000 podmiotów, RIS3, druk 3D, Przemysł 4.0, (EU13) i korelacja 0,3670 (2022–2023).")
    assert figures_in(text) == ["18", "1 642", "11–13,5", "2000", "0,3670"]
    assert figures_in("1. Rozwój dedykowanej, długoterminowej polityki klastrowej") == []


def test_references_parse_into_one_style(assistant):
    sources = {s.footnotes[0]: s for s in assistant.snapshot.sources.values()}
    ketels = parse_reference(sources[21])
    assert [w["year"] for w in ketels] == ["2003", "2023"] and ketels[1]["title"].startswith("How industrial clusters")
    hsu = parse_reference(sources[18])[0]
    assert hsu["doi"] == "10.1108/JM2-11-2012-0038" and hsu["container"].startswith("Journal of Modelling in Management")
    oughton = parse_reference(sources[47])[0]
    assert oughton["authors"].startswith("Chris Oughton") and oughton["year"] == "2023"
    assert "#:~:" not in parse_reference(sources[56])[0]["url"]
    for source in sources.values():
        if source.kind != "note":
            for work in parse_reference(source):
                text = format_entry({"kind": "source", **work}, "pl")
                assert ENTRY_STYLE.match(text), text
