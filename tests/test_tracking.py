"""Targets over time: the status rules, restatements and revisions, overrides, evidence."""

from datetime import date
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from annotations.models import Document
from claims import workbench
from claims.figures import Change, Comparator
from claims.models import (
    Claim,
    ClaimRelation,
    ClaimType,
    Metric,
    Observation,
    RelationKind,
    Target,
    TargetStatement,
)
from claims.tracking import (
    Bound,
    Goal,
    Reading,
    TargetStatus,
    chart,
    compute_status,
    figure_changes,
    is_reach_goal,
    meets,
)
from tests.api_support import api_as
from tests.conftest import make_claim

D = Decimal
SHARE = Goal(Comparator.EXACT, Change.LEVEL, D(35), None, "%", date(2025, 12, 31))
GROWTH = Goal(Comparator.ABOUT, Change.INCREASE, D(5), None, "%", date(2024, 12, 31))
GRAIN = Goal(Comparator.ABOUT, Change.LEVEL, D("1.4e12"), None, "jin", date(2025, 12, 31))


def reading(year: int, value: str, comparator=Comparator.EXACT, unit="%") -> Reading:
    return Reading(D(value), comparator, unit, date(year, 12, 31))


@pytest.mark.parametrize(
    ("value", "met"), [("4.5", True), ("5.5", True), ("5.0", True), ("4.4", False), ("5.6", False)]
)
def test_it_meets_about_within_half_a_point_for_percentages(value, met):
    assert meets(GROWTH, D(value)) is met


@pytest.mark.parametrize(
    ("value", "met"), [("1.26e12", True), ("1.54e12", True), ("1.25e12", False), ("1.55e12", False)]
)
def test_it_meets_about_within_a_tenth_for_other_units(value, met):
    assert meets(GRAIN, D(value)) is met


@pytest.mark.parametrize(
    ("qualifier", "met"),
    [
        (Comparator.EXACT, True),
        (Comparator.MORE_THAN, True),  # 超过35%
        (Comparator.NEARLY, False),  # 近35%: just under
        (Comparator.LESS_THAN, False),  # 不到35%
    ],
)
def test_it_reads_the_observed_qualifier_at_the_boundary(qualifier, met):
    assert meets(SHARE, D(35), qualifier) is met


@pytest.mark.parametrize(
    ("as_of", "readings", "status"),
    [
        (date(2023, 6, 1), [], TargetStatus.NO_DATA),
        (date(2024, 3, 1), [reading(2023, "33")], TargetStatus.OFF_TRACK),
        # 33 → 34 a year later reaches 35 by the end of 2025.
        (date(2025, 3, 1), [reading(2023, "33"), reading(2024, "34")], TargetStatus.ON_TRACK),
        (date(2025, 3, 1), [reading(2023, "33"), reading(2024, "33.5")], TargetStatus.OFF_TRACK),
        (date(2025, 3, 1), [reading(2024, "35.1")], TargetStatus.ACHIEVED),  # reached early
        (date(2026, 3, 1), [reading(2024, "34"), reading(2025, "34.9")], TargetStatus.MISSED),
        (date(2026, 3, 1), [reading(2025, "35")], TargetStatus.ACHIEVED),
        # A reading after the deadline says nothing about meeting it by then.
        (date(2027, 3, 1), [reading(2026, "40")], TargetStatus.NO_DATA),
        # A reading in another unit is not comparable.
        (date(2026, 3, 1), [reading(2025, "35", unit="CNY")], TargetStatus.NO_DATA),
    ],
)
def test_it_computes_the_status_of_a_level_target(as_of, readings, status):
    assert compute_status(SHARE, readings, as_of) == status


@pytest.mark.parametrize(
    ("readings", "status"),
    [
        ([reading(2024, "5.0")], TargetStatus.ACHIEVED),
        ([reading(2024, "4.6")], TargetStatus.ACHIEVED),  # within the about-tolerance
        ([reading(2024, "4.4")], TargetStatus.MISSED),  # outside it, deadline passed
        ([reading(2024, "5.6")], TargetStatus.MISSED),
    ],
)
def test_it_decides_an_about_target_at_its_deadline(readings, status):
    assert compute_status(GROWTH, readings, date(2025, 3, 12)) == status


