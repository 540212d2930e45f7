"""What is said and how it develops: claims, speakers, topics, targets.

A claim is a span of a document (annotations.AnchoredSpan) plus its meaning.
Numbers stated in a claim live in exactly one place: a target-type claim's
figure in its TargetStatement, an observation-type claim's in its Observation.
A Target is the tracked goal those statements point at; its current values
change only through a recorded TargetRevision.
"""

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from typing import TYPE_CHECKING, Any

import pghistory
import pgtrigger
from django.conf import settings
from django.contrib.auth.base_user import AbstractBaseUser
from django.contrib.auth.models import AnonymousUser, Group, User
from django.contrib.postgres.indexes import GinIndex
from django.core.exceptions import ValidationError
from django.db import models, transaction
from django.db.backends.base.base import BaseDatabaseWrapper
from django.db.models import Exists, F, OuterRef, Q
from django.db.models.sql.compiler import SQLCompiler
from django.utils import timezone
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from annotations.models import (
    AnchoredSpan,
    Document,
    ReviewStatus,
    choices_constraint,
    document_texts,
)
from annotations.scripts import search_variants
from claims import tracking
from claims.figures import Change, Comparator, canonical_unit
from claims.roles import REVIEWER
from claims.search import QUOTE_GRAMS, QUOTE_GRAMS_INDEX
from claims.tracking import Bound, TargetStatus
from config.sql import table
from history.events import HistoryEntry, event_model, event_user
from history.tracking import LEVEL as history_level
from history.tracking import tracked
from projects.models import (
    DEFAULT_PROJECT_ID,
    CurationState,
    Guidelines,
    Membership,
    Project,
    ProjectDocument,
    ProjectRole,
)

if TYPE_CHECKING:  # a class that exists only in the stubs
    from django.db.models.fields.related_descriptors import RelatedManager


def per_statement(name: str, check: str) -> list[pgtrigger.Trigger]:
    """Triggers running `check` (PL/pgSQL reading the rows a statement wrote as
    `written`) once after each INSERT and each UPDATE statement.

    Not a row trigger: pgtrigger runs each call of one in a subtransaction (its
    _pgtrigger_should_ignore), which costs more the more deferred foreign-key checks
    the transaction holds. Importing 100,000 claims in one transaction, 500 target
    statements took 1.2 to 1.6 s to insert, 1/100 of that per statement.
    """
    return [
        pgtrigger.Trigger(
            name=f"{name}_{label}",
            level=pgtrigger.Statement,
            when=pgtrigger.After,
            operation=operation,
            referencing=pgtrigger.Referencing(new="written"),  # type: ignore[no-untyped-call]
            declare=[("bad", "record")],
            func=f"{check}\nRETURN NULL;",
        )
        for label, operation in (("on_insert", pgtrigger.Insert), ("on_update", pgtrigger.Update))
    ]


class SpeakerKind(models.TextChoices):
    PERSON = "person", _("person")
    ORGANISATION = "organisation", _("organisation or body")
    GROUP = "group", _("group of people (代表委员)")


class SpeakerQuerySet(models.QuerySet["Speaker"]):
    def named(self, name: str, *, containing: bool = False) -> "SpeakerQuerySet":
        """Speakers whose name or an alias is `name` in either script (张玉卓 finds 張玉卓).

        With `containing`, a name or alias that contains it is enough. The
        aliases are matched in a subquery, so no speaker comes twice.
        """
        lookup = "icontains" if containing else "exact"
        match = Q()
        for variant in search_variants(name):
            match |= Q(**{f"name__{lookup}": variant}) | Q(**{f"aliases__name__{lookup}": variant})
        return self.filter(id__in=Speaker.objects.filter(match).values("id"))


@tracked()
class Speaker(models.Model):
    name = models.CharField(
        _("name"), max_length=200, unique=True, help_text=_("Usual name, as in the sources")
    )
    kind = models.CharField(
        _("kind"), max_length=12, choices=SpeakerKind.choices, default=SpeakerKind.PERSON
    )
    description = models.TextField(_("description"), blank=True)
    organization = models.ForeignKey(
        "self",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="members",
        limit_choices_to={"kind": SpeakerKind.ORGANISATION},
        help_text=_(
            "The organisation this speaker speaks for (a speaker of kind organisation), "
            "as the text states it or a reviewer sets it; networks can then use either level"
        ),
        verbose_name=_("organization"),
    )

    objects = SpeakerQuerySet.as_manager()
    history_events = ("claims.SpeakerEvent", "claims.SpeakerAliasEvent")

    class Meta:
        verbose_name = _("speaker")
        verbose_name_plural = _("speakers")
        ordering = ["name"]
        constraints = [
            choices_constraint("kind", SpeakerKind, "speaker_kind_valid"),
            models.CheckConstraint(condition=~Q(name=""), name="speaker_name_not_empty"),
            # That the organisation is of kind organisation needs another row: a
            # trigger checks it (migration 0005_speaker_organization).
            models.CheckConstraint(
                condition=~Q(organization=F("id")), name="speaker_not_own_organization"
            ),
        ]
        triggers = per_statement(
            "speaker_name_no_alias",
            """
            SELECT w.name INTO bad FROM written w
            JOIN claims_speakeralias a ON a.name = w.name AND a.speaker_id <> w.id
            LIMIT 1;
            IF FOUND THEN
                RAISE EXCEPTION 'speaker name % is another speaker''s alias', bad.name
                    USING ERRCODE = 'unique_violation';
            END IF;
            """,
        )

    def __str__(self) -> str:
        return self.name

    def clean(self) -> None:
        """Its name is no other speaker's alias (a name finds one speaker); the
        organisation is a speaker of kind organisation, not this one; one with members
        stays an organisation. The database holds each too (triggers, a CHECK)."""
        super().clean()
        alias = SpeakerAlias.objects.filter(name=self.name).select_related("speaker").first()
        if alias is not None and alias.speaker_id != self.pk:
            raise ValidationError(
                {
                    "name": _("%(name)r is already an alias of %(speaker)s.")
                    % {"name": self.name, "speaker": alias.speaker}
                }
            )
        if (
            self.pk is not None
            and self.kind != SpeakerKind.ORGANISATION
            and Speaker.objects.filter(organization_id=self.pk).exists()
        ):
            raise ValidationError(
                {"kind": _("Speakers belong to this organisation, so it stays an organisation.")}
            )
        organization = self.organization
        if organization is None:
            return
        if organization.pk is not None and organization.pk == self.pk:
            raise ValidationError({"organization": _("A speaker cannot be its own organisation.")})
        if organization.kind != SpeakerKind.ORGANISATION:
            raise ValidationError(
                {
                    "organization": _(
                        "%(name)s is a %(kind)s, not an organisation: only a speaker of kind "
                        "organisation can have members."
                    )
                    % {"name": organization.name, "kind": organization.get_kind_display()}
                }
            )


@tracked()
class SpeakerAlias(models.Model):
    """Another name for a speaker: the other script, a short name, a former name."""

    speaker = models.ForeignKey(
        Speaker, verbose_name=_("speaker"), on_delete=models.CASCADE, related_name="aliases"
    )
    name = models.CharField(_("name"), max_length=200, unique=True)

    class Meta:
        verbose_name = _("speaker alias")
        ordering = ["name"]
        verbose_name_plural = _("speaker aliases")
        constraints = [models.CheckConstraint(condition=~Q(name=""), name="alias_name_not_empty")]
        triggers = per_statement(
            "alias_no_speaker_name",
            """
            SELECT w.name INTO bad FROM written w
            JOIN claims_speaker s ON s.name = w.name AND s.id <> w.speaker_id
            LIMIT 1;
            IF FOUND THEN
                RAISE EXCEPTION 'alias % is another speaker''s name', bad.name
                    USING ERRCODE = 'unique_violation';
            END IF;
            """,
        )

    def __str__(self) -> str:
        return self.name

    def clean(self) -> None:
        if (
            self.name
            and Speaker.objects.filter(name=self.name).exclude(pk=self.speaker_id).exists()
        ):
            raise ValidationError(
                {
                    "name": _("%(name)r is already the name of another speaker.")
                    % {"name": self.name}
                }
            )


@tracked()
class Topic(models.Model):
    name = models.CharField(_("name"), max_length=100, unique=True)
    description = models.TextField(_("description"), blank=True)
    history_events = ("claims.TopicEvent",)

    class Meta:
        verbose_name = _("topic")
        verbose_name_plural = _("topics")
        ordering = ["name"]
        constraints = [models.CheckConstraint(condition=~Q(name=""), name="topic_name_not_empty")]

    def __str__(self) -> str:
        return self.name


class MetricStatus(models.TextChoices):
    PROPOSED = "proposed", _("proposed")
    CONFIRMED = "confirmed", _("confirmed")


class MetricQuerySet(models.QuerySet["Metric"]):
    def usable_by(self, user: User) -> "MetricQuerySet":
        """Confirmed metrics and the user's own proposals: what her claims may use."""
        return self.filter(Q(status=MetricStatus.CONFIRMED) | Q(proposed_by=user.pk))


