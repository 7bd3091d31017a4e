"""The OpenAPI document is valid and describes exactly the admin routes the app serves."""
import re

from chalice.test import Client
from openapi_spec_validator import validate

import app
from chalicelib.web.openapi import document


def admin_routes():
    return {(path, method.lower()) for path, methods in app.app.routes.items() if path.startswith("/admin/")
            for method in methods}


def test_the_document_is_valid_openapi():
    validate(document())


def test_every_admin_route_is_documented_and_nothing_else():
    documented = {(path, method) for path, ops in document()["paths"].items() for method in ops}
    assert documented == admin_routes()


def test_path_parameters_match_the_routes():
    for path, ops in document()["paths"].items():
        names = set(re.findall(r"{(\w+)}", path))
        for op in ops.values():
            assert {p["name"] for p in op.get("parameters", []) if p["in"] == "path"} == names, path


def test_the_document_is_served_without_a_key(aws):
    with Client(app.app, stage_name="local") as client:
        response = client.http.get("/admin/openapi.json")
    assert response.status_code == 200
    assert response.json_body["openapi"].startswith("3.")
