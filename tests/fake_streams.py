"""A local server that streams like the OpenAI and Anthropic APIs (server-sent events).

It listens on 127.0.0.1 only, on a port the OS picks, and speaks HTTP/1.1 with chunked
bodies, as the real APIs do, so that a connection dropped mid-stream is an error to the
client and not a normal end. The model name's last ``/`` segment's first word picks the
scenario:

- ``ok``: five text chunks, then the usage (OpenAI: a last chunk with no choices, sent
  only when ``stream_options.include_usage`` is set; Anthropic: ``message_start`` with
  the input tokens and ``message_delta`` with the output tokens so far);
- ``rate``: 429 with ``retry-after: 20`` before any chunk; ``boom``: 500;
- ``cut``: three text chunks, then the failure: OpenAI's connection drops (the chunked
  body never ends), Anthropic sends an ``error`` event (``overloaded_error``);
- ``slow``: the headers at once, the first chunk only after the server is told to go on
  (``release``) or stops, or after ``SLOW_BOUND_S``: far past any first-chunk timeout.

Every request's (api, model) is logged, and ``open_streams`` counts the responses
being written, so a test can see a stream it closed early really end.
"""

from __future__ import annotations

import contextlib
import json
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler
from typing import Any

from fake_vendors import ANTHROPIC, OPENAI, serve_with

SLOW_BOUND_S = 30.0
WORDS = ["Hel", "lo", ", ", "wor", "ld"]
INPUT_TOKENS = 12


class _StreamHandler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    log: list[tuple[str, str]]
    release: threading.Event
    counters: dict[str, int]
    counter_lock: threading.Lock

    def log_message(self, format: str, *args: Any) -> None:  # keep test output quiet
        return

    def handle(self) -> None:
        with contextlib.suppress(BrokenPipeError, ConnectionResetError):  # a client left
            super().handle()

    def _frame(self, data: bytes) -> None:
        self.wfile.write(f"{len(data):x}\r\n".encode() + data + b"\r\n")
        self.wfile.flush()

    def _event(self, payload: Any, event: str | None = None) -> None:
        text = (f"event: {event}\n" if event else "") + f"data: {payload}\n\n"
        self._frame(text.encode())

    def do_POST(self) -> None:
        body = json.loads(self.rfile.read(int(self.headers.get("content-length", 0))) or b"{}")
        model = str(body.get("model", ""))
        scenario = model.rsplit("/", 1)[-1].split("-", 1)[0]
        anthropic = self.path.rstrip("/").endswith("/messages")
        self.log.append(("anthropic" if anthropic else "openai", model))
        if scenario in ("rate", "boom"):
            status, payload = (ANTHROPIC if anthropic else OPENAI)[scenario]
            data = json.dumps(payload).encode()
            self.send_response(status)
            self.send_header("content-type", "application/json")
            self.send_header("content-length", str(len(data)))
            if status == 429:
                self.send_header("retry-after", "20")
            self.end_headers()
            self.wfile.write(data)
            return
        self.send_response(200)
        self.send_header("content-type", "text/event-stream")
        self.send_header("transfer-encoding", "chunked")
        self.end_headers()
        self.wfile.flush()
        with self.counter_lock:
            self.counters["open"] += 1
        try:
            if scenario == "slow":
                self.release.wait(SLOW_BOUND_S)
            words = WORDS[:3] if scenario == "cut" else WORDS
            if anthropic:
                self._anthropic(model, words, cut=scenario == "cut")
            else:
                usage = bool((body.get("stream_options") or {}).get("include_usage"))
                self._openai(model, words, cut=scenario == "cut", usage=usage)
        except (BrokenPipeError, ConnectionResetError):  # the client closed the stream
            pass
        finally:
            with self.counter_lock:
                self.counters["open"] -= 1
                self.counters["ended"] += 1

    def _openai(self, model: str, words: list[str], *, cut: bool, usage: bool) -> None:
        base = {"id": "chatcmpl-1", "object": "chat.completion.chunk", "created": 0, "model": model}
        for n, word in enumerate(words):
            delta = {"content": word} if n else {"role": "assistant", "content": word}
            choice = {"index": 0, "delta": delta, "finish_reason": None}
            self._event(json.dumps({**base, "choices": [choice]}))
        if cut:
            self.close_connection = True  # no terminating chunk: the body is incomplete
            return
        done = {"index": 0, "delta": {}, "finish_reason": "stop"}
        self._event(json.dumps({**base, "choices": [done]}))
        if usage:
            counts = {
                "prompt_tokens": INPUT_TOKENS,
                "completion_tokens": len(words),
                "total_tokens": INPUT_TOKENS + len(words),
            }
            self._event(json.dumps({**base, "choices": [], "usage": counts}))
        self._event("[DONE]")
        self._frame(b"")  # the chunked body's end

    def _anthropic(self, model: str, words: list[str], *, cut: bool) -> None:
        start = {
            "type": "message_start",
            "message": {
                "id": "msg_1",
                "type": "message",
                "role": "assistant",
                "model": model,
                "content": [],
                "stop_reason": None,
                "stop_sequence": None,
                "usage": {"input_tokens": INPUT_TOKENS, "output_tokens": 1},
            },
        }
        self._event(json.dumps(start), "message_start")
        block = {
            "type": "content_block_start",
            "index": 0,
            "content_block": {"type": "text", "text": ""},
        }
        self._event(json.dumps(block), "content_block_start")
        for n, word in enumerate(words):
            delta = {
                "type": "content_block_delta",
                "index": 0,
                "delta": {"type": "text_delta", "text": word},
            }
            self._event(json.dumps(delta), "content_block_delta")
            if n == 1:  # the output so far, as the API reports it now and then
                so_far = {
                    "type": "message_delta",
                    "delta": {"stop_reason": None, "stop_sequence": None},
                    "usage": {"output_tokens": n + 1},
                }
                self._event(json.dumps(so_far), "message_delta")
        if cut:
            error = {
                "type": "error",
                "error": {"type": "overloaded_error", "message": "Overloaded"},
            }
            self._event(json.dumps(error), "error")
            self._frame(b"")
            return
        self._event(json.dumps({"type": "content_block_stop", "index": 0}), "content_block_stop")
        end = {
            "type": "message_delta",
            "delta": {"stop_reason": "end_turn", "stop_sequence": None},
            "usage": {"output_tokens": len(words)},
        }
        self._event(json.dumps(end), "message_delta")
        self._event(json.dumps({"type": "message_stop"}), "message_stop")
        self._frame(b"")


class Running:
    """The running server: its base URL, its log, and its stream counters."""

    def __init__(
        self, base_url: str, log: list[tuple[str, str]], handler: Any, release: threading.Event
    ) -> None:
        self.base_url = base_url
        self.log = log
        self._handler = handler
        self._release = release

    @property
    def open_streams(self) -> int:
        with self._handler.counter_lock:
            return int(self._handler.counters["open"])

    @property
    def ended_streams(self) -> int:
        with self._handler.counter_lock:
            return int(self._handler.counters["ended"])

    def go_on(self) -> None:
        """Let every ``slow`` stream send its chunks."""
        self._release.set()


@contextmanager
def serve_streams() -> Iterator[Running]:
    """Run the streaming server until the block ends."""
    handler = type(
        "StreamHandler",
        (_StreamHandler,),
        {"counters": {"open": 0, "ended": 0}, "counter_lock": threading.Lock()},
    )
    release = threading.Event()
    with serve_with(handler, release) as (base_url, log):
        yield Running(base_url, log, handler, release)