@tracked()
class Metric(models.Model):
    """One measured quantity, so statements about the same number meet.

    "Share of central-SOE revenue from strategic emerging industries" and
    "share of central-SOE investment in them" are two metrics.

    An annotator may propose one; until a reviewer confirms it, only the figures of
    her own claims may use it (checked by StatedFigure.clean and a trigger).
    """

    name = models.CharField(_("name"), max_length=300, unique=True)
    unit = models.CharField(
        _("unit"),
        max_length=32,
        help_text=_("%, CNY, people, t ... as the figure parser names them (base units)"),
    )
    description = models.TextField(_("description"), blank=True)
    status = models.CharField(
        max_length=10, choices=MetricStatus.choices, default=MetricStatus.CONFIRMED
    )
    proposed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        help_text=_("The annotator who proposed it; empty for a metric a reviewer made"),
    )
    history_events = ("claims.MetricEvent",)

    objects = MetricQuerySet.as_manager()

    class Meta:
        verbose_name = _("metric")
        verbose_name_plural = _("metrics")
        ordering = ["name"]
        constraints = [
            models.CheckConstraint(condition=~Q(name=""), name="metric_name_not_empty"),
            choices_constraint("status", MetricStatus, "metric_status_valid"),
            models.CheckConstraint(
                condition=~Q(status=MetricStatus.PROPOSED) | Q(proposed_by__isnull=False),
                name="proposed_metric_has_proposer",
            ),
        ]
        triggers = [
            # Observations of a metric are counted in its unit (Observation.clean says so
            # in words); a metric's unit cannot change under them either.
            pgtrigger.Trigger(
                name="metric_unit_kept_by_observations",
                when=pgtrigger.Before,
                operation=pgtrigger.Update,
                condition=pgtrigger.AnyChange("unit"),
                func="""
                    IF EXISTS (SELECT 1 FROM claims_observation
                               WHERE metric_id = NEW.id AND unit <> NEW.unit) THEN
                        RAISE EXCEPTION 'metric % has observations in another unit than %',
                            NEW.id, NEW.unit USING ERRCODE = 'check_violation';
                    END IF;
                    RETURN NEW;
                """,
            )
        ]

    def __str__(self) -> str:
        name = f"{self.name} ({self.unit})" if self.unit else self.name
        return f"{name} [{MetricStatus.PROPOSED.label}]" if self.is_proposed else name

    @property
    def is_proposed(self) -> bool:
        return self.status == MetricStatus.PROPOSED

    def clean(self) -> None:
        super().clean()
        self.unit = canonical_unit(self.unit)
        refusal = self.unit_refusal(self.unit)
        if refusal is not None:
            raise ValidationError({"unit": refusal})

    def unit_refusal(self, unit: str) -> str | None:
        """Why this metric may not be counted in `unit`: its observations are counted in
        another (a trigger holds it too). One query for a metric already saved."""
        if self.pk is None or not self.observations.exclude(unit=unit).exists():
            return None
        return gettext(
            "Observations of this metric are counted in another unit: change theirs first."
        )

    def usable_on(self, claim: "Claim") -> bool:
        """A confirmed metric on any claim; a proposed one on its proposer's claims only."""
        return not self.is_proposed or self.proposed_by_id == claim.annotator_id


class ClaimType(models.TextChoices):
    TARGET = "target", _("target")
    OBSERVATION = "observation", _("observation (reported figure)")
    CHALLENGE = "challenge", _("challenge")
    RECOMMENDATION = "recommendation", _("recommendation")
    COMMITMENT = "commitment", _("commitment")
    ASSESSMENT = "assessment", _("assessment")


class Attribution(models.TextChoices):
    DIRECT = "direct", _("direct quote")
    REPORTED = "reported", _("reported speech")
    AUTHORIAL = "authorial", _("authorial (the outlet or author)")


class Stance(models.TextChoices):
    SUPPORT = "support", _("support")
    OPPOSE = "oppose", _("oppose")
    NEUTRAL = "neutral", _("neutral")
    MIXED = "mixed", _("mixed")


class Modality(models.TextChoices):
    NONE = "none", _("not marked")
    MANDATE = "mandate", _("mandate (要…)")
    ASPIRATION = "aspiration", _("aspiration (力争…)")
    FORECAST = "forecast", _("forecast (预计…)")


def visible_claims(user: User | AnonymousUser, prefix: str = "") -> Q | None:
    """Which claims `user` may read, as a condition on a claim's columns (None: all);
    with `prefix` ("target__"), on the claim those columns' relation leads to.

    The rule is readable_sql's. The condition names only the claim's own columns
    (project, document, annotator), so it fits claims and their history events alike,
    and it is one SQL condition: no query of its own, whatever the number of claims.
    """
    if user.is_active and user.is_superuser:
        return None
    return Q(ReadableBy(user, prefix))


def readable_sql(
    user: User | AnonymousUser, independent: str, annotator: str, project: str, document: str
) -> tuple[str, tuple[str | int, ...]]:
    """Whether `user` may read a claim, as SQL over its columns (given as SQL): its
    project's `independent` flag, its `annotator`, `project` and `document`.

    Independent annotation (projects.Project.independent): until a document is curated,
    an annotator reads only her own claims of that project in it. The project's curators
    and managers, reviewers and admins read them all; claims of other projects are read
    as before. An inactive user reads none.

    Written as SQL rather than built from querysets: Django took more Python to build
    and compile the rule's three subqueries than the rest of a claim page's query, each
    time a query used it (bench/README.md). Its aliases are prefixed `readable_`, which
    Django never gives a table.
    """
    if not user.is_active:
        return "false", ()
    if user.is_superuser:
        return "true", ()
    sql = (
        f"(NOT {independent} OR {annotator} = %s"  # noqa: S608 (names from the models)
        f" OR EXISTS (SELECT FROM {table(User.groups.through)} AS readable_ug"
        f" JOIN {table(Group)} AS readable_g ON readable_g.id = readable_ug.group_id"
        " WHERE readable_ug.user_id = %s AND readable_g.name = %s)"
        f" OR EXISTS (SELECT FROM {table(ProjectDocument)} AS readable_pd"
        f" WHERE readable_pd.project_id = {project} AND readable_pd.document_id = {document}"
        " AND readable_pd.curation_state = %s)"
        f" OR EXISTS (SELECT FROM {table(Membership)} AS readable_m"
        f" WHERE readable_m.project_id = {project} AND readable_m.user_id = %s"
        " AND readable_m.role IN (%s, %s)))"
    )
    reader, roles = user.pk, (ProjectRole.CURATOR.value, ProjectRole.MANAGER.value)
    return sql, (reader, reader, REVIEWER, CurationState.CURATED.value, reader, *roles)


class ReadableBy(models.Expression):
    """readable_sql as a condition Django can filter by: over the columns of the claim
    (or claim event) the query reads, or of the one its relation `prefix` leads to."""

    output_field = models.BooleanField()

    def __init__(self, user: User | AnonymousUser, prefix: str = "") -> None:
        super().__init__()
        self.user = user
        self.columns: list[Any] = [
            F(f"{prefix}{name}")
            for name in ["project__independent", "annotator", "project", "document"]
        ]

    def get_source_expressions(self) -> list[Any]:
        return self.columns

    def set_source_expressions(self, exprs: Any) -> None:
        self.columns = list(exprs)

    def as_sql(
        self, compiler: SQLCompiler, connection: BaseDatabaseWrapper
    ) -> tuple[str, tuple[str | int, ...]]:
        compiled = [compiler.compile(column) for column in self.columns]
        assert not any(params for _, params in compiled)  # columns: no values of their own
        independent, annotator, project, document = (sql for sql, _ in compiled)
        return readable_sql(self.user, independent, annotator, project, document)


# A claim whose type changes keeps no figure of its old type: checked at commit, for
# a write path changes the type first and replaces the figure after (Claim.put_figure).
# A row trigger, fired by a change of type only (never by an import's inserts). The
# figures' side: figure_claim_type_triggers.
CLAIM_FIGURE_TYPE = pgtrigger.Trigger(
    name="claim_figure_matches_type",
    level=pgtrigger.Row,
    when=pgtrigger.After,
    operation=pgtrigger.UpdateOf("claim_type"),  # type: ignore[no-untyped-call]
    timing=pgtrigger.Deferred,
    condition=pgtrigger.AnyChange("claim_type"),
    func=f"""
        SELECT c.id, c.claim_type INTO bad FROM claims_claim c
        WHERE c.id = NEW.id AND (
            (c.claim_type <> '{ClaimType.TARGET.value}'
             AND EXISTS (SELECT 1 FROM claims_targetstatement WHERE claim_id = c.id))
            OR (c.claim_type <> '{ClaimType.OBSERVATION.value}'
                AND EXISTS (SELECT 1 FROM claims_observation WHERE claim_id = c.id)));
        IF FOUND THEN
            RAISE EXCEPTION 'claim % is of type % and still has a figure of another type',
                bad.id, bad.claim_type USING ERRCODE = 'check_violation';
        END IF;
        RETURN NULL;
    """,  # noqa: S608 (the claim types' constants)
    declare=[("bad", "record")],
)


# A gold claim and the annotators' claims it was made from are of one document (the
# links' own trigger, migration 0014, checks it as they are made): neither moves to
# another, or the sources would look untaken in their document's curation and be
# curated again. Fired by a change of document or project only.
CURATION_LINKS_STAY = pgtrigger.Trigger(
    name="claim_curation_links_stay",
    level=pgtrigger.Row,
    when=pgtrigger.Before,
    operation=pgtrigger.UpdateOf("document_id", "project_id"),  # type: ignore[no-untyped-call]
    condition=pgtrigger.AnyChange("document", "project"),
    func="""
        IF EXISTS (SELECT 1 FROM claims_claim_curated_from
                   WHERE from_claim_id = NEW.id OR to_claim_id = NEW.id) THEN
            RAISE EXCEPTION 'claim % is linked by curation to claims of document %: it stays there',
                NEW.id, OLD.document_id USING ERRCODE = 'check_violation';
        END IF;
        RETURN NEW;
    """,
)


# evidence_errors in the database: the first evidence relation among `{relations}` (a
# table or subquery of relations) that does not run from an observation-type claim to
# a target-type claim, or joins figures of two metrics; into `bad`.
EVIDENCE_BROKEN = """
    SELECT r.id, r.source_id, r.target_id INTO bad
    FROM {relations} r
    JOIN claims_claim s ON s.id = r.source_id
    JOIN claims_claim t ON t.id = r.target_id
    LEFT JOIN claims_observation o ON o.claim_id = r.source_id
    LEFT JOIN claims_targetstatement ts ON ts.claim_id = r.target_id
    WHERE r.kind = 'evidence_for'
      AND (s.claim_type <> 'observation' OR t.claim_type <> 'target'
           OR o.metric_id <> ts.metric_id)
    LIMIT 1;
    IF FOUND THEN
        RAISE EXCEPTION 'claim % is no evidence for claim %: evidence runs from an observation'
            ' to a target of its metric', bad.source_id, bad.target_id
            USING ERRCODE = 'check_violation';
    END IF;
"""


