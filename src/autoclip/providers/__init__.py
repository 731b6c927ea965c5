"""Cloud providers: each speaks its service's real wire protocol over one shared HTTP kit.

- `http.ProviderHttp`: timeouts, retries with backoff and `Retry-After`, a circuit breaker,
  errors sorted into retriable and permanent, secrets kept out of messages;
- `gemini.GeminiScriptWriter`, `openai_compat.OpenAIScriptWriter`: `ScriptWriter`s backed
  by Gemini and by any OpenAI-compatible chat-completions server (OpenAI, Ollama, vLLM).
"""

from autoclip.providers.cloud.breaker import BreakerState, CircuitBreaker, shared_breaker
from autoclip.providers.cloud.errors import (
    PermanentProviderError,
    ProviderError,
    ProviderUnavailable,
    RetriableProviderError,
)
from autoclip.providers.cloud.http import CallSettings, Meter, ProviderHttp, RetryPolicy
from autoclip.providers.cloud.usage import UsageMeter, UsageRecord

__all__ = [
    "BreakerState",
    "CallSettings",
    "CircuitBreaker",
    "Meter",
    "PermanentProviderError",
    "ProviderError",
    "ProviderHttp",
    "ProviderUnavailable",
    "RetriableProviderError",
    "RetryPolicy",
    "UsageMeter",
    "UsageRecord",
    "shared_breaker",
]
