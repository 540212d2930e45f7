from collections.abc import Callable
from functools import partial
from typing import Any, cast
from urllib.parse import urlencode

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect, JsonResponse
from django.template.response import TemplateResponse
from django.urls import URLPattern, path, reverse
from django.utils import timezone
from django.utils.html import format_html, format_html_join
from simple_history.admin import SimpleHistoryAdmin

from claims import permissions, suggestions, tracking, workbench
from claims.models import (
    COMPARED_FIELDS,
    FIGURE_FIELDS,
    MEANING_FIELDS,
    SPAN_FIELDS,
    Claim,
    ClaimRelation,
    ClaimType,
    Metric,
    Observation,
    Speaker,
    SpeakerAlias,
    StaleVersion,
    Target,
    TargetQuerySet,
    TargetRevision,
    TargetStatement,
    Topic,
)
from claims.permissions import AnyUser, signed_in
from claims.tracking import TargetStatus


class SpeakerAliasInline(admin.TabularInline[SpeakerAlias, Speaker]):
    model = SpeakerAlias
    extra = 1


@admin.register(Speaker)
class SpeakerAdmin(admin.ModelAdmin[Speaker]):
    list_display = ["name", "kind", "alias_list"]
    list_filter = ["kind"]
    search_fields = ["name", "aliases__name"]
    inlines = [SpeakerAliasInline]

    def get_queryset(self, request: HttpRequest) -> QuerySet[Speaker]:
        return super().get_queryset(request).prefetch_related("aliases")

    @admin.display(description="aliases")
    def alias_list(self, speaker: Speaker) -> str:
        return "、".join(alias.name for alias in speaker.aliases.all())


@admin.register(Topic)
class TopicAdmin(admin.ModelAdmin[Topic]):
    list_display = ["name", "description"]
    search_fields = ["name"]


@admin.register(Metric)
class MetricAdmin(admin.ModelAdmin[Metric]):
    list_display = ["name", "unit"]
    search_fields = ["name", "description"]


class ClaimFigureInlineMixin(admin.StackedInline[Any, Claim]):
    """A claim's figure is part of the claim: editable exactly when the claim is."""

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


class TargetStatementInline(ClaimFigureInlineMixin):
    model = TargetStatement
    fk_name = "claim"
    autocomplete_fields = ["metric"]
    readonly_fields = ["target"]  # linked on the target's page, which records revisions
    extra = 0
    max_num = 1


class ObservationInline(ClaimFigureInlineMixin):
    model = Observation
    autocomplete_fields = ["metric"]
    extra = 0
    max_num = 1


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

    def clean(self) -> dict[str, Any]:
        super().clean()
        cleaned = self.cleaned_data
        if self.instance.pk:
            stored = Claim.objects.filter(pk=self.instance.pk).first()
            expected = cleaned.get("expected_version")
            if stored is not None and stored.version != expected:
                raise ValidationError(StaleVersion.of(stored, expected or 0).message())
        return cleaned


def one_claim_of_type(
    request: HttpRequest, queryset: QuerySet[Claim], claim_type: str, permission: str
) -> Claim | None:
    if not request.user.has_perm(permission):
        raise PermissionDenied
    claims = list(queryset.select_related("document", "target_statement")[:2])
    if len(claims) != 1 or claims[0].claim_type != claim_type:
        messages.error(request, f"Select exactly one {claim_type}-type claim.")
        return None
    return claims[0]


def prefilled_add_form(model: str, claim: Claim, values: dict[str, Any]) -> HttpResponseRedirect:
    query = urlencode({key: value for key, value in values.items() if value is not None})
    return HttpResponseRedirect(f"{reverse(f'admin:claims_{model}_add')}?{query}")


@admin.action(description="Create target from this claim")
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


