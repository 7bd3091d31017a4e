"""The analytics resources of infra/template.yaml: rendered from infra/analytics (the SQL's one source), safe by
default (encrypted, private, TLS only), and the export job's role limited to exporting the table into the bucket."""

import pytest
from cfnlint.decode import decode_str

from infra.analytics import sql
from infra.analytics.template import TEMPLATE, render
from tests.infra.roles import actions, role_statements


def test_the_templates_analytics_block_is_the_one_infra_analytics_renders():
    text = TEMPLATE.read_text()
    assert render(text) == text, "run: python -m infra.analytics.template"


@pytest.fixture(scope="module")
def resources():
    template, problems = decode_str(TEMPLATE.read_text())
    assert not problems
    return template["Resources"]


def test_the_export_bucket_is_encrypted_private_tls_only_and_expires_old_exports(resources):
    bucket = resources["AnalyticsBucket"]["Properties"]
    assert bucket["BucketEncryption"]["ServerSideEncryptionConfiguration"][0]["ServerSideEncryptionByDefault"] == {
        "SSEAlgorithm": "AES256"}
    assert all(bucket["PublicAccessBlockConfiguration"].values())
    assert len(bucket["PublicAccessBlockConfiguration"]) == 4
    rules = {r["Prefix"]: r["ExpirationInDays"] for r in bucket["LifecycleConfiguration"]["Rules"]}
    assert rules["exports/"] > 3 * 30           # the newest monthly FULL export, the views' baseline, stays
    assert "athena-results/" in rules
    [deny] = resources["AnalyticsBucketPolicy"]["Properties"]["PolicyDocument"]["Statement"]
    assert (deny["Effect"], deny["Principal"], deny["Condition"]) == ("Deny", "*",
                                                                     {"Bool": {"aws:SecureTransport": "false"}})


def test_the_workgroup_enforces_encrypted_results_in_the_bucket(resources):
    config = resources["AnalyticsWorkGroup"]["Properties"]["WorkGroupConfiguration"]
    assert config["EnforceWorkGroupConfiguration"] is True
    result = config["ResultConfiguration"]
    assert result["EncryptionConfiguration"] == {"EncryptionOption": "SSE_S3"}
    assert result["OutputLocation"] == {"Fn::Sub": "s3://${AnalyticsBucket}/athena-results/"}


def test_the_glue_table_reads_the_export_prefix_with_the_columns_the_views_use(resources):
    table = resources["AnalyticsExportFiles"]["Properties"]["TableInput"]
    storage = table["StorageDescriptor"]
    assert storage["Location"] == {"Fn::Sub": "s3://${AnalyticsBucket}/exports/"}
    assert storage["SerdeInfo"]["SerializationLibrary"] == "org.openx.data.jsonserde.JsonSerDe"
    assert storage["Columns"] == sql.glue_columns()
    assert table["Name"] == sql.GLUE_TABLE


def test_every_view_and_worked_query_is_a_named_query_in_order(resources):
    queries = [r["Properties"] for r in resources.values() if r["Type"] == "AWS::Athena::NamedQuery"]
    views = sorted((q for q in queries if "create view" in q["Name"]), key=lambda q: q["Name"])
    assert [q["QueryString"].rstrip("\n") for q in views] == [s for _, s in sql.athena_statements()]
    worked = {q["Name"] for q in queries if "create view" not in q["Name"]}
    assert worked == {f"loyalty query {name}" for name in sql.WORKED_QUERIES}
    assert all(q["WorkGroup"] == {"Ref": "AnalyticsWorkGroup"} for q in queries)
    assert "PERSONAL DATA" in next(q["Description"] for q in views if q["Name"].endswith("members_contact"))




def test_the_packaged_export_function_runs_daily_with_the_bucket_and_its_own_policy(packaged):
    """`chalice package` of a copy of the project (tests/infra/conftest.py)."""
    packaged = packaged[1]["Resources"]
    function = packaged["AnalyticsExport"]["Properties"]
    assert function["Handler"] == "chalicelib.jobs.analytics_export.analytics_export"
    assert function["Environment"]["Variables"]["LOYALTY_ANALYTICS_BUCKET"] == {"Ref": "AnalyticsBucket"}
    [event] = function["Events"].values()
    assert event["Type"] == "Schedule"
    assert event["Properties"]["Schedule"].startswith("cron(")
    assert function["Role"] == {"Fn::GetAtt": ["AnalyticsExportRole", "Arn"]}


def test_only_the_export_role_may_export_the_table_and_write_under_the_export_prefix(packaged):
    """Its rights (infra/function_needs.py): exports of the table, written under exports/ with its rights; no other
    function's role names the analytics bucket."""
    template = packaged[1]
    packaged = template["Resources"]
    statements = {s["Sid"]: s for s in role_statements(template, "AnalyticsExport")}
    assert set(actions(statements["ExportTable"])) == {"dynamodb:DescribeTable", "dynamodb:ExportTableToPointInTime"}
    assert statements["ExportTable"]["Resource"] == [{"Fn::GetAtt": ["LoyaltyTable", "Arn"]}]
    assert "s3:PutObject" in actions(statements["WriteExports"])
    assert statements["WriteExports"]["Resource"] == [{"Fn::Sub": f"${{AnalyticsBucket.Arn}}/{sql.EXPORT_PREFIX}/*"}]
    others = [name for name, r in packaged.items()
              if r["Type"] == "AWS::Serverless::Function" and name != "AnalyticsExport"]
    assert not [name for name in others if "AnalyticsBucket" in str(role_statements(template, name))]
    assert not [name for name in others if "ExportTableToPointInTime" in str(role_statements(template, name))]
