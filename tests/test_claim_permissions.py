"""Who may do what to which claim, its figure and its relations: every role, action
and state, over the API and the admin pages of every claim-side model.

The expected answers are written out below from the rules in the README, not
computed by the code under test; a loosened rule makes a cell fail. Users and
claims are built once for the module; each test runs in a transaction that is
rolled back, so every cell starts from the same data.
"""

import json
from dataclasses import dataclass, field
from typing import Any

import pytest
from django.conf import settings
from django.contrib.auth.models import User
from django.db import connection, transaction
from django.test import Client
from django.utils import timezone
from rest_framework.test import APIClient

from annotations.models import Document
from claims.models import Claim, ClaimRelation, Metric, Observation, TargetStatement
from claims.roles import API_READER
from tests.conftest import ASTRAL_TARGET, SEED_000, SOE_TARGET, make_claim, make_user

ROLES = ["anonymous", "none", "annotator", "another_annotator", "reviewer", "api_reader", "admin"]
STATES = ["draft", "submitted", "accepted", "rejected"]
EDITS = ["update", "move_span", "change_figure", "change_relations"]
ACTIONS = ["read", *EDITS, "delete", "submit", "accept", "reject"]
OTHER = "当前尚在研究孕育阶段的产业"
NEW_SPAN = "将完善推进机制、优化支持政策，集全系统之力"


@dataclass
class World:
    users: dict[str, User | None]
    document: Document
    anchor: Claim  # what the claims under test relate to
    targets: dict[str, Claim]  # alice's target-type claims with statement and relation
    observed: dict[str, Claim]  # alice's observation-type claims with their observation
    bare: dict[str, Claim]  # alice's observation-type claims without a figure yet
    metric: Metric
    # Each role's session (committed with the users): logging in anew in every cell cost
    # more than the request under test.
    sessions: dict[str, str]
    # The admin's change form of each (model, state), as the page fills it in: the same
    # in every cell, since each cell's writes are rolled back.
    change_forms: dict[tuple[str, str], dict[str, Any]] = field(default_factory=dict)


def wipe() -> None:
    """Remove what the module built (it was committed, outside the tests' transactions)."""
    tables = [
        name
        for name in connection.introspection.table_names()
        if name.startswith(("claims_", "annotations_", "authtoken_"))
        or name in ("auth_user", "django_session", "django_admin_log")
    ]
    with connection.cursor() as cursor:
        cursor.execute("TRUNCATE " + ", ".join(f'"{t}"' for t in tables) + " CASCADE")


@pytest.fixture(scope="module")
def world(django_db_setup, django_db_blocker):
    with django_db_blocker.unblock():
        with transaction.atomic():
            users: dict[str, User | None] = {
                "anonymous": None,
                "none": make_user("mallory"),
                "annotator": make_user("alice", "annotator"),
                "another_annotator": make_user("bob", "annotator"),
                "reviewer": make_user("rachel", "reviewer"),
                "api_reader": make_user("reader", API_READER),
                "admin": make_user("ada", is_superuser=True),
            }
            reader = users["api_reader"]
            assert reader is not None
            reader.is_staff = False
            reader.save()
            raw = SEED_000.read_text(encoding="utf-8")
            document = Document.from_raw(raw, title="seed 000", language="zh-Hans")
            document.text = document.text.replace(SOE_TARGET, ASTRAL_TARGET)
            document.raw_text = document.text
            document.save()
            alice, bob = users["annotator"], users["another_annotator"]
            assert alice is not None
            assert bob is not None
            metric = Metric.objects.create(name="央企战新产业收入占比", unit="%")
            anchor = make_claim(document, OTHER, bob, claim_type="challenge")
            targets, observed, bare = {}, {}, {}
            for state in STATES:
                review: dict[str, Any] = {
                    "status": state,
                    "review_comment": "理由" if state == "rejected" else "",
                }
                if state in ("accepted", "rejected"):
                    review |= {"reviewer": users["reviewer"], "reviewed_at": timezone.now()}
                targets[state] = make_claim(
                    document, ASTRAL_TARGET, alice, claim_type="target", **review
                )
                TargetStatement.objects.create(
                    claim=targets[state], number_text="35%", value=35, unit="%"
                )
                ClaimRelation.objects.create(
                    source=targets[state], target=anchor, kind="responds_to", created_by=bob
                )
                observed[state] = make_claim(
                    document, ASTRAL_TARGET, alice, claim_type="observation", **review
                )
                Observation.objects.create(
                    claim=observed[state],
                    metric=metric,
                    number_text="35%",
                    value=35,
                    unit="%",
                    period_start="2025-01-01",
                    period_end="2025-12-31",
                )
                bare[state] = make_claim(
                    document, ASTRAL_TARGET, alice, claim_type="observation", **review
                )
            sessions = {}
            for role, user in users.items():
                if user is not None:
                    browser = Client()
                    browser.force_login(user)
                    sessions[role] = browser.cookies[settings.SESSION_COOKIE_NAME].value
        yield World(users, document, anchor, targets, observed, bare, metric, sessions)
        wipe()


