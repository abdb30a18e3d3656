"""Figure matching and scoring of the evaluation harness (eval/metrics.py): pure functions."""

import pytest

from eval.metrics import (
    aggregate,
    canonical,
    extract_numbers,
    find_figure,
    find_word,
    first_rank,
    footnote_matches,
    missing_groups,
    order_failures_first,
    percentile,
    recall_hit,
    score_question,
    strip_markers,
    unsupported_numbers,
)


@pytest.mark.parametrize("text, figure", [
    ("zatrudnienie wynosi 25 863 osoby", "25863"),
    ("zatrudnienie wynosi 25863 osoby", "25 863"),
    ("wynosi 25\u00a0863 osoby", "25 863"),
    ("wynosi 25\u202f863 osoby", "25863"),
    ("ponad 1 200 organizacji", "1200"),
    ("wzrost o 14,2%", "14.2"),
    ("wzrost o 14.2%", "14,2"),
    ("od 10–15 lat", "10-15"),
    ("od 10—15 lat", "10-15"),
    ("od 10 – 15 lat", "10–15"),
    ("od 10-15 lat", "10—15"),
    ("było ich 18.", "18"),
    ("18, 19 i 20", "18"),
    ("(18)", "18"),
    ("TFP o 1–4,4%", "4,4"),
    ("średnio 117,7 członków", "117,7"),
    ("w roku 2025", "2025"),
    ("Przemysłu 4.0", "4.0"),
])
def test_figure_found(text, figure):
    assert find_figure(text, figure)


@pytest.mark.parametrize("text, figure", [
    ("było ich 185.", "18"),          # 18 + footnote marker 5
    ("wzrost o 14,2%", "14"),         # integer part of a decimal
    ("wzrost o 14,2%", "2"),          # fractional part of a decimal
    ("w roku 2025", "2"),
    ("w roku 2025", "202"),
    ("w roku 2025", "025"),
    ("premia 13,530 proc.", "13,5"),  # 13,5 + footnote marker 30
    ("zatrudnienie 25 863", "863"),   # part of a thousands group
    ("zatrudnienie 25 863", "25"),
    ("1 200 organizacji", "200"),
    ("", "18"),
    ("18 klastrów", ""),
])
def test_figure_not_found(text, figure):
    assert not find_figure(text, figure)


def test_canonical_form():
    assert canonical("25\u00a0863 i 14,2 oraz 10 – 15") == "25863 i 14.2 oraz 10-15"
    assert canonical("w latach 2019 2020") == "w latach 2019 2020"  # two years are not one number


def test_markers_are_not_figures():
    assert strip_markers("„Było ich 18.” [1] i „84” [2, 3]").count("[") == 0
    assert not find_figure(strip_markers("Według raportu: „tekst” [1]"), "1")
    assert extract_numbers("„Było 18 KKK i 84 klastry” [1] [2]") == ["18", "84"]


def test_extract_numbers_normalizes():
    assert extract_numbers("25 863 osoby, 14,2% i 10–15 lat w 2025") == ["25863", "14.2", "10", "15", "2025"]


def test_unsupported_numbers():
    quotes = ["Średnie zatrudnienie wynosi 25 863 osoby/klaster."]
    assert unsupported_numbers("„Średnie zatrudnienie wynosi 25863 osoby” [1]", quotes) == []
    assert unsupported_numbers("Zatrudnienie: 25 863, mediana 17 393 [1]", quotes) == ["17393"]
    assert unsupported_numbers("Było ich 18 [1]", ["Było ich 185 w 2024."]) == ["18"]


def test_words_and_groups():
    assert find_word("program z Politechniką  Śląską", "politechniką śląską")
    assert missing_groups("84 klastry i 18 KKK", [["18"], ["84", "84 klastry"], ["185"]]) == ["185"]


def test_retrieval_rank_and_recall():
    texts = ["było ich 185.", "84 klastry", "18 KKK i 84 klastry"]
    assert first_rank(texts, [["18"]]) == 3
    assert first_rank(texts, [["18"], ["84"]]) == 3
    assert first_rank(texts[:2], [["18"]]) is None
    assert recall_hit(["18 KKK", "84 klastry"], [["18"], ["84"]], k=2)
    assert not recall_hit(["18 KKK", "84 klastry"], [["18"], ["84"]], k=1)


SOURCES = {("r.pdf", 7): "bench", ("r.pdf", 9): "bench", ("r.pdf", 5): "kkk"}


def test_footnotes_match_by_number_or_source():
    assert footnote_matches("r.pdf", 5, [5], SOURCES)
    assert footnote_matches("r.pdf", 9, [7], SOURCES)      # same source id
    assert not footnote_matches("r.pdf", 5, [7], SOURCES)
    assert not footnote_matches("r.pdf", 11, [12], SOURCES)  # unknown footnotes match by number only


def answer(text="", refused=False, citations=(), contexts=()):
    return {"question": "q", "language": "pl", "answer": text, "refused": refused, "mode": "extractive",
            "citations": list(citations), "contexts": [{"text": t} for t in contexts], "latency_ms": 5.0}


def citation(quote, page=5, footnotes=(), doc="r.pdf"):
    return {"marker": 1, "doc": doc, "page": page, "quote": quote, "footnotes": list(footnotes), "sources": []}


KKK = {"id": "q1", "question": "Ile KKK?", "kind": "figure", "section": "3", "expect_figures": [["18"]],
       "forbid_figures": ["185"], "expect_footnotes": [5], "expect_pages": [5], "expect_refusal": False}
REFUSE = {"id": "q2", "question": "Pogoda?", "kind": "refusal", "expect_refusal": True}


