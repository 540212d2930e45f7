"""The OpenAPI schema: generated without warnings, served to logins only, with a
Swagger UI that loads nothing from outside (over real HTTP: the live server serves the
static files); responses conform to it; throttles."""

import copy
import re
from typing import Any

import pytest
from django.core.management import call_command
from jsonschema import Draft4Validator

from tests.api_support import _fresh_throttles, api_as, api_for, reader  # noqa: F401
from tests.conftest import make_claim
from tests.test_api_filters import corpus  # noqa: F401


def test_the_schema_validates_without_warnings(tmp_path):
    # --fail-on-warn turns any warning of drf-spectacular into an error.
    call_command("spectacular", "--validate", "--fail-on-warn", "--file", str(tmp_path / "s.yaml"))
    assert "/api/v1/claims/export.{fmt}:" in (tmp_path / "s.yaml").read_text()


def test_swagger_ui_loads_only_local_files(live_server, reader):
    api = api_for(live_server, reader)
    page = api.get("/api/schema/swagger-ui/")
    assert page.status_code == 200
    assets = re.findall(r'(?:src|href)="([^"]+)"', page.text)
    assert assets
    assert not [url for url in assets if not url.startswith("/")], assets
    # Not a bare "cdn" substring: the random CSRF token in the page can contain it.
    assert not re.search(r"https?://|//cdn|unpkg\.com|jsdelivr", page.text), "external URL in page"
    for url in assets:
        assert api.get(url).status_code == 200, url


def openapi(api) -> dict[str, Any]:
    response = api.get("/api/schema/", headers={"Accept": "application/vnd.oai.openapi+json"})
    assert response.status_code == 200
    spec: dict[str, Any] = response.json()
    return spec


def as_json_schema(schema: dict[str, Any], components: dict[str, Any]) -> dict[str, Any]:
    """An OpenAPI 3.0 schema object as plain JSON Schema: refs inlined, nullable as null."""
    schema = copy.deepcopy(schema)
    if "$ref" in schema:
        name = schema.pop("$ref").rsplit("/", 1)[1]
        schema = {**as_json_schema(components[name], components), **schema}
    for key in ("properties",):
        for name, sub in schema.get(key, {}).items():
            schema[key][name] = as_json_schema(sub, components)
    for key in ("items", "additionalProperties"):
        if isinstance(schema.get(key), dict):
            schema[key] = as_json_schema(schema[key], components)
    for key in ("allOf", "anyOf"):
        if key in schema:
            schema[key] = [as_json_schema(sub, components) for sub in schema[key]]
    # oneOf alternatives that differ only by "format" (a blank or a URL) overlap
    # when formats are not checked, so read them as anyOf.
    if "oneOf" in schema:
        schema["anyOf"] = [as_json_schema(sub, components) for sub in schema.pop("oneOf")]
    if schema.pop("nullable", False):
        schema = {"anyOf": [schema, {"type": "null"}]}
    return schema


def response_schema(spec: dict[str, Any], path: str, method: str, status: str) -> dict[str, Any]:
    content = spec["paths"][path][method]["responses"][status]["content"]
    return as_json_schema(content["application/json"]["schema"], spec["components"]["schemas"])


def assert_conforms(instance, schema) -> None:
    errors = [error.message for error in Draft4Validator(schema).iter_errors(instance)]
    assert errors == []


def test_responses_conform_to_the_schema(reader, alice, corpus):
    api = api_as(reader)
    spec = openapi(api)
    claims, ids = corpus
    checks = [
        ("/api/v1/claims/", "/api/v1/claims/?page_size=2"),
        ("/api/v1/claims/{id}/", f"/api/v1/claims/{claims['c2'].pk}/"),
        ("/api/v1/claims/{id}/", f"/api/v1/claims/{claims['c5'].pk}/"),
        ("/api/v1/documents/", "/api/v1/documents/"),
        ("/api/v1/documents/{id}/", f"/api/v1/documents/{ids['A']}/"),
        ("/api/v1/speakers/", "/api/v1/speakers/"),
        ("/api/v1/metrics/", "/api/v1/metrics/"),
        ("/api/v1/observations/", "/api/v1/observations/"),
    ]
    for template, url in checks:
        response = api.get(url)
        assert response.status_code == 200
        assert_conforms(response.json(), response_schema(spec, template, "get", "200"))
    # The schema can fail: a claim with its id as a string does not conform.
    broken = api.get(f"/api/v1/claims/{claims['c2'].pk}/").json()
    broken["id"] = str(broken["id"])
    with pytest.raises(AssertionError):
        assert_conforms(broken, response_schema(spec, "/api/v1/claims/{id}/", "get", "200"))

    # A write and a stale write.
    writer = api_as(alice)
    claim = make_claim(claims["c1"].document, "数据成为新生产要素", alice, claim_type="challenge")
    changed = writer.patch(
        f"/api/v1/claims/{claim.pk}/", json={"stance": "oppose"}, headers={"If-Match": '"1"'}
    )
    assert_conforms(changed.json(), response_schema(spec, "/api/v1/claims/{id}/", "patch", "200"))
    stale = writer.patch(
        f"/api/v1/claims/{claim.pk}/", json={"stance": "mixed"}, headers={"If-Match": '"1"'}
    )
    assert stale.status_code == 412
    assert_conforms(stale.json(), response_schema(spec, "/api/v1/claims/{id}/", "patch", "412"))

    # Found by schemathesis: the JSON export is one array; every refusal of bulk has a detail.
    exported = api.get("/api/v1/claims/export.json")
    assert exported.status_code == 200
    export_schema = response_schema(spec, "/api/v1/claims/export.{fmt}", "get", "200")
    assert_conforms(exported.json(), export_schema)
    bodies: tuple[Any, ...] = ({}, [], [{"quote": 1}])
    for rows in bodies:
        refused = writer.post("/api/v1/claims/bulk/", json=rows)
        assert refused.status_code == 400
        bulk_schema = response_schema(spec, "/api/v1/claims/bulk/", "post", "400")
        assert_conforms(refused.json(), bulk_schema)


def test_it_throttles_a_user_who_asks_too_often(reader, settings):
    settings.REST_FRAMEWORK = {
        **settings.REST_FRAMEWORK,
        "DEFAULT_THROTTLE_RATES": {"anon": "2/minute", "user": "3/minute"},
    }
    api = api_as(reader)
    assert [api.get("/api/v1/topics/").status_code for _ in range(4)] == [200, 200, 200, 429]
    assert "Retry-After" in api.get("/api/v1/topics/").headers
