"""A cited work named by its journal and year (issue 26, Documents.venues): "the paper in Innovation Policy and the
Economy from 2014" names the full text linked to that bibliography entry; the journal's words alone, or with
another year, name nothing.

A real store: the real report plus the MADE-UP reading notes of tests/fixtures/sources/ linked to the report's
Chatterji, Glaeser & Kerr (2014) entry; the questions are written here, not taken from eval/.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from conftest import copy_built_store

FIXTURES = Path(__file__).resolve().parent / "fixtures" / "sources"
NOTES = "sources/chatterji-2014-notes.md"


@pytest.fixture(scope="module")
def beside(built_store, tmp_path_factory):
    from assistant import Assistant, Settings
    from ingest.pipeline import run_ingest

    corpus, store = copy_built_store(built_store, tmp_path_factory.mktemp("venue"))
    (corpus / "sources").mkdir()
    for name in ("chatterji-2014-notes.md", "sources.toml"):
        shutil.copy(FIXTURES / name, corpus / "sources" / name)
    settings = Settings.load(corpus_dir=corpus, store_dir=store)
    assert not run_ingest(settings).skipped
    return Assistant.load(settings)


def test_the_journal_and_year_name_the_work(beside):
    question = "How many participants attended the conference according to the paper in Innovation Policy and the " \
               "Economy from 2014?"
    assert beside.extractive.documents().named_in(question) == {NOTES}
    answer = beside.ask(question)
    assert not answer.refused, answer.answer
    assert answer.citations[0].doc == NOTES and "40 participants" in answer.answer


@pytest.mark.parametrize("question", [
    "What does innovation policy and the economy say about conference attendance?",  # not the journal as written
    "How many participants attended the conference according to Innovation Policy and the Economy in 2019?",
])
def test_the_journal_without_its_year_names_nothing(beside, question):
    assert beside.extractive.documents().named_in(question) == set()
