import copy
from collections import Counter
from collections.abc import Callable, Sequence
from functools import partial
from typing import Any, cast
from urllib.parse import urlencode

from django import forms
from django.contrib import admin, messages
from django.contrib.admin.options import BaseModelAdmin, InlineModelAdmin
from django.contrib.admin.utils import quote
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError
from django.db.models import ForeignKey, Q, QuerySet
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import NoReverseMatch, URLPattern, path, reverse
from django.utils import timezone
from django.utils.html import format_html
from django.utils.text import capfirst
from django.utils.translation import gettext, gettext_lazy
from django.utils.translation import gettext_lazy as _
from django_stubs_ext import StrOrPromise

from annotations.admin import DocumentListFilter, ListWithoutTexts
from annotations.models import Document, ReviewStatus, document_texts
from claims import networks, permissions, suggestions, team_admin, tracking, workbench
from claims.models import (
    FIGURE_FIELDS,
    MEANING_FIELDS,
    SPAN_FIELDS,
    Claim,
    ClaimQuerySet,
    ClaimRelation,
    ClaimType,
    Metric,
    MetricStatus,
    Observation,
    Speaker,
    SpeakerAlias,
    StaleVersion,
    Target,
    TargetQuerySet,
    TargetRevision,
    TargetStatement,
    Topic,
    visible_claims,
)
from claims.permissions import AnyUser, signed_in
from claims.tracking import TargetStatus
from config.admin import AutocompleteOfIds, DatabaseRulesShown
from config.api import database_refusal
from config.numbers import whole_number
from history.admin import HistoryAdminMixin
from history.events import context_user_id


class SpeakerAliasInline(admin.TabularInline[SpeakerAlias, Speaker]):
    model = SpeakerAlias
    extra = 1


@admin.register(Speaker)
class SpeakerAdmin(AutocompleteOfIds, HistoryAdminMixin, admin.ModelAdmin[Speaker]):
    list_display = ["name", "kind", "organization", "alias_list"]
    list_filter = ["kind"]
    search_fields = ["name", "aliases__name"]
    fields = ["name", "kind", "organization", "description", "change_history"]
    autocomplete_fields = ["organization"]
    inlines = [SpeakerAliasInline]

    def get_queryset(self, request: HttpRequest) -> QuerySet[Speaker]:
        return (
            super().get_queryset(request).select_related("organization").prefetch_related("aliases")
        )

    @admin.display(description=_("aliases"))
    def alias_list(self, speaker: Speaker) -> str:
        return "、".join(alias.name for alias in speaker.aliases.all())


@admin.register(Topic)
class TopicAdmin(HistoryAdminMixin, admin.ModelAdmin[Topic]):
    list_display = ["name", "description"]
    search_fields = ["name"]


@admin.action(
    description=gettext_lazy("Confirm the selected proposed metrics"), permissions=["change"]
)
def confirm_metrics(
    modeladmin: "MetricAdmin", request: HttpRequest, queryset: QuerySet[Metric]
) -> None:
    """Reviewers confirm annotators' proposals: any claim may then use them."""
    if not permissions.is_reviewer(request.user):
        raise PermissionDenied
    confirmed = 0
    for metric in queryset.filter(status=MetricStatus.PROPOSED):  # one event each in history
        metric.status = MetricStatus.CONFIRMED
        metric.save(update_fields=["status"])
        confirmed += 1
    messages.success(request, gettext("Confirmed %(n)d metric(s).") % {"n": confirmed})


@admin.register(Metric)
class MetricAdmin(HistoryAdminMixin, admin.ModelAdmin[Metric]):
    """Annotators propose metrics here or in the workbench; reviewers confirm them."""

    list_display = ["name", "unit", "status", "proposed_by"]
    list_filter = ["status"]
    list_select_related = ["proposed_by"]
    search_fields = ["name", "description"]
    readonly_fields = ["status", "proposed_by"]
    actions = [confirm_metrics]

    def save_model(self, request: HttpRequest, obj: Metric, form: Any, change: bool) -> None:
        if not change and not permissions.is_reviewer(request.user):
            obj.status, obj.proposed_by = MetricStatus.PROPOSED, signed_in(request.user)
        super().save_model(request, obj, form, change)