def evidence_kept(name: str, claim: str, changed: str) -> pgtrigger.Trigger:
    """A change of `changed` (a claim's type, a figure's metric) leaves the evidence
    relations of the claim whose id is in `claim` as evidence_errors rules them: checked
    at commit, for a write path changes the claim and its figure before the relations it
    makes (ClaimWriteSerializer.update)."""
    relations = f"(SELECT * FROM claims_claimrelation WHERE NEW.{claim} IN (source_id, target_id))"  # noqa: S608
    return pgtrigger.Trigger(
        name=name,
        level=pgtrigger.Row,
        when=pgtrigger.After,
        operation=pgtrigger.UpdateOf(changed),  # type: ignore[no-untyped-call]
        timing=pgtrigger.Deferred,
        condition=pgtrigger.Condition(f'OLD."{changed}" IS DISTINCT FROM NEW."{changed}"'),
        func=EVIDENCE_BROKEN.format(relations=relations) + "RETURN NULL;",
        declare=[("bad", "record")],
    )


def evidence_checked_on_insert(name: str) -> pgtrigger.Trigger:
    """A figure written for a claim already in evidence relations (on the claim's page,
    say, to a claim with none yet) leaves them as evidence_errors rules them. Once a
    statement: an import writes figures before the relations of its claims, so finds
    none; the relations of the written claims are read by their own indexes."""
    of_written = (
        "(SELECT r.* FROM claims_claimrelation r JOIN written w ON w.claim_id = r.source_id"
        " UNION ALL"
        " SELECT r.* FROM claims_claimrelation r JOIN written w ON w.claim_id = r.target_id)"
    )
    return pgtrigger.Trigger(
        name=name,
        level=pgtrigger.Statement,
        when=pgtrigger.After,
        operation=pgtrigger.Insert,
        referencing=pgtrigger.Referencing(new="written"),  # type: ignore[no-untyped-call]
        declare=[("bad", "record")],
        func=EVIDENCE_BROKEN.format(relations=of_written) + "RETURN NULL;",
    )


class ClaimQuerySet(models.QuerySet["Claim"]):
    def visible_to(self, user: User | AnonymousUser) -> "ClaimQuerySet":
        """The claims `user` may read: every read path of claims goes through here
        (API, exports, workbench, admin, suggestions, networks, tracking)."""
        condition = visible_claims(user)
        return self if condition is None else self.filter(condition)


@tracked()
class Claim(AnchoredSpan):
    if TYPE_CHECKING:  # the reverse relation of ClaimEvent, which pghistory makes at run time
        events: RelatedManager[Any]

    claim_type = models.CharField(_("claim type"), max_length=16, choices=ClaimType.choices)
    speaker = models.ForeignKey(
        Speaker,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="claims",
        help_text=_("Empty for an authorial claim"),
        verbose_name=_("speaker"),
    )
    speaker_role = models.CharField(
        _("speaker role"),
        max_length=300,
        blank=True,
        help_text=_("The speaker's role as stated in this document"),
    )
    attribution = models.CharField(_("attribution"), max_length=10, choices=Attribution.choices)
    stance = models.CharField(
        _("stance"), max_length=8, choices=Stance.choices, default=Stance.NEUTRAL
    )
    modality = models.CharField(
        _("modality"), max_length=10, choices=Modality.choices, default=Modality.NONE
    )
    topics = models.ManyToManyField(
        Topic, verbose_name=_("topics"), blank=True, related_name="claims"
    )
    note = models.TextField(_("note"), blank=True)
    # The project the claim was made in; (project, document) must be one of the
    # project's documents (a composite foreign key, migration 0011).
    project = models.ForeignKey(
        Project,
        on_delete=models.PROTECT,
        related_name="claims",
        db_default=DEFAULT_PROJECT_ID,
        help_text=_("Left out, the default project"),
    )
    guidelines = models.ForeignKey(
        Guidelines,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="claims",
        help_text=_("The guidelines version in force when the claim was made"),
    )
    # The curated layer: a gold claim is a curator's, made from annotators' claims.
    gold = models.BooleanField(
        default=False, db_default=False, help_text=_("A curated claim of the gold layer")
    )
    curated_from = models.ManyToManyField(
        "self", symmetrical=False, blank=True, related_name="curated_into"
    )
    history_events = (
        "claims.ClaimEvent",
        "claims.ClaimTopicEvent",
        "claims.TargetStatementEvent",
        "claims.ObservationEvent",
        "claims.ClaimRelationEvent",
        "claims.TargetRevisionEvent",
        "claims.ClaimSourceEvent",
    )

    objects = ClaimQuerySet.as_manager()

    class Meta(AnchoredSpan.Meta):
        verbose_name = _("claim")
        verbose_name_plural = _("claims")
        ordering = ["document_id", "start", "end", "id"]
        constraints = [
            *AnchoredSpan.Meta.constraints,
            choices_constraint("claim_type", ClaimType, "claim_type_valid"),
            choices_constraint("attribution", Attribution, "claim_attribution_valid"),
            choices_constraint("stance", Stance, "claim_stance_valid"),
            choices_constraint("modality", Modality, "claim_modality_valid"),
            models.CheckConstraint(
                condition=Q(speaker__isnull=False) | Q(attribution=Attribution.AUTHORIAL),
                name="claim_without_speaker_is_authorial",
            ),
            # Curation accepts what it puts in gold. That a gold claim's sources are
            # annotators' claims of its document needs other rows: a trigger on the
            # links checks it (migration 0013).
            models.CheckConstraint(
                condition=Q(gold=False) | Q(status=ReviewStatus.ACCEPTED),
                name="gold_claim_is_accepted",
            ),
        ]
        indexes = [
            # `q`: words of any length in either script (claims/search.py).
            GinIndex(QUOTE_GRAMS, name=QUOTE_GRAMS_INDEX),
            models.Index(fields=["document", "start"]),
            # A document's claims of one type: a filtered page sorted by publication
            # date reads claims document by document (at a million claims, 9 ms where
            # reading all of each document's claims took 46).
            models.Index(fields=["document", "claim_type"]),
            models.Index(fields=["claim_type", "status"]),
        ]
        triggers = [
            CLAIM_FIGURE_TYPE,
            CURATION_LINKS_STAY,
            evidence_kept("claim_type_keeps_evidence", "id", "claim_type"),
        ]

    def __str__(self) -> str:
        quote = self.quote if len(self.quote) <= 40 else self.quote[:39] + "…"
        return f"{self.get_claim_type_display()}: {quote}"

    def clean(self) -> None:
        super().clean()
        errors = speaker_errors(self.speaker_id, self.attribution)
        if errors:
            raise ValidationError(errors)

    def reopen_if_rejected(self) -> None:
        """Her edit of a rejected claim makes it a draft again (not yet saved).

        The review loop: a rejected claim goes back to its annotator, who edits it and
        resubmits it; until she does, it is her draft. The reviewer's comment stays so
        that she can still read why, and its history keeps the rejection.
        """
        if self.status == ReviewStatus.REJECTED:
            self.status = ReviewStatus.DRAFT

    def save_if_version(self, expected_version: int) -> None:
        """Save, unless someone else saved this claim since `expected_version` was read.

        Optimistic locking for the workbench, the admin and the API (If-Match):
        the stored row is locked (SELECT ... FOR UPDATE) and its version
        compared inside one transaction, so of two concurrent saves from the
        same version exactly one wins and the other gets StaleVersion, which
        says field by field what the winner changed. Raises the version by one.
        Topics are not touched here: set them after this returns, in the same
        transaction.
        """
        with transaction.atomic():
            stored = Claim.objects.select_for_update().get(pk=self.pk)
            if stored.version != expected_version:
                raise StaleVersion.of(stored, expected_version)
            self.version = stored.version + 1
            self.save()

    def raise_version(self, *, reopen: bool = False) -> None:
        """Record that a part of this claim (its figure, a relation it makes) changed.

        Locks the claim and raises its version, so a page or client holding the old
        version is refused with what changed instead of saving over the change.
        Call it inside the transaction that changes the part, before changing it:
        the claim is always locked before its parts, so two writers cannot deadlock.
        `reopen`: the change is the annotator's, so a rejected claim becomes her draft.
        """
        with transaction.atomic():
            stored = Claim.objects.select_for_update().get(pk=self.pk)
            stored.version += 1
            if reopen:
                stored.reopen_if_rejected()
            stored.save(update_fields=["version", "status", "updated_at"])
            self.version, self.status = stored.version, stored.status

    def stated_figure(self) -> "TargetStatement | Observation | None":
        """The claim's figure, whichever kind it is. Select_related both to save queries."""
        for attr in ("target_statement", "observation"):
            try:
                figure: TargetStatement | Observation = getattr(self, attr)
                return figure
            except (TargetStatement.DoesNotExist, Observation.DoesNotExist):
                continue
        return None

    def put_figure(self, figure: "TargetStatement | Observation | None") -> None:
        """Make `figure` (unsaved, or the current one changed) this claim's figure; None removes it.

        Call after the claim itself is saved, in the same transaction. A figure of
        the other kind is replaced. Raises ValidationError naming `figure.<field>`.
        """
        existing = self.stated_figure()
        if existing is not None and (figure is None or existing.pk != figure.pk):
            type(existing).objects.filter(pk=existing.pk).delete()
        for attr in ("target_statement", "observation"):
            self._state.fields_cache.pop(attr, None)
        if figure is None:
            return
        figure.claim = self
        _clean_as_part(figure, "figure")
        figure.save()

    def put_relations(self, wanted: list[dict[str, Any]], *, by: User) -> None:
        """Make the claim's outgoing relations exactly `wanted` ({target, kind, note}).

        A relation already there is kept (with who made it and when), its note
        updated; the others are deleted. Call after the claim is saved, in the
        same transaction. Raises ValidationError naming `relations.<n>.<field>`.
        """
        current = {(r.target_id, r.kind): r for r in self.relations_out.all()}
        kept = set()
        for number, item in enumerate(wanted):
            key = (item["target"].pk, item["kind"])
            if key in kept:
                raise ValidationError(
                    {f"relations.{number}": _("The same relation is listed twice.")}
                )
            kept.add(key)
            relation = current.get(key) or ClaimRelation(
                source=self, target=item["target"], kind=item["kind"], created_by=by
            )
            if relation.pk is not None and relation.note == item.get("note", relation.note):
                continue
            relation.note = item.get("note", relation.note)
            _clean_as_part(relation, f"relations.{number}")
            relation.save()
        dropped = [r.pk for key, r in current.items() if key not in kept]
        # Not one to a claim she may not read: she was not shown it.
        ClaimRelation.objects.filter(pk__in=dropped).with_readable_target(by).delete()

    def readable_history(
        self, entries: list[HistoryEntry], reader: User | AnonymousUser
    ) -> list[HistoryEntry]:
        """history_of's entries less the writes of a link between this claim and one
        `reader` may not read: a relation (that claim's id and the relation's note are
        no more hers to see than the relation: ClaimRelationQuerySet.with_readable_target)
        or curation's link of a gold claim to the claims it was made from (which tells her
        that curation took or dropped her claim, before the document is curated)."""
        links = {
            ClaimRelation._meta.label: ("source_id", "target_id"),
            Claim.curated_from.through._meta.label: ("from_claim_id", "to_claim_id"),
        }
        return without_hidden_claims(entries, reader, links, this_claim=self.pk)

    def changes_since(self, version: int) -> list["FieldChange"]:
        """What changed between the last saved state at `version` and this claim.

        Reads the history: two queries (the event, the topic links up to it)
        plus one for this claim's topics. Empty when that version is not in
        the history.
        """
        then = (
            self.events.filter(version=version)
            .exclude(pgh_label="delete")
            .order_by("-pgh_id")
            .first()
        )
        if then is None:
            return []
        changes = [
            FieldChange(
                field.name,
                _shown(self, field, getattr(then, field.attname)),
                _shown(self, field, getattr(self, field.attname)),
            )
            for field in Claim._meta.concrete_fields
            if field.name in COMPARED_FIELDS
            and getattr(then, field.attname) != getattr(self, field.attname)
        ]
        ids_then = topic_ids_at(self.pk, then.pgh_created_at)
        topics_then = sorted(str(topic) for topic in Topic.objects.filter(pk__in=ids_then))
        topics_now = sorted(str(topic) for topic in self.topics.all())
        if topics_then != topics_now:
            changes.append(FieldChange("topics", "、".join(topics_then), "、".join(topics_now)))
        return changes + self.figure_changes_since(version)

    def figure_changes_since(self, version: int) -> list["FieldChange"]:
        """What changed in the claim's figure since `version`, field by field (`figure.value`).

        Every change of the figure raises the claim's version first (save_if_version,
        raise_version), so the figure at `version` is its last state recorded before
        the claim's record of the next version. Three to five queries.
        """
        following = (
            self.events.filter(version=version + 1)
            .exclude(pgh_label="delete")
            .order_by("pgh_id")
            .first()
        )
        if following is None:
            return []
        # Event ids of different tables are not comparable; every event of one
        # transaction has its start time, and each version is its own transaction.
        records = [
            event_model(model)
            ._default_manager.filter(claim_id=self.pk, pgh_created_at__lt=following.pgh_created_at)
            .order_by("-pgh_created_at", "-pgh_id")
            .first()
            for model in FIGURE_MODELS.values()
        ]
        present = [r for r in records if r is not None and r.pgh_label != "delete"]
        then = max(present, key=lambda r: r.pgh_created_at, default=None)
        now = self.stated_figure()
        changes = []
        for name in FIGURE_COMPARED_FIELDS:
            before = getattr(then, name, None) if then is not None else None
            after = getattr(now, name, None) if now is not None else None
            if before != after:
                changes.append(
                    FieldChange(f"figure.{name}", _figure_value(before), _figure_value(after))
                )
        return changes


