"""Claim filters, shared by the claim list and every export format.

Each filter is one WHERE clause: those over many-valued relations (topics,
aliases, document text) are subqueries, so a claim never appears twice and
cursor pages stay exact.
"""

from typing import Any

from django import forms
from django.db.models import Exists, OuterRef, Q, QuerySet
from django.utils.translation import gettext_lazy as _
from django_filters import rest_framework as filters
from django_stubs_ext import StrOrPromise

from annotations.models import Document, ReviewStatus
from annotations.scripts import search_variants
from claims.models import (
    Attribution,
    Claim,
    ClaimRelation,
    ClaimType,
    Layer,
    Modality,
    Observation,
    Speaker,
    Stance,
    in_layer,
)
from claims.search import quotes_containing


def any_variant(field: str, term: str) -> Q:
    """`field` contains `term` in either script (数据 also finds 資料)."""
    query = Q()
    for variant in search_variants(term):
        query |= Q(**{f"{field}__icontains": variant})
    return query


# Strict, so that `has_target=perhaps` is a 400 rather than no filter at all.
YES_NO = [("true", "true"), ("false", "false")]
HAS = {"has_target": "target_statement", "has_observation": "observation"}
# ClaimFilter's form class (and its subclasses'), by filter set class.
FORM_CLASSES: dict[type[Any], type[forms.Form]] = {}


class WholeNumberFilter(filters.NumberFilter):
    """A whole number: NumberFilter takes any decimal (2025.5, 1e-46) as an id or a year."""

    field_class = forms.IntegerField


def id_filter(label: StrOrPromise, **kwargs: Any) -> WholeNumberFilter:
    # Bounded to PostgreSQL's bigint, so a huge id is a 400 rather than a database error.
    return WholeNumberFilter(label=label, min_value=1, max_value=2**63 - 1, **kwargs)


def choice_filter(choices: Any, **kwargs: Any) -> filters.MultipleChoiceFilter:
    # Not distinct: a claim's own column cannot repeat a claim, and SELECT DISTINCT
    # made PostgreSQL sort every match before it could take the first page.
    return filters.MultipleChoiceFilter(choices=choices, distinct=False, **kwargs)


class ClaimFilter(filters.FilterSet):
    claim_type = choice_filter(ClaimType.choices)
    stance = choice_filter(Stance.choices)
    attribution = choice_filter(Attribution.choices)
    modality = choice_filter(Modality.choices)
    status = choice_filter(ReviewStatus.choices, label=_("Review status"))
    speaker = id_filter(_("Speaker id"), field_name="speaker_id")
    speaker_name = filters.CharFilter(
        method="filter_speaker_name",
        label=_("Speaker name or alias, exactly, in either script (张玉卓 also finds 張玉卓)"),
    )
    document = id_filter(_("Document id"), field_name="document_id")
    outlet = filters.CharFilter(field_name="document__outlet", label=_("Document outlet, exactly"))
    published = filters.DateFromToRangeFilter(
        field_name="document__published_on",
        label=_("Document publication date: published_after, published_before (inclusive)"),
    )
    topic = id_filter(_("Topic id"), method="filter_topic")
    annotator = id_filter(_("Annotator (user id)"), field_name="annotator_id")
    has_target = filters.ChoiceFilter(
        choices=YES_NO, method="filter_has", label=_("Has a target statement")
    )
    has_observation = filters.ChoiceFilter(
        choices=YES_NO, method="filter_has", label=_("Has an observation")
    )
    metric = id_filter(
        _("Metric id of the claim's target statement or observation"), method="filter_metric"
    )
    # Bounded, else a 500: the year lookup builds datetime.date(value, 1, 1), years 1 to 9999.
    deadline_year = WholeNumberFilter(
        method="filter_deadline_year",
        min_value=1,
        max_value=9999,
        label=_("Year of the stated (or linked target's) deadline"),
    )
    layer = filters.ChoiceFilter(
        choices=Layer.choices,
        method="filter_layer",
        label="gold: the curated claims only; annotations: the annotators' claims only",
    )
    q = filters.CharFilter(
        method="filter_quote",
        label=_("Text in the claim's quote, in either script (大数据 also finds 大資料)"),
    )
    document_q = filters.CharFilter(
        method="filter_document_text",
        label=_("Text anywhere in the claim's document, in either script"),
    )

    class Meta:
        model = Claim
        fields: list[str] = []

    def get_form_class(self) -> type[forms.Form]:
        """Built once: django-filter builds the form class, and each filter's form field,
        anew for every request, though no filter here depends on the request."""
        if type(self) not in FORM_CLASSES:
            FORM_CLASSES[type(self)] = super().get_form_class()
        return FORM_CLASSES[type(self)]

    def filter_speaker_name(
        self, claims: QuerySet[Claim], name: str, value: str
    ) -> QuerySet[Claim]:
        return claims.filter(speaker__in=Speaker.objects.named(value))

    def filter_layer(self, claims: QuerySet[Claim], name: str, value: str) -> QuerySet[Claim]:
        return claims.filter(in_layer(value))

    def filter_topic(self, claims: QuerySet[Claim], name: str, value: int) -> QuerySet[Claim]:
        tagged = Claim.topics.through.objects.filter(claim_id=OuterRef("pk"), topic_id=value)
        return claims.filter(Exists(tagged))

    def filter_has(self, claims: QuerySet[Claim], name: str, value: str) -> QuerySet[Claim]:
        return claims.filter(**{f"{HAS[name]}__isnull": value == "false"})

    def filter_metric(self, claims: QuerySet[Claim], name: str, value: int) -> QuerySet[Claim]:
        return claims.filter(
            Q(target_statement__metric_id=value)
            | Q(target_statement__target__metric_id=value)
            | Q(observation__metric_id=value)
        )

    def filter_deadline_year(
        self, claims: QuerySet[Claim], name: str, value: int
    ) -> QuerySet[Claim]:
        return claims.filter(
            Q(target_statement__deadline__year=value)
            | Q(target_statement__target__deadline__year=value)
        )

    def filter_quote(self, claims: QuerySet[Claim], name: str, value: str) -> QuerySet[Claim]:
        return quotes_containing(claims, value)

    def filter_document_text(
        self, claims: QuerySet[Claim], name: str, value: str
    ) -> QuerySet[Claim]:
        documents = Document.objects.filter(any_variant("text", value)).values("id")
        return claims.filter(document_id__in=documents)


# A part of a claim is filtered by its claim's id as a number, not as a choice among
# claims: a choice answers 400 for an id that does not exist and 200 for one hidden
# from her, which would tell her it exists.
class ObservationFilter(filters.FilterSet):
    claim = id_filter(_("claim"))

    class Meta:
        model = Observation
        fields = ["metric", "claim"]


class ClaimRelationFilter(filters.FilterSet):
    source = id_filter(_("source"))
    target = id_filter(_("target"))

    class Meta:
        model = ClaimRelation
        fields = ["source", "target", "kind"]