class ClaimFigureInlineMixin(InlineModelAdmin[Any, Claim]):
    """A claim's figure and relations are part of the claim: editable exactly when the
    claim is, and saved with it under its version (ClaimAdmin.save_model)."""

    def _claim_allows(
        self, request: HttpRequest, obj: Claim | None, rule: Callable[[AnyUser, Claim], bool]
    ) -> bool:
        return obj is None or rule(request.user, obj)

    def has_add_permission(self, request: HttpRequest, obj: Claim | None = None) -> bool:
        return super().has_add_permission(request, obj) and self._claim_allows(
            request, obj, permissions.can_change_claim
        )

    def has_change_permission(self, request: HttpRequest, obj: Claim | None = None) -> bool:
        return super().has_change_permission(request, obj) and self._claim_allows(
            request, obj, permissions.can_change_claim
        )

    def has_delete_permission(self, request: HttpRequest, obj: Claim | None = None) -> bool:
        return super().has_delete_permission(request, obj) and self._claim_allows(
            request, obj, permissions.can_change_claim
        )


def links_to_hidden_claims(
    claim_ids: list[int], user: AnyUser, site: str
) -> tuple[dict[str, str | None], Counter[str]]:
    """How a delete page shows the links between these claims and claims hidden from
    her: each line Django's get_deleted_objects writes for one (with and without a link
    to its page) mapped to what she is shown instead, with the number of such links to
    take off the page's counts, by model.

    A relation is shown without naming it or the hidden claim (it goes with her claim,
    or keeps it from being deleted). Curation's link to a gold claim is not shown at all:
    that curation took her claim is no more hers to know than the gold claim is. Two
    queries, none for a reviewer (who reads every claim)."""
    lines: dict[str, str | None] = {}
    uncounted: Counter[str] = Counter()
    if permissions.is_reviewer(user) or visible_claims(user) is None:
        return lines, uncounted
    readable = Claim.objects.visible_to(user).values("pk")
    curation = Claim.curated_from.through
    links: list[Any] = [
        *ClaimRelation.objects.filter(
            Q(source__in=claim_ids) & ~Q(target__in=readable)
            | Q(target__in=claim_ids) & ~Q(source__in=readable)
        ),
        *curation.objects.filter(
            Q(from_claim__in=claim_ids) & ~Q(to_claim__in=readable)
            | Q(to_claim__in=claim_ids) & ~Q(from_claim__in=readable)
        ),
    ]
    for link in links:
        opts = link._meta
        kind = capfirst(opts.verbose_name)
        shown = None
        if isinstance(link, ClaimRelation):
            shown = gettext("%(link)s: with a claim you cannot see") % {"link": kind}
        else:
            uncounted[opts.verbose_name_plural] += 1
        lines[f"{kind}: {link}"] = shown
        try:
            url = reverse(
                f"{site}:{opts.app_label}_{opts.model_name}_change", args=[quote(link.pk)]
            )
        except NoReverseMatch:
            continue
        lines[format_html('{}: <a href="{}">{}</a>', kind, url, link)] = shown
    return lines, uncounted


class ReadableClaimsOnly(BaseModelAdmin[Any]):
    """Rows that belong to claims (a figure, a relation, a target's revision), listed or
    inline: only those of claims she may read (both claims of a relation), and only such
    claims to choose from. Another annotator's claim in an independent project is hidden
    from her on its own page (ClaimAdmin.get_queryset), and so through its parts; a
    relation of her claim to one (made by a reviewer, or before curation reopened) is
    left out of her claim's page, and so kept as it is when she saves it."""

    def claim_links(self) -> list[str]:
        """The row's foreign keys to claims."""
        return [
            field.name
            for field in self.model._meta.concrete_fields
            if field.is_relation and field.related_model is Claim
        ]

    def get_queryset(self, request: HttpRequest) -> QuerySet[Any]:
        rows = super().get_queryset(request)
        if visible_claims(request.user) is None:  # she may read every claim
            return rows
        readable = Claim.objects.visible_to(request.user)
        return rows.filter(**{f"{name}__in": readable for name in self.claim_links()})

    def formfield_for_foreignkey(
        self, db_field: ForeignKey[Any, Any], request: HttpRequest, **kwargs: Any
    ) -> Any:
        if db_field.related_model is Claim:
            kwargs["queryset"] = Claim.objects.visible_to(request.user)
        return super().formfield_for_foreignkey(db_field, request, **kwargs)


class TargetStatementInline(
    AutocompleteOfIds, ClaimFigureInlineMixin, admin.StackedInline[TargetStatement, Claim]
):
    model = TargetStatement
    fk_name = "claim"
    autocomplete_fields = ["metric"]
    readonly_fields = ["target"]  # linked on the target's page, which records revisions
    extra = 0
    max_num = 1


class ObservationInline(
    AutocompleteOfIds, ClaimFigureInlineMixin, admin.StackedInline[Observation, Claim]
):
    model = Observation
    autocomplete_fields = ["metric"]
    extra = 0
    max_num = 1


