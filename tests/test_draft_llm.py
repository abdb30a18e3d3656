"""Grant drafts with an LLM: the prose is rewritten per paragraph and must pass the grounding check.

Scripted chat models pin the check's behaviour (a faithful rewrite is kept, an invented figure or
a dropped reference is not); the test marked `llm` runs the real local SmolLM2 in process on two
paragraphs, with short replies. That model is loaded outside any guard (a broken llama.cpp or model
file fails the test, it does not become a "fallback"); the test asserts it ran and wrote text for
every paragraph, then checks each paragraph's outcome against its raw reply. Numbers and sentences
are read with this file's own regexes, not the product's number reader.
"""

from __future__ import annotations

import dataclasses
import json
import re
import subprocess
import sys
import types
from pathlib import Path

import pytest
from langchain_core.language_models.fake_chat_models import GenericFakeChatModel
from langchain_core.messages import AIMessage

from assistant import Settings
from assistant.drafts.compose import draft_justification
from assistant.drafts.export import to_markdown
from assistant.drafts.model import DraftGrounding, ParagraphCheck
from assistant.drafts.rewrite import check_rewrite, rewrite_draft
from assistant.types import Grounding, Mode

TOPIC = "szkolenia i staże dla pracowników firm w klastrze ICT"
ROOT = Path(__file__).resolve().parents[1]
MAX_TOKENS = 48  # the real model: a short reply per paragraph is enough to exercise the check
# the keys of `python -m assistant draft --json` (and of one grounding check)
DRAFT_KEYS = ["topic", "language", "refused", "message", "need", "paragraphs", "bibliography", "title", "mode",
              "grounding", "subject", "candidates", "chosen", "author", "limits", "shortened"]
CHECK_KEYS = {"heading", "ok", "reason", "llm_ms", "unsupported_numbers"}

# this file's own reading of numbers, markers and sentences, independent of assistant.numbers
OWN_MARKER = re.compile(r"\[\s*(\d+(?:\s*[,;]\s*\d+)*)\s*\]")
OWN_THOUSANDS = re.compile(r"(?<=\d)[ \u00a0\u202f\u2009](?=\d{3}(?!\d))")
OWN_NUMBER = re.compile(r"\d+(?:[.,]\d+)?")
OWN_SENTENCE_END = re.compile(r"(?<=[.!?])((?:\s*\[[\d\s,;]+\])*)\s+(?=[„\"(]?[A-ZĄĆĘŁŃÓŚŹŻ])")


def own_numbers(text: str) -> set[str]:
    """Numbers in a text, markers removed, `1 642` read as 1642 and `13,5` as 13.5; ranges as their ends."""
    text = OWN_THOUSANDS.sub("", OWN_MARKER.sub(" ", text))
    return {number.replace(",", ".") for number in OWN_NUMBER.findall(text)}


def own_markers(text: str) -> set[int]:
    return {int(n) for group in OWN_MARKER.findall(text) for n in re.split(r"\s*[,;]\s*", group)}


def own_sentences(text: str) -> list[str]:
    """Sentences, each with the markers that follow its end mark; a verbatim quotation „…” of several report
    sentences stays one sentence with the marker after its closing mark."""
    marked = OWN_SENTENCE_END.sub(lambda m: m.group(1) + "\n", text)
    sentences: list[str] = []
    for piece in (s.strip() for s in marked.split("\n") if s.strip()):
        if sentences and sentences[-1].count("„") > sentences[-1].count("”"):
            sentences[-1] += " " + piece
        else:
            sentences.append(piece)
    return sentences


def scripted(replies: list[str]) -> GenericFakeChatModel:
    return GenericFakeChatModel(messages=iter([AIMessage(content=r) for r in replies]))


def faithful(paragraph) -> str:
    """A rewrite that restates each quote with its marker after every sentence of it (what a good model should
    produce: a quote may be two sentences, the second leaning on the first)."""
    return " ".join(f"Jak wskazuje raport, {sentence.rstrip('.')} [{c.marker}]." for c in paragraph.citations
                    for sentence in own_sentences(c.quote.replace(" […] ", " ")))


def assert_figures_grounded(draft) -> None:
    """Every number in every sentence of the draft's prose is in a quote that sentence cites."""
    quotes = {c.marker: c.quote for c in draft.citations}
    for paragraph in draft.parts:
        for sentence in own_sentences(paragraph.text):
            cited = own_numbers(" ".join(quotes[n] for n in own_markers(sentence) if n in quotes))
            assert own_numbers(sentence) <= cited, (sentence, own_numbers(sentence) - cited)


@pytest.fixture(scope="module")
def extractive(assistant):
    draft = draft_justification(assistant, TOPIC, "pl", llm=False)
    assert not draft.refused and len(draft.paragraphs) >= 2
    assert draft.section("need") and draft.section("policy")  # both sections the rewrite works on
    assert draft.mode == Mode.EXTRACTIVE and draft.grounding is None
    return draft


def test_extractive_json_keeps_its_keys(extractive):
    data = json.loads(json.dumps(extractive.to_dict(), ensure_ascii=False))
    assert list(data) == DRAFT_KEYS
    assert data["mode"] == "extractive" and data["grounding"] == {}