@admin.action(description="Make observation from this claim")
def make_observation_from_claim(
    modeladmin: "ClaimAdmin", request: HttpRequest, queryset: QuerySet[Claim]
) -> HttpResponseRedirect | None:
    claim = one_claim_of_type(request, queryset, ClaimType.OBSERVATION, "claims.add_observation")
    if claim is None:
        return None
    if hasattr(claim, "observation"):
        messages.error(request, f"Claim #{claim.pk} already has its observation.")
        return None
    values = suggestions.prefill(claim, ClaimType.OBSERVATION, list(Metric.objects.all()))
    values |= {"claim": claim.pk}
    values.pop("deadline", None)
    return prefilled_add_form("observation", claim, values)


@admin.register(Claim)
class ClaimAdmin(SimpleHistoryAdmin):
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
        "claim_type",
        "status",
        "stance",
        "attribution",
        "modality",
        "topics",
        "document",
    ]
    search_fields = ["quote", "speaker__name", "speaker__aliases__name", "note"]
    list_select_related = ["document", "speaker", "annotator"]
    autocomplete_fields = ["document", "speaker", "topics"]
    form = ClaimAdminForm
    # Review fields change only through submit/accept/reject, which check the workflow.
    readonly_fields = [
        "status",
        "reviewer",
        "review_comment",
        "reviewed_at",
        "annotator",
        "version",
        "created_at",
        "updated_at",
        "change_history",
    ]
    inlines = [TargetStatementInline, ObservationInline]
    actions = [create_target_from_claim, make_observation_from_claim]
    fieldsets = [
        ("Passage", {"fields": ["document", *SPAN_FIELDS]}),
        ("Meaning", {"fields": [*MEANING_FIELDS]}),
        (
            "Review",
            {
                "fields": [
                    "status",
                    "reviewer",
                    "review_comment",
                    "reviewed_at",
                    "annotator",
                    "version",
                    "expected_version",
                    "created_at",
                    "updated_at",
                ]
            },
        ),
        ("History", {"fields": ["change_history"]}),
    ]

    @admin.display(description="quote", ordering="quote")
    def quote_excerpt(self, claim: Claim) -> str:
        return claim.quote if len(claim.quote) <= 60 else claim.quote[:59] + "…"

    @admin.display(description="every change (who, when, before → after)")
    def change_history(self, claim: Claim) -> str:
        if claim._state.adding:  # the add form: no history yet
            return "—"
        records = list(claim.history.select_related("history_user").order_by("history_date"))
        rows = []
        for previous, record in zip([None, *records], records, strict=False):
            if previous is None:
                changes = "created"
            else:
                delta = record.diff_against(previous, included_fields=[*COMPARED_FIELDS, "topics"])
                changes = "; ".join(
                    f"{c.field}: {c.old!s} → {c.new!s}"
                    for c in delta.changes
                    if c.field != "topics"
                ) or ("topics changed" if delta.changes else "no field changed")
            rows.append(
                (
                    record.history_date.strftime("%Y-%m-%d %H:%M:%S"),
                    record.history_user or "—",
                    record.get_history_type_display(),
                    record.version,
                    changes,
                )
            )
        body = format_html_join(
            "",
            "<tr><td>{}</td><td>{}</td><td>{}</td><td>v{}</td><td>{}</td></tr>",
            reversed(rows),
        )
        return format_html(
            '<table class="claim-history"><thead><tr><th>when</th><th>who</th><th>what</th>'
            "<th>version</th><th>changes</th></tr></thead><tbody>{}</tbody></table>",
            body,
        )

    def get_urls(self) -> list[URLPattern]:
        view = self.admin_site.admin_view

        def json_view(fn: Callable[..., JsonResponse]) -> Callable[..., Any]:
            return view(workbench.json_endpoint(partial(fn, self)))

        return [
            path(
                "workbench/<int:document_id>/",
                view(partial(workbench.workbench_view, self)),
                name="claims_claim_workbench",
            ),
            path(
                "workbench/<int:document_id>/claims/",
                json_view(workbench.create_claim_view),
                name="claims_claim_workbench_create",
            ),
            path(
                "workbench/claim/<int:claim_id>/",
                json_view(workbench.claim_view),
                name="claims_claim_workbench_claim",
            ),
            path(
                "workbench/speakers/",
                json_view(workbench.speakers_view),
                name="claims_claim_workbench_speakers",
            ),
            path(
                "progress/",
                view(partial(workbench.progress_view, self)),
                name="claims_claim_progress",
            ),
            path("deleted/", view(self.deleted_view), name="claims_claim_deleted"),
            *super().get_urls(),
        ]

    def deleted_view(self, request: HttpRequest) -> HttpResponse:
        """Deleted claims, each with a Restore button (POST)."""
        if not permissions.can_view_claims(request.user):
            raise PermissionDenied
        if request.method == "POST":
            return self.restore(request)
        records = list(workbench.deleted_claims())
        for record in records:
            record.can_restore = permissions.can_restore_claim(request.user, record.annotator_id)
        context = {
            **self.admin_site.each_context(request),
            "title": "Deleted claims",
            "opts": self.opts,
            "records": records,
        }
        return TemplateResponse(request, "claims/deleted_claims.html", context)

    def restore(self, request: HttpRequest) -> HttpResponseRedirect:
        try:
            claim_id = int(request.POST.get("claim_id", ""))
        except ValueError:
            messages.error(request, "claim_id: not a claim number.")
            return HttpResponseRedirect(request.path)
        record = workbench.deleted_claims().filter(id=claim_id).first()
        if record is None:
            messages.error(request, f"Claim #{claim_id} is not a deleted claim.")
            return HttpResponseRedirect(request.path)
        if not permissions.can_restore_claim(request.user, record.annotator_id):
            raise PermissionDenied
        try:
            claim = workbench.restore_claim(claim_id=claim_id)
        except (ValidationError, IntegrityError) as error:
            messages.error(request, f"Claim #{claim_id} could not be restored: {error}")
            return HttpResponseRedirect(request.path)
        messages.success(request, f"Restored claim #{claim.pk}: {claim}")
        return HttpResponseRedirect(reverse("admin:claims_claim_change", args=[claim.pk]))

    def has_change_permission(self, request: HttpRequest, obj: Claim | None = None) -> bool:
        allowed = super().has_change_permission(request, obj)
        return allowed and (obj is None or permissions.can_change_claim(request.user, obj))

    def has_delete_permission(self, request: HttpRequest, obj: Claim | None = None) -> bool:
        allowed = super().has_delete_permission(request, obj)
        return allowed and (obj is None or permissions.can_delete_claim(request.user, obj))

    def delete_queryset(self, request: HttpRequest, queryset: QuerySet[Claim]) -> None:
        # The changelist's bulk delete asks only the model-level permission.
        for claim in queryset:
            if not permissions.can_delete_claim(request.user, claim):
                raise PermissionDenied
        super().delete_queryset(request, queryset)

    def revert_disabled(self, request: HttpRequest, obj: Claim | None = None) -> bool:
        # Reverting would save an old version number; edit the claim instead.
        return True

    def history_form_view(
        self,
        request: HttpRequest,
        object_id: str,
        version_id: str,
        extra_context: dict[str, Any] | None = None,
    ) -> HttpResponse:
        if request.method == "POST":
            raise PermissionDenied
        return super().history_form_view(request, object_id, version_id, extra_context)

    def changeform_view(
        self,
        request: HttpRequest,
        object_id: str | None = None,
        form_url: str = "",
        extra_context: dict[str, Any] | None = None,
    ) -> HttpResponse:
        try:
            return super().changeform_view(request, object_id, form_url, extra_context)
        except StaleVersion as stale:
            # Lost the race between the form's check and the locked save.
            messages.error(request, stale.message())
            return HttpResponseRedirect(request.path)

    def save_model(
        self, request: HttpRequest, obj: Claim, form: ClaimAdminForm, change: bool
    ) -> None:
        user = signed_in(request.user)
        obj._history_user = user  # type: ignore[attr-defined]  # read by simple-history
        if change:
            obj.save_if_version(form.cleaned_data.get("expected_version") or 0)
        else:
            obj.annotator = user
            obj.save()