class ClaimRelationInline(
    AutocompleteOfIds,
    ReadableClaimsOnly,
    ClaimFigureInlineMixin,
    admin.TabularInline[ClaimRelation, Claim],
):
    model = ClaimRelation
    fk_name = "source"
    verbose_name = _("relation this claim makes")
    verbose_name_plural = _("relations this claim makes")
    fields = ["kind", "target", "note", "created_by"]
    autocomplete_fields = ["target"]
    readonly_fields = ["created_by"]
    extra = 0


class ClaimAdminForm(forms.ModelForm[Claim]):
    """Carries the version the editor read, so a save over someone else's is refused."""

    expected_version = forms.IntegerField(widget=forms.HiddenInput, required=False)

    class Meta:
        model = Claim
        fields = ["document", "start", "end", "quote"]  # the admin's fieldsets decide

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if self.instance.pk:
            self.fields["expected_version"].initial = self.instance.version

    # Who edits (set by ClaimAdmin.get_form): where she may move the claim depends on her.
    user: AnyUser

    def clean(self) -> dict[str, Any]:
        super().clean()
        cleaned = self.cleaned_data
        if self.instance.pk:
            stored = Claim.objects.filter(pk=self.instance.pk).first()
            expected = cleaned.get("expected_version")
            if stored is not None and stored.version != expected:
                raise ValidationError(StaleVersion.of(stored, expected or 0).message())
            document = cleaned.get("document")
            if document is not None and document.pk != self.instance.document_id:
                moved = copy.copy(self.instance)
                moved.document = document
                refusal = permissions.move_refusal(self.user, moved)
                if refusal is not None:
                    self.add_error("document", refusal)
        return cleaned


def one_claim_of_type(
    request: HttpRequest, queryset: QuerySet[Claim], claim_type: str, permission: str
) -> Claim | None:
    if not request.user.has_perm(permission):
        raise PermissionDenied
    claims = list(queryset.select_related("document", "target_statement")[:2])
    if len(claims) != 1 or claims[0].claim_type != claim_type:
        messages.error(
            request,
            _("Select exactly one %(type)s-type claim.") % {"type": ClaimType(claim_type).label},
        )
        return None
    return claims[0]


def prefilled_add_form(model: str, claim: Claim, values: dict[str, Any]) -> HttpResponseRedirect:
    query = urlencode({key: value for key, value in values.items() if value is not None})
    return HttpResponseRedirect(f"{reverse(f'admin:claims_{model}_add')}?{query}")


@admin.action(description=_("Create target from this claim"))
def create_target_from_claim(
    modeladmin: "ClaimAdmin", request: HttpRequest, queryset: QuerySet[Claim]
) -> HttpResponseRedirect | None:
    """Opens the target form filled from the claim; saving it links the claim's statement."""
    claim = one_claim_of_type(request, queryset, ClaimType.TARGET, "claims.add_target")
    if claim is None:
        return None
    values = suggestions.prefill(claim, ClaimType.TARGET, list(Metric.objects.all()))
    values |= {"title": claim.quote[:300], "set_by": claim.speaker_id, "from_claim": claim.pk}
    return prefilled_add_form("target", claim, values)


@admin.action(description=_("Make observation from this claim"))
def make_observation_from_claim(
    modeladmin: "ClaimAdmin", request: HttpRequest, queryset: QuerySet[Claim]
) -> HttpResponseRedirect | None:
    claim = one_claim_of_type(request, queryset, ClaimType.OBSERVATION, "claims.add_observation")
    if claim is None:
        return None
    if hasattr(claim, "observation"):
        messages.error(request, _("Claim #%(id)s already has its observation.") % {"id": claim.pk})
        return None
    values = suggestions.prefill(claim, ClaimType.OBSERVATION, list(Metric.objects.all()))
    values |= {"claim": claim.pk}
    values.pop("deadline", None)
    values.pop("bound", None)
    return prefilled_add_form("observation", claim, values)


