"""Inputs a fuzzing of every endpoint found answered with a 500 (2026-12-02): each is
now a 4xx naming what is wrong, or taken as the valid input it is."""

import base64
import json
from typing import Any

import pytest
from django.contrib import admin
from django.contrib.admin.options import BaseModelAdmin
from django.test import Client

from annotations.models import Document
from claims.models import Metric, Target
from config.admin import AutocompleteOfIds
from projects.models import Membership, Project, ProjectDocument
from tests.api_support import _fresh_throttles, api_as, claim_body  # noqa: F401
from tests.conftest import SOE_TARGET, make_claim

OTHER = "当前尚在研究孕育阶段的产业"


def span(document: Document) -> dict[str, Any]:
    return claim_body(document, SOE_TARGET)


def observation(document: Document, metric: Metric, **figure: Any) -> dict[str, Any]:
    """An observation of 35% in 2024, as a claim to send."""
    of_2024 = {"number_text": "35%", "value": "35", "unit": "%", "period_start": "2024"}
    return span(document) | {
        "claim_type": "observation",
        "figure": of_2024 | {"metric": metric.pk} | figure,
    }


def signed_in(user: Any) -> Client:
    client = Client()
    client.force_login(user)
    return client


def managed_project(manager: Any) -> Project:
    project = Project.objects.create(name="p")
    Membership.objects.create(project=project, user=manager, role="manager")
    return project


def test_a_number_beyond_a_floats_range_is_refused_by_name(seed_document, alice):
    body = json.dumps(span(seed_document)).replace(
        f'"document": {seed_document.pk}', '"document": 1e400'
    )
    reply = api_as(alice).post(
        "/api/v1/claims/", data=body, headers={"Content-Type": "application/json"}
    )
    assert reply.status_code == 400
    assert reply.json() == {"document": ["This number is too large."]}
    short_exponent = body.replace('"document": 1e400', '"document": 1' + "0" * 300 + "e10")
    again = api_as(alice).post(
        "/api/v1/claims/", data=short_exponent, headers={"Content-Type": "application/json"}
    )
    assert again.json() == {"document": ["This number is too large."]}
    parse = api_as(alice).post(
        "/api/v1/figures/parse/",
        data='{"text": "35%", "document": 1' + "0" * 400 + ".0}",
        headers={"Content-Type": "application/json"},
    )
    assert parse.status_code == 400
    assert "document" in parse.json()


@pytest.mark.parametrize("position", [b"p=abc", b"p=", b"p=1e400", b"p=%00"])
def test_a_made_up_cursor_position_is_an_invalid_cursor(alice, position):
    cursor = base64.b64encode(position).decode()
    for url in ("/api/v1/claims/", "/api/v1/speakers/", "/api/v1/claims/?ordering=published"):
        reply = api_as(alice).get(f"{url}{'&' if '?' in url else '?'}cursor={cursor}")
        assert reply.status_code == 404, (url, reply.text)
        assert reply.json() == {"detail": "Invalid cursor"}


def test_only_ascii_digits_are_numbers_in_headers_and_parameters(seed_document, alice, rachel):
    claim = make_claim(seed_document, OTHER, alice)
    api = api_as(alice)
    for version in ("²", "١"):  # int() refuses the one and reads the other as 1
        reply = api.patch(
            f"/api/v1/claims/{claim.pk}/", json={"note": "x"}, headers={"If-Match": f'"{version}"'}
        )
        assert reply.status_code == 412, reply.text
    project = Project.objects.create(name="p")
    agreement = api_as(rachel).get(f"/api/v1/projects/{project.pk}/agreement/?documents=%C2%B2")
    assert agreement.status_code == 400
    assert "documents" in agreement.json()
    workbench = signed_in(alice).get(
        f"/admin/claims/claim/workbench/{seed_document.pk}/?project=%C2%B2"
    )
    assert workbench.status_code == 404


def test_admin_forms_take_no_superscript_for_a_number(seed_document, ada, rachel):
    metric = Metric.objects.create(name="m", unit="%")
    target = Target.objects.create(title="t", metric=metric, number_text="35%", value=35, unit="%")
    restated = signed_in(ada).post(f"/admin/claims/target/{target.pk}/restate/", {"claim_id": "²"})
    assert restated.status_code == 302
    project = Project.objects.create(name="p")
    ProjectDocument.objects.create(project=project, document=seed_document)
    curation = f"/admin/claims/claim/team/{project.pk}/curation/{seed_document.pk}/"
    for gold in ("abc", "", "²"):
        assert (
            signed_in(rachel).post(curation, {"action": "discard", "gold": gold}).status_code == 302
        )


