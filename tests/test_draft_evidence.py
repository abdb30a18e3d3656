"""Which evidence a draft quotes and how the coordinator chooses it (issue 27), on the real store.

What is checked is read from the report's own text (tests/fixtures/raport-klastry.txt): the figures and
passages a reviewer expects, quotes that must not lose the sentence they refer back to, list items kept
whole; the CLI's numbered candidates and `--pick`; "to check" candidates left unticked (issue 25); damaged
text flagged in the chat's answers too.
"""

from __future__ import annotations

import argparse
import json
import re

import pytest

from assistant.drafts.command import draft_command
from assistant.drafts.compose import draft_justification
from assistant.drafts.export import clauses, indicators
from assistant.drafts.selection import STRONG_CONFIDENCE
from assistant.drafts.tables import FACETS
from assistant.lemmas import tokenize

DIGITAL = "cyfryzacja firm w klastrze"
DUAL_USE = "cluster project on dual-use technologies, aviation and drones"
TRAINING = "szkolenia i staże w klastrze ICT"
FUNDING = "stabilne finansowanie koordynatorów klastrów"
CASCADE = "finansowanie kaskadowe dla MŚP w klastrach"
RND = "R&D spending of cluster firms"  # "R&D" is B+R, "spending" wydatki; the report speaks of investment in B+R
VOCATIONAL = "kształcenie zawodowe uczniów we współpracy z klastrem"
GROWTH = "cluster impact on regional economic growth"
TOPICS = (DIGITAL, DUAL_USE, TRAINING, FUNDING, CASCADE, RND, VOCATIONAL, GROWTH)
REFERS_BACK = re.compile(r"^(Choć |Ponadto|[\w-]+ (ten|ta|te) )")


@pytest.fixture(scope="module")
def drafts(assistant):
    return {topic: draft_justification(assistant, topic, llm=False) for topic in TOPICS}


def run(assistant, capsys, topic, **extra):
    args = argparse.Namespace(topic=topic, lang=extra.get("lang"), out=extra.get("out"), json=extra.get("json", False),
                              store=None, candidates=extra.get("candidates", False), pick=extra.get("pick"),
                              max_chars=extra.get("max_chars"))
    code = draft_command(args, assistant=assistant)
    return code, capsys.readouterr()


def test_digitalisation_quotes_the_kkk_adoption_figures(drafts):
    quoted = " ".join(c.quote for c in drafts[DIGITAL].citations)
    for figure in ("87% jednostek korzysta z automatyki", "80% wdrożyło", "67% wykorzystuje"):
        assert figure in quoted


def test_a_quote_that_refers_back_brings_its_antecedent(drafts):
    for draft in drafts.values():
        for candidate in draft.candidates:
            if "potencjał ten jest wysoki" in candidate.quote:  # "Choć potencjał ten ..." reads after the 87% sentence
                assert candidate.quote.index("87%") < candidate.quote.index("potencjał ten")
            assert not REFERS_BACK.match(candidate.quote), candidate.quote


def test_statements_without_figures_stand_in_where_the_subject_has_no_figures(drafts):
    draft = drafts[DUAL_USE]
    quoted = " ".join(c.quote for c in draft.citations)
    assert re.search(r"dual.use|podwójnego zastosowania", quoted) and "Dronów" in quoted  # section 5.3
    assert any(not c.figures for p in draft.section("need") for c in p.citations)
    assert "półprzewodnik" not in quoted and "chipów" not in quoted  # not the automotive chip shortage
    assert any(c.page == 15 for c in draft.citations)


def test_figures_come_first_statements_only_where_needed_or_sure(drafts):
    """The training topic opens with its figures; a statement without figures is quoted beside them only when the
    chat's judge is sure of it (the Talent HUB internship programme), never as filler."""
    draft = drafts[TRAINING]
    need = draft.section("need")
    assert need and need[0].citations[0].figures
    judged = {c.quote: c.confidence for c in draft.candidates}
    for citation in (c for p in need for c in p.citations if not c.figures):
        assert judged[citation.quote] >= STRONG_CONFIDENCE, citation.quote


def ticked(draft) -> str:
    return " ".join(c.quote for c in draft.candidates if c.relevant)


def test_key_figures_are_ticked_for_topics_in_words_the_report_does_not_use(drafts):
    assert "0,3670" in ticked(drafts[RND])  # "R&D spending": the correlation with business investment in B+R
    assert "o 40% częściej biorą udział w projektach edukacyjnych" in ticked(drafts[VOCATIONAL])  # vocational
    assert "9 mln euro" in ticked(drafts[FUNDING])