@admin.register(Claim)
class ClaimAdmin(
    DatabaseRulesShown,
    AutocompleteOfIds,
    ListWithoutTexts,
    HistoryAdminMixin,
    admin.ModelAdmin[Claim],
):
    list_display = [
        "id",
        "quote_excerpt",
        "claim_type",
        "speaker",
        "stance",
        "document",
        "status",
        "annotator",
    ]
    list_filter = [
        "gold",  # the curated layer, or the annotators' claims
        "claim_type",
        "status",
        "stance",
        "attribution",
        "modality",
        "topics",
        ("document", DocumentListFilter),
    ]
    search_fields = ["quote", "speaker__name", "speaker__aliases__name", "note"]
    list_select_related = ["document", "speaker", "annotator"]
    list_defer = document_texts("document")
    autocomplete_fields = ["document", "speaker", "topics"]
    form = ClaimAdminForm
    # Review fields change only through submit/accept/reject, which check the workflow.
    readonly_fields = [
        "status",
        "reviewer",
        "review_comment",
        "reviewed_at",
        "annotator",
        "project",
        "guidelines",
        "version",
        "created_at",
        "updated_at",
        "change_history",
    ]
    inlines = [TargetStatementInline, ObservationInline, ClaimRelationInline]
    actions = [create_target_from_claim, make_observation_from_claim]

    def get_form(
        self, request: HttpRequest, obj: Claim | None = None, change: bool = False, **kwargs: Any
    ) -> type[forms.ModelForm[Claim]]:
        form = super().get_form(request, obj, change=change, **kwargs)

        class ClaimAdminFormOfUser(form):  # type: ignore[valid-type,misc]
            user = request.user

        return ClaimAdminFormOfUser

    def get_queryset(self, request: HttpRequest) -> QuerySet[Claim]:
        # Lists, pages, autocompletes and bulk actions: only the claims she may read.
        claims = cast(ClaimQuerySet, super().get_queryset(request))
        return claims.visible_to(request.user)

    fieldsets = [
        (_("Passage"), {"fields": ["document", *SPAN_FIELDS]}),
        (_("Meaning"), {"fields": [*MEANING_FIELDS]}),
        (
            _("Review"),
            {
                "fields": [
                    "status",
                    "reviewer",
                    "review_comment",
                    "reviewed_at",
                    "annotator",
                    "project",
                    "guidelines",
                    "version",
                    "expected_version",
                    "created_at",
                    "updated_at",
                ]
            },
        ),
        (_("History"), {"fields": ["change_history"]}),
    ]

    @admin.display(description=_("quote"), ordering="quote")
    def quote_excerpt(self, claim: Claim) -> str:
        return claim.quote if len(claim.quote) <= 60 else claim.quote[:59] + "…"

    def get_urls(self) -> list[URLPattern]:
        view = self.admin_site.admin_view
        return [
            # The page only: the workbench reads and writes through /api/v1/.
            path(
                "workbench/<int:document_id>/",
                view(partial(workbench.workbench_view, self)),
                name="claims_claim_workbench",
            ),
            path(
                "progress/",
                view(partial(workbench.progress_view, self)),
                name="claims_claim_progress",
            ),
            path("deleted/", view(self.deleted_view), name="claims_claim_deleted"),
            path("team/", view(partial(team_admin.team_view, self)), name="claims_claim_team"),
            path(
                "team/<int:project_id>/agreement/",
                view(partial(team_admin.agreement_view, self)),
                name="claims_claim_agreement",
            ),
            path(
                "team/<int:project_id>/curation/<int:document_id>/",
                view(partial(team_admin.curation_view, self)),
                name="claims_claim_curation",
            ),
            path("network/", view(self.network_view), name="claims_claim_network"),
            *super().get_urls(),
        ]

    def network_view(self, request: HttpRequest) -> TemplateResponse:
        """Discourse networks drawn from GET /api/v1/networks/ (claims/static/claims/network.js)."""
        if not permissions.can_view_claims(request.user):
            raise PermissionDenied
        context = {
            **self.admin_site.each_context(request),
            "title": _("Discourse network"),
            "opts": Claim._meta,
            "variables": networks.VARIABLES,
            "network_types": networks.NETWORK_TYPES[:2],
            "aggregations": networks.AGGREGATIONS,
            "normalizations": networks.NORMALIZATIONS,
            "duplicates": networks.DUPLICATES,
            "time_windows": networks.TIME_WINDOWS,
            "outlets": Document.objects.exclude(outlet="")
            .order_by("outlet")
            .values_list("outlet", flat=True)
            .distinct(),
            "claim_types": ClaimType.choices,
            "statuses": ReviewStatus.choices,
        }
        request.current_app = self.admin_site.name
        return TemplateResponse(request, "claims/network.html", context)

    def deleted_view(self, request: HttpRequest) -> HttpResponse:
        """Deleted claims, each with a Restore button (POST)."""
        if not permissions.can_view_claims(request.user):
            raise PermissionDenied
        if request.method == "POST":
            return self.restore(request)
        records = workbench.with_deleted_by(list(workbench.deleted_claims(request.user)))
        for record in records:
            record.can_restore = permissions.can_restore_claim(
                request.user, record.annotator_id, getattr(record.deleted_by, "pk", None)
            )
        context = {
            **self.admin_site.each_context(request),
            "title": _("Deleted claims"),
            "opts": self.opts,
            "records": records,
        }
        return TemplateResponse(request, "claims/deleted_claims.html", context)

    def restore(self, request: HttpRequest) -> HttpResponseRedirect:
        try:
            claim_id = int(request.POST.get("claim_id", ""))
        except ValueError:
            messages.error(request, _("claim_id: not a claim number."))
            return HttpResponseRedirect(request.path)
        record = workbench.deleted_claims(request.user).filter(id=claim_id).first()
        if record is None:
            messages.error(request, _("Claim #%(id)s is not a deleted claim.") % {"id": claim_id})
            return HttpResponseRedirect(request.path)
        deleted_by_id = context_user_id(record.pgh_context)
        if not permissions.can_restore_claim(request.user, record.annotator_id, deleted_by_id):
            raise PermissionDenied
        try:
            claim = workbench.restore_claim(claim_id=claim_id, by=signed_in(request.user))
        except (ValidationError, IntegrityError) as error:
            why = database_refusal(error) if isinstance(error, IntegrityError) else error
            messages.error(
                request,
                _("Claim #%(id)s could not be restored: %(error)s")
                % {"id": claim_id, "error": why},
            )
            return HttpResponseRedirect(request.path)
        messages.success(
            request, _("Restored claim #%(id)s: %(claim)s") % {"id": claim.pk, "claim": claim}
        )
        return HttpResponseRedirect(reverse("admin:claims_claim_change", args=[claim.pk]))

    def has_change_permission(self, request: HttpRequest, obj: Claim | None = None) -> bool:
        allowed = super().has_change_permission(request, obj)
        return allowed and (obj is None or permissions.can_change_claim(request.user, obj))

    def has_delete_permission(self, request: HttpRequest, obj: Claim | None = None) -> bool:
        allowed = super().has_delete_permission(request, obj)
        return allowed and (obj is None or permissions.can_delete_claim(request.user, obj))

    def get_deleted_objects(
        self, objs: Sequence[Any] | QuerySet[Any], request: HttpRequest
    ) -> tuple[list[Any], dict[str, int], set[str], list[str]]:
        # A claim's figure and the relations it makes go with it (CASCADE) under the
        # claim's rule; their own pages may delete nothing, so do not ask theirs.
        deleted, counts, perms_needed, protected = super().get_deleted_objects(objs, request)
        parts = {m._meta.verbose_name for m in (TargetStatement, Observation, ClaimRelation)}
        lines, uncounted = links_to_hidden_claims(
            [claim.pk for claim in objs], request.user, self.admin_site.name
        )

        def shown(items: list[Any]) -> list[Any]:
            kept = [shown(i) if isinstance(i, list) else lines.get(i, i) for i in items]
            return [item for item in kept if item is not None]

        counts = {model: n - uncounted[model] for model, n in counts.items()}
        counts = {model: n for model, n in counts.items() if n}
        return shown(deleted), counts, perms_needed - parts, shown(protected)

    def delete_queryset(self, request: HttpRequest, queryset: QuerySet[Claim]) -> None:
        # The changelist's bulk delete asks only the model-level permission.
        for claim in queryset:
            if not permissions.can_delete_claim(request.user, claim):
                raise PermissionDenied
        super().delete_queryset(request, queryset)

    def refusal(self, error: Exception) -> str | None:
        if isinstance(error, StaleVersion):  # lost the race between the form's check and the save
            return error.message()
        return super().refusal(error)

    def save_formset(
        self, request: HttpRequest, form: forms.ModelForm[Claim], formset: Any, change: bool
    ) -> None:
        for relation in formset.save(commit=False):
            # A stored relation keeps who made it; a new one is credited now.
            if isinstance(relation, ClaimRelation) and relation._state.adding:
                relation.created_by = signed_in(request.user)
        super().save_formset(request, form, formset, change)

    def save_model(
        self, request: HttpRequest, obj: Claim, form: ClaimAdminForm, change: bool
    ) -> None:
        if change:
            # As stored (the form may have moved it): the place whose curation it holds;
            # a move holds the document it goes to as well.
            stored = Claim.objects.get(pk=obj.pk)
            permissions.hold_open_gold(request.user, stored, moving_to=obj.document_id)
            if not permissions.is_reviewer(request.user):
                obj.reopen_if_rejected()
            obj.save_if_version(form.cleaned_data.get("expected_version") or 0)
        else:
            obj.annotator = signed_in(request.user)
            obj.save()


