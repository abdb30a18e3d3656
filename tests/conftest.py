"""Shared fixtures: one real store built from the real report, copied for tests that change it."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("GRADIO_ANALYTICS_ENABLED", "False")
os.environ.setdefault("ANONYMIZED_TELEMETRY", "False")

ROOT = Path(__file__).resolve().parent.parent
REPORT_PDF = ROOT / "corpus" / "raport-klastry.pdf"
REPORT_TXT = ROOT / "tests" / "fixtures" / "raport-klastry.txt"


@pytest.fixture(scope="session")
def built_store(tmp_path_factory) -> tuple[Path, Path]:
    """(corpus_dir, store_dir) of a store built once from the real report."""
    from assistant.settings import Settings
    from ingest.pipeline import run_ingest

    base = tmp_path_factory.mktemp("built")
    corpus, store = base / "corpus", base / "store"
    corpus.mkdir()
    shutil.copy(REPORT_PDF, corpus / REPORT_PDF.name)
    run_ingest(Settings.load(corpus_dir=corpus, store_dir=store))
    return corpus, store


@pytest.fixture
def store_copy(built_store, tmp_path) -> tuple[Path, Path]:
    """A private copy of the built store and its corpus, safe to modify."""
    corpus, store = built_store
    shutil.copytree(corpus, tmp_path / "corpus")
    shutil.copytree(store, tmp_path / "store")
    return tmp_path / "corpus", tmp_path / "store"


@pytest.fixture(scope="session")
def assistant(built_store):
    from assistant import Assistant, Settings

    corpus, store = built_store
    return Assistant.load(Settings.load(corpus_dir=corpus, store_dir=store))


@pytest.fixture(scope="session")
def parsed_report():
    from ingest.document import parse_document
    from ingest.readers import read_document

    title, pages = read_document(REPORT_PDF)
    return parse_document(REPORT_PDF.name, title, pages)