def test_a_list_items_label_says_what_the_item_is_about(drafts):
    """"• Zapewnienie ciągłości finansowania koordynatorów. Należy odejść od konkursów projektowych ...": the
    recommendation is quoted with its label, which names the subject its own sentence does not."""
    quote = next(c.quote for c in drafts[FUNDING].citations if "Należy odejść od konkursów projektowych" in c.quote)
    assert quote.startswith("• Zapewnienie ciągłości finansowania koordynatorów.")


def test_a_passage_that_keeps_to_the_topic_is_quoted_whole_and_once(drafts):
    """Section 5.3 goes on from the dual-use panels to the FENG/PARP support and PGM's defence working group."""
    draft = drafts[DUAL_USE]
    quoted = " ".join(c.quote for c in draft.citations)
    for passage in ("Śląski Klaster Lotniczy", "FENG za pośrednictwem PARP", "Polska Grupa Motoryzacyjna (PGM)"):
        assert passage in quoted
    sentences = [s for c in draft.citations for s in re.split(r"(?<=[.!?]) (?=[A-ZŁŚŻ])", c.quote)]
    assert len(sentences) == len(set(sentences))  # no sentence quoted twice


def test_a_recommendation_with_figures_is_the_evidence_when_nothing_else_is(drafts):
    draft = drafts[CASCADE]
    assert not draft.refused
    quoted = " ".join(c.quote for c in draft.citations)
    assert "42 mln" in quoted and "70% środków" in quoted
    assert any("42" in row for row, _ in indicators(draft))  # and its figures are in the data section


def test_a_figure_aside_does_not_carry_the_topic(drafts):
    """"Instytucje otoczenia biznesu: 265 (5,4%; wzrost o 83)" holds "wzrost" only in its aside: not growth evidence."""
    assert "wzrost o 83" not in ticked(drafts[GROWTH])
    assert "dynamika wzrostu Wartości Dodanej Brutto" in ticked(drafts[GROWTH])


def test_list_items_and_data_bullets_are_never_cut(assistant, drafts):
    sentence = ("Każda faza kończy się globalną ewaluacją (co 3-4 lata), z indywidualnymi kontraktami "
                "(KPI: liczba projektów, członkowie, zatrudnienie).")
    assert all(piece.count("(") == piece.count(")") for piece in clauses(sentence))
    assert clauses("Przykłady (np. Francja: 9 mln euro) są znane.") == ["Przykłady (np. Francja: 9 mln euro) są znane."]
    for draft in drafts.values():
        for text in [c.quote for c in draft.candidates] + [row for row, _ in indicators(draft)]:
            text = re.sub(r"^[a-z0-9]\) ", "", text)  # a list item's own label "a) " opens nothing
            assert text.count("(") == text.count(")") and not re.search(r"\((np|KPI|ang)\.?$", text), text


def test_headings_follow_what_their_quotes_say(drafts):
    """A facet heading stands only over quotes whose own sentence names one of the facet's words."""
    stems = {f.key: {t[:5] for t in f.lemmas} for f in FACETS}
    for draft in drafts.values():
        for paragraph in draft.section("need"):
            if paragraph.facet in stems:
                for citation in paragraph.citations:
                    own = {t[:5] for t in tokenize(citation.quote)}
                    assert own & stems[paragraph.facet], (paragraph.heading, citation.quote)


def test_candidates_are_listed_numbered_and_picked_from_the_cli(assistant, capsys):
    code, output = run(assistant, capsys, TRAINING, candidates=True)
    lines = output.out.splitlines()
    assert code == 0 and lines and all(re.match(r"^\s*\d+\. \[[x ?]\]", line) for line in lines)
    assert [int(line.split(".")[0]) for line in lines] == list(range(1, len(lines) + 1))
    training = next(line for line in lines if "1 642" in line)
    assert "[x]" in training and "s. 6" in training and "1 642; 460; 60" in training
    unticked = [int(line.split(".")[0]) for line in lines if "[ ]" in line and "· need ·" in line]
    first = int(training.split(".")[0])
    code, output = run(assistant, capsys, TRAINING, pick=f"{first},{unticked[0]}", json=True)
    draft = json.loads(output.out)
    listing = json.loads(run(assistant, capsys, TRAINING, candidates=True, json=True)[1].out)["candidates"]
    wanted = {c["id"] for c in listing if c["number"] in (first, unticked[0])}
    assert code == 0 and set(draft["chosen"]) == wanted
    quotes = [c["quote"] for p in draft["paragraphs"] for c in p["citations"]]
    assert len(quotes) == 2 and any("1 642" in q for q in quotes)