class TargetRevisionInline(ReadableClaimsOnly, admin.TabularInline[TargetRevision, Target]):
    model = TargetRevision
    extra = 0
    can_delete = False
    readonly_fields = ["revised_on", "claim", "changes", "recorded_by", "recorded_at"]

    def has_add_permission(self, request: HttpRequest, obj: Target | None = None) -> bool:
        return False


class TargetStatusFilter(admin.SimpleListFilter):
    """By status as of today, the override taking precedence (computed in Python)."""

    title = _("status today")
    parameter_name = "status"

    def lookups(
        self, request: HttpRequest, model_admin: admin.ModelAdmin[Any]
    ) -> list[tuple[str, StrOrPromise]]:
        return [(value, label) for value, label in TargetStatus.choices]

    def queryset(self, request: HttpRequest, queryset: QuerySet[Any]) -> QuerySet[Any]:
        if self.value() is None:
            return queryset
        # TargetAdmin.get_queryset has loaded the evidence: no query per target.
        wanted = [t.pk for t in queryset if t.effective_status() == self.value()]
        return queryset.filter(pk__in=wanted)


class DueFilter(admin.SimpleListFilter):
    title = _("due")
    parameter_name = "due"

    def lookups(
        self, request: HttpRequest, model_admin: admin.ModelAdmin[Any]
    ) -> list[tuple[str, StrOrPromise]]:
        return [("due", _("deadline passed or this year")), ("passed", _("deadline passed"))]

    def queryset(self, request: HttpRequest, queryset: QuerySet[Any]) -> QuerySet[Any]:
        today = timezone.localdate()
        if self.value() == "due":
            # This filter serves TargetAdmin, whose queryset is Target's.
            return cast(TargetQuerySet, queryset).due(today)
        if self.value() == "passed":
            return queryset.filter(deadline__lt=today)
        return queryset


