"""`make package` builds a SAM template that cfn-lint accepts; this is the same build without network.

Chalice's dependency step (pip download of Linux wheels) is replaced by a no-op: the template, which is
what deploys the resources, is produced by the real packager and merge, then linted by the real cfn-lint.
It runs in a fresh interpreter, as `chalice package` does, so modules imported by other tests (whose
import-time settings came from another stage) cannot leak into the template.
"""
import json
import subprocess
import sys
from pathlib import Path

from tests.infra import roles
from tests.infra.packaging import ROOT

# `packaged`: tests/infra/conftest.py (one build per test process, shared by the tests that read it).


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


def _functions(template):
    return {name: r for name, r in template["Resources"].items() if r["Type"] == "AWS::Serverless::Function"}


def test_the_journey_consumer_runs_with_the_model_layer_one_task_at_a_time_from_the_queue_the_template_creates(
        packaged):
    _, template = packaged
    resources = template["Resources"]
    consumer = resources["HandleJourney"]
    assert consumer["Properties"]["Handler"] == "chalicelib.jobs.journey.handle_journey"
    assert consumer["Properties"]["Layers"] == [{"Ref": "ModelLayer"}]
    layer = resources["ModelLayer"]
    assert layer["Type"] == "AWS::Serverless::LayerVersion"
    assert consumer["Properties"]["Runtime"] in layer["Properties"]["CompatibleRuntimes"]
    assert consumer["Properties"]["Architectures"] == layer["Properties"]["CompatibleArchitectures"]
    # `make package` writes model-layer.zip into the folder of sam.yaml and deployment.zip: both paths are relative
    # to the template, as `sam package` / `aws cloudformation package` read them.
    assert (layer["Properties"]["ContentUri"], consumer["Properties"]["CodeUri"]) == ("./model-layer.zip",
                                                                                      "./deployment.zip")
    source = consumer["Properties"]["Events"]["HandleJourneySqsEventSource"]["Properties"]
    assert source["BatchSize"] == 1
    assert source["Queue"]["Fn::Sub"].endswith(":loyalty-dev-journey")
    assert "JourneyQueue" in consumer["DependsOn"]
    queue = resources["JourneyQueue"]["Properties"]
    assert queue["QueueName"] == {"Fn::Sub": "loyalty-${Stage}-journey"}
    assert queue["VisibilityTimeout"] >= 6 * consumer["Properties"]["Timeout"]
    assert queue["RedrivePolicy"] == {"deadLetterTargetArn": {"Fn::GetAtt": ["JourneyDeadLetterQueue", "Arn"]},
                                      "maxReceiveCount": 3}


def test_no_other_function_carries_the_model_layer(packaged):
    _, template = packaged
    with_layers = {name for name, r in _functions(template).items() if r["Properties"].get("Layers")}
    assert with_layers == {"HandleJourney"}


def test_every_dead_letter_queue_has_an_alarm_that_notifies_the_alarm_topic(packaged):
    _, template = packaged
    resources = template["Resources"]
    dead_letter_queues = {q["Properties"]["RedrivePolicy"]["deadLetterTargetArn"]["Fn::GetAtt"][0]
                          for q in resources.values()
                          if q["Type"] == "AWS::SQS::Queue" and "RedrivePolicy" in q["Properties"]}
    assert "JourneyDeadLetterQueue" in dead_letter_queues
    alarmed = {}
    for alarm in (r["Properties"] for r in resources.values() if r["Type"] == "AWS::CloudWatch::Alarm"):
        for dimension in alarm.get("Dimensions", []):
            if dimension["Name"] == "QueueName":
                alarmed[dimension["Value"]["Fn::GetAtt"][0]] = alarm
    for name in dead_letter_queues:
        alarm = alarmed[name]
        assert (alarm["Namespace"], alarm["MetricName"]) == ("AWS/SQS", "ApproximateNumberOfMessagesVisible")
        assert (alarm["ComparisonOperator"], alarm["Threshold"]) == ("GreaterThanThreshold", 0)
        assert alarm["AlarmActions"] == alarm["OKActions"] == [{"Ref": "AlarmTopic"}]
        assert resources[name]["Properties"]["SqsManagedSseEnabled"] is True


def test_only_the_journey_functions_may_use_the_journey_queue_and_files(packaged):
    """Only the journey roles name the journey queue and the run's files; the consumer's role may read the queue."""
    _, template = packaged
    users: dict[str, set[str]] = {}
    for name in _functions(template):
        for statement in roles.role_statements(template, name):
            text = str(statement["Resource"]) + str(statement.get("Condition", ""))
            if "JourneyQueue" in text or "journey/" in text or "hubspot-lists/" in text:
                users.setdefault(name, set()).update(roles.actions(statement))
    assert set(users) == {"Journey", "HandleJourney"}
    assert users["Journey"] == {"sqs:SendMessage", "sqs:GetQueueUrl"}
    assert {"sqs:SendMessage", "sqs:ReceiveMessage", "sqs:DeleteMessage", "sqs:GetQueueAttributes", "s3:GetObject",
            "s3:PutObject", "s3:ListBucket"} <= users["HandleJourney"]


def test_numpy_and_scipy_are_in_the_model_layer_only_and_the_tests_run_the_same_versions():
    def pins(name):
        lines = (line.split("#")[0].strip() for line in (ROOT / name).read_text().splitlines())
        return [line for line in lines if line]

    packaged_for_every_function = {line.split("==")[0].lower() for line in pins("requirements.txt")}
    assert not packaged_for_every_function & {"numpy", "scipy"}
    model = pins("requirements-model.txt")
    assert sorted(line.split("==")[0] for line in model) == ["numpy", "scipy"]
    assert all("==" in line for line in model)
    assert "-r requirements-model.txt" in pins("requirements-dev.txt")
