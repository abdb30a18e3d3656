"""Key figures a draft loses when the sentence holding them never names the topic (issue 27, fourth round), on the
real store and report.

The French model's section counts its 55 certified clusters without saying "Francja" again; a recommendation's
"co 3–4 lata" sits between its audits and its certification sentences; the French coordinators' grants sit between
the funding aspect and the 9 mln budget. The topics here are worded apart from the evaluation's.
"""

from __future__ import annotations

import pytest
from conftest import ticked

from assistant.drafts.compose import draft_justification
from assistant.drafts.relevance import TopicTerms

FRENCH_EN = "the French model of competitiveness clusters"
FRENCH_PL = "francuski model klastrów konkurencyjności"
AUDITS = "obowiązkowe audyty klastrów i ich certyfikacja"
OFFICES = "finansowanie biur koordynatorów klastrów"


@pytest.fixture(scope="module")
def drafts(assistant):
    topics = (FRENCH_EN, FRENCH_PL, AUDITS, OFFICES)
    return {topic: draft_justification(assistant, topic, llm=False) for topic in topics}


@pytest.mark.parametrize("topic", [FRENCH_EN, FRENCH_PL])
def test_a_figure_in_the_section_on_the_topic_serves_it(drafts, topic):
    """"8. Model wsparcia klastrów we Francji": its "W fazie V certyfikowano 55 klastrów ... 18,5 tys.
    przedsiębiorstw" is the French model's scale, though the sentence never says "Francja"."""
    assert "W fazie V certyfikowano 55 klastrów, skupiających ponad 18,5 tys. przedsiębiorstw" in ticked(drafts[topic])


def test_a_sentence_between_two_quoted_ones_of_a_passage_is_quoted(drafts):
    """The audits recommendation: "Należy uzależnić wsparcie od regularnej oceny wyników ..." and "Komisja ... powinna
    przyznawać certyfikację" are quoted, and so is the sentence between them with the 3–4 year cycle."""
    quoted = ticked(drafts[AUDITS])
    assert "Warto rozważyć system fazowy z globalną ewaluacją co 3–4 lata" in quoted
    assert "powinna przyznawać certyfikację" in quoted


def test_a_passage_on_coordinator_funding_keeps_its_middle_sentence(drafts):
    """"Aspekt finansowania koordynatorów ..." and the 9 mln budget, with the French coordinators' operating grants
    between them."""
    quoted = ticked(drafts[OFFICES])
    assert "We Francji koordynatorzy otrzymują dotacje na działalność operacyjną" in quoted
    assert "9 mln euro" in quoted


def test_an_english_function_word_is_no_topic_word(assistant):
    """"as" has a dictionary sense ("gdy"), which would count any sentence saying "gdy" as on the topic."""
    terms = TopicTerms.read(assistant, "the French cluster model as an example for Poland")
    assert "gdy" not in terms.weights and "francuski" in terms.weights