# The figure a target is created with; afterwards only restatements change it.
FIGURE_IN_FORCE = [*FIGURE_FIELDS, "bound", "deadline"]


class TargetAdminForm(forms.ModelForm[Target]):
    """The target form; opened from a claim, it carries that claim to link its statement."""

    from_claim = forms.IntegerField(widget=forms.HiddenInput, required=False)

    class Meta:
        model = Target
        fields = [
            *("title", "metric", "subject", "scope", "set_by"),
            *FIGURE_IN_FORCE,
            *("baseline_value", "baseline_period"),
            *("status_override", "status_override_reason", "withdrawn_on", "withdrawal_note"),
        ]

    def clean_from_claim(self) -> Claim | None:
        claim_id = self.cleaned_data.get("from_claim")
        if claim_id is None:
            return None
        claim = Claim.objects.filter(pk=claim_id).select_related("target_statement").first()
        if claim is None or claim.claim_type != ClaimType.TARGET:
            raise ValidationError(_("Claim #%(id)s is not a target-type claim.") % {"id": claim_id})
        stated = getattr(claim, "target_statement", None)
        if stated is not None and stated.target_id is not None:
            raise ValidationError(
                _("Claim #%(id)s already states target #%(target)s.")
                % {"id": claim_id, "target": stated.target_id}
            )
        return claim

    def clean(self) -> dict[str, Any]:
        super().clean()
        cleaned = self.cleaned_data
        claim = cleaned.get("from_claim")
        stated = getattr(claim, "target_statement", None) if claim else None
        metric, subject = cleaned.get("metric"), cleaned.get("subject")
        if claim is not None and metric is not None and subject is not None:
            made = Target(metric=metric, subject=subject)
            # Without a statement, save_model makes one of the target's metric and subject.
            statement = stated or TargetStatement(claim_id=claim.pk)  # not cached on the claim
            errors = made.statement_errors(statement) | made.evidence_errors_for(statement)
            for field, error in errors.items():
                self.add_error(field, error)
        return cleaned


