"""The dashboard through the app on moto: sign-in with an API key sets a strict session cookie; the cookie reads the
admin API's GET routes for the read scope only; revoking the key or waiting an hour ends it; every response carries the
page's Content Security Policy; the assets are served, and a missing chart library is a clear 503."""
import json
import re
from datetime import UTC, datetime, timedelta
from urllib.parse import urlencode

import pytest
from chalice.test import Client

from chalicelib import bootstrap
from chalicelib.domain.audit import audit_record
from chalicelib.domain.sessions import COOKIE
from chalicelib.services.api_keys import key_hash
from chalicelib.services.ports.programs import ApiKey
from chalicelib.web import dashboard
from tests.fakes import FixedClock

ADMIN = {"Authorization": "Bearer local-admin-key", "Content-Type": "application/json"}
FORM = {"Content-Type": "application/x-www-form-urlencoded", "Accept": "text/html,*/*"}
NOW = datetime(2026, 11, 23, 12, 0, tzinfo=UTC)


@pytest.fixture
def clock(aws):
    clock = FixedClock(NOW)
    bootstrap.override("clock", clock)
    return clock


@pytest.fixture
def client(aws, clock):
    import app

    with Client(app.app, stage_name="local") as client:
        yield client


def new_key(client, scopes):
    response = client.http.post("/admin/api-keys", headers=ADMIN, body=json.dumps({"name": "dash", "scopes": scopes}))
    assert response.status_code == 201, response.body
    return response.json_body


def sign_in(client, key, headers=FORM):
    return client.http.post("/dashboard/session", headers=headers, body=urlencode({"api_key": key}))


def session_cookie(response):
    """The cookie header a browser would send back after `response`."""
    value = response.headers["Set-Cookie"].split(";")[0]
    assert value.startswith(f"{COOKIE}=")
    return {"Cookie": f"theme=light; {value}"}


def test_a_read_key_signs_in_with_a_strict_one_hour_cookie_that_never_holds_the_key(client):
    key = new_key(client, ["read"])["key"]
    response = sign_in(client, key)
    assert response.status_code == 303
    assert response.headers["Location"] == "../dashboard"
    cookie = response.headers["Set-Cookie"]
    flags = {part.strip() for part in cookie.split(";")[1:]}
    assert flags == {"Path=/", "HttpOnly", "Secure", "SameSite=Strict", "Max-Age=3600"}
    assert key not in cookie
    page = client.http.get("/dashboard", headers=session_cookie(response))
    assert page.status_code == 200
    assert b'id="tiles"' in page.body
    assert b"dashboard/assets/app.js" in page.body


def test_json_sign_in_works_and_the_cookie_reads_read_routes(client):
    key = new_key(client, ["read"])["key"]
    response = client.http.post("/dashboard/session", headers={"Content-Type": "application/json"},
                                body=json.dumps({"api_key": key}))
    assert response.status_code == 303
    cookie = session_cookie(response)
    assert client.http.get("/admin/rewards", headers=cookie).status_code == 200
    assert client.http.get("/admin/analytics/cohorts", headers=cookie).json_body == {"as_of": None, "cohorts": []}


def test_without_a_session_the_dashboard_is_the_sign_in_form(client):
    page = client.http.get("/dashboard")
    assert page.status_code == 200
    assert b'action="dashboard/session"' in page.body
    assert b'name="api_key"' in page.body
    assert b'href="dashboard/assets/app.css"' in page.body
    bad = client.http.get("/dashboard", headers={"Cookie": f"{COOKIE}=forged.token"})
    assert bad.status_code == 200
    assert b'name="api_key"' in bad.body


@pytest.mark.parametrize("key", ["", "lk_not-a-key"])
def test_a_bad_key_shows_the_form_again_with_401(client, key):
    response = sign_in(client, key)
    assert response.status_code == 401
    assert "Set-Cookie" not in response.headers
    assert b"was not accepted" in response.body
    # the page sits at /dashboard/session here: its links lead back up to the dashboard's own addresses
    assert b'action="../dashboard/session"' in response.body
    assert b'href="../dashboard/assets/app.css"' in response.body


def test_a_bad_key_is_the_error_shape_for_a_json_only_client(client):
    response = sign_in(client, "lk_wrong", headers={"Content-Type": "application/x-www-form-urlencoded",
                                                    "Accept": "application/json"})
    assert response.status_code == 401
    assert response.json_body["error"]["code"] == "unauthorized"


def test_a_key_without_the_read_scope_is_refused_with_403(client):
    plain = "lk_scopeless"
    bootstrap.get_api_keys().add(ApiKey("k_none", "demo", frozenset({"none"})), key_hash(plain),
                                 audit_record("test", NOW, "api_key.create", "api_key:k_none"))
    response = sign_in(client, plain)
    assert response.status_code == 403
    assert b"read scope" in response.body