def test_it_uses_the_baseline_for_the_trend_when_there_is_one_reading():
    baseline = reading(2022, "30")
    # 30 → 33 in a year gives 39 by 2025: on track; without the baseline, off track.
    assert compute_status(SHARE, [reading(2023, "33")], date(2024, 3, 1), baseline=baseline) == (
        TargetStatus.ON_TRACK
    )


def test_it_takes_readings_from_before_the_target_was_stated_as_its_baseline():
    jobs = Goal(Comparator.AT_LEAST, Change.LEVEL, D(1200), None, "万人", date(2025, 12, 31))
    last_year = Reading(D(1256), Comparator.EXACT, "万人", date(2024, 12, 31))
    stated = date(2025, 3, 5)
    assert compute_status(jobs, [last_year], date(2025, 6, 1)) == TargetStatus.ACHIEVED
    assert compute_status(jobs, [last_year], date(2025, 6, 1), stated_on=stated) == (
        TargetStatus.NO_DATA
    )


def test_it_reports_withdrawn_from_the_withdrawal_date():
    readings = [reading(2024, "34")]
    withdrawn = date(2025, 6, 1)
    assert compute_status(SHARE, readings, date(2025, 5, 31), withdrawn_on=withdrawn) == (
        TargetStatus.OFF_TRACK
    )
    assert compute_status(SHARE, readings, date(2025, 6, 1), withdrawn_on=withdrawn) == (
        TargetStatus.WITHDRAWN
    )


def test_it_lists_only_the_fields_that_changed():
    before = {"number_text": "35%", "comparator": "exact", "value": D(35), "deadline": None}
    after = {"number_text": "35.0%", "comparator": "exact", "value": D("35.0"), "deadline": None}
    assert figure_changes(before, after) == {}
    after = {**after, "value": D(40), "number_text": "40%", "scope": ""}
    assert figure_changes(before, after) == {"value": ["35", "40"], "number_text": ["35%", "40%"]}


# ---------------------------------------------------------------- with the database


@pytest.fixture
def revenue(db) -> Metric:
    return Metric.objects.create(name="央企战略性新兴产业收入占比", unit="%")


@pytest.fixture
def investment(db) -> Metric:
    return Metric.objects.create(name="央企战略性新兴产业投资占比", unit="%")


def say(text: str, published_on: date, annotator, claim_type=ClaimType.TARGET):
    document = Document.from_raw(
        text, title=f"{published_on} {text[:10]}", language="zh-Hans", published_on=published_on
    )
    document.save()
    return make_claim(document, text, annotator, claim_type=claim_type)


def state(
    claim: Claim,
    metric: Metric,
    number_text: str,
    value: str,
    deadline: date,
    comparator: str = Comparator.EXACT,
    scope: str = "",
) -> TargetStatement:
    return TargetStatement.objects.create(
        claim=claim,
        metric=metric,
        subject="中央企业",
        scope=scope,
        number_text=number_text,
        comparator=comparator,
        value=D(value),
        unit="%",
        deadline=deadline,
    )


def observe(metric, text, value, year, published_on, annotator, comparator=Comparator.EXACT):
    claim = say(text, published_on, annotator, ClaimType.OBSERVATION)
    return Observation.objects.create(
        claim=claim,
        metric=metric,
        subject="中央企业",
        number_text=f"{value}%",
        comparator=comparator,
        value=D(value),
        unit="%",
        period_start=date(year, 1, 1),
        period_end=date(year, 12, 31),
    )


@pytest.fixture
def soe_target(revenue, alice) -> Target:
    claim = say("到2025年，中央企业战略性新兴产业收入的占比要达到35%", date(2024, 3, 5), alice)
    state(claim, revenue, "35%", "35", date(2025, 12, 31))
    target = Target.objects.create(
        title="央企战新产业收入占比35%",
        metric=revenue,
        subject="中央企业",
        scope="全国",
        number_text="35%",
        value=D(35),
        unit="%",
        deadline=date(2025, 12, 31),
    )
    assert target.restate(claim, by=alice) is None  # the first statement changes nothing
    return target