@pytest.mark.parametrize("pick, reason", [("999", "there are"), ("3,x", "cannot read --pick"), ("0", "cannot read")])
def test_a_pick_the_list_does_not_have_is_a_one_line_error(assistant, capsys, pick, reason):
    code, output = run(assistant, capsys, TRAINING, pick=pick)
    assert code == 2 and output.err.startswith("error: ") and reason in output.err and output.err.count("\n") == 1


def test_only_sure_candidates_are_ticked_the_others_offered_to_check(assistant, monkeypatch):
    """KLASTRY_DRAFT_SURE_THRESHOLD between the judge's probabilities of the relevant candidates: those below it are
    offered unticked, marked to check (the level is read from the candidates, not from one trained model)."""
    monkeypatch.setattr(assistant, "settings", assistant.settings.model_copy(update={"draft_sure_threshold": 0.0}))
    relevant = sorted(c.confidence for c in draft_justification(assistant, TRAINING, llm=False).candidates
                      if c.relevant)
    assert len(relevant) >= 2 and relevant[0] < relevant[-1]
    level = (relevant[0] + relevant[-1]) / 2
    monkeypatch.setattr(assistant, "settings", assistant.settings.model_copy(update={"draft_sure_threshold": level}))
    draft = draft_justification(assistant, TRAINING, llm=False)
    ticked = [c for c in draft.candidates if c.id in draft.chosen]
    assert ticked and all(c.confidence >= level for c in ticked)
    to_check = [c for c in draft.candidates if c.check]
    assert to_check and all(c.id not in draft.chosen and c.confidence < level for c in to_check)
    from assistant.drafts.command import candidate_lines

    assert any("[?]" in line and "(do sprawdzenia)" in line for line in candidate_lines(draft))
    monkeypatch.setattr(assistant, "settings", assistant.settings.model_copy(update={"draft_sure_threshold": 0.999}))
    nothing_sure = draft_justification(assistant, TRAINING, llm=False)
    assert nothing_sure.refused and "fragmenty do sprawdzenia" in nothing_sure.message
    assert any(c.check for c in nothing_sure.candidates)  # still offered: the coordinator may pick them


def test_chat_citations_flag_damaged_text(assistant):
    """The citation the chat's answerer builds (`make_citation`) carries the flag; the CLI's sources, the card and
    "Kopiuj" show it; a whole quote carries none."""
    from assistant.answer.citations import format_sources, make_citation
    from assistant.types import Answer
    from assistant.web.render import citation_card, plain_text

    chunk, sentence = next((c, s) for c in assistant.snapshot.chunks.values() for s in c.sentences if "14,2y" in s.text)
    damaged = make_citation(1, chunk, sentence.text, list(sentence.footnotes), assistant.snapshot)
    whole = next(make_citation(2, c, s.text, list(s.footnotes), assistant.snapshot)
                 for c in assistant.snapshot.chunks.values() for s in c.sentences if "1 642 staże" in s.text)
    assert damaged.damaged == "14,2y" and whole.damaged == ""
    assert "⚠ tekst cytatu wygląda na uszkodzony przy ekstrakcji z PDF („14,2y”)" in format_sources([damaged], "pl")
    assert "damaged" not in format_sources([whole], "en") and "⚠" not in format_sources([whole], "pl")
    card = citation_card(damaged, "en", "k")
    assert 'class="card-damaged"' in card and "damaged by PDF extraction" in card
    answer = Answer(question="q", language="pl", answer="a [1]", refused=False, citations=[damaged])
    assert "uszkodzony" in plain_text(answer) and answer.to_dict()["citations"][0]["damaged"] == "14,2y"


def test_the_draft_tab_speaks_the_drafts_language(assistant):
    """An English draft's check boxes and notices are English (the tab's own words, issue 28); a Polish one's Polish."""
    from assistant.drafts import draft_justification as make
    from assistant.web.drafts import DraftChoice, choice_labels, summary_html

    english = make(assistant, "cluster internships and training", "en", llm=False)
    choice = DraftChoice("cluster internships and training", "en", list(english.candidates), list(english.chosen))
    assert "quotes ticked" in summary_html(choice, choice.ticked)
    assert all(label.startswith(("p. ", "? to check · p. ", "⚠ text damaged")) for label, _ in choice_labels(choice))
    polish = DraftChoice("staże", "pl", list(english.candidates), [])
    assert "Zaznaczono 0 z" in summary_html(polish, [])


def test_a_compound_counts_for_its_head_word(assistant):
    """"bezpieczeństwo cyfrowe": the report's word is the compound "cyberbezpieczeństwo" (46% of the units)."""
    draft = draft_justification(assistant, "ochrona danych i bezpieczeństwo cyfrowe firm w klastrze", llm=False)
    assert "w 46% badanych jednostek" in ticked(draft)
