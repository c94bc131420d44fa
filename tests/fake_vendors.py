"""A local HTTP server that answers like the OpenAI and Anthropic APIs, for the SDK tests.

It listens on 127.0.0.1 only, on a port the OS picks. The model name in each request
picks the scenario by its last ``/`` segment's first word: ``ok``, ``rate`` (429 with
retry-after: 20), ``boom`` (500), ``overloaded`` (Anthropic's 529), ``ctx`` (400
context too long), ``auth`` (401) or ``hang`` (answers only when the server stops, or
after ``HANG_BOUND_S``: far past any client's timeout, whatever the machine's speed).
The server releases every hang when it stops, so it shuts down promptly.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

HANG_BOUND_S = 30.0


def _openai_error(
    status: int, kind: str, code: str | None, message: str
) -> tuple[int, dict[str, Any]]:
    return status, {"error": {"message": message, "type": kind, "param": None, "code": code}}


def _anthropic_error(status: int, kind: str, message: str) -> tuple[int, dict[str, Any]]:
    return status, {"type": "error", "error": {"type": kind, "message": message}}


OPENAI = {
    "rate": _openai_error(
        429, "requests", "rate_limit_exceeded", "Rate limit reached for requests"
    ),
    "boom": _openai_error(
        500, "server_error", None, "The server had an error while processing your request."
    ),
    "ctx": _openai_error(
        400,
        "invalid_request_error",
        "context_length_exceeded",
        "This model's maximum context length is 8192 tokens.",
    ),
    "auth": _openai_error(
        401, "invalid_request_error", "invalid_api_key", "Incorrect API key provided."
    ),
}
ANTHROPIC = {
    "rate": _anthropic_error(
        429, "rate_limit_error", "Number of request tokens has exceeded your per-minute rate limit"
    ),
    "boom": _anthropic_error(500, "api_error", "Internal server error"),
    "overloaded": _anthropic_error(529, "overloaded_error", "Overloaded"),
    "ctx": _anthropic_error(
        400, "invalid_request_error", "prompt is too long: 250000 tokens > 200000 maximum"
    ),
    "auth": _anthropic_error(401, "authentication_error", "invalid x-api-key"),
}


class _Handler(BaseHTTPRequestHandler):
    log: list[tuple[str, str]]  # set on the class by serve()
    release: threading.Event  # set when the server stops: every hang ends

    def log_message(self, format: str, *args: Any) -> None:  # keep test output quiet
        return

    def do_POST(self) -> None:
        body = json.loads(self.rfile.read(int(self.headers.get("content-length", 0))) or b"{}")
        model = str(body.get("model", ""))
        scenario = model.rsplit("/", 1)[-1].split("-", 1)[0]
        anthropic = self.path.rstrip("/").endswith("/messages")
        self.log.append(("anthropic" if anthropic else "openai", model))
        if scenario == "hang":
            self.release.wait(HANG_BOUND_S)
            scenario = "ok"
        if scenario == "ok":
            if anthropic:
                status, payload = (
                    200,
                    {
                        "id": "msg_1",
                        "type": "message",
                        "role": "assistant",
                        "model": model,
                        "content": [{"type": "text", "text": f"hello from {model}"}],
                        "stop_reason": "end_turn",
                        "stop_sequence": None,
                        "usage": {"input_tokens": 12, "output_tokens": 3},
                    },
                )
            else:
                status, payload = (
                    200,
                    {
                        "id": "chatcmpl-1",
                        "object": "chat.completion",
                        "created": 0,
                        "model": model,
                        "choices": [
                            {
                                "index": 0,
                                "message": {"role": "assistant", "content": f"hello from {model}"},
                                "finish_reason": "stop",
                            }
                        ],
                        "usage": {"prompt_tokens": 12, "completion_tokens": 3, "total_tokens": 15},
                    },
                )
        else:
            status, payload = (ANTHROPIC if anthropic else OPENAI)[scenario]
        data = json.dumps(payload).encode()
        try:
            self.send_response(status)
            self.send_header("content-type", "application/json")
            self.send_header("content-length", str(len(data)))
            if status == 429:
                self.send_header("retry-after", "20")
            self.end_headers()
            self.wfile.write(data)
        except (BrokenPipeError, ConnectionResetError):  # the client gave up (hang)
            pass


@contextmanager
def serve() -> Iterator[tuple[str, list[tuple[str, str]]]]:
    """Run the fake vendors; yields the base URL and the log of (api, model) calls."""
    with serve_with(_Handler) as running:
        yield running


@contextmanager
def serve_with(
    base: type[BaseHTTPRequestHandler], release: threading.Event | None = None
) -> Iterator[tuple[str, list[tuple[str, str]]]]:
    """Run ``base`` on 127.0.0.1 (a port the OS picks) until the block ends; yields the
    base URL and the log of (api, model) calls. Hangs wait on ``release`` (a new event
    unless given), which is set when the server stops."""
    log: list[tuple[str, str]] = []
    release = threading.Event() if release is None else release
    handler = type("Handler", (base,), {"log": log, "release": release})
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    server.daemon_threads = True
    thread = threading.Thread(
        target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
    )
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}", log
    finally:
        release.set()
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)
