"""moto server for the local stack: one request at a time (moto is not thread-safe), sent mail saved as .eml files,
and SQS served from the durable queue store (<data dir>/queues.sqlite3) instead of moto's memory.

moto's own state (parameters, secrets, SES) is in memory only: a restart starts empty and `infra.local.bootstrap`
seeds it again. Queued messages survive a crash and a restart (infra/local/queue_store.py); EventBridge rules that
target a queue deliver into that store too.
Run: python -m infra.local.moto_server --port 4566 --data-dir .local
"""
from __future__ import annotations

import argparse
import contextlib
import json
import logging
import re
import signal
import sys
import threading
from collections.abc import Callable, Iterable
from email.message import EmailMessage
from email.utils import formatdate
from pathlib import Path
from typing import Any

from moto.events import models as events_models
from moto.moto_server.werkzeug_app import DomainDispatcherApplication, create_backend_app
from moto.ses.models import Message, RawMessage, TemplateMessage, ses_backends
from werkzeug.serving import BaseWSGIServer, make_server

from infra.local.queue_store import QueueError, QueueStore
from infra.local.settings import ports_from
from infra.local.sqs_api import is_sqs, sqs_app

log = logging.getLogger("infra.local.moto_server")
_EML = re.compile(r"^(\d+)\.eml$")


class MailDrop:
    """Writes every message SES accepted, once, as <folder>/<n>.eml (n continues after the highest file there)."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self._seen: set[str] = set()

    def collect(self) -> int:
        new = [m for m in _sent_messages() if m.id not in self._seen]
        for message in new:
            self._seen.add(message.id)
            self._write(message)
        return len(new)

    def _write(self, message: Any) -> None:
        self.folder.mkdir(parents=True, exist_ok=True)
        numbers = [int(m.group(1)) for p in self.folder.iterdir() if (m := _EML.match(p.name))]
        path = self.folder / f"{max(numbers, default=0) + 1}.eml"
        path.write_bytes(to_rfc5322(message))
        log.info("mail saved: %s", path)


def _sent_messages() -> Iterable[Any]:
    for account in list(ses_backends.values()):
        for backend in list(account.values()):
            yield from list(backend.sent_messages)


def to_rfc5322(message: Any) -> bytes:
    """The raw message as sent, or a minimal RFC 5322 message for the v1 SendEmail / templated forms."""
    if isinstance(message, RawMessage):
        raw = message.raw_data
        return raw.encode() if isinstance(raw, str) else bytes(raw)
    mail = EmailMessage()
    mail["From"] = message.source
    destinations = message.destinations if isinstance(message.destinations, dict) else {}
    for header, key in (("To", "ToAddresses"), ("Cc", "CcAddresses")):
        if destinations.get(key):
            mail[header] = ", ".join(destinations[key])
    mail["Date"] = formatdate(localtime=False, usegmt=True)
    mail["Message-ID"] = f"<{message.id}@email.amazonses.com>"
    if isinstance(message, Message):
        mail["Subject"] = message.subject
        body = message.body or ""
        mail.set_content(body, subtype="html" if body.lstrip().startswith("<") else "plain")
    elif isinstance(message, TemplateMessage):
        mail["Subject"] = f"[template {message.template}]"
        mail.set_content(f"template: {message.template}\ntemplate data: {message.template_data}\n")
    return bytes(mail)


def locked_app(mail: MailDrop, queues: QueueStore) -> Callable[..., list[bytes]]:
    """moto behind one lock; SQS (its own locking, long polls included) beside it, never waiting for moto."""
    moto = DomainDispatcherApplication(create_backend_app)
    sqs = sqs_app(queues)
    lock = threading.Lock()
    _deliver_rule_targets_to(queues)

    def app(environ: dict[str, Any], start_response: Callable[..., Any]) -> list[bytes]:
        if is_sqs(environ):
            return sqs(environ, start_response)
        if environ.get("PATH_INFO") == "/moto-api/reset":
            queues.reset()
        with lock:  # the whole response is produced inside the lock
            body = list(moto(environ, start_response))
            try:
                mail.collect()
            except Exception:
                log.exception("could not save sent mail")
            return body

    return app


def _deliver_rule_targets_to(queues: QueueStore) -> None:
    """moto's EventBridge puts a rule's SQS target messages into moto's own SQS: put them in the store instead."""
    def send_to_queue(rule: Any, resource_id: str, event: dict[str, Any], group_id: str | None = None) -> None:
        if "time" in event:
            event["time"] = events_models.iso_8601_datetime_without_milliseconds(
                events_models.utcfromtimestamp(float(event["time"])))
        try:
            queues.send(resource_id, [(json.dumps(event), {}, None)])
        except QueueError as e:
            log.warning("rule %s: target queue %s: %s", getattr(rule, "name", "?"), resource_id, e.message)

    events_models.Rule._send_to_sqs_queue = send_to_queue  # type: ignore[method-assign]


QUEUE_FILE = "queues.sqlite3"


def make_moto_server(port: int, data_dir: Path) -> BaseWSGIServer:
    """The locked moto server on 127.0.0.1:<port> (0: any free port); call serve_forever() / shutdown()."""
    logging.getLogger("werkzeug").setLevel(logging.ERROR)  # no access line per request
    queues = QueueStore(data_dir / QUEUE_FILE)
    return make_server("127.0.0.1", port, locked_app(MailDrop(data_dir / "mail"), queues), threaded=True)


def main() -> None:
    defaults = ports_from()
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--port", type=int, default=defaults.aws)
    parser.add_argument("--data-dir", type=Path, default=defaults.data_dir)
    args = parser.parse_args()
    logging.basicConfig(level=logging.INFO, format="%(name)s: %(message)s")
    server = make_moto_server(args.port, args.data_dir)
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
    log.info("moto server on http://127.0.0.1:%d", server.server_port)
    with contextlib.suppress(KeyboardInterrupt):
        server.serve_forever()


if __name__ == "__main__":
    main()
