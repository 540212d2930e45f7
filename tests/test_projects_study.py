"""A study over the API, as a research team runs one: a manager sets up an independent
project on the five seed documents, three annotators code two per document, a curator
curates one document into gold. At every step, no annotator reads another's claims of
the project by any GET route that can return claims (every such route in the URLconf is
probed: a new route must be classified here), until the document is curated; the
manager and the curator read them all (the control that the probes can see a leak).
"""

from collections.abc import Iterator
from decimal import Decimal
from typing import Any

import pytest
from django.contrib.auth.models import User
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver

from annotations.models import Document
from claims.models import Claim, Speaker, Target
from claims.roles import ANNOTATOR, REVIEWER
from projects.models import Guidelines, Project
from tests.api_support import _fresh_throttles, api_as  # noqa: F401
from tests.conftest import make_user

pytestmark = pytest.mark.usefixtures("demo")

SEEDS = [1, 2, 3, 4, 5]  # the five seed documents of the demo corpus

# API routes that return no claim, nor anything computed from claims.
NO_CLAIMS = {
    "api-root",
    "api-schema",
    "api-docs",
    *(f"{name}-{kind}" for name in ("speaker", "topic", "metric") for kind in ("list", "detail")),
    *(f"{name}-history" for name in ("speaker", "topic", "metric")),
    "document-list",
    "document-detail",
    "document-history",
    # POST only
    "claim-bulk",
    "document-suggestion-accept",
    "document-suggestion-dismiss",
    "project-assign",
    "project-finish",
    "figure-parse",
    "metric-confirm",
}


def api_route_names() -> set[str]:
    names: set[str] = set()

    def walk(patterns: list[Any], prefix: str) -> None:
        for pattern in patterns:
            if isinstance(pattern, URLResolver):
                walk(pattern.url_patterns, prefix + str(pattern.pattern))
            elif isinstance(pattern, URLPattern) and pattern.name:
                under_api = (prefix + str(pattern.pattern)).lstrip("^").startswith("api/")
                names.update([pattern.name] if under_api else [])

    walk(get_resolver().url_patterns, "")
    return names


class Study:
    """The study's ids, filled in as it goes."""

    def __init__(self) -> None:
        self.project = 0
        self.claims: dict[str, list[int]] = {}  # annotator -> her claim ids
        self.observation = 0  # ann2's observation (a figure of a demo target's metric)
        self.relation = 0  # between two of ann2's claims
        self.target = 0

    def probes(self, *of: str) -> dict[str, list[str]]:
        """For each GET route that can return claims, the addresses to read, aimed at
        the claims of each of `of` where a route takes an id."""
        project = self.project
        theirs = [pk for name in of for pk in self.claims.get(name, [])]
        docs = "&".join(f"document={d}" for d in SEEDS)
        return {
            "claim-list": ["/api/v1/claims/?page_size=500", f"/api/v1/claims/?{docs}"],
            "claim-detail": [f"/api/v1/claims/{pk}/" for pk in theirs],
            "claim-history": [f"/api/v1/claims/{pk}/history/" for pk in theirs],
            "claim-export": [f"/api/v1/claims/export.{fmt}" for fmt in ("csv", "jsonl", "json")]
            + ["/api/v1/claims/export.jsonld"],
            "networks": [
                "/api/v1/networks/?variable1=speaker&variable2=claim_type",
                "/api/v1/networks/?network_type=eventlist",
                "/api/v1/networks/?network_type=eventlist&format=csv",
            ],
            "network-edge": [
                f"/api/v1/networks/edge/?variable1=speaker&variable2=claim_type"
                f"&source=SPK-{name}&target=assessment"
                for name in of
            ],
            "observation-list": ["/api/v1/observations/?page_size=500"],
            "observation-detail": [f"/api/v1/observations/{self.observation}/"],
            "claimrelation-list": ["/api/v1/relations/?page_size=500"],
            "claimrelation-detail": [f"/api/v1/relations/{self.relation}/"],
            "target-list": ["/api/v1/targets/?page_size=500"],
            "target-detail": [f"/api/v1/targets/{self.target}/"],
            "target-history": [f"/api/v1/targets/{self.target}/history/"],
            "targets-due": ["/api/v1/targets/due/?as_of=2030-12-31"],
            "targets-tracking": ["/api/v1/targets/tracking/"],
            "target-timeline": [f"/api/v1/targets/{self.target}/timeline/"],
            "document-suggestions": [
                f"/api/v1/documents/{d}/suggestions/{query}"
                for d in SEEDS
                for query in ("", f"?project={project}")
            ],
            "project-list": ["/api/v1/projects/"],
            "project-detail": [f"/api/v1/projects/{project}/"],
            "project-history": [f"/api/v1/projects/{project}/history/"],
            "project-members": [f"/api/v1/projects/{project}/members/"],
            "project-guidelines": [f"/api/v1/projects/{project}/guidelines/"],
            "project-documents": [f"/api/v1/projects/{project}/documents/"],
            "project-assignments": [f"/api/v1/projects/{project}/assignments/"],
            "project-queue": [f"/api/v1/projects/{project}/queue/"],
            "project-progress": [f"/api/v1/projects/{project}/progress/"],
            # Figures computed from everyone's claims, and everyone's claims side by side:
            # for the project's curators and managers only (403 for her).
            "project-agreement": [f"/api/v1/projects/{project}/agreement/"],
            "project-curation": [
                f"/api/v1/projects/{project}/documents/{d}/curation/" for d in SEEDS
            ],
        }

    def admin_pages(self, *of: str) -> list[str]:
        pages = ["/admin/claims/claim/", "/admin/claims/claim/progress/"]
        pages += [
            "/admin/claims/claim/deleted/",
            f"/admin/projects/project/{self.project}/progress/",
        ]
        pages += [f"/admin/claims/claim/workbench/{d}/?project={self.project}" for d in SEEDS]
        pages += [
            f"/admin/claims/claim/{pk}/change/" for name in of for pk in self.claims.get(name, [])
        ]
        return pages