class TargetRevisionInline(admin.TabularInline[TargetRevision, Target]):
    model = TargetRevision
    extra = 0
    can_delete = False
    readonly_fields = ["revised_on", "claim", "changes", "recorded_by", "recorded_at"]

    def has_add_permission(self, request: HttpRequest, obj: Target | None = None) -> bool:
        return False


class TargetStatusFilter(admin.SimpleListFilter):
    """By status as of today, the override taking precedence (computed in Python)."""

    title = "status today"
    parameter_name = "status"

    def lookups(
        self, request: HttpRequest, model_admin: admin.ModelAdmin[Any]
    ) -> list[tuple[str, str]]:
        return TargetStatus.choices

    def queryset(self, request: HttpRequest, queryset: QuerySet[Any]) -> QuerySet[Any]:
        if self.value() is None:
            return queryset
        # TargetAdmin.get_queryset has loaded the evidence: no query per target.
        wanted = [t.pk for t in queryset if t.effective_status() == self.value()]
        return queryset.filter(pk__in=wanted)


class DueFilter(admin.SimpleListFilter):
    title = "due"
    parameter_name = "due"

    def lookups(
        self, request: HttpRequest, model_admin: admin.ModelAdmin[Any]
    ) -> list[tuple[str, str]]:
        return [("due", "deadline passed or this year"), ("passed", "deadline passed")]

    def queryset(self, request: HttpRequest, queryset: QuerySet[Any]) -> QuerySet[Any]:
        today = timezone.localdate()
        if self.value() == "due":
            # This filter serves TargetAdmin, whose queryset is Target's.
            return cast(TargetQuerySet, queryset).due(today)
        if self.value() == "passed":
            return queryset.filter(deadline__lt=today)
        return queryset


