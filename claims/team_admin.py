"""The admin's pages for study teams: the projects one curates, agreement, curation.

- Claims → Team (claims/claim/team/): the projects the user may curate, each with
  its agreement and its documents' curation state.
- claims/claim/team/<project>/agreement/: a matrix annotator × annotator per field
  (span F1, Cohen's κ), each cell with the units it rests on; α over all annotators.
- claims/claim/team/<project>/curation/<document>/: the claims side by side by group;
  its buttons post the curation actions of claims.curation, as the API does.
"""

from typing import Any, Protocol

from django.contrib import messages
from django.contrib.admin import AdminSite
from django.db import IntegrityError
from django.db.models import Prefetch
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils.translation import gettext as _
from rest_framework.exceptions import APIException

from claims import agreement, curation
from claims.api import flat_errors
from claims.models import Claim
from claims.permissions import can_change_gold, curated_project, is_reviewer, signed_in
from config.api import database_refusal
from config.numbers import whole_number
from projects.models import Membership, Project, ProjectDocument, ProjectRole

# The fields a curator may take from another version of a claim on the curation page.
MERGED_FIELDS = ["claim_type", "attribution", "stance", "modality", "speaker", "speaker_role"]


class TeamAdmin(Protocol):
    admin_site: AdminSite


def page(
    admin: TeamAdmin, request: HttpRequest, template: str, title: str, **context: Any
) -> TemplateResponse:
    request.current_app = admin.admin_site.name
    every = {**admin.admin_site.each_context(request), "title": title, "opts": Claim._meta}
    return TemplateResponse(request, template, {**every, **context})


def team_view(admin: TeamAdmin, request: HttpRequest) -> TemplateResponse:
    """The projects the user curates, with their documents: two queries and the user's."""
    projects = Project.objects.prefetch_related(
        Prefetch("entries", queryset=ProjectDocument.objects.select_related("document"))
    )
    if not is_reviewer(request.user):
        curating = Membership.objects.filter(
            user=signed_in(request.user), role__in=[ProjectRole.CURATOR, ProjectRole.MANAGER]
        )
        projects = projects.filter(pk__in=curating.values("project_id"))
    return page(admin, request, "claims/team.html", _("Agreement and curation"), projects=projects)


def matrices(figures: dict[str, Any]) -> list[dict[str, Any]]:
    """One table per figure: rows and columns the annotators, cells the pair's figure."""
    people = figures["annotators"]
    by_pair = {}
    for pair in figures["pairs"]:
        a, b = pair["annotators"]
        by_pair[a, b] = by_pair[b, a] = pair
    paths: list[tuple[str, tuple[str, str]]] = [
        (_("Span F1, overlapping"), ("overlapping", "f1")),
        (_("Span F1, exact"), ("exact", "f1")),
        *((_("Cohen's κ, %(field)s") % {"field": f}, ("kappa", f)) for f in agreement.FIELDS),
    ]
    return [
        {
            "label": label,
            "rows": [
                {
                    "annotator": a["username"],
                    "cells": [
                        None if a["id"] == b["id"] else by_pair[a["id"], b["id"]][kind][name]
                        for b in people
                    ],
                }
                for a in people
            ],
        }
        for label, (kind, name) in paths
    ]


def agreement_view(admin: TeamAdmin, request: HttpRequest, project_id: int) -> TemplateResponse:
    project = curated_project(request.user, project_id)
    figures = agreement.for_project(project)
    alphas = [
        (_("positional (every code point)") if name == "positional" else name, figure)
        for name, figure in figures["alpha"].items()
    ]
    return page(
        admin,
        request,
        "claims/agreement.html",
        _("Agreement in %(project)s") % {"project": project},
        project=project,
        figures=figures,
        tables=matrices(figures),
        alphas=alphas,
        few_units=agreement.FEW_UNITS,
    )