CLAIM_KEYS = {"claim", "claim_id", "statement_id", "source", "target"}


def claim_ids_in(body: Any) -> Iterator[int]:
    """Every claim id a JSON answer names: claims' own ids and references to claims."""
    if isinstance(body, dict):
        if "quote" in body and isinstance(body.get("id"), int):
            yield body["id"]
        for key, value in body.items():
            if key in CLAIM_KEYS and isinstance(value, int):
                yield value
            else:
                yield from claim_ids_in(value)
    elif isinstance(body, list):
        for item in body:
            yield from claim_ids_in(item)


def traces(study: Study, reader: User, *of: str) -> list[str]:
    """What `reader` can find of the claims of each of `of` in the study, by every route
    (read once for all of them): empty when nothing leaks."""
    found = []
    api = api_as(reader)
    theirs = {pk for name in of for pk in study.claims.get(name, [])}
    for route, urls in study.probes(*of).items():
        for url in urls:
            reply = api.get(url)
            assert reply.status_code < 500, (url, reply.text)
            body = reply.text
            for name in of:
                tokens = [f"NOTE-{name}", f"SPK-{name}", f'"{name}"']
                if route in ("project-members", "project-history"):  # membership is no claim
                    tokens.remove(f'"{name}"')
                if route == "network-edge" and f"SPK-{name}" in url:  # it repeats the node
                    tokens.remove(f"SPK-{name}")
                found += [f"{route} {url}: {token}" for token in tokens if token in body]
            if reply.status_code == 200 and reply.headers["Content-Type"].startswith(
                "application/json"
            ):
                leaked = theirs & set(claim_ids_in(reply.json()))
                if leaked:
                    found.append(f"{route} {url}: claims {sorted(leaked)}")
    browser = Client()
    browser.force_login(reader)
    for page in study.admin_pages(*of):
        page_reply = browser.get(page)
        assert page_reply.status_code < 500, page
        body = page_reply.content.decode()
        for name in of:
            for token in (f"NOTE-{name}", f"SPK-{name}", f">{name}<", f'"{name}"'):
                if page_reply.status_code == 200 and token in body:
                    found.append(f"admin {page}: {token}")
    return found


def test_every_get_route_that_can_return_claims_is_probed() -> None:
    probed = set(Study().probes("x"))
    assert api_route_names() == probed | NO_CLAIMS, "classify the new route in this module"