class TargetAdminForm(forms.ModelForm[Target]):
    """The target form; opened from a claim, it carries that claim to link its statement."""

    from_claim = forms.IntegerField(widget=forms.HiddenInput, required=False)

    class Meta:
        model = Target
        fields = [
            *("title", "metric", "subject", "scope", "set_by"),
            *FIGURE_FIELDS,
            "deadline",
            *("baseline_value", "baseline_period"),
            *("status_override", "status_override_reason", "withdrawn_on", "withdrawal_note"),
        ]

    def clean_from_claim(self) -> Claim | None:
        claim_id = self.cleaned_data.get("from_claim")
        if claim_id is None:
            return None
        claim = Claim.objects.filter(pk=claim_id).select_related("target_statement").first()
        if claim is None or claim.claim_type != ClaimType.TARGET:
            raise ValidationError(f"Claim #{claim_id} is not a target-type claim.")
        stated = getattr(claim, "target_statement", None)
        if stated is not None and stated.target_id is not None:
            raise ValidationError(f"Claim #{claim_id} already states target #{stated.target_id}.")
        return claim

    def clean(self) -> dict[str, Any]:
        super().clean()
        cleaned = self.cleaned_data
        claim = cleaned.get("from_claim")
        stated = getattr(claim, "target_statement", None) if claim else None
        metric = cleaned.get("metric")
        if stated is not None and stated.metric_id and metric and stated.metric_id != metric.pk:
            self.add_error(
                "metric",
                f"The claim's statement is about {stated.metric}; a target of another metric "
                "would not be the one it states.",
            )
        return cleaned