def state_of(claim: Claim) -> tuple[Any, ...]:
    """Everything a refused request must leave as it was."""
    stored = Claim.objects.filter(pk=claim.pk).first()
    if stored is None:
        return ("deleted",)
    claim = stored
    figure = claim.stated_figure()
    relations = sorted(claim.relations_out.values_list("target_id", "kind", "note"))
    return (
        claim.version,
        claim.status,
        claim.note,
        claim.start,
        figure and (figure.value, figure.number_text),
        tuple(relations),
    )


# ----------------------------------------------------------------------------- API


def expected_api(role: str, action: str, state: str) -> int:
    """The rules, cell by cell (README: "Roles", "Using the API")."""
    if role == "anonymous":
        return 401
    if role == "none":
        return 403
    if action == "read":
        return 200
    if role in ("api_reader", "another_annotator"):
        return 403
    done = 204 if action == "delete" else 200
    if role == "annotator":  # alice, whose claims these are
        if action in (*EDITS, "delete", "submit"):
            # A rejected claim is back in her hands: she edits, resubmits or deletes it.
            return done if state in ("draft", "rejected") else 403
        return 403  # never her own review
    # reviewer and admin change and delete any claim
    if action in (*EDITS, "delete"):
        return done
    if action == "submit":  # only the annotator (or an admin) submits a draft
        return 403 if state == "draft" and role == "reviewer" else 200
    if action == "accept":  # a submitted claim; accepting an accepted one changes nothing
        return 200 if state in ("submitted", "accepted") else 403
    return 200 if state in ("submitted", "rejected") else 403  # reject


def api_request(client: APIClient, world: World, action: str, claim: Claim):
    url = f"/api/v1/claims/{claim.pk}/"
    if action == "read":
        return client.get(url)
    if action == "delete":
        return client.delete(url, HTTP_IF_MATCH=f'"{claim.version}"')
    start = world.document.text.index(NEW_SPAN)
    body = {
        "update": {"note": "改了", "stance": "oppose"},
        "move_span": {"start": start, "end": start + len(NEW_SPAN), "quote": NEW_SPAN},
        "change_figure": {"figure": {"value": "36", "number_text": "36%"}},
        "change_relations": {"relations": []},
        "submit": {"status": "submitted"},
        "accept": {"status": "accepted"},
        "reject": {"status": "rejected", "review_comment": "不是目标"},
    }[action]
    return client.patch(
        url, json.dumps(body), content_type="application/json", HTTP_IF_MATCH=f'"{claim.version}"'
    )


def client_for(world: World, role: str, client_class=APIClient):
    """A client logged in as `role` (anonymous: not logged in), with no other cookie."""
    client = client_class()
    if role in world.sessions:
        client.cookies[settings.SESSION_COOKIE_NAME] = world.sessions[role]
    return client


@pytest.mark.django_db
@pytest.mark.parametrize("state", STATES)
@pytest.mark.parametrize("action", ACTIONS)
@pytest.mark.parametrize("role", ROLES)
def test_the_api_answers_each_role_action_and_state_by_the_rules(world, role, action, state):
    claim = world.targets[state]
    before = state_of(claim)
    response = api_request(client_for(world, role), world, action, claim)
    expected = expected_api(role, action, state)
    assert response.status_code == expected, response.content[:300]
    after = state_of(claim)
    if expected >= 400:
        assert after == before, "a refused request changed the claim"
    elif action == "delete":
        assert after == ("deleted",)
        assert not TargetStatement.objects.filter(claim_id=claim.pk).exists()
    elif action != "read" and after[1:] != before[1:]:
        assert after[0] == before[0] + 1, "a change did not raise the version"


@pytest.mark.django_db
@pytest.mark.parametrize("role", ROLES)
def test_the_api_lets_each_role_create_claims_by_the_rules(world, role):
    start = world.document.text.index(OTHER)
    body = {
        "document": world.document.pk,
        "start": start,
        "end": start + len(OTHER),
        "quote": OTHER,
        "claim_type": "challenge",
        "attribution": "authorial",
        "relations": [{"target": world.anchor.pk, "kind": "supports"}],
    }
    response = client_for(world, role).post("/api/v1/claims/", body, format="json")
    expected = {"anonymous": 401, "none": 403, "api_reader": 403}.get(role, 201)
    assert response.status_code == expected, response.content[:300]
    assert Claim.objects.filter(annotator=world.users[role]).exists() == (expected == 201)


