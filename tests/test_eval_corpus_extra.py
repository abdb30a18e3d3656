"""`python -m eval run --corpus-extra DIR` measures the code as it is: a store kept under the temp folder from an
older parser is brought up to date before any question is asked (one was measured against at parser 8 while the
report's store was at 10). Real parts: the built report store's embedding cache, the real ingest."""

from __future__ import annotations

import json
import os
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
FIXTURES = ROOT / "tests" / "fixtures" / "sources"


def test_a_kept_extra_store_is_reingested_when_the_parser_changed(built_store, tmp_path, monkeypatch):
    from assistant.index.layout import StoreLayout
    from eval.__main__ import use_extra_corpus
    from ingest.plan import PARSER_VERSION

    corpus, store = built_store
    extra = tmp_path / "extra"
    extra.mkdir()
    (extra / "notatka-spotkania.md").write_text((FIXTURES / "notatka-spotkania.md").read_text(encoding="utf-8"),
                                                encoding="utf-8")
    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path / "tmp"))
    (tmp_path / "tmp").mkdir()
    monkeypatch.setenv("KLASTRY_CORPUS_DIR", str(corpus))
    monkeypatch.setenv("KLASTRY_STORE_DIR", str(store))
    use_extra_corpus(extra)
    extra_store = Path(os.environ["KLASTRY_STORE_DIR"])
    assert extra_store != store and extra_store.is_relative_to(tmp_path / "tmp")

    layout = StoreLayout(extra_store)
    records_path = layout.generation(layout.read_manifest().generation).records
    records = json.loads(records_path.read_text(encoding="utf-8"))
    assert {r["parser"] for r in records.values()} == {PARSER_VERSION}
    for record in records.values():  # as a store written by an older ingest
        record["parser"] = PARSER_VERSION - 2
    records_path.write_text(json.dumps(records), encoding="utf-8")

    monkeypatch.setenv("KLASTRY_CORPUS_DIR", str(corpus))
    monkeypatch.setenv("KLASTRY_STORE_DIR", str(store))
    use_extra_corpus(extra)  # the same files: the same folder, kept, and re-parsed
    assert Path(os.environ["KLASTRY_STORE_DIR"]) == extra_store
    layout = StoreLayout(extra_store)
    records = json.loads(layout.generation(layout.read_manifest().generation).records.read_text(encoding="utf-8"))
    assert {r["parser"] for r in records.values()} == {PARSER_VERSION}
    assert set(records) == {"raport-klastry.pdf", "sources/notatka-spotkania.md"}
