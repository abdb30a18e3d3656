"""English words FreeDict lacks reach the report through their Polish cognates (eval/cognates.py, issue 24).

"And for industrial agglomerations?" was refused as "The report does not cover: agglomerations" beside the
report's "aglomeracji"; the generated bilingual list now carries such words, and the answer is shown.
"""

from __future__ import annotations

from assistant.glossary import translations
from assistant.types import Outcome
from eval.cognates import cognates, polish_forms, prefixed_compounds, reduced


def test_spellings_and_suffixes_meet_in_one_form():
    assert reduced("agglomeration", english=True) == "aglomeration" and reduced("aglomeracja") == "aglomeracja"
    assert "aglomeracja" in polish_forms("agglomeration")
    assert reduced("produktywność") in polish_forms("productivity")
    assert reduced("efektywny") in polish_forms("effective")
    assert reduced("analityka") in polish_forms("analytics")


def test_only_the_reports_lemmas_and_only_long_words_match():
    vocabulary = {"aglomeracja", "analityka", "strategia", "sektor", "arta"}
    table = cognates({"agglomeration", "analytic", "strategy", "sector", "art", "weather"}, vocabulary)
    assert table == {"agglomeration": {"aglomeracja"}, "analytic": {"analityka"}, "analytics": {"analityka"},
                     "strategy": {"strategia"}, "sector": {"sektor"}}  # "art" is too short to trust


def test_the_shipped_list_carries_cognates():
    assert "aglomeracja" in translations("agglomerations")
    assert "analityka" in translations("analytics")


def test_an_english_question_with_a_cognate_is_answered_not_refused(assistant):
    answer = assistant.ask("And Big Data analytics?", history=["What share of clusters use artificial intelligence?"])
    assert answer.outcome != Outcome.REFUSED and "16%" in answer.answer, answer.answer
    assert "analytics" not in answer.missing


def test_an_english_prefix_compound_becomes_the_reports_compound():
    table = prefixed_compounds({"enterprise": {"przedsiębiorstwo", "firma"}, "house": {"dom"}},
                               {"mikroprzedsiębiorstwo", "dom"})
    assert table == {"micro-enterprise": {"mikroprzedsiębiorstwo"}, "microenterprise": {"mikroprzedsiębiorstwo"}}
    assert "mikroprzedsiębiorstwo" in translations("micro-enterprises")


def test_micro_enterprises_find_the_reports_mikroprzedsiebiorstwa(assistant):
    """The closest passage (shown, or the first "see also" when the judge is not sure enough) is the 37% line."""
    answer = assistant.ask("What share of cluster member firms are micro-enterprises?")
    closest = answer.see_also if answer.refused else answer.citations
    assert "Mikroprzedsiębiorstwa: 37%" in closest[0].quote, answer.answer
    assert "micro-enterprises" not in answer.missing
