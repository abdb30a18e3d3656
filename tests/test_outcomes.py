"""How sure an answer is (issue 25): a sure answer, a passage to check, or not in the report.

The level choice of `python -m eval train` and the outcome mapping on hand-made numbers; then the real
assistant over the real store, with its levels set through settings (so no test depends on an exact
probability): the passage-to-check framing, the JSON contract, the LLM path and the evaluation's counts.
"""

from __future__ import annotations

import json

import pytest
from langchain_core.language_models.fake_chat_models import GenericFakeChatModel
from langchain_core.messages import AIMessage

from assistant import Assistant, Settings
from assistant.answer.answerability import DEFAULT_SURE_THRESHOLD, MODEL_FILE, AnswerabilityModel, model_for
from assistant.errors import SettingsError
from assistant.llm.answerer import LLMAnswerer
from assistant.types import Answer, Outcome
from assistant.web import render
from eval import outcomes
from eval.train import MIN_SURE_SUPPORT, choose_sure_threshold

KKK = "Ile klastrów ma status Krajowego Klastra Kluczowego?"
GERMANY = "Ile klastrów jest w Niemczech?"
CHECK_PL = "Najbliższy fragment raportu — sprawdź, czy odpowiada na pytanie:"


# --- the sure level chosen on dev ----------------------------------------------------------------

def test_sure_level_is_the_lowest_that_keeps_confidently_wrong_answers_rare():
    # 100 answerable questions from 0.99 down; the wrong ones sit at 0.40-0.49 and one at 0.95
    outcomes_ = [(0.99 - i / 100, not (50 <= i < 60) and i != 4, True) for i in range(100)]
    level, rates = choose_sure_threshold(outcomes_, threshold=0.3, max_wrong_share=0.01)
    sure = [(p, right) for p, right, _ in outcomes_ if p >= level]
    assert sum(not right for _, right in sure) == 1 and rates["precision_reached"]  # 1% of 100 questions
    below = max(p for p, _, _ in outcomes_ if p < level)  # one more answer made sure is a second wrong one
    assert sum(not right for p, right, _ in outcomes_ if p >= below) == 2
    assert len(sure) == 50 and rates["sure_share_of_answerable"] == 0.5
    level, _ = choose_sure_threshold(outcomes_, threshold=0.3, max_wrong_share=0.05)
    assert abs(level - 0.46) < 1e-9  # a looser ceiling takes four more of the wrong block: 5 wrong of 100
    level, _ = choose_sure_threshold(outcomes_, threshold=0.3, max_wrong_share=0.5)
    assert abs(level - 0.46) < 1e-9  # no ceiling to speak of: 90% of the sure answers right holds it there


def test_sure_level_counts_unanswerable_questions_as_wrong_and_stays_above_the_refusal_level():
    answered = [(0.9, True, True)] * 40 + [(0.95, False, False)] * 5  # confident answers to unanswerable questions
    level, rates = choose_sure_threshold(answered, threshold=0.5, max_wrong_share=0.5, min_precision=0.97)
    assert rates["sure_precision"] == 40 / 45 and not rates["precision_reached"]
    assert level == 0.9  # none reaches it: the level of the fewest answers that can be judged (ties all in)
    level, _ = choose_sure_threshold([(0.4, True, True)] * 50, threshold=0.6)
    assert level == 0.6  # never below the refusal level
    level, _ = choose_sure_threshold([(0.99, True, True)] * (MIN_SURE_SUPPORT - 1) + [(0.5, False, True)], 0.3)
    assert level >= 0.5  # too few to judge: no level from a handful of answers


# --- the outcome of a probability, the levels in settings ------------------------------------------

def model(threshold: float = 0.3, sure: float = 0.9) -> AnswerabilityModel:
    """The bundled model's two stages with the given levels."""
    loaded = AnswerabilityModel.load()
    return AnswerabilityModel(loaded.ranker, loaded.judge, threshold, 0.5, sure)


def test_outcome_of_a_probability_against_the_two_levels():
    m = model(0.3, 0.9)
    assert [m.outcome(p) for p in (0.0, 0.2999, 0.3, 0.8999, 0.9, 1.0)] == [
        Outcome.REFUSED, Outcome.REFUSED, Outcome.CHECK, Outcome.CHECK, Outcome.SURE, Outcome.SURE]
    assert m.with_levels(sure_above=0.1).sure_threshold == 0.3  # never below the refusal level
    assert m.with_levels(check_above=0.5).threshold == 0.5 and m.with_levels().sure_threshold == 0.9


