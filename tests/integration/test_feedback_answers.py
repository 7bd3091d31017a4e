"""Survey answers through the app on moto: the link's page records nothing, the POST records the answer once per
survey (answering again changes it), shows it in the member's timeline, the listing and the summary, files the
follow-up of an unhappy answer once, keeps comments out of the logs, and forgets them when the member is erased."""
import base64
import json
from datetime import UTC, datetime, timedelta
from urllib.parse import urlencode

import pytest
from chalice.test import Client

from chalicelib import bootstrap
from chalicelib.adapters.dynamodb_attributes import from_attributes
from chalicelib.adapters.dynamodb_feedback import feedback_pk, survey_sk
from chalicelib.domain import surveys
from chalicelib.domain.due import FEEDBACK_FOLLOWUP_TASK
from chalicelib.domain.ledger import Identity, member_id_for
from chalicelib.domain.surveys import NPS_SURVEY, SurveyClaim
from chalicelib.services.ports.feedback import SentSurvey
from tests.fakes import FixedClock

ADMIN = {"Authorization": "Bearer local-admin-key"}
FORM = {"Content-Type": "application/x-www-form-urlencoded"}
NOW = datetime(2026, 11, 23, 12, tzinfo=UTC)
SENT = NOW - timedelta(days=3)
ADA = Identity("shopify", "demo-shop.myshopify.com:7390012345678901234")
BOB = Identity("shopify", "demo-shop.myshopify.com:7390012345678909999")
MID, BOB_ID = member_id_for("demo", ADA), member_id_for("demo", BOB)
COMMENT = "The parcel came late and Zebulon at support never answered"


@pytest.fixture
def clock():
    return FixedClock(NOW)


@pytest.fixture
def client(aws, clock):
    bootstrap.override("clock", clock)
    for identity, name in ((ADA, "ada"), (BOB, "bob")):
        bootstrap.get_profiles().set_contact("demo", identity, f"{name}@example.com", name.title(), SENT)
    send_survey("msg-ada", MID)
    send_survey("msg-bob", BOB_ID)
    import app
    with Client(app.app, stage_name="local") as client:
        yield client


def send_survey(survey_id, member_id, kind=NPS_SURVEY, at=SENT, stage="first_time"):
    bootstrap.get_feedback_store().survey_sent("demo", SentSurvey(survey_id, member_id, kind, surveys.AFTER_DELIVERY,
                                                                  at, stage, None, "Bronze"))


def link(survey_id="msg-ada", member_id=MID, score=9, at=SENT, kind=NPS_SURVEY):
    secret = bootstrap.get_directory().messaging("demo").unsubscribe_secrets[0]
    return surveys.sign(secret, SurveyClaim("demo", member_id, survey_id, kind, score, at))


def post(client, token, score, comment=None):
    fields = {"score": score, **({"comment": comment} if comment is not None else {})}
    return client.http.post(f"/feedback/{token}", body=urlencode(fields).encode(), headers=FORM)


def stored(survey_id="msg-ada", at=SENT):
    item = aws_client().get_item(TableName=bootstrap.get_settings().table_name,
                                 Key={"PK": {"S": feedback_pk("demo")}, "SK": {"S": survey_sk(at, survey_id)}})
    return from_attributes(item["Item"])


def aws_client():
    return bootstrap.client("dynamodb")


def followups(clock):
    return bootstrap.get_due_work().due("demo", FEEDBACK_FOLLOWUP_TASK, clock.now() + timedelta(days=1))


def feedback_events(client, member_id=MID):
    events = client.http.get(f"/admin/members/{member_id}/timeline", headers=ADMIN).json_body["events"]
    return [e["event"] for e in events if e["type"] == "event" and e["event"]["kind"] == "feedback_answered"]


def summary(client, by="stage"):
    return client.http.get(f"/admin/feedback/summary?from=2026-11-01&to=2026-11-30&by={by}", headers=ADMIN)