def test_faithful_rewrite_replaces_the_prose_and_keeps_the_references(assistant, extractive):
    model = scripted([faithful(p) for p in extractive.parts])
    draft = rewrite_draft(assistant, extractive, model)
    assert draft.mode == Mode.LLM
    assert isinstance(draft.grounding, DraftGrounding)
    assert draft.grounding.rewritten == draft.grounding.paragraphs == len(extractive.parts)
    assert [c.heading for c in draft.grounding.checks] == [p.heading for p in extractive.parts]
    for check in draft.grounding.checks:
        assert isinstance(check, ParagraphCheck) and isinstance(check.grounding, Grounding)
        assert check.grounding.ok and check.grounding.llm_called and check.grounding.failure is None
        grounding = check.grounding
        assert not (grounding.dropped_markers or grounding.invented_markers or grounding.unsupported_numbers)
    assert all(p.text.startswith("Jak wskazuje raport") for p in draft.parts)
    assert draft.bibliography == extractive.bibliography
    assert [c.marker for c in draft.citations] == [c.marker for c in extractive.citations]
    assert_figures_grounded(draft)
    assert "model językowy" in to_markdown(draft)
    data = json.loads(json.dumps(draft.to_dict(), ensure_ascii=False))
    assert list(data) == DRAFT_KEYS and data["mode"] == "llm"
    assert list(data["grounding"]) == ["rewritten", "paragraphs", "checks"]
    assert all(CHECK_KEYS <= set(check) for check in data["grounding"]["checks"])
    assert data["grounding"]["checks"][0] == {"heading": extractive.parts[0].heading,
                                              **draft.grounding.checks[0].grounding.to_dict()}


def test_invented_figure_keeps_that_paragraph_extractive(assistant, extractive):
    replies = [faithful(p) for p in extractive.parts]
    first = extractive.paragraphs[0]
    replies[0] = f"Dzięki klastrom zatrudnienie wzrosło o 987% [{first.citations[0].marker}]."
    draft = rewrite_draft(assistant, extractive, scripted(replies))
    assert draft.mode == Mode.LLM_PARTIAL
    assert draft.grounding.rewritten == len(extractive.parts) - 1
    assert draft.paragraphs[0].text == first.text  # the extractive paragraph, untouched
    check = draft.grounding.checks[0]
    assert check.heading == first.heading
    assert not check.grounding.ok and check.grounding.failure == "ungrounded"
    assert check.grounding.unsupported_numbers == ["987"]
    assert check.grounding.dropped_markers == [c.marker for c in first.citations[1:]]
    assert "987" not in to_markdown(draft)
    assert_figures_grounded(draft)
    data = draft.to_dict()
    assert data["mode"] == "llm-partial" and data["grounding"]["checks"][0]["ok"] is False


def test_dropped_reference_or_invented_marker_is_rejected(extractive):
    paragraph = next(p for p in extractive.paragraphs if len(p.citations) >= 2)
    markers = [c.marker for c in paragraph.citations]
    grounding, _ = check_rewrite(f"Raport to potwierdza [{markers[0]}].", paragraph)
    assert not grounding.ok and grounding.failure == "ungrounded"
    assert grounding.dropped_markers == markers[1:] and "markers dropped" in grounding.reason
    grounding, text = check_rewrite(faithful(paragraph) + " Tak twierdzi też inny raport [99].", paragraph)
    assert not grounding.ok and grounding.invented_markers == [99] and "99" in grounding.reason
    assert "[99]" not in text
    grounding, text = check_rewrite(faithful(paragraph), paragraph)
    assert grounding.ok and grounding.reason == "" and grounding.cited == markers and text == faithful(paragraph)


def test_model_failure_falls_back_to_the_extractive_draft(assistant, extractive):
    class Broken(GenericFakeChatModel):
        def _generate(self, *args, **kwargs):
            raise ConnectionError("connection refused")

    draft = rewrite_draft(assistant, extractive, Broken(messages=iter([])))
    assert draft.mode == Mode.FALLBACK and draft.grounding.rewritten == 0
    assert [p.text for p in draft.parts] == [p.text for p in extractive.parts]
    for check in draft.grounding.checks:
        assert check.grounding.failure == "unreachable" and "connection refused" in check.grounding.reason
    assert draft.to_dict()["mode"] == "extractive-fallback"


def test_a_spent_time_budget_leaves_the_rest_extractive_without_calling_the_model(assistant, extractive):
    settings = assistant.settings.model_copy(update={"llm_timeout_s": 1e-9})
    model = scripted([faithful(p) for p in extractive.parts])
    draft = rewrite_draft(types.SimpleNamespace(settings=settings), extractive, model)
    assert draft.mode == Mode.FALLBACK and [p.text for p in draft.parts] == [p.text for p in extractive.parts]
    for check in draft.grounding.checks:
        assert not check.grounding.llm_called and check.grounding.failure == "timeout", check