@admin.register(Target)
class TargetAdmin(
    DatabaseRulesShown, AutocompleteOfIds, HistoryAdminMixin, admin.ModelAdmin[Target]
):
    form = TargetAdminForm
    # The figure as written (35%, 1.4万亿斤左右) stands for comparator, value and unit:
    # with them the status columns were off a 1280 px screen.
    list_display = [
        "title",
        "metric",
        "subject",
        "number_text",
        "deadline",
        "computed_status",
        "status_override",
    ]
    list_filter = [TargetStatusFilter, DueFilter, "deadline", "subject", "metric", "comparator"]
    search_fields = ["title", "subject", "scope", "metric__name"]
    autocomplete_fields = ["metric", "set_by"]
    inlines = [TargetRevisionInline]
    change_form_template = "admin/claims/target/change_form.html"
    fieldsets = [
        (None, {"fields": ["title", "metric", "subject", "scope", "set_by", "from_claim"]}),
        (
            _("Figure in force (changed by restatements, which record revisions)"),
            {"fields": [*FIGURE_IN_FORCE]},
        ),
        (_("Baseline"), {"fields": ["baseline_value", "baseline_period"]}),
        (
            _("Reviewer's verdict (the computed status is kept beside it)"),
            {
                "fields": [
                    *("status_override", "status_override_reason"),
                    *("withdrawn_on", "withdrawal_note"),
                ]
            },
        ),
        (
            _("History (revisions and linked statements included)"),
            {"fields": ["change_history"]},
        ),
    ]

    def get_readonly_fields(self, request: HttpRequest, obj: Target | None = None) -> list[str]:
        # A stored target's figure, scope included, changes only by a restatement
        # (Target.restate); a database trigger refuses any other change.
        figure = [] if obj is None else [*FIGURE_IN_FORCE, "scope"]
        return [*super().get_readonly_fields(request, obj), *figure]

    def get_queryset(self, request: HttpRequest) -> QuerySet[Target]:
        # Four queries for any number of rows: targets, statements, revisions, observations.
        targets = cast(TargetQuerySet, super().get_queryset(request))
        return targets.with_evidence(request.user).select_related("set_by")

    @admin.display(description=_("computed status today"))
    def computed_status(self, target: Target) -> str:
        return str(TargetStatus(target.status()).label)

    def get_urls(self) -> list[URLPattern]:
        restate = self.admin_site.admin_view(self.restate_view)
        return [
            path("<int:target_id>/restate/", restate, name="claims_target_restate"),
            *super().get_urls(),
        ]

    def save_model(
        self, request: HttpRequest, obj: Target, form: TargetAdminForm, change: bool
    ) -> None:
        super().save_model(request, obj, form, change)
        claim = form.cleaned_data.get("from_claim")
        if claim is None:
            return
        claim.raise_version()  # its figure changes: a page holding it is now stale
        stated = getattr(claim, "target_statement", None)
        if stated is None:  # the claim had no figure yet: the target's is the one it states
            stated = TargetStatement(claim=claim, **obj.figure(), metric=obj.metric)
            stated.subject = obj.subject
        stated.target = obj
        stated.metric = stated.metric or obj.metric
        stated.full_clean()
        stated.save()

    def change_view(
        self,
        request: HttpRequest,
        object_id: str,
        form_url: str = "",
        extra_context: dict[str, Any] | None = None,
    ) -> HttpResponse:
        target = Target.objects.with_evidence(request.user).filter(pk=object_id).first()
        if target is not None and self.has_view_permission(request, target):
            extra_context = {**(extra_context or {}), **tracking_context(target, request)}
        return super().change_view(request, object_id, form_url, extra_context)

    def restate_view(self, request: HttpRequest, target_id: int) -> HttpResponseRedirect:
        """Link a further target-type claim to this target (POST claim_id); see Target.restate."""
        target = Target.objects.filter(pk=target_id).first()
        if target is None or request.method != "POST":
            raise PermissionDenied
        if not self.has_change_permission(request, target):
            raise PermissionDenied
        back = HttpResponseRedirect(reverse("admin:claims_target_change", args=[target.pk]))
        raw = request.POST.get("claim_id", "").strip().lstrip("#")
        claim_id = whole_number(raw)
        claim = Claim.objects.filter(pk=claim_id).first() if claim_id is not None else None
        if claim is None:
            messages.error(request, _("claim_id: %(raw)r is not a claim number.") % {"raw": raw})
            return back
        try:
            revision = target.restate(claim, by=signed_in(request.user))
        except IntegrityError as refused:  # a rule only the database could see
            messages.error(request, database_refusal(refused))
            return back
        except ValidationError as error:
            problems = "; ".join(f"{k}: {' '.join(v)}" for k, v in error.message_dict.items())
            messages.error(
                request,
                _("Claim #%(id)s not linked. %(problems)s")
                % {"id": claim.pk, "problems": problems},
            )
            return back
        if revision is None:
            messages.success(
                request, _("Claim #%(id)s restates the target; nothing changed.") % {"id": claim.pk}
            )
        else:
            changed = ", ".join(revision.changes)
            messages.success(
                request,
                _("Claim #%(id)s linked; revision recorded: %(changed)s.")
                % {"id": claim.pk, "changed": changed},
            )
        return back


def tracking_context(target: Target, request: HttpRequest) -> dict[str, Any]:
    """The timeline, chart and series on a target's admin page.

    The prefetched target costs nothing more; its series four queries.
    """
    today = timezone.localdate()
    events = [
        {
            "date": day,
            "kind": kind,
            "item": item,
            "superseded": isinstance(item, TargetStatement)
            and bool(tracking.figure_changes(target.figure(), item.figure())),
        }
        for day, kind, item in target.timeline()
    ]
    readings = [
        tracking.Reading(o.value, o.comparator, o.unit, o.period_end) for o in target.evidence()
    ]
    series = [
        {
            "target": member,
            "outcome": member.outcome(today),
            "status": TargetStatus(member.effective_status(today)).label,
        }
        for member in target.series().with_evidence(request.user)
    ]
    return {
        "timeline": events,
        "series": series,
        "chart": tracking.chart(target.goal_on(today), readings),
        "computed_status": TargetStatus(target.status(today)).label,
        "effective_status": TargetStatus(target.effective_status(today)).label,
        "as_of": today,
    }