def without_hidden_claims(
    entries: list[HistoryEntry],
    reader: User | AnonymousUser,
    links: Mapping[str, tuple[str, ...]],
    this_claim: int | None = None,
) -> list[HistoryEntry]:
    """History entries less those that name a claim `reader` may not read (other than
    `this_claim`) in a column `links` gives for their model, before or after the write
    (a relation moved off a hidden claim names it in its change): that claim's id, and
    what the row says of it, are no more hers to see than the claim. One query more, if
    any entry names a claim."""

    def named(entry: HistoryEntry) -> set[int]:
        columns = links.get(entry.model, ())
        values = [entry.row.get(c) for c in columns]
        values += [v for c in columns for v in entry.changes.get(c, [])]
        return {int(v) for v in values if v is not None and v != this_claim}

    names = [named(entry) for entry in entries]
    claims = set().union(*names)
    if not claims:
        return entries
    readable = set(
        Claim.objects.visible_to(reader).filter(pk__in=claims).values_list("pk", flat=True)
    )
    return [entry for entry, its in zip(entries, names, strict=True) if its <= readable]


def speaker_errors(speaker_id: int | None, attribution: str) -> dict[str, str]:
    """Only an authorial claim has no speaker (a CHECK holds it too); Claim.clean and
    claims.bulk ask here."""
    if speaker_id is None and attribution != Attribution.AUTHORIAL:
        return {
            "speaker": gettext(
                "A direct quote or reported speech needs a speaker; "
                "a claim without one is authorial."
            )
        }
    return {}


# A claim's topic links are rows of their own. Their events show in the claim's
# history and let its topics at any moment be replayed (topic_ids_at).
# pghistory makes the base class at run time.
class ClaimTopicEvent(
    pghistory.create_event_model(  # type: ignore[misc]
        Claim.topics.through,
        pghistory.InsertEvent(),
        pghistory.DeleteEvent(),
        obj_field=None,
        append_only=True,
        level=history_level,
    )
):
    pass


# The links of a gold claim to the claims it was curated from: in the history of both.
class ClaimSourceEvent(
    pghistory.create_event_model(  # type: ignore[misc]
        Claim.curated_from.through,
        pghistory.InsertEvent(),
        pghistory.DeleteEvent(),
        obj_field=None,
        append_only=True,
    )
):
    pass


def topic_ids_at(claim_id: int, moment: datetime, *, before: bool = False) -> set[int]:
    """The ids of the topics claim `claim_id` had at `moment` (just before it if `before`).

    Replays the claim's topic-link events; one query. Every event of one
    transaction has its start time, so a claim saved at `moment` counts the
    topics set with it (and, with `before`, not those its deletion unlinked).
    """
    moments = {"pgh_created_at__lt" if before else "pgh_created_at__lte": moment}
    linked: set[int] = set()
    events = ClaimTopicEvent.objects.filter(claim_id=claim_id, **moments)
    for label, topic_id in events.order_by("pgh_id").values_list("pgh_label", "topic_id"):
        if label == "delete":
            linked.discard(topic_id)
        else:  # "insert", or "baseline": linked when history began
            linked.add(topic_id)
    return linked


# What an annotator writes: where the passage is, and what it says. Topics are
# many-to-many, compared apart from the fields below.
SPAN_FIELDS = ["start", "end", "quote"]
MEANING_FIELDS = [
    "claim_type",
    "speaker",
    "speaker_role",
    "attribution",
    "stance",
    "modality",
    "topics",
    "note",
]
# A StatedFigure's own fields, in the order forms, serializers and exports show them.
FIGURE_FIELDS = ["number_text", "comparator", "change", "value", "value_high", "unit"]
# A figure's fields as a person edits them, target statement and observation alike.
FIGURE_COMPARED_FIELDS = [
    *FIGURE_FIELDS,
    *("metric", "subject", "scope", "deadline", "period_start", "period_end"),
]
# The fields a person edits; version and timestamps change on every save.
COMPARED_FIELDS = {
    *SPAN_FIELDS,
    *(name for name in MEANING_FIELDS if name != "topics"),
    "status",
    "reviewer",
    "review_comment",
}


def _shown(claim: Claim, field: models.Field[Any, Any], raw: Any) -> str:
    """A stored value as a person reads it: choice labels, names for speakers and users."""
    if raw is None or raw == "":
        return "—"
    if field.choices:
        return str(dict(field.flatchoices).get(raw, raw))
    if field.is_relation and field.related_model is not None:
        related = field.related_model._default_manager.filter(pk=raw).first()
        return str(related) if related is not None else _("#%(id)s (deleted)") % {"id": raw}
    return str(raw)


def _clean_as_part(part: models.Model, path: str) -> None:
    """full_clean() a claim's figure or relation, naming its errors as the claim's
    resource does: `figure.value`, `relations.0.kind`."""
    try:
        part.full_clean(validate_constraints=False)
    except ValidationError as error:
        raise ValidationError(
            {f"{path}.{name}": messages for name, messages in error.message_dict.items()}
        ) from None


def _figure_value(value: object) -> str:
    if value is None or value == "":
        return "—"
    if isinstance(value, Decimal):
        return format(value.normalize(), "f")
    return str(value)


@dataclass(frozen=True)
class FieldChange:
    field: str
    before: str
    after: str


