"""A client for any server that speaks the OpenAI chat completions protocol.

The base URL and the key come from the environment (``OPENAI_BASE_URL``, for example
``https://api.openai.com/v1``, and ``OPENAI_API_KEY``). Each request asks for a JSON
object through the ``json_schema`` response format with the stage's output schema.
Failures become :class:`ModelError`: time-outs, unreachable servers, rate limits and
server errors may be retried; other refusals may not. The key is sent only in the
``Authorization`` header and never appears in a message or a log line. A stage's
``tools`` are not sent: each stage answers with one object and no tool call is
handled.
"""

from __future__ import annotations

import json
import os
from collections.abc import Mapping
from typing import Any

import httpx

from stepgen_runtime.clients.base import ModelRequest
from stepgen_runtime.errors import ConfigurationError, ModelError

BASE_URL_VARIABLE = "OPENAI_BASE_URL"
API_KEY_VARIABLE = "OPENAI_API_KEY"
DEFAULT_TIMEOUT_S = 120.0
RETRYABLE_STATUS = frozenset({408, 409, 425, 429})
SYSTEM_MESSAGE = (
    "Answer with exactly one JSON object that matches the requested schema."
)


class OpenAIClient:
    """Sends structured-output chat completion requests to an OpenAI-compatible server."""

    def __init__(
        self, base_url: str, api_key: str, *, timeout_s: float = DEFAULT_TIMEOUT_S
    ) -> None:
        self.base_url = base_url.rstrip("/")
        self._api_key = api_key
        self.timeout_s = timeout_s

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None) -> OpenAIClient:
        """Build a client from ``OPENAI_BASE_URL`` and ``OPENAI_API_KEY``."""
        source = os.environ if environ is None else environ
        base_url = source.get(BASE_URL_VARIABLE, "").strip()
        api_key = source.get(API_KEY_VARIABLE, "").strip()
        missing = [
            name
            for name, value in (
                (BASE_URL_VARIABLE, base_url),
                (API_KEY_VARIABLE, api_key),
            )
            if not value
        ]
        if missing:
            raise ConfigurationError(
                f"the openai client needs {' and '.join(missing)} in the environment"
            )
        return cls(base_url, api_key)

    @property
    def name(self) -> str:
        """``openai``."""
        return "openai"

    def __repr__(self) -> str:
        return f"OpenAIClient(base_url={self.base_url!r})"

    def body(self, request: ModelRequest) -> dict[str, Any]:
        """The JSON body of the chat completion request for ``request``."""
        body: dict[str, Any] = {
            "model": request.model,
            "messages": [
                {"role": "system", "content": SYSTEM_MESSAGE},
                {"role": "user", "content": request.prompt},
            ],
            "response_format": {
                "type": "json_schema",
                "json_schema": {
                    "name": f"{request.stage.lower()}_output",
                    "schema": request.schema,
                    "strict": False,
                },
            },
        }
        if request.temperature is not None:
            body["temperature"] = request.temperature
        return body

    def complete(self, request: ModelRequest) -> dict[str, Any]:
        """Send ``request`` and return the JSON object the model answered."""
        timeout = min(self.timeout_s, request.timeout_s or self.timeout_s)
        url = f"{self.base_url}/chat/completions"
        try:
            response = httpx.post(
                url,
                json=self.body(request),
                headers={"Authorization": f"Bearer {self._api_key}"},
                timeout=timeout,
            )
        except httpx.TimeoutException:
            raise ModelError(
                f"the model server at {self.base_url} did not answer within {timeout:g} s"
            ) from None
        except httpx.HTTPError as error:
            raise ModelError(
                f"cannot reach the model server at {self.base_url}: {type(error).__name__}"
            ) from None
        if response.status_code >= 400:
            retryable = (
                response.status_code >= 500 or response.status_code in RETRYABLE_STATUS
            )
            raise ModelError(
                f"the model server answered {response.status_code}: {_error_text(response)}",
                retryable=retryable,
            )
        return _answer(response)


def _error_text(response: httpx.Response) -> str:
    try:
        data = response.json()
    except ValueError:
        return response.text[:200] or response.reason_phrase
    error = data.get("error") if isinstance(data, dict) else None
    if isinstance(error, dict) and isinstance(error.get("message"), str):
        return str(error["message"])[:200]
    return str(data)[:200]


def _answer(response: httpx.Response) -> dict[str, Any]:
    try:
        message = response.json()["choices"][0]["message"]
    except (ValueError, KeyError, IndexError, TypeError):
        raise ModelError("the model server's answer is not a chat completion") from None
    if message.get("refusal"):
        raise ModelError(
            f"the model refused: {str(message['refusal'])[:200]}", retryable=False
        )
    content = message.get("content")
    try:
        value = json.loads(content) if isinstance(content, str) else None
    except ValueError:
        value = None
    if not isinstance(value, dict):
        raise ModelError("the model's answer is not one JSON object")
    return value
