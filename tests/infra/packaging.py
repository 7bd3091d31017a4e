"""`chalice package` of a copy of the project without network, as `make package` builds it (tests/infra)."""
from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import yaml

from infra.function_alarms import add_function_alarms
from infra.function_policies import add_function_policies
from infra.pin_stage import pin_stage

ROOT = Path(__file__).resolve().parents[2]
PACKAGE_WITHOUT_DEPENDENCIES = (
    "import sys; from chalice.deploy.packager import DependencyBuilder; "
    "DependencyBuilder.build_site_packages = lambda self, *a, **k: None; "
    "from chalice.cli import main; sys.argv[0] = 'chalice'; sys.exit(main())"
)


def package_copy(base: Path) -> tuple[Path, dict[str, Any]]:
    """Package a copy of the project under `base` (so the dependency-less zip never lands in the real
    .chalice/deployments cache); the template pinned to the dev stage and with its function alarms and policies, as
    `make package` leaves it, written back to dist/sam.yaml."""
    project, out = base / "project", base / "dist"
    shutil.copytree(ROOT, project, ignore=shutil.ignore_patterns(
        ".venv", ".deps-*", "node_modules", ".local", "dist", ".git", "tests", "deployments", "__pycache__"))
    env = {k: v for k, v in os.environ.items() if not k.startswith("LOYALTY_")}
    result = subprocess.run([sys.executable, "-c", PACKAGE_WITHOUT_DEPENDENCIES, "--project-dir", str(project),
                             "package", "--stage", "dev", "--template-format", "yaml",
                             "--merge-template", "infra/template.yaml", str(out)],
                            cwd=project, env=env, capture_output=True, text=True, check=False)
    assert result.returncode == 0, result.stdout + result.stderr
    template = add_function_policies(add_function_alarms(pin_stage(yaml.safe_load((out / "sam.yaml").read_text()),
                                                                   "dev")))
    (out / "sam.yaml").write_text(yaml.safe_dump(template, sort_keys=False))
    return out / "sam.yaml", template