def test_opening_the_link_any_number_of_times_records_nothing(client, clock):
    for _ in range(5):
        page = client.http.get(f"/feedback/{link(score=4)}")
        assert page.status_code == 200
    html = page.body.decode()
    assert "value='4' required checked" in html
    assert "<textarea" in html
    assert "<script" not in html
    assert "score" not in stored()
    assert feedback_events(client) == []
    assert followups(clock) == []
    assert summary(client).json_body["groups"][0] == {
        "key": "all", "nps": None, "csat": None, "responses": 0, "surveys_delivered": 2, "response_rate": 0.0,
        "mean_sentiment": None}


def test_the_post_records_the_answer_in_the_survey_the_timeline_the_listing_and_the_summary(client):
    response = post(client, link(score=9), "10", "Lovely shop, great service")
    assert response.status_code == 200
    assert "Thank you" in response.body.decode()
    assert [(e["survey_id"], e["score"], e["survey_kind"]) for e in feedback_events(client)] == [
        ("msg-ada", 10, "nps_survey")]
    [listed] = client.http.get(f"/admin/feedback?member_id={MID}", headers=ADMIN).json_body["responses"]
    assert listed["score"] == 10
    assert listed["comment"] == "Lovely shop, great service"
    assert listed["sentiment"] > 0.5
    assert listed["kind"] == "nps_survey"
    assert listed["trigger"] == "after_delivery"
    assert listed["answered_at"] == NOW.isoformat()
    groups = summary(client).json_body["groups"]
    assert [g["key"] for g in groups] == ["all", "first_time"]
    assert (groups[0]["nps"], groups[0]["responses"], groups[0]["surveys_delivered"], groups[0]["response_rate"]) == (
        100.0, 1, 2, 0.5)
    by_month = summary(client, by="month").json_body["groups"]
    assert [(g["key"], g["responses"]) for g in by_month] == [("all", 1), (f"{NOW:%Y-%m}", 1)]
    assert bootstrap.get_ledger().get_member("demo", MID).feedback.last_nps == 10


def test_answering_again_changes_the_answer_not_the_count(client, clock):
    post(client, link(score=9), "9", "good")
    clock.current = NOW + timedelta(hours=2)
    post(client, link(score=9), "7")
    item = stored()
    assert (item["score"], item.get("comment"), item["first_answered_at"]) == (7, None, NOW.isoformat())
    assert len(feedback_events(client)) == 1
    assert summary(client).json_body["groups"][0]["responses"] == 1
    assert len(client.http.get("/admin/feedback", headers=ADMIN).json_body["responses"]) == 1


def test_a_detractor_is_followed_up_once_and_a_promoter_not_at_all(client, clock):
    post(client, link(score=3), "3", "slow")
    post(client, link(score=3), "2")
    assert [item.ref for item in followups(clock)] == [f"{MID}/msg-ada"]
    post(client, link("msg-bob", BOB_ID, score=10), "10")
    assert [item.ref for item in followups(clock)] == [f"{MID}/msg-ada"]
    assert bootstrap.get_feedback_store().member_survey("demo", MID, "msg-ada").answer.score == 2


def test_a_forged_or_tampered_link_gets_a_400_page_and_records_nothing(client):
    token = link(score=9)
    payload, mac = token.split(".")
    claim = json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
    claim[2], claim[3] = BOB_ID, "msg-bob"                                   # another member's survey, same MAC
    tampered = base64.urlsafe_b64encode(json.dumps(claim, separators=(",", ":")).encode()).decode().rstrip("=")
    for bad in (f"{tampered}.{mac}", f"{payload}.{mac[:-2]}AA", "not-a-token"):
        assert client.http.get(f"/feedback/{bad}").status_code == 400
        response = post(client, bad, "1", "x")
        assert response.status_code == 400
        assert "not valid" in response.body.decode()
    assert "score" not in stored()
    assert "score" not in stored("msg-bob")


def test_a_signed_link_for_another_members_survey_is_not_found(client):
    response = post(client, link("msg-bob", MID, score=1), "1")
    assert response.status_code == 404
    assert "score" not in stored("msg-bob")


def test_an_expired_link_gets_a_410_page(client):
    old = NOW - timedelta(days=31)
    send_survey("msg-old", MID, at=old)
    assert client.http.get(f"/feedback/{link('msg-old', at=old)}").status_code == 410
    assert post(client, link("msg-old", at=old), "9").status_code == 410
    assert "score" not in stored("msg-old", old)