def test_levels_from_settings_and_a_model_file_without_a_sure_level(tmp_path):
    bundled = json.loads(MODEL_FILE.read_text(encoding="utf-8"))
    assert 0 < bundled["threshold"] <= bundled["sure_threshold"] < 1  # `python -m eval train` wrote both
    old = {k: v for k, v in bundled.items() if k != "sure_threshold"} | {"threshold": 0.2}
    path = tmp_path / "old.json"
    path.write_text(json.dumps(old), encoding="utf-8")
    assert model_for(Settings.load(answer={"model": str(path)}).answer).sure_threshold == DEFAULT_SURE_THRESHOLD
    levels = model_for(Settings.load(answer={"model": str(path), "sure_above": 0.8, "check_above": ""}).answer)
    assert (levels.threshold, levels.sure_threshold) == (0.2, 0.8)  # "" keeps the model's own level
    assert model_for(Settings.load(answer={"model": "off"}).answer) is None


def test_a_bad_level_is_one_line(monkeypatch):
    monkeypatch.setenv("KLASTRY_ANSWER__SURE_ABOVE", "1.5")
    with pytest.raises(SettingsError) as error:
        Settings.load()
    assert "KLASTRY_ANSWER__SURE_ABOVE" in str(error.value) and "\n" not in str(error.value)


def test_outcome_in_the_json_contract():
    sure = Answer("q", "pl", "Według raportu: „x” [1]", False)
    assert sure.outcome == Outcome.SURE and sure.to_dict()["outcome"] == "sure"
    check = Answer("q", "pl", CHECK_PL, False, outcome=Outcome.CHECK)
    assert Answer.from_dict(json.loads(json.dumps(check.to_dict()))).outcome == Outcome.CHECK
    refused = Answer("q", "pl", "Raport nie podaje tej informacji.", True, outcome=Outcome.SURE)
    assert refused.outcome == Outcome.REFUSED and refused.to_dict()["refused"] is True  # they never disagree
    old = {k: v for k, v in sure.to_dict().items() if k != "outcome"}  # results written before issue 25
    assert Answer.from_dict(old).outcome == Outcome.SURE
    assert Answer.from_dict(old | {"refused": True}).outcome == Outcome.REFUSED


# --- the real assistant, levels set through settings -----------------------------------------------

def levelled(built_store, **answer) -> Assistant:
    corpus, store = built_store
    return Assistant.load(Settings.load(corpus_dir=corpus, store_dir=store, answer=answer))


def test_a_passage_to_check_is_framed_apart_and_keeps_its_cards(built_store):
    everything_sure = levelled(built_store, sure_above=0.0).ask(KKK)
    assert everything_sure.outcome == Outcome.SURE and everything_sure.answer.startswith("Według raportu: „")
    nothing_sure = levelled(built_store, sure_above=1.0)
    check = nothing_sure.ask(KKK)
    assert check.outcome == Outcome.CHECK and not check.refused
    assert check.answer.startswith(CHECK_PL + " „") and "Według raportu" not in check.answer.split("„")[0]
    assert "18" in check.answer and any(c.page == 5 for c in check.citations)  # the passage and its sources
    assert check.confidence == everything_sure.confidence  # the levels change the outcome, not the probability
    english = nothing_sure.ask("How many clusters have the status of National Key Cluster (KKK)?")
    assert english.answer.startswith("The closest the report comes; check that it answers your question: „")
    refused = nothing_sure.ask(GERMANY)
    assert refused.outcome == Outcome.REFUSED and refused.refused and refused.to_dict()["outcome"] == "refused"


def test_a_passage_to_check_names_what_it_does_not_mention(built_store):
    """A reader checking a passage is told where it falls short: the question's words it does not mention."""
    nothing_sure = levelled(built_store, sure_above=1.0, check_above=0.0)
    welder = nothing_sure.ask("Ile zarabia spawacz w klastrze motoryzacyjnym?")
    assert welder.outcome == Outcome.CHECK, welder.answer
    assert welder.missing.startswith("Fragment nie wspomina o: ") and "spawacz" in welder.missing
    assert "klastrze" not in welder.missing  # the passage is about a cluster: that word is mentioned
    shown = render.answer_html(welder, turn=0)
    assert "spawacz" in shown.split('class="check-missing">')[1].split("</div>")[0]  # in the check notice
    assert welder.missing in render.plain_text(welder).splitlines()[:2]
    kkk = nothing_sure.ask(KKK)
    assert kkk.outcome == Outcome.CHECK and kkk.missing == ""  # the passage mentions every word asked about
    english = nothing_sure.ask("How much does a welder earn in an automotive cluster?")
    assert english.missing.startswith("The passage does not mention: ") and "welder" in english.missing
    assert levelled(built_store, sure_above=0.0).ask(KKK).missing == ""  # a sure answer names nothing