def test_cli_llm_without_a_configured_model_is_a_clear_error(built_store):
    corpus, store = built_store
    result = subprocess.run([sys.executable, "-m", "assistant", "draft", TOPIC, "--llm", "--store", str(store)],
                            check=False, capture_output=True, text=True, cwd=ROOT, timeout=300,
                            env={"PATH": "/usr/bin:/bin", "HF_HUB_OFFLINE": "1", "KLASTRY_CORPUS_DIR": str(corpus)})
    assert result.returncode == 2
    assert result.stderr.strip().startswith("error:") and "KLASTRY_LLM_BACKEND" in result.stderr
    assert "Traceback" not in result.stderr


# --- the real local model ----------------------------------------------------------------------------

class Recording:
    """A pass-through chat model that keeps the raw text of every reply."""

    def __init__(self, model) -> None:
        self.model = model
        self.replies: list[str] = []

    def invoke(self, messages, **kwargs):
        reply = self.model.invoke(messages, **kwargs)
        assert isinstance(reply.content, str), reply
        self.replies.append(reply.content)
        return reply


def explained_by_the_reply(grounding: Grounding, reply: str, paragraph) -> None:
    """A rejected rewrite: the reasons recorded are visible in the model's raw reply."""
    assert grounding.failure == "ungrounded" and grounding.reason, grounding
    assert (grounding.unsupported_numbers or grounding.invented_markers or grounding.dropped_markers
            or "cites no given passage" in grounding.reason), grounding
    for number in grounding.unsupported_numbers:
        assert own_numbers(number) and own_numbers(number) <= own_numbers(reply), (number, reply)
    for marker in grounding.invented_markers:
        assert marker in own_markers(reply) and marker not in {c.marker for c in paragraph.citations}, (marker, reply)
    for marker in grounding.dropped_markers:
        assert marker in {c.marker for c in paragraph.citations} and marker not in own_markers(reply), (marker, reply)


@pytest.mark.llm
def test_real_local_model_rewrites_each_paragraph_or_keeps_it_verbatim(built_store, extractive, smollm2_gguf):
    from assistant import Assistant
    from assistant.llm.answerer import LLMAnswerer
    from assistant.llm.backends import make_chat_model

    corpus, store = built_store
    settings = Settings.load(corpus_dir=corpus, store_dir=store, llm_backend="llamacpp", llm_gguf=str(smollm2_gguf),
                             llm_max_tokens=MAX_TOKENS)
    model = make_chat_model(settings)  # loaded here, outside any guard: a broken model load fails the test
    assert LLMAnswerer(settings).chat_model is model  # the model the settings name is this one
    recording = Recording(model)
    # evaluating the prompt is the slow part on a CPU: the shortest paragraph of each section (need, policy)
    shortest = [min(extractive.section(name), key=lambda p: len(p.text)) for name in ("need", "policy")]
    short = dataclasses.replace(extractive, paragraphs=shortest)
    draft = rewrite_draft(Assistant.load(settings), short, recording)

    # the model really ran: one reply with text per paragraph
    assert len(recording.replies) == len(short.parts) == 2, recording.replies
    assert all(reply.strip() for reply in recording.replies), recording.replies
    assert [c.quote for c in draft.citations] == [c.quote for c in short.citations]
    assert draft.bibliography == extractive.bibliography
    grounding = draft.grounding
    assert isinstance(grounding, DraftGrounding) and grounding.paragraphs == len(short.parts)
    assert [c.heading for c in grounding.checks] == [p.heading for p in short.parts]
    for check, new, old, reply in zip(grounding.checks, draft.parts, short.parts, recording.replies):
        result = check.grounding
        assert result.llm_called and result.backend == "llamacpp" and result.model == smollm2_gguf.name, result
        assert result.llm_ms > 0
        assert result.failure in (None, "ungrounded"), result  # not "error", "timeout", ...: the model answered
        assert new.citations == old.citations
        if result.ok:  # the rewrite replaced the paragraph: every marker kept, none invented, every figure quoted
            assert result.failure is None and result.reason == "" and not result.unsupported_numbers
            assert own_markers(new.text) == {c.marker for c in old.citations}, (new.text, reply)
            assert own_numbers(new.text) <= own_numbers(reply), (new.text, reply)  # the model's text, not another
        else:  # the paragraph stays verbatim, and why is in the reply
            assert new.text == old.text
            explained_by_the_reply(result, reply, old)
    assert_figures_grounded(draft)
    rewritten = sum(c.grounding.ok for c in grounding.checks)
    assert grounding.rewritten == rewritten
    expected = Mode.LLM if rewritten == len(grounding.checks) else Mode.LLM_PARTIAL if rewritten else Mode.FALLBACK
    assert draft.mode == expected
    note = "model językowy" if rewritten else "Szkic ekstrakcyjny"
    assert note in to_markdown(draft)
    data = json.loads(json.dumps(draft.to_dict(), ensure_ascii=False))
    assert list(data) == DRAFT_KEYS and data["mode"] == expected.value
    assert data["grounding"]["checks"] == [{"heading": c.heading, **c.grounding.to_dict()} for c in grounding.checks]
