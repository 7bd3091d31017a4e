"""What `import app` costs a cold start, beside `import boto3` on the same machine in the same minute.

The API function's handler is `app.app`, so its cold start begins with `import app` (the worker and the jobs are
deployed with handlers in their own modules, e.g. `chalicelib.jobs.worker.handle_ingest`). It calls AWS, so
`import boto3` is a floor it cannot go under; the ratio is what our own code and its libraries add. Each figure is
the best of `runs` fresh interpreters timing the import statement alone, the two statements taking turns so that
both see the same load, with bytecode caching as the environment has it (with PYTHONDONTWRITEBYTECODE set and no
__pycache__ in chalicelib/, every run compiles our modules from source, as a container that cannot write them does).
"""
from __future__ import annotations

import os
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from infra.bench.report import markdown

ROOT = Path(__file__).resolve().parents[2]
TARGET = 1.5        # `import app` at most this many times `import boto3`
NOTE = ("Cold start: `import app` beside `import boto3`, each the best of {runs} fresh interpreters timing the "
        "import statement alone (taking turns); bytecode cache {cache}.")


def import_seconds(module: str, python: str = sys.executable, cwd: Path = ROOT) -> float:
    """Seconds one fresh interpreter takes to import `module` (startup excluded)."""
    code = f"import time; t = time.perf_counter(); import {module}; print(time.perf_counter() - t)"
    done = subprocess.run([python, "-c", code], cwd=cwd, capture_output=True, text=True, check=True, timeout=60)
    return float(done.stdout)


@dataclass(frozen=True)
class ColdStart:
    boto3: float
    app: float
    runs: int

    @property
    def ratio(self) -> float:
        return self.app / self.boto3

    def row(self) -> dict[str, Any]:
        return {"import_boto3_ms": round(1000 * self.boto3, 1), "import_app_ms": round(1000 * self.app, 1),
                "ratio": round(self.ratio, 2), "target": TARGET, "runs": self.runs}


def cold_start(runs: int = 5) -> ColdStart:
    boto3, app = [], []
    for _ in range(runs):
        boto3.append(import_seconds("boto3"))
        app.append(import_seconds("app"))
    return ColdStart(min(boto3), min(app), runs)


def note(result: ColdStart) -> str:
    cached = "off (PYTHONDONTWRITEBYTECODE)" if os.environ.get("PYTHONDONTWRITEBYTECODE") else "as left by earlier runs"
    return NOTE.format(runs=result.runs, cache=cached)


def table(result: ColdStart) -> str:
    rows = [("import", "ms", "× import boto3"),
            ("import boto3", f"{1000 * result.boto3:.0f}", "1.00"),
            ("import app", f"{1000 * result.app:.0f}", f"{result.ratio:.2f}")]
    return markdown(rows)


def verdict(result: ColdStart) -> str:
    within = "within" if result.ratio <= TARGET else "over"
    return f"`import app` is {result.ratio:.2f}× `import boto3`: {within} the target of {TARGET}×."