@admin.register(Target)
class TargetAdmin(SimpleHistoryAdmin):
    form = TargetAdminForm
    list_display = [
        "title",
        "metric",
        "subject",
        "comparator",
        "value",
        "unit",
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
            "Figure in force (changed by restatements, which record revisions)",
            {
                "fields": [
                    *FIGURE_FIELDS,
                    "deadline",
                ]
            },
        ),
        ("Baseline", {"fields": ["baseline_value", "baseline_period"]}),
        (
            "Reviewer's verdict (the computed status is kept beside it)",
            {
                "fields": [
                    *("status_override", "status_override_reason"),
                    *("withdrawn_on", "withdrawal_note"),
                ]
            },
        ),
    ]

    def get_queryset(self, request: HttpRequest) -> TargetQuerySet:
        # Four queries for any number of rows: targets, statements, revisions, observations.
        targets = cast(TargetQuerySet, super().get_queryset(request))
        return targets.with_evidence().select_related("set_by")

    @admin.display(description="computed status today")
    def computed_status(self, target: Target) -> str:
        return TargetStatus(target.status()).label

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
        target = Target.objects.with_evidence().filter(pk=object_id).first()
        if target is not None and self.has_view_permission(request, target):
            extra_context = {**(extra_context or {}), **tracking_context(target)}
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
        claim = Claim.objects.filter(pk=int(raw)).first() if raw.isdigit() else None
        if claim is None:
            messages.error(request, f"claim_id: {raw!r} is not a claim number.")
            return back
        try:
            revision = target.restate(claim, by=signed_in(request.user))
        except ValidationError as error:
            problems = "; ".join(f"{k}: {' '.join(v)}" for k, v in error.message_dict.items())
            messages.error(request, f"Claim #{claim.pk} not linked. {problems}")
            return back
        if revision is None:
            messages.success(request, f"Claim #{claim.pk} restates the target; nothing changed.")
        else:
            changed = ", ".join(revision.changes)
            messages.success(request, f"Claim #{claim.pk} linked; revision recorded: {changed}.")
        return back


def tracking_context(target: Target) -> dict[str, Any]:
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
        for member in target.series().with_evidence()
    ]
    return {
        "timeline": events,
        "series": series,
        "chart": tracking.chart(target.goal_on(today), readings),
        "computed_status": TargetStatus(target.status(today)).label,
        "effective_status": TargetStatus(target.effective_status(today)).label,
        "as_of": today,
    }


@admin.register(TargetStatement)
class TargetStatementAdmin(SimpleHistoryAdmin):
    list_display = ["claim", "target", "number_text", "comparator", "value", "unit", "deadline"]
    list_filter = ["comparator"]
    search_fields = ["number_text", "claim__quote", "target__title"]
    list_select_related = ["claim__document", "target"]  # str() names the document
    autocomplete_fields = ["claim", "metric"]
    readonly_fields = ["target"]  # linked on the target's page, which records revisions


@admin.register(TargetRevision)
class TargetRevisionAdmin(admin.ModelAdmin[TargetRevision]):
    list_display = ["target", "revised_on", "claim", "recorded_by"]
    list_select_related = ["target", "claim", "recorded_by"]
    search_fields = ["target__title"]
    autocomplete_fields = ["target", "claim"]


@admin.register(Observation)
class ObservationAdmin(SimpleHistoryAdmin):
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
class ClaimRelationAdmin(admin.ModelAdmin[ClaimRelation]):
    list_display = ["source", "kind", "target", "created_by"]
    list_filter = ["kind"]
    search_fields = ["source__quote", "target__quote"]
    list_select_related = ["source", "target", "created_by"]
    autocomplete_fields = ["source", "target"]
    readonly_fields = ["created_by"]

    def save_model(
        self,
        request: HttpRequest,
        obj: ClaimRelation,
        form: forms.ModelForm[ClaimRelation],
        change: bool,
    ) -> None:
        if not change:
            obj.created_by = signed_in(request.user)
        super().save_model(request, obj, form, change)
