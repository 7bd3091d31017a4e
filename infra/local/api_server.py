"""The local stack's API: the Chalice app behind Chalice's own API Gateway emulation, served for load.

`chalice local` runs that same emulation (routes, authorizers, binary types, 403 for unknown routes) on
`http.server` with its default listen backlog of 5 connections: under ~50 concurrent clients the kernel
dropped connections and webhooks timed out. This server is the same handler on a threaded server with a deep
backlog, one thread per connection, listening on 127.0.0.1 only.
Run: python -m infra.local.api_server --port 8000
"""
from __future__ import annotations

import argparse
import contextlib
import logging
import os
import signal
import sys
from http.server import ThreadingHTTPServer

from chalice.local import ChaliceRequestHandler, CustomLocalChalice, LocalChalice, LocalDevServer

from infra.local.clock import install as install_clock
from infra.local.invoke import load_app
from infra.local.settings import chalice_config, ports_from

API_HANDLER = "app.app"  # Lambda's _HANDLER for the API function: chalicelib.bootstrap picks its timeouts by it
BACKLOG = 1024  # connections the kernel holds while every thread is busy (capped by net.core.somaxconn)


class ApiHTTPServer(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True
    request_queue_size = BACKLOG


def make_api_server(port: int, host: str = "127.0.0.1") -> LocalDevServer:
    """The app on host:port (0: any free port); call serve_forever() / shutdown()."""
    os.environ["_HANDLER"] = API_HANDLER
    app = load_app()
    install_clock()  # the stack's movable clock (infra/local/clock.py): the real time unless <data dir>/clock.json
    if not isinstance(app, LocalChalice):  # what `chalice local` does: current_request per thread
        CustomLocalChalice.__bases__ = (LocalChalice, app.__class__)
        app.__class__ = CustomLocalChalice
    return LocalDevServer(app, chalice_config(function_name="api_handler"), host, port,
                          handler_cls=ChaliceRequestHandler, server_cls=ApiHTTPServer)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--port", type=int, default=ports_from().api)
    args = parser.parse_args()
    logging.basicConfig(stream=sys.stdout, level=logging.INFO, format="%(message)s")  # as `chalice local` does
    logging.getLogger("botocore").setLevel(logging.WARNING)
    server = make_api_server(args.port)
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
    with contextlib.suppress(KeyboardInterrupt):
        server.serve_forever()


if __name__ == "__main__":
    main()