def curation_view(
    admin: TeamAdmin, request: HttpRequest, project_id: int, document_id: int
) -> HttpResponse:
    project = curated_project(request.user, project_id)
    if request.method == "POST":
        act(request, project, document_id)
        return HttpResponseRedirect(request.path)
    state = curation.load(project, document_id)
    people = [a.annotator for a in state.assignments]
    groups = []
    for group in state.groups:
        by_annotator = {c.annotator_id: c for c in group.claims}
        ids = [c.pk for c in group.claims]
        groups.append(
            {
                "group": group,
                # Each version with the sources its "take" posts (itself first, then the
                # rest) and its fields as shown.
                "versions": [
                    (claim, [claim.pk, *(i for i in ids if i != claim.pk)], fields_shown(claim))
                    if claim
                    else None
                    for claim in (by_annotator.get(person.pk) for person in people)
                ],
                "differing": {
                    name for name in SHOWN_FIELDS if len({shown(c, name) for c in group.claims}) > 1
                },
                "missing": len(group.claims) < len(people),
                "merge": merge_choices(group.claims),
                "sources": ids,
            }
        )
    return page(
        admin,
        request,
        "claims/curation.html",
        _("Curating %(document)s") % {"document": state.entry.document},
        project=project,
        state=state,
        people=people,
        groups=groups,
        api_url=reverse("project-curation", args=[project.pk, document_id]),
        gold_editable=can_change_gold(request.user, project.pk, document_id),
    )


# The fields shown for each version on the curation page; differences are marked.
SHOWN_FIELDS = [*MERGED_FIELDS, "topics", "note"]


def fields_shown(claim: Claim) -> list[tuple[str, str, str]]:
    """(name, label, value) of each field, as a person reads it."""
    return [
        (name, str(getattr(Claim._meta.get_field(name), "verbose_name", name)), shown(claim, name))
        for name in SHOWN_FIELDS
    ]


def shown(claim: Claim, name: str) -> str:
    if name == "speaker":
        return claim.speaker.name if claim.speaker else "—"
    if name == "topics":
        return "、".join(t.name for t in claim.topics.all()) or "—"
    display = getattr(claim, f"get_{name}_display", None)
    return str(display()) if display else getattr(claim, name) or "—"


def merge_choices(claims: list[Claim]) -> list[tuple[str, list[tuple[object, str]]]]:
    """For each field the versions differ in, its values (as posted, as shown)."""
    merge = []
    for name in MERGED_FIELDS:
        attname = "speaker_id" if name == "speaker" else name
        values = {getattr(c, attname): shown(c, name) for c in claims}
        if len(values) > 1:
            merge.append((name, [("" if v is None else v, label) for v, label in values.items()]))
    return merge


def act(request: HttpRequest, project: Project, document_id: int) -> None:
    """One curation action from the page's form; its refusal becomes an error message."""
    action = request.POST.get("action", "")
    try:
        if action == "merge-agreed":
            made = curation.merge_agreed(project, document_id, request)
            messages.success(request, _("%(n)d gold claims merged.") % {"n": len(made)})
        elif action == "take":
            sources = [n for v in request.POST.getlist("sources") if (n := whole_number(v))]
            changes: dict[str, Any] = {
                name: request.POST[f"change-{name}"]
                for name in MERGED_FIELDS
                if f"change-{name}" in request.POST
            }
            if changes.get("speaker") == "":
                changes["speaker"] = None  # no speaker: an authorial claim
            gold = curation.take(project, document_id, request, sources, changes)
            messages.success(request, _("Gold claim %(id)s made.") % {"id": gold.pk})
        elif action == "discard":
            gold_id = whole_number(request.POST.get("gold", ""))
            if gold_id is None:
                messages.error(request, _("gold: not a claim number."))
                return
            curation.discard(project, document_id, request, gold_id)
            messages.success(request, _("Gold claim discarded."))
        elif action == "finish":
            curation.finish(project, document_id, request)
            messages.success(request, _("The document is curated."))
        else:
            messages.error(request, _("Unknown action."))
    except APIException as refused:
        errors = flat_errors(refused.detail)
        messages.error(
            request, "; ".join(f"{field}: {' '.join(texts)}" for field, texts in errors.items())
        )
    except IntegrityError as refused:  # as the API's 409: the database's rule, its words
        messages.error(request, database_refusal(refused))