def test_the_cookie_is_refused_for_writes_and_for_owner_routes_even_for_an_owner_key(client):
    cookie = session_cookie(sign_in(client, "local-admin-key"))
    assert client.http.get("/admin/rewards", headers=cookie).status_code == 200
    assert client.http.get("/admin/api-keys", headers=cookie).status_code == 401          # owner scope
    reward = json.dumps({"name": "Ten off", "kind": "fixed_amount", "value": "10.00", "points_cost": 1000})
    write = client.http.post("/admin/rewards", headers={**cookie, "Content-Type": "application/json"}, body=reward)
    assert write.status_code == 401
    assert client.http.post("/admin/rewards", headers=ADMIN, body=reward).status_code == 201   # bearer unchanged


def test_a_bearer_header_wins_over_the_cookie(client):
    cookie = session_cookie(sign_in(client, "local-admin-key"))
    response = client.http.get("/admin/rewards", headers={**cookie, "Authorization": "Bearer lk_wrong"})
    assert response.status_code == 401


def test_revoking_the_key_ends_its_session_at_once(client):
    created = new_key(client, ["read"])
    cookie = session_cookie(sign_in(client, created["key"]))
    assert client.http.get("/admin/rewards", headers=cookie).status_code == 200
    assert client.http.delete(f"/admin/api-keys/{created['key_id']}", headers=ADMIN).status_code == 200
    refused = client.http.get("/admin/rewards", headers=cookie)
    assert refused.status_code == 401
    assert refused.json_body["error"]["code"] == "session_revoked"
    assert b'name="api_key"' in client.http.get("/dashboard", headers=cookie).body


def test_a_session_expires_after_an_hour_by_the_injected_clock(client, clock):
    cookie = session_cookie(sign_in(client, new_key(client, ["read"])["key"]))
    clock.current = NOW + timedelta(minutes=59)
    assert client.http.get("/admin/rewards", headers=cookie).status_code == 200
    clock.current = NOW + timedelta(hours=1, seconds=1)
    expired = client.http.get("/admin/rewards", headers=cookie)
    assert expired.status_code == 401
    assert expired.json_body["error"]["code"] == "session_expired"
    assert b'name="api_key"' in client.http.get("/dashboard", headers=cookie).body


def test_sign_out_clears_the_cookie(client):
    cookie = session_cookie(sign_in(client, "local-admin-key"))
    out = client.http.post("/dashboard/session", headers={**FORM, **cookie}, body="action=sign_out")
    assert out.status_code == 303
    assert out.headers["Location"] == "../dashboard"
    assert out.headers["Set-Cookie"].startswith(f"{COOKIE}=;")
    assert "Max-Age=0" in out.headers["Set-Cookie"]
    deleted = client.http.delete("/dashboard/session", headers=cookie)
    assert deleted.status_code == 204
    assert "Max-Age=0" in deleted.headers["Set-Cookie"]


def test_every_dashboard_response_carries_the_strict_policy(client):
    good = sign_in(client, "local-admin-key")
    responses = [client.http.get("/dashboard"), client.http.get("/dashboard", headers=session_cookie(good)), good,
                 sign_in(client, "lk_wrong"), client.http.get("/dashboard/assets/app.js"),
                 client.http.get("/dashboard/assets/nope.js"), client.http.delete("/dashboard/session")]
    for response in responses:
        csp = response.headers["Content-Security-Policy"]
        assert csp == dashboard.CSP
        assert "unsafe-inline" not in csp
        assert "unsafe-eval" not in csp
        assert response.headers["X-Content-Type-Options"] == "nosniff"
        assert response.headers["Referrer-Policy"] == "no-referrer"


@pytest.mark.parametrize(("name", "content_type"), [
    ("app.js", "text/javascript; charset=utf-8"), ("app.css", "text/css; charset=utf-8"),
    ("chart.umd.min.js", "text/javascript; charset=utf-8")])
def test_the_assets_are_served_with_their_types_and_caching(client, name, content_type):
    response = client.http.get(f"/dashboard/assets/{name}")
    assert response.status_code == 200
    assert response.headers["Content-Type"] == content_type
    assert response.headers["Cache-Control"]
    assert len(response.body) > 1000


def test_an_unknown_asset_is_404(client):
    response = client.http.get("/dashboard/assets/..%2Fapp.py")
    assert response.status_code == 404
    assert client.http.get("/dashboard/assets/index.html").status_code == 404


def test_a_missing_chart_library_is_a_clear_503(client, monkeypatch, tmp_path):
    monkeypatch.setitem(dashboard.ASSETS, dashboard.CHART, (tmp_path, *dashboard.ASSETS[dashboard.CHART][1:]))
    monkeypatch.setattr(dashboard, "VENDOR", tmp_path)
    response = client.http.get(f"/dashboard/assets/{dashboard.CHART}")
    assert response.status_code == 503
    assert "make deps" in response.json_body["error"]["message"]
    page = client.http.get("/dashboard", headers=session_cookie(sign_in(client, "local-admin-key")))
    assert page.status_code == 503
    assert b"make deps" in page.body


def test_the_pages_hold_no_inline_script_or_style_and_only_relative_urls():
    for name in ("index.html", "signin.html", "unavailable.html"):
        text = (dashboard.PAGES / name).read_text()
        assert "<style" not in text
        assert "style=" not in text
        assert "<script>" not in text
        assert not re.search(r"\son[a-z]+\s*=", text)                      # no inline event handlers
        assert 'src="/' not in text
        assert 'href="/' not in text
        assert 'action="/' not in text