def test_a_study_never_shows_an_annotator_anothers_claims_before_curation() -> None:
    mia = make_user("mia", REVIEWER)  # starts the study: she manages it
    ann1, ann2, ann3 = (make_user(name, ANNOTATOR) for name in ("ann1", "ann2", "ann3"))
    cora = make_user("cora", ANNOTATOR)  # the project's curator
    olga = make_user("olga", ANNOTATOR)  # no member
    for name in ("ann1", "ann2", "ann3"):
        Speaker.objects.create(name=f"SPK-{name}")
    manage = api_as(mia)
    study = Study()
    target = Target.objects.order_by("id").first()
    assert target is not None
    study.target = target.pk

    # The manager sets the study up.
    made = manage.post(
        "/api/v1/projects/",
        json={"name": "Study", "annotators_per_document": 2, "independent": True},
    )
    assert made.status_code == 201, made.text
    study.project = project = made.json()["id"]
    assert made.json()["my_role"] == "manager"
    base = f"/api/v1/projects/{project}"
    for user, role in ((ann1, "annotator"), (ann2, "annotator"), (ann3, "annotator")):
        assert manage.post(
            f"{base}/members/", json={"user": user.username, "role": role}
        ).status_code in (200, 201)
    assert manage.post(
        f"{base}/members/", json={"user": "cora", "role": "curator"}
    ).status_code in (200, 201)
    guidelines = manage.post(f"{base}/guidelines/", json={"text": "# Code every target"})
    assert guidelines.status_code == 201
    assert guidelines.json()["version"] == 1
    assert manage.post(f"{base}/documents/", json={"documents": SEEDS}).status_code == 200
    version_1 = Guidelines.objects.get(project=project, version=1)
    assert api_as(olga).get(f"{base}/").status_code == 404  # a non-member sees no project

    assigned = manage.post(f"{base}/assign/", json={"seed": 7})
    assert assigned.status_code == 201, assigned.text
    rows = assigned.json()
    assert len(rows) == 10
    by_document: dict[int, set[str]] = {}
    for row in rows:
        by_document.setdefault(row["document"], set()).add(row["annotator"])
    assert all(len(names) == 2 for names in by_document.values())
    loads = sorted(sum(r["annotator"] == n for r in rows) for n in ("ann1", "ann2", "ann3"))
    assert loads == [3, 3, 4]

    # Each annotator codes her documents; ann2 also an observation and a relation.
    shared = next(d for d, names in by_document.items() if {"ann1", "ann2"} <= names)
    for user in (ann1, ann2, ann3):
        me = user.username
        api = api_as(user)
        queue = api.get(f"{base}/queue/").json()
        assert queue["next"]["state"] == "assigned"
        assert f"?project={project}" in queue["next"]["workbench"]
        study.claims[me] = []
        for row in queue["assignments"]:
            document = Document.objects.get(pk=row["document"])
            start = 10 + 7 * int(me[-1])
            body = {
                "project": project,
                "document": document.pk,
                "start": start,
                "end": start + 12,
                "quote": document.text[start : start + 12],
                "claim_type": "assessment",
                "attribution": "direct",
                "speaker": Speaker.objects.get(name=f"SPK-{me}").pk,
                "note": f"NOTE-{me}-{document.pk}",
            }
            written = api.post("/api/v1/claims/", json=body)
            assert written.status_code == 201, written.text
            assert written.json()["project"] == project
            assert written.json()["guidelines"] == version_1.pk
            study.claims[me].append(written.json()["id"])
        queue = api.get(f"{base}/queue/").json()
        assert {row["state"] for row in queue["assignments"]} == {"in_progress"}
        # What she reads of those who wrote before her is nothing.
        earlier = [name for name in study.claims if name != me]
        if earlier:
            assert traces(study, user, *earlier) == []

    ann2_api = api_as(ann2)
    shared_text = Document.objects.get(pk=shared).text

    def ann2_writes(start: int, end: int, note: str, **extra: Any) -> dict[str, Any]:
        span = {"start": start, "end": end, "quote": shared_text[start:end]}
        body = {"project": project, "document": shared, **span, "note": f"NOTE-ann2-{note}"}
        written = ann2_api.post(
            "/api/v1/claims/", json={"attribution": "authorial", **body, **extra}
        )
        assert written.status_code == 201, written.text
        return dict(written.json())

    figure = {"number_text": "5%", "value": "5", "unit": "%", "metric": target.metric_id}
    figure |= {"period_start": "2024-01-01", "period_end": "2024-12-31"}
    observation_claim = ann2_writes(
        40,
        52,
        "observation",
        claim_type="observation",
        figure=figure,
        relations=[{"target": study.claims["ann2"][0], "kind": "supports"}],
    )
    study.claims["ann2"].append(observation_claim["id"])
    study.observation = Claim.objects.get(pk=observation_claim["id"]).observation.pk
    study.relation = observation_claim["relations"][0]["id"]
    deleted = ann2_writes(60, 66, "deleted", claim_type="assessment")
    gone = ann2_api.delete(f"/api/v1/claims/{deleted['id']}/", headers={"If-Match": '"1"'})
    assert gone.status_code == 204

    # Nothing of ann2's leaks to ann1 or ann3 (nor of theirs to her), by any route;
    # the manager and the curator find all of it (so the probes do see claims).
    for reader, others in (
        (ann1, ("ann2", "ann3")),
        (ann2, ("ann1", "ann3")),
        (olga, ("ann1", "ann2", "ann3")),
    ):
        assert traces(study, reader, *others) == [], reader
    for overseer in (mia, cora):
        seen = traces(study, overseer, "ann2")
        assert any(t.startswith("claim-list") for t in seen), overseer
        assert any(t.startswith("claim-export") for t in seen)
        assert any(t.startswith("networks") for t in seen)
        assert any(t.startswith("target-timeline") for t in seen)
        assert any(t.startswith("observation-list") for t in seen)
        assert any(t.startswith("admin /admin/claims/claim/deleted/") for t in seen)

    # A suggestion ann1 dismisses is hers to dismiss: ann2 still judges it for herself.
    suggestions = f"/api/v1/documents/{shared}/suggestions/"

    def suggested(user: User) -> list[tuple[int, int, str]]:
        listed = api_as(user).get(f"{suggestions}?project={project}")
        assert listed.status_code == 200, listed.text
        return [
            (s["figure_start"], s["figure_end"], s["kind"]) for s in listed.json()["suggestions"]
        ]

    first = suggested(ann1)[0]
    which = dict(zip(("figure_start", "figure_end", "kind"), first, strict=True))
    left_out = api_as(ann1).post(f"{suggestions}dismiss/", json=which)
    assert left_out.status_code == 400  # the shared document is in the default project too
    assert "project" in left_out.json()
    dismissed = api_as(ann1).post(f"{suggestions}dismiss/", json=which | {"project": project})
    assert dismissed.status_code == 201, dismissed.text
    assert first not in suggested(ann1)
    assert first in suggested(ann2)
    assert first in suggested(cora)
    assert first in [
        (s["figure_start"], s["figure_end"], s["kind"])
        for s in ann2_api.get(f"{suggestions}?project={Project.objects.default().pk}").json()[
            "suggestions"
        ]
    ]
    foreign = api_as(olga).post(f"{suggestions}dismiss/", json=which | {"project": project})
    assert foreign.status_code == 403
    assert "project" in foreign.json()

    # Progress shows an annotator only her own numbers.
    own = api_as(ann1).get(f"{base}/progress/").json()
    assert [row["annotator"] for row in own["annotators"]] == ["ann1"]
    assert len(own["documents"]) == sum(
        name == "ann1" for row in rows for name in [row["annotator"]]
    )
    full = manage.get(f"{base}/progress/").json()
    assert [row["annotator"] for row in full["annotators"]] == ["ann1", "ann2", "ann3"]

    # Finishing, then curation of the shared document into gold, by the curation actions.
    for annotator in (ann1, ann2):
        finished = api_as(annotator).post(f"{base}/finish/", json={"document": shared})
        assert finished.json()["state"] == "finished"
    source = Claim.objects.filter(pk__in=study.claims["ann2"], document=shared).first()
    assert source is not None
    curation = f"{base}/documents/{shared}/curation/"
    taken = api_as(cora).post(
        curation,
        json={"action": "take", "sources": [source.pk], "changes": {"note": "NOTE-cora-gold"}},
    )
    assert taken.status_code == 201, taken.text
    assert traces(study, ann1, "cora") == []  # gold is hidden until curated, too
    assert api_as(cora).post(curation, json={"action": "finish"}).status_code == 200
    listed = api_as(ann1).get(f"/api/v1/claims/?document={shared}").json()["results"]
    readable = {claim["id"] for claim in listed}
    in_shared = set(
        Claim.objects.filter(project=project, document=shared).values_list("id", flat=True)
    )
    assert readable >= in_shared  # curated: everyone's claims and the gold
    other_documents = set(study.claims["ann2"]) - in_shared
    assert not readable & other_documents
    assert Decimal("5") == Claim.objects.get(pk=study.claims["ann2"][-1]).observation.value