class ClaimPartAdmin(
    DatabaseRulesShown, AutocompleteOfIds, ReadableClaimsOnly, admin.ModelAdmin[Any]
):
    """A claim's figure or relation on a page of its own: read-only here.

    Changing or deleting one happens on its claim's page, in the workbench or over
    the API, under the claim's rules and version, so a stale page cannot undo it.
    Adding one (Observation and ClaimRelation, e.g. *Make observation from this
    claim*) asks the same rule for the claim it is added to, and raises that
    claim's version.
    """

    claim_field = "claim"

    def has_change_permission(self, request: HttpRequest, obj: Any | None = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any | None = None) -> bool:
        return False

    def get_form(
        self, request: HttpRequest, obj: Any | None = None, change: bool = False, **kwargs: Any
    ) -> type[forms.ModelForm[Any]]:
        form = super().get_form(request, obj, change=change, **kwargs)
        claim_field, user = self.claim_field, request.user

        class ClaimRuleForm(form):  # type: ignore[valid-type,misc]
            def clean(self) -> dict[str, Any]:
                super().clean()
                cleaned: dict[str, Any] = self.cleaned_data
                claim = cleaned.get(claim_field)
                if claim is not None and not permissions.can_change_claim(user, claim):
                    self.add_error(
                        claim_field,
                        _(
                            "You may not change claim #%(id)s (%(status)s), "
                            "so you may not add to it either."
                        )
                        % {"id": claim.pk, "status": claim.get_status_display()},
                    )
                return cleaned

        return ClaimRuleForm

    def save_model(
        self, request: HttpRequest, obj: Any, form: forms.ModelForm[Any], change: bool
    ) -> None:
        # Adding to gold holds its project document, as a change to the claim does (a
        # finish under way: wait, then refused). The claim is then locked and its version
        # raised: a page holding the old version of the claim is refused instead of
        # saving over this.
        claim = getattr(obj, self.claim_field)
        permissions.hold_open_gold(request.user, claim)
        claim.raise_version(reopen=not permissions.is_reviewer(request.user))
        if isinstance(obj, ClaimRelation) and not change:
            obj.created_by = signed_in(request.user)
        super().save_model(request, obj, form, change)


@admin.register(TargetStatement)
class TargetStatementAdmin(ListWithoutTexts, ClaimPartAdmin):
    list_display = ["claim", "target", "number_text", "comparator", "value", "unit", "deadline"]
    list_filter = ["comparator"]
    search_fields = ["number_text", "claim__quote", "target__title"]
    list_select_related = ["claim__document", "target"]  # str() names the document
    list_defer = document_texts("claim__document")

    def has_add_permission(self, request: HttpRequest) -> bool:
        # Stated on the claim (its page, the workbench, the API) or by a target's page.
        return False


@admin.register(TargetRevision)
class TargetRevisionAdmin(ReadableClaimsOnly, admin.ModelAdmin[TargetRevision]):
    """Read-only: a revision is made by a restatement on the target's page, never by hand."""

    list_display = ["target", "revised_on", "claim", "recorded_by"]
    list_select_related = ["target", "claim", "recorded_by"]
    search_fields = ["target__title"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(
        self, request: HttpRequest, obj: TargetRevision | None = None
    ) -> bool:
        return False

    def has_delete_permission(
        self, request: HttpRequest, obj: TargetRevision | None = None
    ) -> bool:
        return False


@admin.register(Observation)
class ObservationAdmin(ClaimPartAdmin):
    list_display = [
        "metric",
        "subject",
        "period_end",
        "number_text",
        "comparator",
        "value",
        "unit",
        "claim",
    ]
    list_filter = ["metric", "comparator"]
    search_fields = ["metric__name", "subject", "number_text", "claim__quote"]
    list_select_related = ["metric", "claim"]
    autocomplete_fields = ["claim", "metric"]


@admin.register(ClaimRelation)
class ClaimRelationAdmin(ClaimPartAdmin):
    claim_field = "source"
    list_display = ["source", "kind", "target", "created_by"]
    list_filter = ["kind"]
    search_fields = ["source__quote", "target__quote"]
    list_select_related = ["source", "target", "created_by"]
    autocomplete_fields = ["source", "target"]
    readonly_fields = ["created_by"]
