"""A local HTTP server that answers like the Gemini, Mistral, Cohere and Bedrock APIs.

For tests/test_sdk_errors.py: the real SDK clients (``google-genai``, ``mistralai``,
``cohere``, ``boto3``) are pointed at it. It listens on 127.0.0.1 only, on a port the OS
picks. The model in each request picks the scenario by its last ``/`` segment's first
word: ``ok``, ``rate`` (the vendor's rate limit), ``boom`` (its outage), ``slow`` (its
timeout answer), ``ctx`` (its context-too-long refusal) or ``auth`` (access denied).
Bodies and headers are the ones each API documents for those cases.
"""

from __future__ import annotations

import json
import urllib.parse
from http.server import BaseHTTPRequestHandler
from typing import Any

from fake_vendors import serve_with

Answer = tuple[int, dict[str, str], dict[str, Any]]


def _gemini(scenario: str, model: str) -> Answer:
    if scenario == "ok":
        return 200, {}, {
            "candidates": [
                {"content": {"role": "model", "parts": [{"text": f"hello from {model}"}]},
                 "finishReason": "STOP", "index": 0}
            ],
            "usageMetadata": {"promptTokenCount": 12, "candidatesTokenCount": 3,
                              "thoughtsTokenCount": 5, "totalTokenCount": 20},
            "modelVersion": model,
        }  # fmt: skip
    errors = {
        "rate": (429, "Resource has been exhausted (e.g. check quota).", "RESOURCE_EXHAUSTED",
                 [{"@type": "type.googleapis.com/google.rpc.RetryInfo", "retryDelay": "20s"}]),
        "boom": (503, "The model is overloaded. Please try again later.", "UNAVAILABLE", []),
        "slow": (504, "Deadline expired before operation could complete.", "DEADLINE_EXCEEDED", []),
        "ctx": (400, "The input token count (1048577) exceeds the maximum number of tokens "
                "allowed (1048576).", "INVALID_ARGUMENT", []),
        "auth": (403, "Method doesn't allow unregistered callers.", "PERMISSION_DENIED", []),
    }  # fmt: skip
    status, message, kind, details = errors[scenario]
    error = {"code": status, "message": message, "status": kind}
    if details:
        error["details"] = details
    return status, {}, {"error": error}


def _mistral(scenario: str, model: str) -> Answer:
    if scenario == "ok":
        return 200, {}, {
            "id": "cmpl-1", "object": "chat.completion", "created": 0, "model": model,
            "choices": [{"index": 0, "finish_reason": "stop",
                         "message": {"role": "assistant", "content": f"hello from {model}"}}],
            "usage": {"prompt_tokens": 12, "completion_tokens": 3, "total_tokens": 15},
        }  # fmt: skip
    errors = {
        "rate": (429, {"retry-after": "20"}, "Requests rate limit exceeded", "rate_limited"),
        "boom": (503, {}, "Service unavailable", "service_unavailable"),
        "slow": (504, {}, "Gateway timeout", "gateway_timeout"),
        "ctx": (400, {}, "Prompt contains 40000 tokens and 0 draft tokens, too large for model "
                "with 32768 maximum context length", "invalid_request_error"),
        "auth": (401, {}, "Unauthorized", "unauthorized"),
    }  # fmt: skip
    status, headers, message, kind = errors[scenario]
    return status, headers, {"object": "error", "message": message, "type": kind, "param": None, "code": None}  # fmt: skip


def _cohere(scenario: str, model: str) -> Answer:
    if scenario == "ok":
        return 200, {}, {
            "id": "c-1", "finish_reason": "COMPLETE",
            "message": {"role": "assistant", "content": [{"type": "text", "text": f"hello from {model}"}]},
            "usage": {"billed_units": {"input_tokens": 12, "output_tokens": 3},
                      "tokens": {"input_tokens": 20, "output_tokens": 3}},
        }  # fmt: skip
    errors = {
        "rate": (429, {"retry-after": "20"}, "You are using a Trial key, which is limited to 10 API calls / minute."),
        "boom": (503, {}, "service unavailable"),
        "slow": (504, {}, "gateway timeout"),
        "ctx": (400, {}, "too many tokens: total number of tokens in the prompt cannot exceed 128000 - received 130000"),
        "auth": (401, {}, "invalid api token"),
    }  # fmt: skip
    status, headers, message = errors[scenario]
    return status, headers, {"id": "e-1", "message": message}


def _bedrock(scenario: str, model: str) -> Answer:
    if scenario == "ok":
        return 200, {}, {
            "output": {"message": {"role": "assistant", "content": [{"text": f"hello from {model}"}]}},
            "stopReason": "end_turn",
            "usage": {"inputTokens": 12, "outputTokens": 3, "totalTokens": 15,
                      "cacheReadInputTokens": 8, "cacheWriteInputTokens": 0},
            "metrics": {"latencyMs": 10},
        }  # fmt: skip
    errors = {
        "rate": (429, "ThrottlingException", "Too many requests, please wait before trying again."),
        "boom": (503, "ServiceUnavailableException", "The service is unavailable. Try again later."),
        "slow": (408, "ModelTimeoutException", "The request took too long to process."),
        "ctx": (400, "ValidationException", "Input is too long for requested model."),
        "auth": (403, "AccessDeniedException", "You don't have access to the model with the specified model ID."),
    }  # fmt: skip
    status, kind, message = errors[scenario]
    return status, {"x-amzn-ErrorType": f"{kind}:http://internal.amazon.com/coral/com.amazon.bedrock/"}, {"message": message}  # fmt: skip


class _Handler(BaseHTTPRequestHandler):
    log: list[tuple[str, str]]  # set on the class by serve()

    def log_message(self, format: str, *args: Any) -> None:  # keep test output quiet
        return

    def do_POST(self) -> None:
        length = int(self.headers.get("content-length", 0))
        body = json.loads(self.rfile.read(length) or b"{}")
        path = urllib.parse.unquote(self.path.split("?", 1)[0])
        if ":generateContent" in path:  # /v1beta/models/{model}:generateContent
            api, model = "gemini", path.rsplit("/models/", 1)[-1].split(":", 1)[0]
            answer = _gemini
        elif path.startswith("/model/") and path.endswith("/converse"):
            api, model = "bedrock", path[len("/model/") : -len("/converse")]
            answer = _bedrock
        elif path.endswith("/v2/chat"):
            api, model, answer = "cohere", str(body.get("model", "")), _cohere
        else:  # /v1/chat/completions
            api, model, answer = "mistral", str(body.get("model", "")), _mistral
        self.log.append((api, model))
        scenario = model.rsplit("/", 1)[-1].split("-", 1)[0]
        status, headers, payload = answer(scenario, model)
        data = json.dumps(payload).encode()
        self.send_response(status)
        self.send_header("content-type", "application/json")
        self.send_header("content-length", str(len(data)))
        for name, value in headers.items():
            self.send_header(name, value)
        self.end_headers()
        self.wfile.write(data)


def serve() -> Any:
    """Run the fake vendors; yields the base URL and the log of (api, model) calls."""
    return serve_with(_Handler)
