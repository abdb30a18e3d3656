"""A tuned torch model out as the served file's delta: only the tensors that changed, in their stored bytes.

Linear weights are quantized to Q4_0 exactly as the fake-quantized forward pass rounded them (the engine then
computes with the values the model was evaluated with); biases and LayerNorms stay float32. The bundled
file plus this delta is the tuned model (`assistant.index.e5file.assemble`), about 1.1 MB a layer instead of
a 72 MB copy.
"""

from __future__ import annotations

import os
from collections.abc import Iterable
from pathlib import Path

import torch

from assistant.index.e5file import DELTA_FILE, E5File, write_delta


def layer_of(name: str) -> int | None:
    """`l11.fi.w` -> 11; embedding tensors -> None."""
    head = name.split(".", 1)[0]
    return int(head[1:]) if head[:1] == "l" and head[1:].isdigit() else None


def export(model, state: dict[str, torch.Tensor] | None = None, path: str | os.PathLike = DELTA_FILE,
           layers: Iterable[int] | None = None, base: str | os.PathLike | None = None, **notes) -> Path:
    """Write the delta of `model` (its tensors, or `state`'s where given, by file name) over `base` (the file
    the model was built from); `layers` limits it to those layers. Returns the delta's JSON path."""
    base_file = E5File.read(base or model.source)
    tensors = {name: tensor.detach() for name, tensor in model.file_tensors().items()}
    unknown = sorted(set(state or {}) - set(tensors))
    if unknown:
        raise ValueError(f"the state names tensors the model file does not have: {', '.join(unknown[:3])}")
    tensors.update({name: tensor.detach() for name, tensor in (state or {}).items()})
    kept = None if layers is None else set(layers)
    replace = {name: base_file.encode(name, tensor.cpu().to(torch.float32).numpy())
               for name, tensor in tensors.items() if kept is None or layer_of(name) in kept}
    changed = sorted({layer_of(name) for name, blob in replace.items() if blob != base_file.raw(name)} - {None})
    delta = write_delta(base_file, replace, path, layers=changed, **notes)
    return delta.path