def test_a_nul_in_a_query_parameter_is_a_400_naming_it(rachel, ada):
    project = managed_project(rachel)
    removed = api_as(rachel).delete(f"/api/v1/projects/{project.pk}/members/?user=%00")
    assert removed.status_code == 400
    assert removed.json() == {"user": ["Null characters are not allowed."]}
    for url in (
        "/admin/claims/claim/?status__exact=%00",
        "/admin/annotations/document/?outlet=%00",
        "/admin/autocomplete/?term=%00&app_label=claims&model_name=claim&field_name=speaker",
    ):
        reply = signed_in(ada).get(url)
        assert reply.status_code == 400, url
        assert reply["Content-Type"].startswith("text/plain")


def test_a_username_with_a_nul_is_refused_by_name(rachel):
    project = managed_project(rachel)
    reply = api_as(rachel).post(
        f"/api/v1/projects/{project.pk}/members/", json={"user": "a\x00b", "role": "annotator"}
    )
    assert reply.status_code == 400
    assert reply.json() == {"user": ["Null characters are not allowed."]}


def test_a_figure_of_more_digits_than_decimal_precision_is_read(alice, rachel):
    huge = "10000000000000000000000000000元"
    parsed = api_as(alice).post("/api/v1/figures/parse/", json={"text": huge})
    assert parsed.status_code == 200, parsed.text
    made = api_as(rachel).post(
        "/api/v1/documents/", json={"text": f"2023年投资完成{huge}。", "title": "big"}
    )
    assert made.status_code == 201, made.text
    listed = api_as(alice).get(f"/api/v1/documents/{made.json()['id']}/suggestions/")
    assert listed.status_code == 200, listed.text


def test_options_of_the_api_docs_page_is_refused(alice):
    assert api_as(alice).request("options", "/api/schema/swagger-ui/").status_code == 405


def test_a_login_with_an_overlong_username_is_a_failed_login(db):
    reply = Client().post("/admin/login/", {"username": "x" * 256, "password": "p"})
    assert reply.status_code == 200
    assert "Please enter the correct" in reply.content.decode()


@pytest.mark.parametrize("end", [{"period_end": None}, {}])
def test_bulk_ends_an_observations_period_as_one_claim_does(seed_document, alice, end):
    metric = Metric.objects.create(name="share", unit="%")
    row = observation(seed_document, metric, **end)
    alone = api_as(alice).post("/api/v1/claims/", json=row)
    assert alone.status_code == 201, alone.text
    bulk = api_as(alice).post("/api/v1/claims/bulk/", json=[row])
    assert bulk.status_code == 201, bulk.text
    periods = {
        (o.period_start.isoformat(), o.period_end.isoformat()) for o in metric.observations.all()
    }
    assert periods == {("2024-01-01", "2024-12-31")}


def test_bulk_refuses_anothers_proposed_metric_by_name(seed_document, alice, bob):
    proposed = Metric.objects.create(name="bobs", unit="%", status="proposed", proposed_by=bob)
    figure = {"number_text": "35%", "value": "35", "unit": "%", "metric": proposed.pk}
    row = span(seed_document) | {"claim_type": "target", "figure": figure}
    reply = api_as(alice).post("/api/v1/claims/bulk/", json=[row])
    assert reply.status_code == 400, reply.text
    assert "figure.metric" in reply.text
    assert "proposed metric" in reply.text
    own = Metric.objects.create(name="alices", unit="%", status="proposed", proposed_by=alice)
    mine = api_as(alice).post(
        "/api/v1/claims/bulk/", json=[row | {"figure": figure | {"metric": own.pk}}]
    )
    assert mine.status_code == 201, mine.text


