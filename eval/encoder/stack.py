"""The torch encoder split for training: frozen lower layers run once per text, the top layers every step.

The word embeddings and the lower `layers - top_layers` blocks get no gradient, so what they make of a
text never changes during training: `cache` computes it once (fake-quantized, as the engine computes), and
`encode` runs only the trained top blocks on it, then the engine's mean pooling and L2 normalization.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import torch
import torch.nn.functional as F

CACHE_BATCH = 16  # texts per no-grad forward when filling the cache (sorted by length: little padding)

Key = tuple[str, str]  # (prefix kind "query" or "passage", text)


class Stack:
    def __init__(self, model, top_layers: int, max_tokens: int) -> None:
        layers = len(model.layers)
        if not 1 <= top_layers <= layers:
            raise ValueError(f"top_layers must be between 1 and {layers}, got {top_layers}")
        self.model, self.start, self.max_tokens = model, layers - top_layers, max_tokens
        self.dim = model.hidden
        model.fake_quant = True
        for parameter in model.parameters():
            parameter.requires_grad_(False)
        for layer in model.layers[self.start:]:
            for parameter in layer.parameters():
                parameter.requires_grad_(True)
        self.hidden: dict[Key, torch.Tensor] = {}

    def parameters(self) -> list[torch.nn.Parameter]:
        return [p for layer in self.model.layers[self.start:] for p in layer.parameters()]

    def _ids(self, key: Key) -> list[int]:
        prefix, text = key
        return self.model.tokenizer.windows(text, f"{prefix}: ")[0][:self.max_tokens - 1]

    def cache(self, keys: list[Key], progress: Callable[[int], object] | None = None, fake_quant: bool = True,
              stored: Path | None = None) -> int:
        """The lower layers' output for every text not cached yet; returns the tokens run. `stored`: a file
        of earlier outputs (same layers and settings) read first and written back with the new ones."""
        tokenizer = self.model.tokenizer
        if stored is not None and stored.exists():
            self.hidden.update(torch.load(stored))
        todo = []
        for key in dict.fromkeys(keys):
            if key not in self.hidden:
                ids = self._ids(key)
                todo.append((ids + [tokenizer.eos] if ids[-1] != tokenizer.eos else ids, key))
        todo.sort(key=lambda pair: len(pair[0]))
        tokens = 0
        self.model.eval()
        self.model.fake_quant = fake_quant
        with torch.no_grad():
            for start in range(0, len(todo), CACHE_BATCH):
                batch = todo[start:start + CACHE_BATCH]
                ids, keep = self._pad([ids for ids, _ in batch])
                hidden = self.model.run_layers(self.model.embed(ids), keep, 0, self.start)
                for row, (window, key) in enumerate(batch):
                    self.hidden[key] = hidden[row, :len(window)].clone()
                    tokens += len(window)
                if progress:
                    progress(len(batch))
        self.model.train()
        self.model.fake_quant = True
        if stored is not None and todo:
            stored.parent.mkdir(parents=True, exist_ok=True)
            torch.save(self.hidden, stored)
        return sum(len(self.hidden[key]) for key in keys)

    def encode(self, keys: list[Key]) -> torch.Tensor:
        """L2-normalized vectors of cached texts through the trained top layers (gradients flow)."""
        rows = [self.hidden[key] for key in keys]
        longest = max(len(r) for r in rows)
        x = torch.zeros((len(rows), longest, self.dim))
        keep = torch.zeros((len(rows), longest), dtype=torch.bool)
        for i, r in enumerate(rows):
            x[i, :len(r)] = r
            keep[i, :len(r)] = True
        out = self.model.run_layers(x, keep, self.start)
        return F.normalize(self.model.pool(out, keep), dim=-1, eps=1e-6)

    def tuned_state(self) -> dict[str, torch.Tensor]:
        """The trained layers' tensors by their names in the served file (`l11.fi.w`), detached."""
        names = {f"l{n}." for n in range(self.start, len(self.model.layers))}
        return {name: tensor.detach().clone() for name, tensor in self.model.file_tensors().items()
                if name[:name.index(".") + 1] in names}

    def _pad(self, windows: list[list[int]]) -> tuple[torch.Tensor, torch.Tensor]:
        longest = max(len(w) for w in windows)
        ids = torch.full((len(windows), longest), self.model.tokenizer.pad, dtype=torch.long)
        keep = torch.zeros((len(windows), longest), dtype=torch.bool)
        for row, window in enumerate(windows):
            ids[row, :len(window)] = torch.tensor(window)
            keep[row, :len(window)] = True
        return ids, keep