def test_it_records_a_revision_for_each_restatement_that_changes_the_target(
    soe_target, revenue, alice, rachel
):
    first = soe_target.statements.get()
    same = say("中央企业战略性新兴产业收入占比到2025年要达到35%", date(2024, 6, 1), alice)
    state(same, revenue, "35%", "35", date(2025, 12, 31))
    higher = say("到2025年战略性新兴产业收入占比力争超过36%", date(2024, 9, 1), alice)
    state(higher, revenue, "36%", "36", date(2025, 12, 31), comparator=Comparator.MORE_THAN)
    later = say("到2027年，中央企业战新产业收入占比超过36%", date(2025, 3, 1), alice)
    state(later, revenue, "36%", "36", date(2027, 12, 31), Comparator.MORE_THAN, scope="全国央企")

    assert soe_target.restate(same, by=rachel) is None
    raised = soe_target.restate(higher, by=rachel)
    postponed = soe_target.restate(later, by=rachel)

    assert raised.revised_on == date(2024, 9, 1)
    assert raised.claim == higher
    assert raised.recorded_by == rachel
    assert raised.changes == {
        "comparator": ["exact", "more_than"],
        "value": ["35", "36"],
        "number_text": ["35%", "36%"],
    }
    assert postponed.changes == {
        "deadline": ["2025-12-31", "2027-12-31"],
        "scope": ["全国", "全国央企"],
    }
    soe_target.refresh_from_db()
    assert (soe_target.value, soe_target.comparator, soe_target.deadline) == (
        D(36),
        Comparator.MORE_THAN,
        date(2027, 12, 31),
    )
    # The old values are never overwritten: the first statement keeps its figure and the
    # target's figure on an earlier day is rebuilt from the revisions.
    first.refresh_from_db()
    assert (first.value, first.deadline) == (D(35), date(2025, 12, 31))
    on_first_day = soe_target.figure_on(date(2024, 3, 5))
    assert (on_first_day["value"], on_first_day["comparator"], on_first_day["deadline"]) == (
        D(35),
        Comparator.EXACT,
        date(2025, 12, 31),
    )
    assert soe_target.figure_on(date(2024, 12, 1))["deadline"] == date(2025, 12, 31)
    assert soe_target.statements.count() == 4
    restating = ClaimRelation.objects.filter(kind=RelationKind.RESTATES, target=first.claim)
    assert set(restating.values_list("source", flat=True)) == {same.pk, higher.pk, later.pk}


def test_it_refuses_a_restatement_of_another_metric_or_subject(
    soe_target, investment, revenue, alice
):
    other = say("到2025年，战略性新兴产业投资占比要达到35%", date(2024, 6, 1), alice)
    state(other, investment, "35%", "35", date(2025, 12, 31))
    with pytest.raises(ValidationError) as refused:
        soe_target.restate(other, by=alice)
    assert "metric" in refused.value.message_dict
    elsewhere = say("到2025年，北京市战略性新兴产业收入占比要达到35%", date(2024, 6, 1), alice)
    statement = state(elsewhere, revenue, "35%", "35", date(2025, 12, 31))
    statement.subject = "北京市"
    statement.save()
    with pytest.raises(ValidationError) as refused:
        soe_target.restate(elsewhere, by=alice)
    assert "subject" in refused.value.message_dict
    assert not soe_target.revisions.exists()
    assert soe_target.statements.count() == 1