class StaleVersion(Exception):
    """A save from an old version of a claim: someone else saved it in between.

    `current` is the claim as stored now; `changes` what that save (or saves)
    changed since the version the caller read.
    """

    def __init__(
        self, current: Claim, changes: list[FieldChange], changed_by: AbstractBaseUser | None = None
    ) -> None:
        self.current = current
        self.changes = changes
        self.changed_by = changed_by
        super().__init__(self.message())

    @classmethod
    def of(cls, stored: Claim, expected_version: int) -> "StaleVersion":
        """The refusal for a save from `expected_version`; four or five queries."""
        latest = stored.events.select_related("pgh_context").order_by("-pgh_id").first()
        changed_by = event_user(latest) if latest is not None else None
        return cls(stored, stored.changes_since(expected_version), changed_by)

    def message(self) -> str:
        changed = "; ".join(f"{c.field}: {c.before} → {c.after}" for c in self.changes)
        who = self.changed_by or _("someone else")
        return (
            _(
                "Not saved: %(who)s saved this claim after you opened it "
                "(it is now at version %(version)s). "
            )
            % {"who": who, "version": self.current.version}
            + (_("They changed %(changes)s. ") % {"changes": changed} if changed else "")
            + _("Reload it to see their version, then make your change again.")
        )


class StatedFigure(models.Model):
    """A figure as a passage states it: the text as written and its parsed value."""

    number_text = models.CharField(
        _("number text"), max_length=100, help_text=_("As written, e.g. 3800多亿元")
    )
    comparator = models.CharField(
        _("comparator"), max_length=10, choices=Comparator.choices, default=Comparator.EXACT
    )
    change = models.CharField(
        _("change"),
        max_length=10,
        choices=Change.choices,
        default=Change.LEVEL,
        help_text=_("Level, or an increase/decrease by the value (增长5%)"),
    )
    value = models.DecimalField(_("value"), max_digits=28, decimal_places=6)
    value_high = models.DecimalField(
        _("value high"),
        max_digits=28,
        decimal_places=6,
        null=True,
        blank=True,
        help_text=_("Upper end of a range"),
    )
    unit = models.CharField(_("unit"), max_length=32, blank=True)

    class Meta:
        abstract = True
        constraints = [
            models.CheckConstraint(
                condition=Q(comparator__in=Comparator.values),
                name="%(app_label)s_%(class)s_comparator_valid",
            ),
            models.CheckConstraint(
                condition=Q(change__in=Change.values), name="%(app_label)s_%(class)s_change_valid"
            ),
            models.CheckConstraint(
                # NOT NULL spelled out: a CHECK that evaluates to NULL passes.
                condition=(
                    Q(comparator=Comparator.RANGE)
                    & Q(value_high__isnull=False)
                    & Q(value_high__gte=F("value"))
                )
                | (~Q(comparator=Comparator.RANGE) & Q(value_high__isnull=True)),
                name="%(app_label)s_%(class)s_range_has_high_end",
            ),
        ]

    def clean(self) -> None:
        super().clean()
        if self.comparator == Comparator.RANGE and self.value_high is None:
            raise ValidationError({"value_high": _("A range needs its upper value.")})
        if self.comparator != Comparator.RANGE and self.value_high is not None:
            raise ValidationError({"value_high": _("Only a range has an upper value.")})
        if self.value_high is not None and self.value is not None and self.value_high < self.value:
            raise ValidationError({"value_high": _("The upper value is below the lower one.")})


class BoundedFigure(StatedFigure):
    """A target's figure, with which side of it the target holds (README, "Meeting a figure")."""

    bound = models.CharField(
        _("bound"),
        max_length=10,
        choices=Bound.choices,
        blank=True,
        help_text=_(
            "Floor, ceiling, point or range; empty: as the comparator says. Proposed "
            "from the wording (CPI and unemployment rates 左右 are ceilings); status uses it."
        ),
    )

    class Meta:
        abstract = True
        constraints = [
            *StatedFigure.Meta.constraints,
            models.CheckConstraint(
                condition=Q(bound="") | Q(bound__in=Bound.values),
                name="%(app_label)s_%(class)s_bound_valid",
            ),
            models.CheckConstraint(
                # A range bound needs the two ends only a range comparator records.
                condition=~Q(bound=Bound.RANGE) | Q(comparator=Comparator.RANGE),
                name="%(app_label)s_%(class)s_range_bound_is_a_range",
            ),
        ]

    def clean(self) -> None:
        super().clean()
        if self.bound == Bound.RANGE and self.comparator != Comparator.RANGE:
            raise ValidationError(
                {"bound": _("A range bound needs a range figure (both ends, comparator range).")}
            )


# The layers of claims: the curators' gold, the annotators' own. `layer=` on every claim
# list, export and tracking view; None is both.
class Layer(models.TextChoices):
    GOLD = "gold", _("gold (curated)")
    ANNOTATIONS = "annotations", _("annotations")


def in_layer(layer: str | None, claim: str = "") -> Q:
    """The condition on a claim (reached by the lookup path `claim`) to be in `layer`."""
    if layer is None:
        return Q()
    return Q(**{f"{claim}gold": layer == Layer.GOLD})


class TargetQuerySet(models.QuerySet["Target"]):
    def due(self, as_of: date) -> "TargetQuerySet":
        """Targets whose deadline has passed by `as_of` or falls in its year."""
        return self.filter(deadline__lte=tracking.year_end(as_of.year))

    def stated_in(self, layer: str | None, reader: User | AnonymousUser) -> "TargetQuerySet":
        """Targets a claim of `layer` that `reader` may read states (all with None): a
        statement by a claim hidden from her does not put its target in her list."""
        if layer is None:
            return self
        statements = TargetStatement.objects.filter(
            in_layer(layer, "claim__"), claim__in=Claim.objects.visible_to(reader).values("pk")
        )
        return self.filter(pk__in=statements.values("target_id"))

    def with_evidence(
        self, user: User | AnonymousUser, layer: str | None = None
    ) -> "TargetQuerySet":
        """Load what status() and timeline() read, for any number of targets: four queries.

        The targets with their metric; their statements and their revisions, each with
        the claim and document behind it; every observation of their metrics, with its
        claim and document. Only what rests on claims `user` may read
        (Claim.objects.visible_to), so a status never reveals a claim she cannot see;
        with a `layer`, only statements, revisions and observations of its claims.
        """
        texts = document_texts("claim__document")  # dates and titles are read, never texts
        claims = Q(claim__in=Claim.objects.visible_to(user).values("pk")) & in_layer(
            layer, "claim__"
        )
        return self.select_related("metric").prefetch_related(
            models.Prefetch(
                "statements",
                queryset=TargetStatement.objects.filter(claims)
                .select_related("claim__document")
                .defer(*texts),
            ),
            models.Prefetch(
                "revisions",
                queryset=TargetRevision.objects.filter(claims)
                .select_related("claim__document")
                .defer(*texts),
            ),
            models.Prefetch(
                "metric__observations",
                queryset=Observation.objects.filter(claims)
                .select_related("claim__document")
                .defer(*texts),
            ),
        )


TARGET_FIGURE_TRIGGER = "target_figure_changes_by_restatement"


