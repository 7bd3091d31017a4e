"""A local stand-in for HubSpot's CRM API, on the loopback, for `make run` (infra/local/hubspot_state.py: the routes).

`/crm/...` calls need `Authorization: Bearer <token>` (401 otherwise, as HubSpot answers); `/_standin/...` is for
people. Every request is appended to <data dir>/hubspot/requests.jsonl (time, method, path, query, status, body) and
the state (contacts, properties, lists, tasks) is kept in <data dir>/hubspot/state.json, so it survives a restart.
Run alone: python -m infra.local.hubspot_standin --port 8002 --data-dir .local [--token local-hubspot-token]
"""
from __future__ import annotations

import argparse
import json
import logging
import threading
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl, urlsplit

from infra.local.hubspot_state import HubSpotState

log = logging.getLogger("infra.local.hubspot")
TOKEN = "local-hubspot-token"  # noqa: S105  (the stand-in's own, local only)
UNAUTHORIZED = {"status": "error", "category": "INVALID_AUTHENTICATION", "message": "missing or wrong token"}


class StandIn:
    """The state behind one lock, its journal, and the token the calls must carry."""

    def __init__(self, folder: Path, token: str = TOKEN) -> None:
        self.folder, self.token = folder, token
        folder.mkdir(parents=True, exist_ok=True)
        self.state_file, self.journal = folder / "state.json", folder / "requests.jsonl"
        saved = json.loads(self.state_file.read_text()) if self.state_file.exists() else None
        self.state = HubSpotState.from_json(saved) if saved else HubSpotState()
        self.lock = threading.Lock()

    def serve(self, method: str, path: str, query: dict[str, str], authorization: str, body: Any) -> tuple[int, Any]:
        now = datetime.now(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")
        with self.lock:
            if path.startswith("/crm/") and authorization != f"Bearer {self.token}":
                status, answer, changed = 401, UNAUTHORIZED, False
            else:
                (status, answer), changed = self.state.answer(method, path, query, body, now)
            if changed:
                self.state_file.write_text(json.dumps(self.state.to_json(), indent=1))
            if not path.startswith("/_standin"):
                with self.journal.open("a", encoding="utf-8") as f:
                    f.write(json.dumps({"at": now, "method": method, "path": path, "query": query, "status": status,
                                        "body": body}) + "\n")
        return status, answer


def make_server(port: int, folder: Path, token: str = TOKEN) -> ThreadingHTTPServer:
    """The stand-in's HTTP server on 127.0.0.1:<port> (0: any free port); call serve_forever() to run it."""
    standin = StandIn(folder, token)

    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def _serve(self) -> None:
            parts = urlsplit(self.path)
            length = int(self.headers.get("Content-Length") or 0)
            raw = self.rfile.read(length) if length else b""
            try:
                body = json.loads(raw) if raw else None
            except ValueError:
                body = None
            status, answer = standin.serve(self.command, parts.path, dict(parse_qsl(parts.query)),
                                           self.headers.get("Authorization", ""), body)
            payload = json.dumps(answer).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(payload)))
            self.end_headers()
            self.wfile.write(payload)

        do_GET = do_POST = do_PUT = do_PATCH = do_DELETE = _serve  # noqa: N815

        def log_message(self, format: str, *args: Any) -> None:
            log.debug(format, *args)

    server = ThreadingHTTPServer(("127.0.0.1", port), Handler)
    server.daemon_threads = True
    return server


def start_in_thread(port: int, folder: Path, token: str = TOKEN) -> ThreadingHTTPServer:
    """Serve from a daemon thread of this process (the local stack's own): it stops when the process does."""
    server = make_server(port, folder, token)
    threading.Thread(target=server.serve_forever, args=(0.2,), name="hubspot-standin", daemon=True).start()
    return server


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--port", type=int, default=8002)
    parser.add_argument("--data-dir", type=Path, default=Path(".local"))
    parser.add_argument("--token", default=TOKEN)
    args = parser.parse_args()
    logging.basicConfig(level=logging.INFO, format="%(name)s: %(message)s")
    server = make_server(args.port, args.data_dir / "hubspot", args.token)
    log.info("HubSpot stand-in on http://127.0.0.1:%d", server.server_port)
    server.serve_forever()


if __name__ == "__main__":
    main()