def test_a_metrics_unit_under_its_observations_is_refused_by_name(seed_document, alice, rachel):
    metric = Metric.objects.create(name="share", unit="%")
    row = observation(seed_document, metric)
    assert api_as(alice).post("/api/v1/claims/", json=row).status_code == 201
    reply = api_as(rachel).patch(f"/api/v1/metrics/{metric.pk}/", json={"unit": "CNY"})
    assert reply.status_code == 400, reply.text
    assert list(reply.json()) == ["unit"]
    admin = signed_in(rachel).post(
        f"/admin/claims/metric/{metric.pk}/change/",
        {"name": "share", "unit": "CNY", "description": "", "status": "confirmed"},
    )
    assert admin.status_code == 200
    assert "counted in another unit" in admin.content.decode()
    metric.refresh_from_db()
    assert metric.unit == "%"


@pytest.mark.parametrize(
    "url",
    [
        "/admin/claims/claim/add/?document=abc",
        "/admin/claims/target/add/?metric=%C2%B2",
        "/admin/claims/observation/add/?claim=abc",
        f"/admin/claims/claimrelation/add/?source={10**30}",
        "/admin/claims/claim/add/?topics=1,abc",
    ],
)
def test_an_autocomplete_field_given_no_id_shows_the_form(ada, url):
    assert signed_in(ada).get(url).status_code == 200


def test_an_autocomplete_field_sent_no_id_is_an_invalid_choice(seed_document, ada):
    reply = signed_in(ada).post(
        "/admin/claims/claim/add/", {"document": seed_document.pk, "speaker": "abc"}
    )
    assert reply.status_code == 200
    assert "speaker" in reply.context["adminform"].form.errors


@pytest.mark.parametrize(
    "text",
    [
        "一" * 4400 + "元",
        "一" + "亿" * 600 + "点五元",
        "翻10000000番",
        "1" + "0" * 4990 + "元",
    ],
)
def test_a_run_of_numerals_no_claim_could_store_is_no_figure(alice, text):
    reply = api_as(alice).post("/api/v1/figures/parse/", json={"text": text})
    assert reply.status_code == 200, reply.text


def test_whole_numbers_are_at_most_twenty_digits(rachel):
    project = Project.objects.create(name="p")
    reply = api_as(rachel).get(f"/api/v1/projects/{project.pk}/agreement/?documents={'1' * 5000}")
    assert reply.status_code == 400
    assert "documents" in reply.json()


def test_every_admin_with_autocomplete_fields_checks_their_ids():
    models = [*admin.site._registry.values()]
    admins: list[BaseModelAdmin[Any]] = [*models]
    admins += [inline(m.model, admin.site) for m in models for inline in m.inlines]
    unchecked = [
        type(a).__name__
        for a in admins
        if a.autocomplete_fields and not isinstance(a, AutocompleteOfIds)
    ]
    assert unchecked == []
    assert len([a for a in admins if a.autocomplete_fields]) >= 11


def test_a_body_field_an_action_does_not_read_is_refused_by_name(seed_document, alice, rachel):
    """Not dropped: a misspelt field would otherwise be an action done without it."""
    unread = {"colour": ["This field cannot be set here."]}
    parse = api_as(alice).post("/api/v1/figures/parse/", json={"text": "35%", "colour": "red"})
    assert (parse.status_code, parse.json()) == (400, unread)
    suggestions = f"/api/v1/documents/{seed_document.pk}/suggestions/"
    which = {"kind": "target", "figure_start": 0, "figure_end": 1, "colour": "red"}
    for action in ("accept", "dismiss"):
        chosen = api_as(alice).post(f"{suggestions}{action}/", json=which)
        assert (chosen.status_code, chosen.json()) == (400, unread), action
    project = managed_project(rachel)
    ProjectDocument.objects.create(project=project, document=seed_document)
    curation = f"/api/v1/projects/{project.pk}/documents/{seed_document.pk}/curation/"
    acted = api_as(rachel).post(curation, json={"action": "finish", "colour": "red"})
    assert (acted.status_code, acted.json()) == (400, unread)


def test_an_api_address_nothing_answers_is_a_json_404(alice, ada):
    for url in ("/api/v1/targets/abc/timeline/", "/api/v1/claims/1/nope/", "/api/v1/nowhere/"):
        reply = api_as(alice).get(url)
        assert reply.status_code == 404, url
        assert reply.json() == {"detail": "Not found."}, url
    page = signed_in(ada).get("/admin/nowhere/at/all/")
    assert page.status_code == 404
    assert page["Content-Type"].startswith("text/html")