@tracked()
class Target(BoundedFigure):
    """A tracked goal. Its figure is the one in force; revisions keep the old ones."""

    title = models.CharField(_("title"), max_length=300)
    metric = models.ForeignKey(
        Metric, verbose_name=_("metric"), on_delete=models.PROTECT, related_name="targets"
    )
    subject = models.CharField(
        _("subject"), max_length=200, help_text=_("Who must deliver: 中央企业, 北京市")
    )
    scope = models.CharField(
        _("scope"), max_length=200, blank=True, help_text=_("National, a province, a firm")
    )
    deadline = models.DateField(
        _("deadline"),
        null=True,
        blank=True,
        help_text=_(
            "Last day of the horizon: 到2025年 is 2025-12-31. Empty for an open-ended goal "
            "(中长期目标 with no year), which is never due and never missed."
        ),
    )
    baseline_value = models.DecimalField(
        _("baseline value"), max_digits=28, decimal_places=6, null=True, blank=True
    )
    baseline_period = models.CharField(_("baseline period"), max_length=50, blank=True)
    set_by = models.ForeignKey(
        Speaker,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="targets_set",
        verbose_name=_("set by"),
    )
    status_override = models.CharField(
        _("status override"),
        max_length=10,
        choices=TargetStatus.choices,
        blank=True,
        help_text=_("A reviewer's verdict; the computed status is kept beside it"),
    )
    status_override_reason = models.TextField(_("status override reason"), blank=True)
    withdrawn_on = models.DateField(
        _("withdrawn on"),
        null=True,
        blank=True,
        help_text=_("From this day the target no longer stands"),
    )
    withdrawal_note = models.TextField(
        _("withdrawal note"), blank=True, help_text=_("Who withdrew it, and where")
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    objects = TargetQuerySet.as_manager()
    history_events = (
        "claims.TargetEvent",
        "claims.TargetRevisionEvent",
        "claims.TargetStatementEvent",
    )

    class Meta(BoundedFigure.Meta):
        verbose_name = _("target")
        verbose_name_plural = _("targets")
        ordering = ["deadline", "title"]
        constraints = [
            *BoundedFigure.Meta.constraints,
            models.CheckConstraint(
                condition=Q(status_override="") | Q(status_override__in=TargetStatus.values),
                name="target_status_override_valid",
            ),
            models.CheckConstraint(
                condition=Q(status_override="") | ~Q(status_override_reason=""),
                name="target_override_has_reason",
            ),
            models.CheckConstraint(
                condition=Q(withdrawn_on__isnull=True) | ~Q(withdrawal_note=""),
                name="target_withdrawal_has_note",
            ),
        ]
        triggers = [
            # The figure in force changes only by Target.restate, which records a revision
            # and lifts this trigger for its own update (pgtrigger.ignore).
            pgtrigger.Protect(
                name=TARGET_FIGURE_TRIGGER,
                operation=pgtrigger.Update,
                condition=pgtrigger.AnyChange("number_text", *tracking.REVISED_FIELDS),
            ),
            # Target.stated_otherwise in the database: what the target is about stays what
            # its statements say it is about.
            pgtrigger.Trigger(
                name="target_kept_by_statements",
                when=pgtrigger.Before,
                operation=pgtrigger.Update,
                condition=pgtrigger.AnyChange("metric", "subject"),
                func="""
                    IF EXISTS (SELECT 1 FROM claims_targetstatement s
                               WHERE s.target_id = NEW.id
                                 AND ((s.metric_id IS NOT NULL AND s.metric_id <> NEW.metric_id)
                                      OR (s.subject <> '' AND s.subject <> NEW.subject))) THEN
                        RAISE EXCEPTION 'target % is stated with another metric or subject',
                            NEW.id USING ERRCODE = 'check_violation';
                    END IF;
                    RETURN NEW;
                """,
            ),
        ]

    def __str__(self) -> str:
        return self.title

    def readable_history(
        self, entries: list[HistoryEntry], reader: User | AnonymousUser
    ) -> list[HistoryEntry]:
        """history_of's entries less the writes of a statement or revision by a claim
        `reader` may not read, as with_evidence leaves them out of the target's page."""
        links = {model._meta.label: ("claim_id",) for model in (TargetStatement, TargetRevision)}
        return without_hidden_claims(entries, reader, links)

    def clean(self) -> None:
        super().clean()
        if self.status_override and not self.status_override_reason.strip():
            raise ValidationError(
                {"status_override_reason": _("Say why the status is overridden.")}
            )
        if self.withdrawn_on and not self.withdrawal_note.strip():
            raise ValidationError({"withdrawal_note": _("Say who withdrew the target, and where.")})
        stated = self.stated_otherwise()
        if stated is not None:
            raise ValidationError(
                {
                    field: _(
                        "Claim #%(claim)s states this target: %(why)s Change that claim's "
                        "figure first, or remove it."
                    )
                    % {"claim": stated.claim_id, "why": why}
                    for field, why in self.statement_errors(stated).items()
                }
            )

    def figure(self) -> dict[str, Any]:
        """The figure in force, as restatements and revisions compare it."""
        return {field: getattr(self, field) for field in ["number_text", *tracking.REVISED_FIELDS]}

    def figure_on(self, day: date) -> dict[str, Any]:
        """The figure in force on `day`: today's, with later revisions undone.

        Reads self.revisions (one query unless prefetched by with_evidence()).
        """
        figure = self.figure()
        later = [r for r in self.revisions.all() if r.revised_on > day]
        for revision in sorted(later, key=lambda r: (r.revised_on, r.pk), reverse=True):
            for field, (before, _after) in revision.changes.items():
                figure[field] = tracking.from_json(field, before)
        return figure

    def goal_on(self, day: date) -> "tracking.Goal":
        figure = self.figure_on(day)
        return tracking.Goal(**{f: figure[f] for f in tracking.Goal.__dataclass_fields__})

    def evidence(self) -> list["Observation"]:
        """Observations that bear on this target: same metric, subject and scope.

        An observation with no subject or scope is taken to share the target's. An
        observation of another metric is never evidence, whatever its number ("35.2% of
        investment" says nothing about "35% of revenue"). One query unless prefetched.
        """
        return [
            o
            for o in self.metric.observations.all()
            if o.subject in ("", self.subject) and o.scope in ("", self.scope)
        ]

    def baseline(self) -> "tracking.Reading | None":
        year = self.baseline_period.strip().removesuffix("年")
        if self.baseline_value is None or not year.isdigit():
            return None
        return tracking.Reading(
            self.baseline_value, Comparator.EXACT, self.unit, tracking.year_end(int(year))
        )

    def status(self, as_of: date | None = None) -> str:
        """The computed status as of a date (today by default); see README "Tracking targets".

        Uses the figure in force that day and the observations published by then.
        """
        as_of = as_of or timezone.localdate()
        readings = [
            tracking.Reading(o.value, o.comparator, o.unit, o.period_end)
            for o in self.evidence()
            if o.known_on() <= as_of
        ]
        return tracking.compute_status(
            self.goal_on(as_of),
            readings,
            as_of,
            stated_on=self.stated_on(),
            baseline=self.baseline(),
            withdrawn_on=self.withdrawn_on,
        )

    def stated_on(self) -> date | None:
        """When the target was first stated: its earliest dated statement; None if undated.

        Reads self.statements with their documents (prefetched by with_evidence()).
        """
        published = [s.claim.document.published_on for s in self.statements.all()]
        dates = [d for d in published if d is not None]
        return min(dates) if dates else None

    def effective_status(self, as_of: date | None = None) -> str:
        """A reviewer's override if there is one, else the computed status."""
        return self.status_override or self.status(as_of)

    def outcome(self, as_of: date | None = None) -> "Observation | None":
        """The observation that decides the target: for the period ending at its deadline,
        the latest published by `as_of` (today by default). None while there is none.

        Reads self.evidence() (prefetched by with_evidence()).
        """
        as_of = as_of or timezone.localdate()
        deciding = [
            o for o in self.evidence() if o.period_end == self.deadline and o.known_on() <= as_of
        ]
        return max(deciding, key=lambda o: (o.known_on(), o.pk), default=None)

    def series(self) -> "TargetQuerySet":
        """This goal as set for every horizon, this target included, earliest deadline first.

        An annual target recurs as a new target each year (GDP growth 5%左右 for 2024, then
        for 2025), each with its own deadline, outcome and status. They share the metric,
        subject and scope, which is what makes them the same goal; open-ended ones last.
        """
        return Target.objects.filter(
            metric_id=self.metric_id, subject=self.subject, scope=self.scope
        ).order_by(F("deadline").asc(nulls_last=True), "id")

    def restate(self, claim: Claim, *, by: User) -> "TargetRevision | None":
        """Link a target-type claim's statement to this target; record a revision if it changes it.

        The comparison is with the figure in force; the changed fields are copied onto
        the target and their old values kept in the TargetRevision (dated by the
        claim's document). A restatement of a different metric or subject is refused:
        that is another target. Locks the target, so two restatements cannot interleave.
        """
        with transaction.atomic():
            claim.raise_version()  # its figure and relations change; locked before the target
            target = Target.objects.select_for_update().get(pk=self.pk)
            statement = (
                TargetStatement.objects.select_for_update(of=("self",))
                .select_related("claim__document")
                .filter(claim=claim)
                .first()
            )
            if statement is None:
                raise ValidationError(
                    {
                        "claim": _("Claim #%(id)s has no target statement to link.")
                        % {"id": claim.pk}
                    }
                )
            stated_on = claim.document.published_on or timezone.localdate()
            target.check_restatement(statement, stated_on)
            first = target.statements.exclude(pk=statement.pk).select_related("claim").first()
            statement.target = target
            statement.metric = statement.metric or target.metric
            statement.full_clean()
            statement.save()
            if first is not None:
                ClaimRelation.objects.get_or_create(
                    source=claim,
                    target=first.claim,
                    kind=RelationKind.RESTATES,
                    defaults={"created_by": by},
                )
            changes = tracking.figure_changes(target.figure(), statement.figure())
            if not changes:
                return None
            revision = TargetRevision(
                target=target, claim=claim, revised_on=stated_on, changes=changes, recorded_by=by
            )
            revision.full_clean()
            revision.save()
            for field in changes:
                setattr(target, field, getattr(statement, field))
            target.full_clean()
            with pgtrigger.ignore(f"claims.Target:{TARGET_FIGURE_TRIGGER}"):
                target.save()
        self.refresh_from_db()
        return revision

    def timeline(
        self,
    ) -> list[tuple[date | None, str, "TargetStatement | TargetRevision | Observation"]]:
        """Statements, revisions and evidence in time order, as (date, kind, object).

        Each is dated when it was said or published: its document's date. A statement
        from an undated document has none (not the day the target was recorded, which
        put a 2024 remark in 2025) and comes first; an observation from an undated
        document is dated by the end of its period. Reads self.statements,
        self.revisions and self.evidence(): prefetched by Target.objects.with_evidence(),
        four queries in all with the target.
        """
        events: list[tuple[date | None, str, TargetStatement | TargetRevision | Observation]] = [
            (s.claim.document.published_on, "statement", s) for s in self.statements.all()
        ]
        events += [(r.revised_on, "revision", r) for r in self.revisions.all()]
        events += [(o.known_on(), "observation", o) for o in self.evidence()]
        order = {"statement": 0, "revision": 1, "observation": 2}
        return sorted(events, key=lambda e: (e[0] or date.min, order[e[1]], e[2].pk))

    def statement_errors(self, statement: "TargetStatement") -> dict[str, str]:
        """Why `statement` is about something else than this target, by field: another
        metric or another subject (one it leaves empty is the target's). The database
        holds it too (target_statement_states_its_target, target_kept_by_statements)."""
        errors = {}
        if statement.metric_id not in (None, self.metric_id):
            errors["metric"] = _(
                "The statement is about %(stated)s, the target about %(target)s: "
                "a different metric is a different target."
            ) % {"stated": statement.metric, "target": self.metric}
        if statement.subject not in ("", self.subject):
            errors["subject"] = _(
                "The statement's subject is %(stated)r, the target's %(target)r: "
                "a different subject is a different target."
            ) % {"stated": statement.subject, "target": self.subject}
        return errors

    def evidence_errors_for(self, statement: "TargetStatement") -> dict[str, str]:
        """Why `statement`, stating no metric, may not take this target's (as restate and
        the admin's target-from-claim give it): an observation of another metric is
        evidence for its claim, and would no longer be."""
        if statement.metric_id is not None or statement.claim_id is None:
            return {}
        evidence = ClaimRelation.objects.filter(
            target_id=statement.claim_id,
            kind=RelationKind.EVIDENCE_FOR,
            source__observation__metric__isnull=False,
        ).exclude(source__observation__metric=self.metric_id)
        other = evidence.values_list("source_id", flat=True).first()
        if other is None:
            return {}
        return {
            "metric": _(
                "Claim #%(claim)s, an observation of another metric, is evidence for this "
                "claim: a target of %(metric)s would not be what it measures."
            )
            % {"claim": other, "metric": self.metric}
        }

    def stated_otherwise(self) -> "TargetStatement | None":
        """A statement linked to this target that names another metric or subject than the
        target now has (after an edit of the target, before it is saved)."""
        if self._state.adding:
            return None
        other_metric = Q(metric__isnull=False) & ~Q(metric=self.metric_id)
        other_subject = ~Q(subject="") & ~Q(subject=self.subject)
        return self.statements.filter(other_metric | other_subject).select_related("metric").first()

    def check_restatement(self, statement: "TargetStatement", stated_on: date) -> None:
        """Refuse a statement that is about something else, or older than the last revision."""
        if statement.target_id not in (None, self.pk):
            raise ValidationError(
                {
                    "target": _("The claim already states another target (#%(id)s).")
                    % {"id": statement.target_id}
                }
            )
        errors = self.statement_errors(statement) | self.evidence_errors_for(statement)
        if errors:
            raise ValidationError(errors)
        last = self.revisions.order_by("-revised_on").first()
        if last is not None and stated_on < last.revised_on:
            raise ValidationError(
                {
                    "claim": _(
                        "This statement is dated %(stated)s, before the revision of %(revised)s; "
                        "link restatements in the order they were made."
                    )
                    % {"stated": stated_on, "revised": last.revised_on}
                }
            )


def check_metric_usable(metric: Metric | None, claim: Claim | None) -> None:
    """A proposed metric is used only on its proposer's claims until a reviewer confirms it."""
    if metric is not None and claim is not None and not metric.usable_on(claim):
        raise ValidationError(
            {
                "metric": _(
                    "%(metric)s is a proposed metric: until a reviewer confirms it, only "
                    "claims annotated by %(proposer)s may use it."
                )
                % {"metric": metric.name, "proposer": metric.proposed_by}
            }
        )


def figure_claim_type_triggers(name: str, claim_type: str) -> list[pgtrigger.Trigger]:
    """clean()'s rule that only a `claim_type` claim has this figure, in the database, as
    a figure is written: after its claim, which every write path does (a figure written
    first, its claim not there yet, would escape the check). A claim whose type changes
    is held to it by CLAIM_FIGURE_TYPE. So a claim has at most one figure (the exports
    stack them)."""
    return per_statement(
        name,
        f"""
        SELECT w.claim_id, c.claim_type INTO bad
        FROM written w LEFT JOIN claims_claim c ON c.id = w.claim_id
        WHERE c.claim_type IS DISTINCT FROM '{claim_type}'
        LIMIT 1;
        IF FOUND THEN
            RAISE EXCEPTION 'claim % is of type %, and only a claim of type {claim_type} has'
                ' this figure (written after its claim)', bad.claim_id,
                coalesce(bad.claim_type, 'none yet') USING ERRCODE = 'check_violation';
        END IF;
        """,  # noqa: S608 (a claim type's constant)
    )


def proposed_metric_triggers(name: str) -> list[pgtrigger.Trigger]:
    """check_metric_usable in the database, for a figure table (claim_id, metric_id)."""
    return per_statement(
        name,
        """
        SELECT w.metric_id INTO bad
        FROM written w
        JOIN claims_metric m ON m.id = w.metric_id
        JOIN claims_claim c ON c.id = w.claim_id
        WHERE m.status = 'proposed' AND m.proposed_by_id <> c.annotator_id
        LIMIT 1;
        IF FOUND THEN
            RAISE EXCEPTION 'metric % is proposed: only its proposer''s claims use it',
                bad.metric_id USING ERRCODE = 'check_violation';
        END IF;
        """,
    )


@tracked()
class TargetStatement(BoundedFigure):
    """The figure a target-type claim states, and the target it states, if linked."""

    # Part of its claim: deleted with it (a restore brings it back).
    claim = models.OneToOneField(
        Claim, verbose_name=_("claim"), on_delete=models.CASCADE, related_name="target_statement"
    )
    target = models.ForeignKey(
        Target,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="statements",
        verbose_name=_("target"),
    )
    metric = models.ForeignKey(
        Metric,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("metric"),
    )
    subject = models.CharField(_("subject"), max_length=200, blank=True)
    scope = models.CharField(_("scope"), max_length=200, blank=True)
    deadline = models.DateField(_("deadline"), null=True, blank=True)

    class Meta(BoundedFigure.Meta):
        verbose_name = _("target statement")
        verbose_name_plural = _("target statements")
        triggers = [
            *proposed_metric_triggers("target_statement_metric_usable"),
            *figure_claim_type_triggers("target_statement_claim_type", ClaimType.TARGET.value),
            evidence_kept("target_statement_metric_keeps_evidence", "claim_id", "metric_id"),
            evidence_checked_on_insert("target_statement_written_keeps_evidence"),
            # Target.statement_errors in the database; the target's side: target_kept_by_statements.
            *per_statement(
                "target_statement_states_its_target",
                """
                SELECT w.claim_id, w.target_id INTO bad
                FROM written w JOIN claims_target t ON t.id = w.target_id
                WHERE (w.metric_id IS NOT NULL AND w.metric_id <> t.metric_id)
                   OR (w.subject <> '' AND w.subject <> t.subject)
                LIMIT 1;
                IF FOUND THEN
                    RAISE EXCEPTION 'claim % states target % with another metric or subject',
                        bad.claim_id, bad.target_id USING ERRCODE = 'check_violation';
                END IF;
                """,
            ),
        ]

    def __str__(self) -> str:
        return f"{self.number_text} ({self.claim.document})"

    def clean(self) -> None:
        super().clean()
        if self.claim_id and self.claim.claim_type != ClaimType.TARGET:
            raise ValidationError({"claim": _("Only a target-type claim states a target.")})
        check_metric_usable(self.metric, self.claim if self.claim_id else None)
        errors = self.target.statement_errors(self) if self.target is not None else {}
        if errors:
            raise ValidationError(errors)

    def figure(self) -> dict[str, Any]:
        return {field: getattr(self, field) for field in ["number_text", *tracking.REVISED_FIELDS]}


@pghistory.track(pghistory.InsertEvent(), append_only=True, level=history_level)
class TargetRevision(models.Model):
    """A later statement changed a target. `changes` maps field to [before, after].

    Append-only: made only by Target.restate, credited to whoever restated; a
    trigger refuses UPDATE and DELETE, so no one rewrites a target's past.
    """

    target = models.ForeignKey(
        Target, verbose_name=_("target"), on_delete=models.PROTECT, related_name="revisions"
    )
    claim = models.ForeignKey(
        Claim, verbose_name=_("claim"), on_delete=models.PROTECT, related_name="target_revisions"
    )
    revised_on = models.DateField(_("revised on"))
    changes = models.JSONField(_("changes"))
    # PROTECT: a revision is never rewritten, not even to forget a deleted user.
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("recorded by"),
    )
    recorded_at = models.DateTimeField(_("recorded at"), auto_now_add=True)

    class Meta:
        verbose_name = _("target revision")
        verbose_name_plural = _("target revisions")
        ordering = ["target", "revised_on", "id"]
        triggers = [
            pgtrigger.Protect(
                name="target_revision_append_only",
                operation=pgtrigger.Update | pgtrigger.Delete,
            )
        ]

    def __str__(self) -> str:
        return _("%(target)s revised %(day)s") % {"target": self.target, "day": self.revised_on}


