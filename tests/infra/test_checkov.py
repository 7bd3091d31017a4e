"""The checkov gate of `make package`, on the same packaged template: it passes, it fails a template that loses a
fixed check, and every check it does not apply has its reason in the README.

checkov lives in its own venv (.deps-checkov, `make deps` installs it from requirements-checkov.txt): its
dependencies' pins clash with the project's. One run takes about 10 s of CPU.
"""
import copy
import os
import re
import subprocess

import pytest
import yaml

from tests.infra.packaging import ROOT

CHECKOV = ROOT / ".deps-checkov" / "bin" / "checkov"
CONFIG = ROOT / "infra" / "checkov.yaml"


# `packaged`: the build the infra tests share (tests/infra/conftest.py); its file is only read here.


def checkov(path):
    if not CHECKOV.exists():
        pytest.fail("checkov is not installed: `make deps` puts it in .deps-checkov")
    return subprocess.run([str(CHECKOV), "--config-file", str(CONFIG), "--file", str(path)], capture_output=True,
                          text=True, check=False, cwd=path.parent,
                          env={**os.environ, "CKV_SKIP_PACKAGE_UPDATE_CHECK": "true"})


def test_the_packaged_template_passes_the_checkov_gate(packaged):
    path, _ = packaged
    result = checkov(path)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "Failed checks: 0" in result.stdout


def test_the_gate_fails_a_template_whose_api_stage_has_no_access_log(packaged, tmp_path):
    _, template = packaged
    broken = copy.deepcopy(template)
    del broken["Resources"]["RestAPI"]["Properties"]["AccessLogSetting"]
    path = tmp_path / "sam.yaml"
    path.write_text(yaml.safe_dump(broken, sort_keys=False))
    result = checkov(path)
    assert result.returncode != 0
    assert "CKV_AWS_76" in result.stdout


def skipped_checks():
    return yaml.safe_load(CONFIG.read_text())["skip-check"]


def test_every_check_the_gate_skips_has_its_reason_in_the_readme():
    rows = {m.group(1): m.group(2).strip() for m in re.finditer(r"^\| `(CKV2?_AWS_\d+)` [^|]*\| ([^|]+)\|",
                                                                 (ROOT / "README.md").read_text(), re.MULTILINE)}
    assert sorted(rows) == sorted(skipped_checks())
    assert all(len(reason) > 40 for reason in rows.values())


def test_the_queues_are_encrypted_with_sse_sqs_which_ckv_aws_27_does_not_know(packaged):
    """CKV_AWS_27 looks for a KMS key only; every queue is encrypted with SQS's own keys (SSE-SQS)."""
    assert "CKV_AWS_27" in skipped_checks()
    _, template = packaged
    queues = [r["Properties"] for r in template["Resources"].values() if r["Type"] == "AWS::SQS::Queue"]
    assert len(queues) >= 7
    assert all(q.get("SqsManagedSseEnabled") is True for q in queues)