def test_a_passage_to_check_shows_the_next_closest_passage_too(built_store):
    """Not sure means the reader checks: the runner-up passage is shown beside the first, so the right one is on the
    page more often (a sure answer keeps its single quote)."""
    question = "What share of clusters use artificial intelligence?"
    sure = levelled(built_store, sure_above=0.0).ask(question)
    check = levelled(built_store, sure_above=1.0).ask(question)
    assert sure.outcome == Outcome.SURE and len(sure.citations) == 1 and "38%" in sure.citations[0].quote
    assert check.outcome == Outcome.CHECK and len(check.citations) == 2
    assert check.citations[0].quote == sure.citations[0].quote and check.citations[1].quote != sure.citations[0].quote
    assert "[2]" in check.answer


def test_an_llm_answer_is_sure_only_when_the_extractive_judge_was(built_store):
    reply = "Klastry łączą firmy, uczelnie i samorządy [1]."
    for sure_above, expected in ((0.0, Outcome.SURE), (1.0, Outcome.CHECK)):
        assistant = levelled(built_store, sure_above=sure_above)
        chat = GenericFakeChatModel(messages=iter([AIMessage(content=reply)]))
        llm = LLMAnswerer(assistant.settings, chat_model=chat).answer(assistant.ask(KKK), assistant.snapshot)
        assert llm.mode == "llm" and llm.outcome == expected and llm.answer == reply, llm.grounding
        shown = render.answer_html(llm, turn=0)  # the model's text, with the notice of its outcome
        assert ("check-notice" in shown) == (expected == Outcome.CHECK)
        assert render.plain_text(llm).startswith(render.labels("pl")["check"]) == (expected == Outcome.CHECK)


def test_the_runnable_carries_the_outcome(built_store):
    chain = levelled(built_store, sure_above=1.0).as_runnable()
    assert chain.invoke(KKK)["outcome"] == "check" and chain.invoke(GERMANY)["outcome"] == "refused"


# --- the evaluation's counts -------------------------------------------------------------------------

def score(outcome: str, expect_refusal: bool = False, figures_ok: bool | None = True) -> dict:
    return {"outcome": outcome, "expect_refusal": expect_refusal, "refused": outcome == "refused", "error": None,
            "figures_ok": None if expect_refusal else figures_ok, "words_ok": None, "pages_ok": None,
            "footnotes_ok": None}


def test_the_four_counts_and_the_targets():
    scores = [score("sure")] * 80 + [score("sure", figures_ok=False)] + [score("check")] * 10 + \
             [score("check", figures_ok=False)] * 2 + [score("refused")] * 2 + \
             [score("sure", expect_refusal=True)] + [score("check", expect_refusal=True)] * 2 + \
             [score("refused", expect_refusal=True)] * 2
    for s in scores:
        s["right"] = outcomes.is_right(s)
    metrics = outcomes.outcome_metrics(scores)
    assert {k: metrics[k] for k in outcomes.COUNT_KEYS} == {
        "confidently_wrong": 2, "right_sure": 80, "right_check": 10, "wrong_check": 4, "refused_count": 4}
    assert metrics["confidently_wrong_rate"] == 2 / 100 and metrics["right_shown_rate"] == 90 / 95
    assert metrics["sure_rate"] == 81 / 95 and metrics["unanswerable_sure_rate"] == 1 / 5
    assert [line.split()[0] for line in outcomes.targets_missed(metrics)] == ["right_shown_rate",
                                                                             "unanswerable_sure_rate"]
    assert outcomes.gate_failures(metrics) == []
    assert outcomes.gate_failures(metrics | {"confidently_wrong_rate": 0.06})


def test_eval_run_reports_the_outcomes_for_any_question_file(built_store, tmp_path):
    from eval.harness import run_eval

    questions = tmp_path / "mine.yaml"
    questions.write_text(f'- id: kkk\n  question: "{KKK}"\n  expect_figures: [["18"]]\n'
                         f'- id: de\n  question: "{GERMANY}"\n  expect_refusal: true\n', encoding="utf-8")
    corpus, store = built_store
    settings = Settings.load(corpus_dir=corpus, store_dir=store, answer={"sure_above": 1.0})
    run = run_eval(questions, settings=settings, report_dir=tmp_path / "out", show_progress=False)
    assert [s["outcome"] for s in run.scores] == ["check", "refused"] and run.scores[0]["right"]
    assert run.metrics["right_check"] == 1 and run.metrics["confidently_wrong"] == 0
    assert run.metrics["sure_rate"] == 0.0 and run.meta["levels"]["sure"] == 1.0
    report = (tmp_path / "out" / "report.md").read_text(encoding="utf-8")
    assert "## How sure the answers were" in report and "| right_check | 1 |" in report
    assert "sure from 1.000" in report and (tmp_path / "out" / "reliability.png").stat().st_size > 1000
    assert "![Reliability, with the refusal and sure levels](reliability.png)" in report
    page = (tmp_path / "out" / "report.html").read_text(encoding="utf-8")
    assert "How sure the answers were" in page and 'alt="Reliability, with the refusal and sure levels"' in page