def test_a_linked_statement_stays_about_its_target_and_the_target_about_it(
    soe_target, investment, alice, rachel
):
    """Restating checks the metric and subject once; an edit of either end afterwards is
    checked as well, by the claim resource, the admin and the database."""
    statement = soe_target.statements.get()
    url, version = f"/api/v1/claims/{statement.claim_id}/", statement.claim.version
    for figure, field in [
        ({"metric": investment.pk}, "metric"),
        ({"subject": "北京市"}, "subject"),
    ]:
        refused = api_as(alice).patch(
            url, json={"figure": figure}, headers={"If-Match": f'"{version}"'}
        )
        assert refused.status_code == 400, refused.text
        assert "a different " + field in refused.json()[f"figure.{field}"][0]
    with pytest.raises(IntegrityError, match="another metric or subject"), transaction.atomic():
        TargetStatement.objects.filter(pk=statement.pk).update(subject="北京市")
    # The target's side: what it is about stays what its statements say.
    soe_target.subject = "北京市"
    with pytest.raises(ValidationError, match=f"Claim #{statement.claim_id} states this target"):
        soe_target.full_clean()
    with pytest.raises(IntegrityError, match="another metric or subject"), transaction.atomic():
        Target.objects.filter(pk=soe_target.pk).update(metric=investment)
    # A statement that names no subject is about the target's, whatever it becomes.
    TargetStatement.objects.filter(pk=statement.pk).update(subject="")
    Target.objects.filter(pk=soe_target.pk).update(subject="北京市")


def test_a_claim_restored_after_its_target_changed_comes_back_unlinked(soe_target, rachel):
    """Deleted, its statement left the target; the target then changed its subject (no
    statement held it). Restored, the statement would state another subject: it comes
    back unlinked rather than not at all."""
    statement = soe_target.statements.get()
    statement.claim.delete()
    Target.objects.filter(pk=soe_target.pk).update(subject="北京市")
    restored = workbench.restore_claim(claim_id=statement.claim_id, by=rachel)
    again = TargetStatement.objects.get(claim=restored)
    assert (again.target_id, again.subject, again.value) == (None, "中央企业", D(35))


def test_restating_refuses_a_metric_that_would_unmake_evidence(soe_target, investment, alice):
    """A statement that names no metric takes the target's; an observation of another
    metric that is evidence for its claim would no longer be, so it is refused."""
    claim = say("到2025年，战略性新兴产业收入占比达到35%", date(2024, 6, 1), alice)
    TargetStatement.objects.create(claim=claim, number_text="35%", value=D(35), unit="%")
    observation = observe(
        investment, "2025年战新产业投资占比35%", "35", 2025, date(2026, 3, 1), alice
    )
    ClaimRelation.objects.create(
        source=observation.claim, target=claim, kind=RelationKind.EVIDENCE_FOR, created_by=alice
    )
    with pytest.raises(ValidationError) as refused:
        soe_target.restate(claim, by=alice)
    assert f"Claim #{observation.claim_id}, an observation of another metric" in str(
        refused.value.message_dict["metric"]
    )
    assert soe_target.statements.count() == 1


def test_it_refuses_a_restatement_older_than_the_last_revision(soe_target, revenue, alice):
    newer = say("到2025年战新产业收入占比达到40%", date(2024, 9, 1), alice)
    state(newer, revenue, "40%", "40", date(2025, 12, 31))
    soe_target.restate(newer, by=alice)
    older = say("到2025年战新产业收入占比达到38%", date(2024, 5, 1), alice)
    state(older, revenue, "38%", "38", date(2025, 12, 31))
    with pytest.raises(ValidationError, match="before the revision"):
        soe_target.restate(older, by=alice)
    soe_target.refresh_from_db()
    assert soe_target.value == D(40)


def test_it_computes_the_status_from_observations_published_by_each_date(
    soe_target, revenue, alice
):
    observe(revenue, "2023年央企战新产业收入占比33%", "33", 2023, date(2024, 3, 20), alice)
    observe(revenue, "2024年央企战新产业收入占比34%", "34", 2024, date(2025, 3, 20), alice)

    assert soe_target.status(date(2024, 3, 1)) == TargetStatus.NO_DATA  # nothing published
    # 2023 ended before the target was stated (2024-03-05): a baseline, not progress.
    assert soe_target.status(date(2024, 4, 1)) == TargetStatus.NO_DATA
    assert soe_target.status(date(2025, 4, 1)) == TargetStatus.ON_TRACK  # 33 → 34 → 35


