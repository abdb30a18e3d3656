"""The chat-model backends: any OpenAI-compatible server (vLLM, Ollama, llama.cpp's server) or an
in-process GGUF file through llama.cpp. Adding a backend is adding a branch here and its name to BACKENDS."""

from __future__ import annotations

import functools
import os
import warnings
from pathlib import Path

from assistant.errors import LLMConfigError
from assistant.settings import Settings

BACKENDS = ("openai", "llamacpp")


def make_chat_model(settings: Settings):
    """The LangChain chat model named by the settings (`llm_backend` "openai" or "llamacpp")."""
    if settings.llm_backend == "openai":
        from langchain_openai import ChatOpenAI

        # self-hosted servers (llama.cpp, older Ollama) read `max_tokens`, newer APIs `max_completion_tokens`
        extra = {"extra_body": {"max_tokens": settings.llm_max_tokens}} if settings.llm_base_url else {}
        return ChatOpenAI(base_url=settings.llm_base_url or None, model=settings.llm_model or "default",
                          api_key=os.environ.get(settings.llm_api_key_env) or "not-needed",
                          timeout=settings.llm_timeout_s, max_retries=0, max_tokens=settings.llm_max_tokens,
                          temperature=0, **extra)
    if settings.llm_backend == "llamacpp":
        return _llamacpp_model(str(settings.llm_gguf), settings.llm_max_tokens)
    raise LLMConfigError(f"unknown LLM backend {settings.llm_backend!r}: set KLASTRY_LLM_BACKEND to one of "
                         f"{', '.join(BACKENDS)}")


@functools.lru_cache(maxsize=2)
def _llamacpp_model(gguf: str, max_tokens: int):
    """A `ChatLlamaCpp` over an in-process `llama_cpp.Llama`, loaded once per file."""
    require_gguf(gguf)
    with warnings.catch_warnings():  # langchain-community announces its sunset on import
        warnings.simplefilter("ignore", DeprecationWarning)
        from langchain_community.chat_models import ChatLlamaCpp
    return ChatLlamaCpp(model_path=gguf, n_ctx=4096, n_batch=256, verbose=False, max_tokens=max_tokens,
                        temperature=0.0, seed=0, streaming=True)


def require_gguf(gguf: str) -> None:
    if not gguf or not Path(gguf).is_file():
        raise LLMConfigError(f"KLASTRY_LLM_GGUF must name a GGUF model file (got {gguf!r})")


def describe_failure(error: Exception, settings: Settings) -> tuple[str, str]:
    """(failure kind, a message a reader understands) for an error from the model or its server."""
    names = " ".join(cls.__name__ for cls in type(error).__mro__)
    first_line = (str(error).strip().splitlines() or [""])[0][:300]
    where = settings.llm_base_url or settings.llm_gguf or settings.llm_backend
    if "Timeout" in names:
        return "timeout", f"the model did not answer within llm_timeout_s={settings.llm_timeout_s} ({where})"
    if "Connect" in names or isinstance(error, ConnectionError):
        return "unreachable", f"cannot reach the LLM server at {where}: {first_line}"
    if isinstance(error, LLMConfigError):
        return "config", str(error)
    return "error", f"the model's reply could not be used ({type(error).__name__}: {first_line})"
