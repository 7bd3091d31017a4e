"""`make rules`: rule versions are validated, stored once, and shown (against moto here)."""
import json
from datetime import UTC, datetime, timedelta

import pytest
from moto import mock_aws

from chalicelib import bootstrap as composition
from infra import rules as cli
from infra.local.bootstrap import bootstrap
from infra.local.settings import program_settings


@pytest.fixture
def stack(monkeypatch):
    monkeypatch.setattr(cli, "store", lambda stage, local: cli.DynamoDBRules(f"loyalty-{stage}",
                                                                             cli.boto3.client("dynamodb"), 0))
    with mock_aws():
        composition.reset()
        bootstrap(program_settings({}))
        yield
    composition.reset()


def rules_file(tmp_path, **changes):
    data = {**cli.rules_to_json(cli.DEFAULT_RULES), **changes}
    path = tmp_path / "rules.json"
    path.write_text(json.dumps({k: v for k, v in data.items() if v is not None}))
    return path


def test_a_valid_version_is_stored_once_and_shown(stack, tmp_path, capsys):
    tomorrow = (datetime.now(UTC) + timedelta(days=1)).isoformat()      # the command runs on the machine's clock
    data = {**json.loads(json.dumps(cli.rules_to_json(cli.DEFAULT_RULES))), "version": "hold-30",
            "effective_from": tomorrow, "hold_days": 30}
    path = tmp_path / "rules.json"
    path.write_text(json.dumps(data))
    assert cli.main(["add", str(path)]) == 0
    assert cli.main(["add", str(path)]) == 2                      # the same version twice: refused
    capsys.readouterr()
    assert cli.main(["show"]) == 0
    [shown] = json.loads(capsys.readouterr().out)
    assert (shown["version"], shown["hold_days"]) == ("hold-30", 30)


def test_invalid_rules_are_refused_with_the_field_named(stack, tmp_path, capsys):
    path = tmp_path / "rules.json"
    path.write_text(json.dumps({**cli.rules_to_json(cli.DEFAULT_RULES), "hold_days": -3}))
    assert cli.main(["add", str(path)]) == 2
    assert "hold_days" in capsys.readouterr().err


def test_a_version_dated_in_the_past_is_refused_as_the_api_refuses_it(stack, tmp_path, capsys):
    path = rules_file(tmp_path, version="hold-14", effective_from="2026-01-01T00:00:00+00:00", hold_days=14)
    assert cli.main(["add", str(path)]) == 2
    assert "effective_from" in capsys.readouterr().err
    capsys.readouterr()
    assert cli.main(["show"]) == 0
    assert json.loads(capsys.readouterr().out) == []


def test_a_stored_version_has_its_audit_record(stack, tmp_path):
    path = rules_file(tmp_path, version="hold-14", hold_days=14, effective_from=None)   # from now on
    assert cli.main(["add", str(path)]) == 0
    [record] = composition.get_audit().page("demo", None, 10)[0]
    assert (record.action, record.target, record.key_id) == ("rules.create", "rules:hold-14", "cli:make-rules")
