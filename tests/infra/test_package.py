"""`make package` builds a SAM template that cfn-lint accepts; this is the same build without network.

Chalice's dependency step (pip download of Linux wheels) is replaced by a no-op: the template, which is
what deploys the resources, is produced by the real packager and merge, then linted by the real cfn-lint.
It runs in a fresh interpreter, as `chalice package` does, so modules imported by other tests (whose
import-time settings came from another stage) cannot leak into the template.
"""
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from infra.pin_stage import pin_stage

ROOT = Path(__file__).resolve().parents[2]
PACKAGE_WITHOUT_DEPENDENCIES = (
    "import sys; from chalice.deploy.packager import DependencyBuilder; "
    "DependencyBuilder.build_site_packages = lambda self, *a, **k: None; "
    "from chalice.cli import main; sys.argv[0] = 'chalice'; sys.exit(main())"
)


@pytest.fixture
def packaged(tmp_path):
    # A copy of the project, so the dependency-less zip never lands in the real .chalice/deployments cache.
    project = tmp_path / "project"
    shutil.copytree(ROOT, project, ignore=shutil.ignore_patterns(
        ".venv", "node_modules", ".local", "dist", ".git", "tests", "deployments", "__pycache__"))
    out = tmp_path / "dist"
    env = {k: v for k, v in os.environ.items() if not k.startswith("LOYALTY_")}
    result = subprocess.run([sys.executable, "-c", PACKAGE_WITHOUT_DEPENDENCIES, "--project-dir", str(project),
                             "package", "--stage", "dev", "--template-format", "yaml",
                             "--merge-template", "infra/template.yaml", str(out)],
                            cwd=project, env=env, capture_output=True, text=True, check=False)
    assert result.returncode == 0, result.stdout + result.stderr
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


def test_every_function_gets_the_one_block_of_function_settings_in_the_chalice_config(packaged):
    _, template = packaged
    settings = json.loads((ROOT / ".chalice" / "config.json").read_text())["lambda_functions"]
    functions = {name: r["Properties"] for name, r in template["Resources"].items()
                 if r["Type"] == "AWS::Serverless::Function"}
    assert len(functions) == len(settings)
    for name, wanted in settings.items():
        found = functions["APIHandler" if name == "api_handler" else name.title().replace("_", "")]
        assert (found["Timeout"], found["MemorySize"]) == (wanted["lambda_timeout"], wanted["lambda_memory_size"])
        assert found.get("ReservedConcurrentExecutions") == wanted.get("reserved_concurrency")


def test_functions_use_written_policies_not_generated_ones(packaged):
    _, template = packaged
    policy = template["Resources"]["ApiHandlerRole"]["Properties"]["Policies"][0]["PolicyDocument"]
    actions = {a for s in policy["Statement"] for a in s["Action"]}
    assert "dynamodb:Scan" not in actions
    assert all("*" not in a for a in actions)


def test_the_written_policy_allows_every_call_the_code_makes():
    """autogen_policy is off, so a call missing from the policy would fail only once deployed: catch it here."""
    import json
    import re
    sources = "\n".join(p.read_text() for p in (ROOT / "chalicelib").rglob("*.py"))
    calls = set(re.findall(r"client\.([a-z_]+)\(", sources))
    calls |= {name for name in ("Put", "Update", "Delete", "ConditionCheck") if f'{{"{name}":' in sources}
    names = {"Put": "put_item", "Update": "update_item", "Delete": "delete_item",
             "ConditionCheck": "condition_check_item"}
    policy = json.loads((ROOT / ".chalice" / "policy-dev.json").read_text())
    allowed = {a.split(":")[1] for s in policy["Statement"] for a in s["Action"]}
    for call in sorted(calls):
        action = "".join(part.title() for part in names.get(call, call).split("_"))
        action = {"TransactWriteItems": "PutItem",     # checked per item kind above
                  "SendMessageBatch": "SendMessage",   # IAM authorises SendMessageBatch with sqs:SendMessage
                  }.get(action, action)
        assert action in allowed, f"client.{call} needs {action} in the policy"