def test_a_score_off_the_scale_gets_a_400_page_and_json_clients_get_the_error_shape(client):
    assert post(client, link(), "11").status_code == 400
    refused = client.http.post(f"/feedback/{link()}", body=b"score=x", headers={**FORM, "Accept": "application/json"})
    assert refused.json_body["error"]["code"] == "invalid_score"
    assert "score" not in stored()


def test_the_comment_never_reaches_the_logs(client, caplog, capsys):
    caplog.set_level("INFO")       # botocore logs request bodies at DEBUG only, which no stage turns on
    assert post(client, link(score=2), "2", COMMENT).status_code == 200
    assert post(client, "forged.token", "2", COMMENT).status_code == 400
    logged = capsys.readouterr().out + capsys.readouterr().err + json.dumps(
        [vars(r) for r in caplog.records], default=str)
    assert "survey_answered" in logged
    assert "Zebulon" not in logged
    assert "parcel" not in logged


def test_erasing_the_member_forgets_the_comments_and_keeps_the_score(client):
    post(client, link(score=2), "2", COMMENT)
    bootstrap.get_profiles().erase("demo", ADA, NOW + timedelta(minutes=5))
    [listed] = client.http.get(f"/admin/feedback?member_id={MID}", headers=ADMIN).json_body["responses"]
    assert (listed["score"], listed["comment"]) == (2, None)
    assert "comment" not in stored()
    assert "comment_erased_at" in stored()
    post(client, link(score=2), "3", COMMENT)                              # a later answer keeps no comment either
    assert "comment" not in stored() or stored()["comment"] is None


def test_the_listing_filters_pages_and_exports_csv(client):
    post(client, link(score=9), "9", "=HYPERLINK(\"x\")")
    post(client, link("msg-bob", BOB_ID, score=4), "4")
    page = client.http.get("/admin/feedback?limit=1", headers=ADMIN).json_body
    assert len(page["responses"]) == 1
    assert page["next"]
    rest = client.http.get(f"/admin/feedback?limit=1&cursor={page['next']}", headers=ADMIN).json_body
    assert {page["responses"][0]["member_id"], rest["responses"][0]["member_id"]} == {MID, BOB_ID}
    other = client.http.get(f"/admin/feedback?limit=1&kind=nps_survey&cursor={page['next']}", headers=ADMIN)
    assert other.json_body["error"]["code"] == "invalid_cursor"                 # a cursor is bound to its filters
    low = client.http.get("/admin/feedback?max_score=6&from=2026-11-23&to=2026-11-23", headers=ADMIN).json_body
    assert [r["member_id"] for r in low["responses"]] == [BOB_ID]
    csv = client.http.get(f"/admin/exports/feedback.csv?member_id={MID}", headers=ADMIN)
    assert csv.status_code == 200
    assert csv.headers["Content-Type"].startswith("text/csv")
    header, row = csv.body.decode().splitlines()
    assert header.startswith("response_id,member_id,kind,score,comment,sentiment,answered_at,trigger")
    assert "'=HYPERLINK" in row                                                  # defused for spreadsheets


@pytest.mark.parametrize("query", ["kind=nps", "from=yesterday", "min_score=11", "member_id=bob",
                                   "from=2026-12-01&to=2026-11-01"])
def test_a_bad_listing_query_is_a_400(client, query):
    response = client.http.get(f"/admin/feedback?{query}", headers=ADMIN)
    assert response.status_code == 400
    assert response.json_body["error"]["code"] == "invalid_query"


def test_a_bad_summary_query_is_a_400(client):
    for query in ("by=country", "from=2026-12-01&to=2026-11-01", "from=x"):
        response = client.http.get(f"/admin/feedback/summary?{query}", headers=ADMIN)
        assert response.status_code == 400
        assert response.json_body["error"]["code"] == "invalid_query"


def test_the_admin_routes_need_a_key(client):
    assert client.http.get("/admin/feedback").status_code == 401
    assert client.http.get("/admin/feedback/summary").status_code == 401
