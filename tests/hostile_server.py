"""A misbehaving OpenAI-compatible server on 127.0.0.1, for the tests of issue 20.

One real http.server in a thread; what it does is chosen by the first segment of the request's path, so
each system of a config picks its misbehaviour through its base_url (`{server.url('drip')}`):

    ok           a chat completion (the text names the start of the user message)
    drip         headers, then a Content-Length body one byte every 0.2 s
    drip-head    the status line itself one byte every 0.2 s
    silent       reads the request, never answers
    echo-<N>     HTTP N (401, 400, 500...) whose error message quotes the Authorization header
    echo-raw     HTTP 400, a plain-text body echoing every request header
    echo-200     a 200 without choices, echoing the Authorization header
    echo-text    a 200 whose summary quotes the Authorization header
    oversize     Content-Length: 2,000,000,000, then a trickle of bytes
    chunked      an endless chunked body
    null         content: null; also empty-choice ({"choices": [{}]}), dict (content is an object),
                 no-message, number, parts (a list of content parts without text)
    redirect     301 to another address
    negative     a completion whose usage says completion_tokens: -5000
    ansi         HTTP 400 whose message holds terminal escapes and a newline
    deep         a 200 whose JSON nests 200,000 levels deep; deep-error: a 400 nesting 100,000 levels
    short        a Content-Length of 1000, 13 bytes of body, then the connection closed
    busy         HTTP 503 asking to retry after 30 s
    once-<x>     answers its first request like ok, then goes silent

With `tls` (a server-side ssl.SSLContext) it speaks HTTPS. `heal(mode)` makes a mode answer like ok
from then on (a server fixed between two runs).

Every loop is bounded in count and in time (`LIMIT_SECONDS`), and every handler ends when the server
stops or the client goes away, so a client that does not give up cannot hang a test.
"""

from __future__ import annotations

import contextlib
import json
import ssl
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

LIMIT_SECONDS = 40.0  # no misbehaviour lasts longer than this
DRIP_EVERY = 0.2