def test_it_marks_a_missed_deadline(soe_target, revenue, alice):
    observe(revenue, "2025年央企战新产业收入占比34.8%", "34.8", 2025, date(2026, 3, 5), alice)
    assert soe_target.status(date(2026, 3, 4)) == TargetStatus.NO_DATA
    assert soe_target.status(date(2026, 3, 5)) == TargetStatus.MISSED


def test_it_judges_each_date_by_the_figure_in_force_that_day(soe_target, revenue, alice):
    observe(revenue, "2025年央企战新产业收入占比35.5%", "35.5", 2025, date(2026, 3, 5), alice)
    raised = say("到2025年战新产业收入占比达到36%", date(2026, 1, 10), alice)
    state(raised, revenue, "36%", "36", date(2025, 12, 31))
    soe_target.restate(raised, by=alice)
    soe_target.refresh_from_db()
    assert soe_target.figure_on(date(2025, 12, 31))["value"] == D(35)
    assert soe_target.status(date(2026, 4, 1)) == TargetStatus.MISSED  # 35.5 < 36 in force


def test_it_keeps_the_computed_status_beside_a_reviewers_override(soe_target, revenue, alice):
    observe(revenue, "2025年央企战新产业收入占比34.8%", "34.8", 2025, date(2026, 3, 5), alice)
    soe_target.status_override = TargetStatus.ACHIEVED
    with pytest.raises(ValidationError) as refused:
        soe_target.full_clean()
    assert "status_override_reason" in refused.value.message_dict
    soe_target.status_override_reason = "The 2025 figure excludes firms merged in 2025."
    soe_target.full_clean()
    soe_target.save()
    as_of = date(2026, 4, 1)
    assert soe_target.status(as_of) == TargetStatus.MISSED
    assert soe_target.effective_status(as_of) == TargetStatus.ACHIEVED


def test_it_never_takes_a_figure_of_another_metric_as_evidence(soe_target, investment, alice):
    """35.2% of investment is not 35% of revenue, however close the numbers."""
    observed = observe(investment, "占全部投资比重的35.2%", "35.2", 2023, date(2024, 3, 9), alice)
    assert soe_target.evidence() == []
    assert soe_target.status(date(2026, 4, 1)) == TargetStatus.NO_DATA
    relation = ClaimRelation(
        source=observed.claim,
        target=soe_target.statements.get().claim,
        kind=RelationKind.EVIDENCE_FOR,
        created_by=alice,
    )
    with pytest.raises(ValidationError, match="not evidence"):
        relation.full_clean()


def test_it_lists_targets_due_by_a_date(soe_target, revenue):
    later = Target.objects.create(
        title="2030",
        metric=revenue,
        subject="中央企业",
        number_text="50%",
        value=D(50),
        unit="%",
        deadline=date(2030, 12, 31),
    )
    assert list(Target.objects.due(date(2025, 1, 1))) == [soe_target]
    assert list(Target.objects.due(date(2024, 12, 31))) == []
    assert set(Target.objects.due(date(2031, 1, 1))) == {soe_target, later}


def test_it_never_misses_an_open_ended_goal():
    turnover = Goal(Comparator.EXACT, Change.LEVEL, D("3e12"), None, "CNY", None)
    under = Reading(D("3e9"), Comparator.LESS_THAN, "CNY", date(2023, 12, 31))
    assert compute_status(turnover, [under], date(2030, 1, 1)) == TargetStatus.OFF_TRACK
    reached = Reading(D("3.1e12"), Comparator.EXACT, "CNY", date(2029, 12, 31))
    assert compute_status(turnover, [under, reached], date(2030, 6, 1)) == TargetStatus.ACHIEVED


CPI = Goal(
    Comparator.ABOUT, Change.INCREASE, D(3), None, "%", date(2018, 12, 31), bound=Bound.CEILING
)


