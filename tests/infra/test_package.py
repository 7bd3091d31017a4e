"""`make package` builds a SAM template that cfn-lint accepts; this is the same build without network.

Chalice's dependency step (pip download of Linux wheels) is replaced by a no-op: the template, which is
what deploys the resources, is produced by the real packager and merge, then linted by the real cfn-lint.
"""
import os
import shutil
import subprocess
import sys
from pathlib import Path
from unittest import mock

import pytest
import yaml
from chalice.cli import cli
from chalice.deploy.packager import DependencyBuilder
from click.testing import CliRunner

from infra.pin_stage import pin_stage

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def packaged(tmp_path, monkeypatch):
    # A copy of the project, so the dependency-less zip never lands in the real .chalice/deployments cache.
    project = tmp_path / "project"
    shutil.copytree(ROOT, project, ignore=shutil.ignore_patterns(
        ".venv", "node_modules", ".local", "dist", ".git", "tests", "deployments", "__pycache__"))
    monkeypatch.setattr(DependencyBuilder, "build_site_packages", lambda self, *a, **k: None)
    monkeypatch.chdir(project)
    out = tmp_path / "dist"
    args = ["--project-dir", str(project), "package", "--stage", "dev", "--template-format", "yaml",
            "--merge-template", "infra/template.yaml", str(out)]
    with mock.patch.dict(os.environ):     # Chalice copies the stage's variables into os.environ
        result = CliRunner().invoke(cli, args, obj={})
    assert result.exit_code == 0, result.output
    template = pin_stage(yaml.safe_load((out / "sam.yaml").read_text()), "dev")
    (out / "sam.yaml").write_text(yaml.safe_dump(template, sort_keys=False))
    return out / "sam.yaml", template


def test_the_packaged_template_passes_cfn_lint(packaged):
    path, _ = packaged
    cfn_lint = Path(sys.executable).parent / "cfn-lint"
    lint = subprocess.run([str(cfn_lint), str(path)], capture_output=True, text=True, check=False)
    assert lint.returncode == 0, lint.stdout + lint.stderr


def test_the_worker_reports_partial_batch_failures_and_reads_the_queue_the_template_creates(packaged):
    _, template = packaged
    worker = template["Resources"]["HandleIngest"]["Properties"]
    source = worker["Events"]["HandleIngestSqsEventSource"]["Properties"]
    assert source["FunctionResponseTypes"] == ["ReportBatchItemFailures"]
    assert source["Queue"]["Fn::Sub"].endswith(":loyalty-dev-ingest")
    queue = template["Resources"]["IngestQueue"]["Properties"]
    assert queue["QueueName"] == {"Fn::Sub": "loyalty-${Stage}-ingest"}
    assert template["Parameters"]["Stage"]["AllowedValues"] == ["dev"]
    assert queue["RedrivePolicy"]["maxReceiveCount"] >= 5
    assert queue["VisibilityTimeout"] >= 6 * worker["Timeout"]


def test_functions_use_written_policies_not_generated_ones(packaged):
    _, template = packaged
    policy = template["Resources"]["ApiHandlerRole"]["Properties"]["Policies"][0]["PolicyDocument"]
    actions = {a for s in policy["Statement"] for a in s["Action"]}
    assert "dynamodb:Scan" not in actions
    assert all("*" not in a for a in actions)