class Hostile:
    def __init__(self, tls: ssl.SSLContext | None = None) -> None:
        self.requests: list[dict[str, Any]] = []
        self.lock = threading.Lock()
        self.stop = threading.Event()
        self.arrived = threading.Event()  # a request reached a slow mode: a test may interrupt now
        self.healed: set[str] = set()  # modes that answer like `ok` from now on
        owner = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args: Any) -> None:
                pass

            def do_POST(self) -> None:
                # The client gave up (what a bounded client does): nothing to answer.
                with contextlib.suppress(BrokenPipeError, ConnectionResetError, ssl.SSLError):
                    owner.handle(self)

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        if tls is not None:
            self.server.socket = tls.wrap_socket(self.server.socket, server_side=True)
        self.scheme = "https" if tls is not None else "http"
        self.port = self.server.server_port
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def url(self, mode: str) -> str:
        return f"{self.scheme}://127.0.0.1:{self.port}/{mode}/v1"

    def heal(self, mode: str) -> None:
        self.healed.add(mode)

    def modes(self) -> list[str]:
        with self.lock:
            return [r["mode"] for r in self.requests]

    # -- answers -----------------------------------------------------------------------------------------

    def handle(self, request: BaseHTTPRequestHandler) -> None:
        length = int(request.headers.get("Content-Length", 0))
        body = json.loads(request.rfile.read(length))
        mode = request.path.strip("/").split("/")[0]
        auth = request.headers.get("Authorization", "")
        with self.lock:
            self.requests.append({"mode": mode, "headers": dict(request.headers), "body": body})
            seen = sum(r["mode"] == mode for r in self.requests)
        user = body["messages"][-1]["content"]
        if mode in self.healed or (mode.startswith("once") and seen == 1):
            mode = "ok"
        elif mode.startswith("once"):
            mode = "silent"
        if mode == "ok":
            return self.send(request, 200, completion(body["model"], "Echo: " + " ".join(user.split()[-6:])))
        if mode == "negative":
            answer = completion(body["model"], "A short summary.")
            answer["usage"]["completion_tokens"] = -5000
            return self.send(request, 200, answer)
        if mode == "echo-text":
            return self.send(request, 200, completion(body["model"], f"The header was {auth}."))
        if mode == "echo-200":
            return self.send(request, 200, {"object": "error", "request": {"Authorization": auth}})
        if mode == "echo-raw":
            raw = "".join(f"{k}: {v}\r\n" for k, v in request.headers.items())
            return self.send(request, 400, raw.encode(), "text/plain")
        if mode.startswith("echo-"):
            message = f"invalid request: you sent Authorization: {auth} and that is not accepted"
            return self.send(request, int(mode[5:]), {"error": {"message": message}})
        if mode == "deep":
            return self.send(request, 200, b"[" * 200_000 + b"]" * 200_000)
        if mode == "deep-error":
            return self.send(request, 400, b'{"error":' * 100_000 + b"1" + b"}" * 100_000)
        if mode == "short":
            request.send_response(200)
            request.send_header("Content-Length", "1000")
            request.end_headers()
            request.wfile.write(b'{"choices": [')
            request.close_connection = True
            return None
        if mode == "busy":
            request.send_response(503)
            request.send_header("Retry-After", "30")
            request.send_header("Content-Length", "0")
            request.end_headers()
            return None
        if mode == "ansi":
            message = "bad\x1b[2K\r\nsumtrack: all systems ok\x1b]0;owned\x07"
            return self.send(request, 400, {"error": {"message": message}})
        if mode in BAD_CHOICES:
            answer = completion(body["model"], "unused")
            answer["choices"] = BAD_CHOICES[mode]
            return self.send(request, 200, answer)
        if mode == "redirect":
            request.send_response(301)
            request.send_header("Location", f"http://127.0.0.1:{self.port}/ok/v1/chat/completions")
            request.send_header("Content-Length", "0")
            request.end_headers()
            return None
        self.slow(request, mode)
        return None

    def slow(self, request: BaseHTTPRequestHandler, mode: str) -> None:
        self.arrived.set()
        started = time.monotonic()

        def going() -> bool:
            return not self.stop.is_set() and time.monotonic() - started < LIMIT_SECONDS

        if mode == "silent":
            while going():
                self.stop.wait(0.1)
            return
        if mode == "drip-head":
            for byte in b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n":
                if not going():
                    return
                request.wfile.write(bytes([byte]))
                request.wfile.flush()
                self.stop.wait(DRIP_EVERY)
            return
        request.send_response(200)
        request.send_header("Content-Type", "application/json")
        if mode == "drip":
            request.send_header("Content-Length", "1000")
        elif mode == "oversize":
            request.send_header("Content-Length", "2000000000")
        elif mode == "chunked":
            request.send_header("Transfer-Encoding", "chunked")
        request.end_headers()
        chunk = b"x" * 65536
        for _ in range(2000):  # 2000 chunks of 64 KiB: 128 MiB at most
            if not going():
                return
            if mode == "drip":
                request.wfile.write(b" ")
                request.wfile.flush()
                self.stop.wait(DRIP_EVERY)
            elif mode == "chunked":
                request.wfile.write(b"%x\r\n%s\r\n" % (len(chunk), chunk))
            else:
                request.wfile.write(chunk)

    def send(
        self, request: BaseHTTPRequestHandler, status: int, answer: Any, kind: str = "application/json"
    ) -> None:
        data = answer if isinstance(answer, bytes) else json.dumps(answer).encode()
        request.send_response(status)
        request.send_header("Content-Type", kind)
        request.send_header("Content-Length", str(len(data)))
        request.end_headers()
        request.wfile.write(data)

    def __enter__(self) -> Hostile:
        self.thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop.set()
        self.server.shutdown()
        self.server.server_close()
        self.thread.join(timeout=10)


BAD_CHOICES: dict[str, list[Any]] = {
    "null": [{"index": 0, "message": {"role": "assistant", "content": None}, "finish_reason": "stop"}],
    "empty-choice": [{}],
    "dict": [{"index": 0, "message": {"role": "assistant", "content": {"text": "x"}}}],
    "no-message": [{"index": 0, "finish_reason": "stop"}],
    "number": [{"index": 0, "message": {"role": "assistant", "content": 42}}],
    "parts": [{"index": 0, "message": {"role": "assistant", "content": [{"type": "image", "url": "x"}]}}],
}


def completion(model: str, text: str) -> dict[str, Any]:
    return {
        "id": "x",
        "object": "chat.completion",
        "model": model,
        "choices": [{"index": 0, "message": {"role": "assistant", "content": text}, "finish_reason": "stop"}],
        "usage": {"prompt_tokens": 20, "completion_tokens": 7, "total_tokens": 27},
    }