@tracked()
class Observation(StatedFigure):
    """A reported value of a metric for a period, from an observation-type claim."""

    claim = models.OneToOneField(
        Claim, verbose_name=_("claim"), on_delete=models.CASCADE, related_name="observation"
    )
    metric = models.ForeignKey(
        Metric, verbose_name=_("metric"), on_delete=models.PROTECT, related_name="observations"
    )
    subject = models.CharField(_("subject"), max_length=200, blank=True)
    scope = models.CharField(_("scope"), max_length=200, blank=True)
    period_start = models.DateField(_("period start"))
    period_end = models.DateField(_("period end"))

    class Meta(StatedFigure.Meta):
        verbose_name = _("observation")
        verbose_name_plural = _("observations")
        ordering = ["metric", "period_end"]
        constraints = [
            *StatedFigure.Meta.constraints,
            models.CheckConstraint(
                condition=Q(period_end__gte=F("period_start")), name="observation_period_ordered"
            ),
        ]
        triggers = [
            *proposed_metric_triggers("observation_metric_usable"),
            *figure_claim_type_triggers("observation_claim_type", ClaimType.OBSERVATION.value),
            evidence_kept("observation_metric_keeps_evidence", "claim_id", "metric_id"),
            evidence_checked_on_insert("observation_written_keeps_evidence"),
            *per_statement(
                "observation_unit_is_metric_unit",
                """
                SELECT w.unit, w.metric_id INTO bad
                FROM written w LEFT JOIN claims_metric m ON m.id = w.metric_id
                WHERE w.unit IS DISTINCT FROM m.unit
                LIMIT 1;
                IF FOUND THEN
                    RAISE EXCEPTION 'observation unit % is not the unit of metric %',
                        bad.unit, bad.metric_id USING ERRCODE = 'check_violation';
                END IF;
                """,
            ),
        ]

    def __str__(self) -> str:
        return f"{self.metric.name} {self.period_end.year}: {self.number_text}"

    def clean(self) -> None:
        super().clean()
        if self.claim_id and self.claim.claim_type != ClaimType.OBSERVATION:
            raise ValidationError(
                {"claim": _("Only an observation-type claim reports an observation.")}
            )
        if self.period_start and self.period_end and self.period_end < self.period_start:
            raise ValidationError({"period_end": _("The period ends before it starts.")})
        if not self.metric_id:  # left empty: the field says so
            return
        check_metric_usable(self.metric, self.claim if self.claim_id else None)
        self.unit = canonical_unit(self.unit)
        if self.unit != self.metric.unit:
            raise ValidationError(
                {
                    "unit": _(
                        "%(metric)s is counted in %(metric_unit)s, not in %(unit)s: an "
                        "observation is in its metric's unit (values in base units: "
                        "2.2万亿元 is 2200000000000 CNY)."
                    )
                    % {
                        "metric": self.metric.name,
                        "metric_unit": self.metric.unit or "—",
                        "unit": self.unit or _("no unit"),
                    }
                }
            )

    def known_on(self) -> date:
        """When the figure became known: its document's date, else the end of its period.

        A status as of a date uses only what was published by then. Reads claim.document
        (select_related it).
        """
        return self.claim.document.published_on or self.period_end


