"""Least privilege per function, over the packaged template (`make package`'s, without network).

Each function's role holds its needs from infra/function_needs.py and nothing else; the internet-facing API function
deletes only inside its transactions, never batch-writes, reads no queue and sends no mail; only the dispatcher and
the feedback follow-up send mail, from the program's sender alone; every function writes its own log group alone; no
action is a wildcard and no resource is one beyond the listed forms. The checks are functions of a template, and the
last tests show that each fails on the template a wrong table gives.
"""
import copy
import json
import re

import pytest

from infra.function_needs import NEEDS, Grant
from infra.function_policies import add_function_policies, logical_id, policy_document
from tests.infra.packaging import ROOT
from tests.infra.roles import actions as _actions
from tests.infra.roles import resources_of as _resources
from tests.infra.roles import role_statements

SENDERS = {"dispatch_messages", "feedback_followup"}
NO_ACTION_FOR_THE_API = {"dynamodb:BatchWriteItem", "dynamodb:DeleteTable", "dynamodb:Scan", "dynamodb:PartiQLDelete",
                         "sqs:ReceiveMessage", "sqs:DeleteMessage", "s3:DeleteObject", "s3:GetObject"}
IN_TRANSACTIONS_ONLY = {"StringEquals": {"dynamodb:EnclosingOperation": "TransactWriteItems"}}
# The only wildcards in resources: a trailing one inside the stack's own names, where the name goes on (an object
# prefix of the stack's buckets, a parameter family under /loyalty/<stage>/, the random suffix Secrets Manager adds
# to a secret's ARN, the streams of the function's own log group).
ALLOWED_WILDCARD = re.compile(r"^(\$\{(PayloadBucket|AnalyticsBucket)\.Arn\}/[a-z-]+/\*"
                              r"|arn:\$\{AWS::Partition\}:ssm:\$\{AWS::Region\}:\$\{AWS::AccountId\}:"
                              r"parameter/loyalty/\$\{Stage\}/[a-z-]+/\*"
                              r"|arn:\$\{AWS::Partition\}:secretsmanager:\$\{AWS::Region\}:\$\{AWS::AccountId\}:"
                              r"secret:loyalty/\$\{Stage\}/programs/\*"
                              r"|arn:\$\{AWS::Partition\}:logs:\$\{AWS::Region\}:\$\{AWS::AccountId\}:"
                              r"log-group:/aws/lambda/loyalty-\$\{Stage\}-[a-z_]+:\*)$")


@pytest.fixture
def packaged(packaged):
    """The template of the build the infra tests share (tests/infra/conftest.py), a copy of the test's own."""
    return packaged[1]


def statements_of(template, name):
    return role_statements(template, logical_id(name))


def _scheduled(template, name):
    events = template["Resources"][logical_id(name)]["Properties"].get("Events") or {}
    return any(e["Type"] == "Schedule" for e in events.values())


ON_FAILURE = {"Sid": "OnFailureDestination", "Effect": "Allow", "Action": "sqs:SendMessage",
              "Resource": {"Fn::GetAtt": ["ScheduledFailures", "Arn"]}}


def rights_beyond_the_table(template, needs=NEEDS):
    """A role's statements are its needs, its own log group and (scheduled functions) the on-failure queue: no more."""
    problems = []
    for name, grants in needs.items():
        wanted = policy_document(name, grants)["Statement"] + ([ON_FAILURE] if _scheduled(template, name) else [])
        found = statements_of(template, name)
        problems += [f"{name}: {s.get('Sid')} is not in its needs" for s in found if s not in wanted]
        problems += [f"{name}: {s.get('Sid')} is missing" for s in wanted if s not in found]
    return problems


def api_violations(template, needs=NEEDS):
    problems = []
    for statement in statements_of(template, "api_handler"):
        actions = set(_actions(statement))
        problems += [f"api_handler may {a}" for a in sorted(actions & NO_ACTION_FOR_THE_API)]
        problems += [f"api_handler may {a}" for a in sorted(actions) if a.startswith("ses:")]
        if "dynamodb:DeleteItem" in actions and statement.get("Condition") != IN_TRANSACTIONS_ONLY:
            problems.append("api_handler may DeleteItem outside a transaction")
    return problems