def test_score_passing_answer():
    quote = "Status KKK ma 18 klastrów."
    s = score_question(KKK, answer(f"„{quote}” [1]", citations=[citation(quote, 5, [5])],
                                   contexts=["bez liczb", quote]), SOURCES)
    assert s["passed"] and s["cause"] is None
    assert s["retrieval"] == {"hit": True, "rank": 2, "rr": 0.5}


def test_score_forbidden_figure_fails():
    quote = "było ich 185."
    s = score_question(KKK, answer(f"„{quote}” [1]", citations=[citation(quote, 5, [5])], contexts=[quote]))
    assert s["figures_ok"] is False and s["forbidden_found"] == ["185"]
    assert s["cause"] == "retrieval miss"  # 18 is not in any context either


def test_score_causes():
    right = "Status KKK ma 18 klastrów."
    wrong = score_question(KKK, answer("„84 klastry” [1]", citations=[citation("84 klastry", 5, [5])],
                                       contexts=[right]), SOURCES)
    assert wrong["cause"] == "wrong sentence picked"
    notes = score_question(KKK, answer(f"„{right}” [1]", citations=[citation(right, 5, [9])], contexts=[right]),
                           SOURCES)
    assert notes["cause"] == "footnote mismatch" and notes["pages_ok"]
    refused = score_question(KKK, answer("Raport nie podaje tej informacji.", refused=True), SOURCES)
    assert refused["cause"] == "refusal error"
    invented = score_question(KKK, answer(f"„{right}” 42 [1]", citations=[citation(right, 5, [5])],
                                          contexts=[right]), SOURCES)
    assert invented["hallucinated"] == ["42"] and invented["cause"] == "hallucinated figure"


def test_refusal_question_has_no_content_checks():
    s = score_question(REFUSE, answer("Raport nie podaje tej informacji.", refused=True))
    assert s["passed"] and s["figures_ok"] is None and s["footnotes_ok"] is None and s["retrieval"] is None
    wrong = score_question(REFUSE, answer("„Tekst” [1]", citations=[citation("Tekst")]))
    assert wrong["cause"] == "refusal error"


def test_error_answer_fails():
    s = score_question(KKK, {"id": "q1", "question": "Ile KKK?", "error": "boom"})
    assert not s["passed"] and s["cause"] == "error" and s["reasons"] == ["error: boom"]


def test_an_error_is_counted_as_an_error_never_as_a_refusal():
    # a crashed question, even one whose row also says refused, is no refusal: it is an error
    crashed_refusal = score_question(REFUSE, {"id": "q2", "question": "Pogoda?", "refused": True,
                                              "answer": "Raport nie podaje tej informacji.", "error": "boom"})
    assert crashed_refusal["refused"] is False and crashed_refusal["error"] == "boom"
    assert not crashed_refusal["passed"] and crashed_refusal["cause"] == "error"
    crashed_answerable = score_question(KKK, {"id": "q1", "question": "Ile KKK?", "error": "boom"})
    assert crashed_answerable["refused"] is False and crashed_answerable["cause"] == "error"
    m = aggregate([crashed_answerable, crashed_refusal], k=6)
    assert m["errors"] == 2 and m["failure_causes"] == {"error": 2}
    assert m["refusal_recall"] == 0.0  # the question that should be refused was not: it crashed
    assert m["refusal_precision"] is None and m["false_refusals"] == 0 and m["false_refusal_rate"] == 0.0
    assert m["hallucinated_figures"] == 0  # an error's text is not scored for figures


def test_aggregate():
    quote = "Status KKK ma 18 klastrów."
    good = score_question(KKK, answer(f"„{quote}” [1]", citations=[citation(quote, 5, [5, 9])], contexts=[quote]),
                          SOURCES, wall_ms=10)
    bad = score_question(KKK, answer("Raport nie podaje tej informacji.", refused=True), SOURCES, wall_ms=30)
    ok_refusal = score_question(REFUSE, answer("Raport nie podaje.", refused=True), wall_ms=20)
    m = aggregate([good, bad, ok_refusal], k=6)
    assert m["figure_accuracy"] == 0.5 and m["footnote_recall"] == 0.5
    assert m["footnote_precision"] == 0.5  # footnote 9 cites another source than the expected 5
    assert m["refusal_recall"] == 1.0 and m["refusal_precision"] == 0.5
    assert m["retrieval_recall_at_k"] == 0.5 and m["mrr_at_k"] == 0.5
    assert m["hallucinated_figures"] == 0 and m["latency_p50_ms"] == 20
    assert m["failure_causes"] == {"refusal error": 1}
    assert [s["id"] for s in order_failures_first([good, ok_refusal, bad])][0] == "q1" and not \
        order_failures_first([good, ok_refusal, bad])[0]["passed"]


def test_percentile():
    assert percentile([], 50) is None
    assert percentile([1, 2, 3, 4], 50) == 2.5
    assert percentile(list(range(101)), 95) == 95


def test_dates_are_one_number():
    quote = "lista-kkk [dostęp: 31.12.2025]"
    assert extract_numbers(quote) == ["31.12.2025"]
    assert unsupported_numbers(f"„{quote}” [1]", [quote]) == []


def test_every_number_of_the_report_is_found_in_it():
    """Extraction and matching agree: no number of a text is 'unsupported' by that same text."""
    from pathlib import Path

    text = (Path(__file__).parent / "fixtures" / "raport-klastry.txt").read_text(encoding="utf-8")
    numbers = extract_numbers(text)
    assert len(numbers) > 300
    assert unsupported_numbers(text, [text]) == []