# The model of each figure-bearing claim type's figure (Claim.stated_figure reads either).
FIGURE_MODELS: dict[str, type[TargetStatement] | type[Observation]] = {
    ClaimType.TARGET: TargetStatement,
    ClaimType.OBSERVATION: Observation,
}


class RelationKind(models.TextChoices):
    SUPPORTS = "supports", _("supports")
    CONTRADICTS = "contradicts", _("contradicts")
    RESTATES = "restates", _("restates")
    ELABORATES = "elaborates", _("elaborates")
    RESPONDS_TO = "responds_to", _("responds to")
    EVIDENCE_FOR = "evidence_for", _("is evidence for")


class ClaimRelationQuerySet(models.QuerySet["ClaimRelation"]):
    def with_readable_target(self, user: User | AnonymousUser) -> "ClaimRelationQuerySet":
        """The relations whose target `user` may read (Claim.objects.visible_to): one
        to a claim hidden from her (made by a reviewer, or before curation reopened) is
        neither shown to her nor changed by her, as the claim itself is not. A claim
        page's relations are filtered the same way in SQL (representation.read_statement)."""
        condition = visible_claims(user, prefix="target__")
        return self if condition is None else self.filter(condition)


@tracked()
class ClaimRelation(models.Model):
    # Part of the claim that makes it (deleted with it); another's work for the one it
    # points at, which it keeps from being deleted.
    source = models.ForeignKey(
        Claim, verbose_name=_("source"), on_delete=models.CASCADE, related_name="relations_out"
    )
    target = models.ForeignKey(
        Claim, verbose_name=_("target"), on_delete=models.PROTECT, related_name="relations_in"
    )
    kind = models.CharField(_("kind"), max_length=16, choices=RelationKind.choices)
    note = models.TextField(_("note"), blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("created by"),
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    objects = ClaimRelationQuerySet.as_manager()

    class Meta:
        verbose_name = _("claim relation")
        verbose_name_plural = _("claim relations")
        ordering = ["source", "kind", "target"]
        constraints = [
            choices_constraint("kind", RelationKind, "relation_kind_valid"),
            models.CheckConstraint(condition=~Q(source=F("target")), name="relation_not_reflexive"),
            models.UniqueConstraint(fields=["source", "target", "kind"], name="relation_unique"),
        ]
        triggers = per_statement(
            "relation_evidence_valid",
            EVIDENCE_BROKEN.format(relations="written"),
        )

    def __str__(self) -> str:
        return f"#{self.source_id} {self.get_kind_display()} #{self.target_id}"

    def clean(self) -> None:
        if self.source_id and self.source_id == self.target_id:
            raise ValidationError({"target": _("A claim cannot relate to itself.")})
        if self.kind != RelationKind.EVIDENCE_FOR or not (self.source_id and self.target_id):
            return
        observed = Observation.objects.filter(claim=self.source_id).first()
        stated = TargetStatement.objects.filter(claim=self.target_id).first()
        errors = evidence_errors(
            (self.source.claim_type, self.target.claim_type),
            observed.metric if observed else None,
            stated.metric if stated else None,
        )
        if errors:
            raise ValidationError(errors)


def evidence_errors(
    types: tuple[str, str], observed: Metric | None, stated: Metric | None
) -> dict[str, str]:
    """Why an evidence_for relation between claims of these `types` (source, target), with
    these metrics (the observation's, the target statement's), is wrong; empty if it is not."""
    if types != (ClaimType.OBSERVATION, ClaimType.TARGET):
        return {
            "kind": gettext("Evidence runs from an observation-type claim to a target-type claim.")
        }
    if observed is not None and stated is not None and observed.pk != stated.pk:
        return {
            "kind": gettext(
                "The observation measures %(observed)s, the target %(stated)s: "
                "a figure of another metric is not evidence for it."
            )
            % {"observed": observed, "stated": stated}
        }
    return {}


class SuggestionKind(models.TextChoices):
    TARGET = ClaimType.TARGET.value, _("target")
    OBSERVATION = ClaimType.OBSERVATION.value, _("observation")


class SuggestionDismissalQuerySet(models.QuerySet["SuggestionDismissal"]):
    def hiding_from(
        self, user: User | AnonymousUser, project: Project, document: Document
    ) -> "SuggestionDismissalQuerySet":
        """The dismissals that hide suggestions of `document` from `user` in `project`.

        In a shared project, every dismissal made in it: one annotator's "not a claim"
        stands for the team. In a project of independent annotation, her own, so that no
        one's judgment steers another's layer; and once the document is curated, also
        those of the curator who finished it, for everyone: hers is the decision that
        counts then. So a curator at work sees every figure she has not dismissed herself
        (the annotators' dismissals are theirs, as their claims are). The project's mode
        as it is now decides, whatever it was when a dismissal was made. No query of its
        own: the rule is part of the caller's.
        """
        here = self.filter(project=project, document=document)
        if not project.independent:
            return here
        by_curator = ProjectDocument.objects.filter(
            project=project,
            document=document,
            curation_state=CurationState.CURATED,
            curated_by=OuterRef("dismissed_by"),
        )
        return here.filter(Q(dismissed_by=user.pk) | Q(Exists(by_curator)))


# Dismissals recorded before they belonged to a project have none in their events.
@tracked(
    event_fields={
        "project": models.ForeignKey(
            Project,
            null=True,
            db_constraint=False,
            on_delete=models.DO_NOTHING,
            related_name="+",
            related_query_name="+",
            verbose_name=_("project"),
        )
    }
)
class SuggestionDismissal(models.Model):
    """An annotator said a suggested figure is not a claim; it is not suggested again in
    her project (to whom: SuggestionDismissalQuerySet.hiding_from).

    Identified by the project, the figure's span in the document text and the suggested
    kind; in a project of independent annotation also by its annotator, each of whom
    judges every figure for herself. The project holds the document (a composite foreign
    key to its project document, migration 0024).
    """

    project = models.ForeignKey(
        Project, verbose_name=_("project"), on_delete=models.CASCADE, related_name="+"
    )
    document = models.ForeignKey(
        Document, verbose_name=_("document"), on_delete=models.CASCADE, related_name="+"
    )
    start = models.PositiveIntegerField(_("start"), help_text=_("Code-point offset of the figure"))
    end = models.PositiveIntegerField(_("end"))
    kind = models.CharField(_("kind"), max_length=12, choices=SuggestionKind.choices)
    number_text = models.CharField(_("number text"), max_length=100)
    dismissed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("dismissed by"),
    )
    # Set (to dismissed_by) when the project was one of independent annotation at the
    # time, empty when it was shared (a database trigger checks which, migration 0024):
    # it makes the unique key one dismissal per annotator there, one per team here.
    annotator = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("annotator"),
        help_text=_(
            "Whose own layer the dismissal is part of, in a project of independent "
            "annotation; empty in a shared project"
        ),
    )
    dismissed_at = models.DateTimeField(_("dismissed at"), auto_now_add=True)

    objects = SuggestionDismissalQuerySet.as_manager()

    class Meta:
        verbose_name = _("suggestion dismissal")
        verbose_name_plural = _("suggestion dismissals")
        ordering = ["document", "start"]
        constraints = [
            choices_constraint("kind", SuggestionKind, "suggestion_dismissal_kind_valid"),
            models.CheckConstraint(
                condition=Q(start__gte=0) & Q(start__lt=F("end")),
                name="suggestion_dismissal_span_ordered",
            ),
            models.CheckConstraint(
                condition=~Q(number_text=""), name="suggestion_dismissal_has_number"
            ),
            models.CheckConstraint(
                condition=Q(annotator__isnull=True) | Q(annotator=F("dismissed_by")),
                name="suggestion_dismissal_annotator_dismissed_it",
            ),
            # An empty annotator is one value here (NULLS NOT DISTINCT): one dismissal of
            # a figure per shared project.
            models.UniqueConstraint(
                fields=["project", "document", "start", "end", "kind", "annotator"],
                nulls_distinct=False,
                name="suggestion_dismissal_unique",
            ),
        ]

    def __str__(self) -> str:
        return _("%(figure)s (%(kind)s) dismissed in %(document)s") % {
            "figure": self.number_text,
            "kind": self.get_kind_display(),
            "document": self.document_id,
        }


class StoredSuggestions(models.Model):
    """A document's suggestions, computed once and kept (claims.suggestions.for_document).

    They stay valid while the text they were read from, the year it was read for and
    the suggester's version are the same; any of these changing recomputes them.
    """

    document = models.OneToOneField(
        Document, verbose_name=_("document"), on_delete=models.CASCADE, related_name="+"
    )
    content_hash = models.CharField(
        _("content hash"), max_length=64, help_text=_("Of the text scanned")
    )
    year = models.PositiveSmallIntegerField(
        _("year"), null=True, help_text=_("The document's year, if dated")
    )
    scanner_version = models.PositiveSmallIntegerField(_("scanner version"))
    items = models.JSONField(
        _("items"), help_text=_("Every suggestion in the text, before dismissals")
    )
    computed_at = models.DateTimeField(_("computed at"), auto_now=True)

    class Meta:
        verbose_name = _("stored suggestions")
        verbose_name_plural = _("stored suggestions")
        constraints = [
            models.CheckConstraint(
                condition=Q(content_hash__regex=r"^[0-9a-f]{64}$"),
                name="stored_suggestions_hash_is_sha256",
            ),
        ]

    def __str__(self) -> str:
        return _("suggestions for document %(id)s") % {"id": self.document_id}