@pytest.mark.parametrize(
    ("value", "met"), [("0.2", True), ("2.1", True), ("3.5", True), ("3.6", False)]
)
def test_a_ceiling_stated_about_a_value_is_met_anywhere_below_it(value, met):
    assert meets(CPI, D(value)) is met


def test_the_same_figure_without_a_bound_is_met_only_near_it():
    as_stated = Goal(Comparator.ABOUT, Change.INCREASE, D(3), None, "%", date(2018, 12, 31))
    assert meets(as_stated, D("0.2")) is False


def test_status_uses_the_bound_cpi_3_percent_about_is_achieved_by_0_2_percent():
    readings = [reading(2018, "0.2")]
    assert compute_status(CPI, readings, date(2019, 3, 5)) == TargetStatus.ACHIEVED
    above = [reading(2018, "3.6")]
    assert compute_status(CPI, above, date(2019, 3, 5)) == TargetStatus.MISSED


def test_an_unemployment_ceiling_of_about_5_5_percent_is_met_by_about_5_percent():
    jobless = Goal(Comparator.ABOUT, Change.LEVEL, D("5.5"), None, "%", None, Bound.CEILING)
    assert meets(jobless, D(5), Comparator.ABOUT) is True
    assert meets(jobless, D(6), Comparator.EXACT) is True  # within the half point of 左右
    assert meets(jobless, D("6.1")) is False


@pytest.mark.parametrize(
    ("bound", "value", "met"),
    [
        (Bound.POINT, "3.1", True),
        (Bound.POINT, "2.4", False),
        (Bound.POINT, "3.6", False),
        (Bound.FLOOR, "2.6", True),
        (Bound.FLOOR, "9", True),
        (Bound.FLOOR, "2.4", False),
    ],
)
def test_a_point_is_met_near_it_and_a_floor_stated_about_a_value_from_just_below(bound, value, met):
    energy = Goal(Comparator.ABOUT, Change.DECREASE, D(3), None, "%", None, bound)
    assert meets(energy, D(value)) is met


def test_a_ceiling_is_never_achieved_early_as_a_level_to_reach():
    deficit = Goal(Comparator.EXACT, Change.LEVEL, D("2.6"), None, "%", None, Bound.CEILING)
    assert is_reach_goal(deficit) is False
    assert meets(deficit, D("2.6")) is True
    assert meets(deficit, D("2.7")) is False


def test_the_chart_draws_a_years_figure_and_deadline_on_that_years_tick():
    drawn = chart(SHARE, [reading(2023, "31.2"), reading(2024, "33.6")])
    ticks = {label: x for x, label in drawn.x_ticks}
    assert [x for x, _, _ in drawn.points] == [ticks["2023"], ticks["2024"]]
    assert drawn.deadline_x == ticks["2025"]
    assert [label for _, label in drawn.y_ticks] == ["0", "10", "20", "30", "40"]


@pytest.mark.parametrize(
    ("goal", "labels"),
    [
        (GRAIN, ["0", "5000亿", "1万亿", "1.5万亿", "2万亿"]),
        (GROWTH, ["0", "2", "4", "6", "8"]),
    ],
)
def test_the_chart_ticks_values_at_round_steps(goal, labels):
    assert [label for _, label in chart(goal, []).y_ticks] == labels


def test_an_undated_statement_is_dated_by_its_document_not_by_the_target_record(
    soe_target, revenue, alice
):
    document = Document.from_raw(
        "中央企业战新产业收入占比要达到35%", title="undated", language="zh-Hans"
    )
    document.save()
    claim = make_claim(document, document.text, alice, claim_type=ClaimType.TARGET)
    state(claim, revenue, "35%", "35", date(2025, 12, 31))
    soe_target.restate(claim, by=alice)
    timeline = Target.objects.with_evidence(alice).get(pk=soe_target.pk).timeline()
    assert [(day, kind) for day, kind, _ in timeline] == [
        (None, "statement"),  # undated, first: not the day the target was recorded
        (date(2024, 3, 5), "statement"),
    ]