SENDER = [{"Fn::Sub": "arn:${AWS::Partition}:ses:${AWS::Region}:${AWS::AccountId}:identity/${SenderEmail}"},
          {"Fn::Sub": ["arn:${AWS::Partition}:ses:${AWS::Region}:${AWS::AccountId}:identity/${Domain}",
                       {"Domain": {"Fn::Select": [1, {"Fn::Split": ["@", {"Ref": "SenderEmail"}]}]}}]},
          {"Fn::Sub": "arn:${AWS::Partition}:ses:${AWS::Region}:${AWS::AccountId}:"
                      "configuration-set/${MailConfigurationSet}"}]


def mail_violations(template, needs=NEEDS):
    problems = []
    for name in needs:
        for statement in statements_of(template, name):
            mail = [a for a in _actions(statement) if a.startswith("ses:")]
            if mail and name not in SENDERS:
                problems.append(f"{name} may {', '.join(mail)}")
            elif mail and (mail != ["ses:SendRawEmail"] or _resources(statement) != SENDER
                           or statement.get("Condition") != {"StringEquals": {"ses:FromAddress":
                                                                               {"Ref": "SenderEmail"}}}):
                problems.append(f"{name} may send other than as the program's sender")
    return problems


def log_violations(template, needs=NEEDS):
    problems = []
    resources = template["Resources"]
    for name in needs:
        own = f"/aws/lambda/loyalty-${{Stage}}-{name}"
        function = resources[logical_id(name)]
        if function["Properties"].get("FunctionName") != {"Fn::Sub": f"loyalty-${{Stage}}-{name}"}:
            problems.append(f"{name} is not named loyalty-<stage>-{name}")
        group = resources.get(f"{logical_id(name)}LogGroup", {}).get("Properties", {})
        if group.get("LogGroupName") != {"Fn::Sub": own} or "RetentionInDays" not in group:
            problems.append(f"{name} has no log group of its own with a retention")
        for statement in statements_of(template, name):
            logs = [a for a in _actions(statement) if a.startswith("logs:")]
            expected = [{"Fn::Sub": f"arn:${{AWS::Partition}}:logs:${{AWS::Region}}:${{AWS::AccountId}}:log-group:"
                                    f"{own}:*"}]
            if logs and (sorted(logs) != ["logs:CreateLogStream", "logs:PutLogEvents"]
                         or _resources(statement) != expected):
                problems.append(f"{name} may {', '.join(logs)} beyond its own log group")
    return problems


def wildcard_violations(template, needs=NEEDS):
    problems = []
    for name in needs:
        for statement in statements_of(template, name):
            problems += [f"{name} may {a}" for a in _actions(statement) if "*" in a]
            for resource in _resources(statement):
                text = resource if isinstance(resource, str) else json.dumps(resource)
                arn = resource.get("Fn::Sub") if isinstance(resource, dict) else resource
                arn = arn[0] if isinstance(arn, list) else arn
                if "*" in text and not (isinstance(arn, str) and ALLOWED_WILDCARD.match(arn)):
                    problems.append(f"{name}: {statement.get('Sid')} on {text}")
    return problems


def test_each_function_role_holds_its_needs_and_nothing_more(packaged):
    assert not rights_beyond_the_table(packaged)
    functions = {name for name, r in packaged["Resources"].items() if r["Type"] == "AWS::Serverless::Function"}
    assert functions == {logical_id(name) for name in NEEDS}
    assert len(functions) == 17


def test_the_api_function_enqueues_reads_and_writes_but_cannot_delete_batch_write_or_send_mail(packaged):
    assert not api_violations(packaged)
    statements = {s["Sid"]: s for s in statements_of(packaged, "api_handler")}
    assert statements["QueueWebhooks"]["Resource"] == [{"Fn::GetAtt": ["IngestQueue", "Arn"]}]
    assert statements["DeleteInTransactionsOnly"]["Condition"] == IN_TRANSACTIONS_ONLY
    assert set(_actions(statements["WriteTable"])) == {"dynamodb:PutItem", "dynamodb:UpdateItem"}


def test_the_workers_send_no_mail_and_only_the_dispatcher_and_the_follow_up_send_as_the_program(packaged):
    assert not mail_violations(packaged)
    senders = {name for name in NEEDS if any(a.startswith("ses:") for s in statements_of(packaged, name)
                                             for a in _actions(s))}
    assert senders == SENDERS
    assert not any(a.startswith("ses:") for s in statements_of(packaged, "handle_ingest") for a in _actions(s))


