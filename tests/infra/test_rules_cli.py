"""`make rules`: rule versions are validated, stored once, and shown (against moto here)."""
import json

import pytest
from moto import mock_aws

from infra import rules as cli
from infra.local.bootstrap import bootstrap
from infra.local.settings import program_settings


@pytest.fixture
def stack(monkeypatch):
    monkeypatch.setattr(cli, "store", lambda stage, local: cli.DynamoDBRules(f"loyalty-{stage}",
                                                                             cli.boto3.client("dynamodb"), 0))
    with mock_aws():
        bootstrap(program_settings({}))
        yield


def test_a_valid_version_is_stored_once_and_shown(stack, tmp_path, capsys):
    data = {**json.loads(json.dumps(cli.rules_to_json(cli.DEFAULT_RULES))), "version": "hold-30",
            "effective_from": "2026-12-01T00:00:00+00:00", "hold_days": 30}
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
