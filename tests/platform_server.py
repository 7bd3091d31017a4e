"""A real HTTP server on the loopback standing in for HubSpot and Shopify: scripted answers, recorded requests.

Tests queue answers per (method, path); each request takes the next one, or the route's default, or the answer of
a handler for its method and path prefix (a stateful stand-in, e.g. tests/hubspot_lists.py), or the server's default
(404). Every request is recorded with its method, path, query, headers and parsed JSON body.
"""
from __future__ import annotations

import json
import threading
import time
from collections import defaultdict, deque
from collections.abc import Callable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlsplit


@dataclass(frozen=True)
class Answer:
    status: int = 200
    body: Any = None
    headers: dict[str, str] = field(default_factory=dict)
    delay: float = 0.0          # seconds to wait before answering (client timeouts)


@dataclass(frozen=True)
class Recorded:
    method: str
    path: str
    query: dict[str, list[str]]
    headers: dict[str, str]     # names in lower case
    body: Any                   # parsed JSON, or None


class PlatformServer:
    def __init__(self) -> None:
        self.requests: list[Recorded] = []
        self._queues: dict[tuple[str, str], deque[Answer]] = defaultdict(deque)
        self._defaults: dict[tuple[str, str], Answer] = {}
        self._handlers: list[tuple[str, str, Callable[[Recorded], Answer]]] = []
        self._lock = threading.Lock()
        self._http = ThreadingHTTPServer(("127.0.0.1", 0), _handler_for(self))
        self._http.daemon_threads = True
        self._thread = threading.Thread(target=self._http.serve_forever, args=(0.02,), daemon=True)

    @property
    def url(self) -> str:
        host, port = self._http.server_address[:2]
        return f"http://{host!s}:{port}"

    def start(self) -> PlatformServer:
        self._thread.start()
        return self

    def stop(self) -> None:
        self._http.shutdown()
        self._http.server_close()

    def script(self, method: str, path: str, *answers: Answer) -> None:
        """Answers for the next requests to (method, path), in order."""
        with self._lock:
            self._queues[(method.upper(), path)].extend(answers)

    def default(self, method: str, path: str, answer: Answer) -> None:
        """The answer once the route's queue is empty."""
        with self._lock:
            self._defaults[(method.upper(), path)] = answer

    def handle(self, method: str, prefix: str, respond: Callable[[Recorded], Answer]) -> None:
        """Answer the requests of this method whose path starts with `prefix` (nothing queued or defaulted for
        them) by calling `respond`, under the server's lock."""
        with self._lock:
            self._handlers.append((method.upper(), prefix, respond))

    def to(self, method: str, path: str) -> list[Recorded]:
        return [r for r in self.requests if r.method == method.upper() and r.path == path]

    def _answer(self, request: Recorded) -> Answer:
        with self._lock:
            self.requests.append(request)
            key = (request.method, request.path)
            if self._queues[key]:
                return self._queues[key].popleft()
            if key in self._defaults:
                return self._defaults[key]
            for method, prefix, respond in self._handlers:
                if request.method == method and request.path.startswith(prefix):
                    return respond(request)
            return Answer(404, {"message": f"nothing scripted for {key}"})


def _handler_for(server: PlatformServer) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def _serve(self) -> None:
            parts = urlsplit(self.path)
            length = int(self.headers.get("Content-Length") or 0)
            raw = self.rfile.read(length) if length else b""
            request = Recorded(self.command, parts.path, parse_qs(parts.query, keep_blank_values=True),
                               {k.lower(): v for k, v in self.headers.items()}, json.loads(raw) if raw else None)
            answer = server._answer(request)
            if answer.delay:
                time.sleep(answer.delay)
            payload = b"" if answer.body is None else json.dumps(answer.body).encode()
            try:
                self.send_response(answer.status)
                for name, value in {"Content-Type": "application/json", **answer.headers}.items():
                    self.send_header(name, value)
                self.send_header("Content-Length", str(len(payload)))
                self.end_headers()
                self.wfile.write(payload)
            except OSError:          # the client gave up (a timeout test): nothing left to answer
                self.close_connection = True

        do_GET = do_POST = do_PATCH = do_PUT = do_DELETE = _serve  # noqa: N815

        def log_message(self, format: str, *args: Any) -> None:
            pass

    return Handler