def test_each_function_writes_its_own_log_group_alone(packaged):
    assert not log_violations(packaged)
    assert packaged["Parameters"]["LogRetentionDays"]["Default"] == 30


def test_no_action_is_a_wildcard_and_no_resource_one_beyond_the_listed_forms(packaged):
    assert not wildcard_violations(packaged)


def _with(needs, name, *grants, drop=None):
    changed = dict(needs)
    changed[name] = tuple(g for g in needs[name] if g.sid != drop) + grants
    return changed


TABLE = {"Fn::GetAtt": ["LoyaltyTable", "Arn"]}
WRONG_TABLES = {
    "the API deletes outside transactions": (api_violations, _with(
        NEEDS, "api_handler", Grant("DeleteItems", ("dynamodb:DeleteItem",), (TABLE,)),
        drop="DeleteInTransactionsOnly")),
    "the API batch-writes": (api_violations, _with(
        NEEDS, "api_handler", Grant("BatchWriteItems", ("dynamodb:BatchWriteItem",), (TABLE,)))),
    "the worker sends mail": (mail_violations, _with(
        NEEDS, "handle_ingest", Grant("Mail", ("ses:SendRawEmail",), ({"Fn::Sub": "arn:x:ses:::identity/*"},)))),
    "the dispatcher sends from any address": (mail_violations, _with(
        NEEDS, "dispatch_messages", Grant("Mail", ("ses:SendRawEmail",), tuple(SENDER)),
        drop="SendMailAsTheProgram")),
    "a job writes another log group": (log_violations, _with(
        NEEDS, "orders_due", Grant("Logs", ("logs:PutLogEvents",), ({"Fn::Sub": "arn:x:logs:::log-group:/aws/*"},)))),
    "a wildcard action": (wildcard_violations, _with(
        NEEDS, "campaigns", Grant("Everything", ("dynamodb:*",), (TABLE,)))),
    "a wildcard resource": (wildcard_violations, _with(
        NEEDS, "journey", Grant("AnyQueue", ("sqs:SendMessage",), ("*",)))),
}


@pytest.mark.parametrize("wrong", sorted(WRONG_TABLES))
def test_each_check_fails_on_the_template_of_a_wrong_table(packaged, wrong):
    check, needs = WRONG_TABLES[wrong]
    template = add_function_policies(copy.deepcopy(packaged), needs)
    assert check(template, needs)
    assert not check(add_function_policies(copy.deepcopy(packaged)), NEEDS)
    assert rights_beyond_the_table(template)        # the table the roles are checked against does not say so


def test_a_function_without_needs_or_needs_without_a_function_stop_the_packaging(packaged):
    without = {name: grants for name, grants in NEEDS.items() if name != "journey"}
    with pytest.raises(ValueError, match="Journey"):
        add_function_policies(copy.deepcopy(packaged), without)
    with pytest.raises(ValueError, match="Ghost"):
        add_function_policies(copy.deepcopy(packaged), {**NEEDS, "ghost": ()})


def test_every_aws_call_the_code_makes_is_granted_to_a_function():
    """The roles hold only what the table says: a call the table forgot would fail only once deployed."""
    sources = "\n".join(p.read_text() for p in (ROOT / "chalicelib").rglob("*.py"))
    calls = set(re.findall(r"(?:client|\.s3|\.sqs|\.dynamodb)\.([a-z_0-9]+)\(", sources)) - {"get_paginator"}
    calls |= set(re.findall(r"get_paginator\(\"([a-z_0-9]+)\"\)", sources))
    calls |= {name for name in ("Put", "Update", "Delete", "ConditionCheck") if f'{{"{name}":' in sources}
    names = {"Put": "put_item", "Update": "update_item", "Delete": "delete_item",
             "ConditionCheck": "condition_check_item"}
    granted = {a.split(":")[1] for grants in NEEDS.values() for g in grants for a in g.actions}
    for call in sorted(calls):
        action = "".join(part.title() for part in names.get(call, call).split("_"))
        action = {"TransactWriteItems": "PutItem",     # authorised per item kind (above)
                  "SendMessageBatch": "SendMessage",   # IAM authorises SendMessageBatch with sqs:SendMessage
                  "ListObjectsV2": "ListBucket",       # and ListObjectsV2 with s3:ListBucket
                  }.get(action, action)
        assert action in granted, f"client.{call} needs {action} in infra/function_needs.py"