# --------------------------------------------------------------------------- admin

ADMIN_MODELS = ["claim", "targetstatement", "observation", "claimrelation"]
STAFF_ROLES = ("annotator", "another_annotator", "reviewer", "admin")


def part_of(world: World, model: str, state: str):
    return {
        "claim": world.targets[state],
        "targetstatement": world.targets[state].target_statement,
        "observation": world.observed[state].observation,
        "claimrelation": world.targets[state].relations_out.get(),
    }[model]


def may_change_claim(role: str, state: str) -> bool:
    return role in ("reviewer", "admin") or (role == "annotator" and state in ("draft", "rejected"))


def expected_admin(role: str, model: str, action: str, state: str) -> int:
    if role in ("anonymous", "api_reader"):  # not staff: sent to the login page
        return 302
    if role == "none":
        return 403
    if action == "view":
        return 200
    if model != "claim":  # changed and deleted only with their claim
        return 403
    return 302 if may_change_claim(role, state) else 403


def admin_form_data(response) -> dict[str, Any]:
    """The change form as the page filled it in, inlines included."""
    data: dict[str, Any] = {}
    forms = [response.context["adminform"].form]
    for inline in response.context["inline_admin_formsets"]:
        management = inline.formset.management_form
        data |= {management.add_prefix(k): v for k, v in management.initial.items()}
        forms += inline.formset.forms
    for form in forms:
        for name, form_field in form.fields.items():
            value = form.initial.get(name, form_field.initial)
            if value is None or value is False:
                continue
            if isinstance(value, list | tuple):
                value = [getattr(item, "pk", item) for item in value]
            data[form.add_prefix(name)] = getattr(value, "pk", value)
    return data


@pytest.mark.django_db
@pytest.mark.parametrize("state", STATES)
@pytest.mark.parametrize("action", ["view", "change", "delete"])
@pytest.mark.parametrize("model", ADMIN_MODELS)
@pytest.mark.parametrize("role", ROLES)
def test_the_admin_pages_answer_each_role_action_and_state_by_the_rules(
    world, role, model, action, state
):
    obj = part_of(world, model, state)
    claim = world.targets[state] if model != "observation" else world.observed[state]
    before = state_of(claim)
    url = f"/admin/claims/{model}/{obj.pk}/"
    client = client_for(world, role, Client)
    if action == "view":
        response = client.get(url + "change/")
    elif action == "delete":
        response = client.post(url + "delete/", {"post": "yes"})
    else:
        if (model, state) not in world.change_forms:
            page = client_for(world, "admin", Client).get(url + "change/")
            world.change_forms[model, state] = admin_form_data(page)
        data = world.change_forms[model, state] | {"note": "改了"}
        if model != "claim":
            data |= {"value": "36", "note": "改了"}
        response = client.post(url + "change/", data)
    expected = expected_admin(role, model, action, state)
    assert response.status_code == expected, response.content[:500]
    after = state_of(claim)
    if expected != 302 or role in ("anonymous", "api_reader") or action == "view":
        assert after == before, "a refused request changed the claim"
    elif action == "delete":
        assert after == ("deleted",)
    else:
        assert after[0] == before[0] + 1
        assert after[2] == "改了"
        assert after[4:] == before[4:], "the claim's figure or relations changed unasked"


@pytest.mark.django_db
@pytest.mark.parametrize("state", STATES)
@pytest.mark.parametrize("model", ["observation", "claimrelation"])
@pytest.mark.parametrize("role", ROLES)
def test_adding_a_figure_or_relation_in_the_admin_follows_the_claims_rules(
    world, role, model, state
):
    claim = world.bare[state] if model == "observation" else world.targets[state]
    before = state_of(claim)
    if model == "observation":
        data = {
            "claim": claim.pk,
            "metric": world.metric.pk,
            "number_text": "35%",
            "comparator": "exact",
            "change": "level",
            "value": "35",
            "unit": "%",
            "period_start": "2025-01-01",
            "period_end": "2025-12-31",
        }
    else:
        data = {"source": claim.pk, "target": world.anchor.pk, "kind": "supports"}
    response = client_for(world, role, Client).post(f"/admin/claims/{model}/add/", data)
    after = state_of(claim)
    if role in ("anonymous", "api_reader"):
        assert response.status_code == 302
        assert "/login/" in response["Location"]
    elif role == "none":
        assert response.status_code == 403
    elif may_change_claim(role, state):
        assert response.status_code == 302, response.content[:500]
        assert after[0] == before[0] + 1, "adding a part did not raise the claim's version"
        assert after[4:] != before[4:]
        return
    else:  # the form refuses the claim by name
        assert response.status_code == 200
        assert "so you may not add to it either" in response.content.decode()
    assert after == before
