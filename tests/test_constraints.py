"""Every invariant holds in the database itself: a write that skips
validation (a raw insert, a bulk update, another program) still fails."""

import datetime

import pgtrigger
import pytest
from django.db import IntegrityError, InternalError, connection, transaction

from annotations.models import Document
from claims.models import (
    TARGET_FIGURE_TRIGGER,
    Claim,
    ClaimRelation,
    ClaimType,
    Metric,
    Observation,
    Speaker,
    Target,
    TargetStatement,
    Topic,
)
from tests.conftest import SOE_TARGET, make_claim

pytestmark = pytest.mark.django_db


def fails(sql: str, params=()) -> None:
    with pytest.raises((IntegrityError, InternalError)):  # noqa: PT012, SIM117
        with transaction.atomic(), connection.cursor() as cursor:
            # Foreign keys are deferred to commit; the test transaction never commits.
            cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
            cursor.execute(sql, params)


def update_fails(queryset, **values) -> None:
    with pytest.raises(IntegrityError), transaction.atomic():
        queryset.update(**values)


@pytest.fixture
def claim(seed_document, alice, zhang):
    return make_claim(
        seed_document,
        SOE_TARGET,
        alice,
        claim_type=ClaimType.TARGET,
        speaker=zhang,
        attribution="reported",
    )


def test_a_span_must_start_before_it_ends(claim):
    update_fails(Claim.objects.filter(pk=claim.pk), end=claim.start)


def test_a_span_cannot_start_before_zero(claim):
    with pytest.raises(IntegrityError), transaction.atomic():
        Claim.objects.filter(pk=claim.pk).update(start=-1)


def test_a_quote_must_match_the_text_at_its_offsets(claim):
    fails("UPDATE claims_claim SET quote = 'something else' WHERE id = %s", [claim.pk])
    fails("UPDATE claims_claim SET start = start + 1 WHERE id = %s", [claim.pk])


def test_a_span_cannot_reach_beyond_the_text(claim, seed_document):
    length = len(seed_document.text)
    fails(
        'UPDATE claims_claim SET start = %s, "end" = %s, quote = %s WHERE id = %s',
        [length - 1, length + 5, seed_document.text[-1:], claim.pk],
    )


def inserts_copies(
    claim: Claim, spans: list[tuple[int, int, int, str]]
) -> tuple[str, list[int | str]]:
    """One INSERT of `claim` again for each (document_id, start, end, quote), unvalidated."""
    copy = (
        "SELECT %s, %s, %s, %s, annotator_id, status, review_comment, 1, now(), now(), "
        "claim_type, speaker_id, speaker_role, attribution, stance, modality, note "
        "FROM claims_claim WHERE id = %s"
    )
    sql = (
        'INSERT INTO claims_claim (document_id, start, "end", quote, annotator_id, status, '
        "review_comment, version, created_at, updated_at, claim_type, speaker_id, "
        "speaker_role, attribution, stance, modality, note) "
    ) + " UNION ALL ".join([copy] * len(spans))
    return sql, [value for span in spans for value in (*span, claim.pk)]


def test_one_bad_span_among_many_inserted_rows_fails_the_statement(claim, seed_document):
    """Inserted rows are checked per statement (claims.bulk writes thousands at once): a
    quote that differs, an end beyond the text or a missing document in any row fails all."""
    text, document = seed_document.text, seed_document.pk
    good = (document, claim.start, claim.end, claim.quote)
    shifted = (document, claim.start + 1, claim.end + 1, claim.quote)
    beyond = (document, len(text) - 1, len(text) + 1, text[-1])
    missing = (987654321, claim.start, claim.end, claim.quote)
    for bad in (shifted, beyond, missing):
        fails(*inserts_copies(claim, [good, bad, good]))
        # More than four spans in one text: checked in 64-character pieces.
        fails(*inserts_copies(claim, [good, good, good, good, bad, good]))
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(*inserts_copies(claim, [good, good]))
        assert Claim.objects.filter(quote=claim.quote).count() == 3
        transaction.set_rollback(True)


def test_offsets_count_code_points_in_the_database_too(alice):
    document = Document.from_raw("𠮷野家说：😀目标是增长5%。", title="astral", language="zh-Hans")
    document.save()
    claim = make_claim(document, "目标是增长5%", alice)
    assert (claim.start, claim.end) == (6, 13)  # Python indices; UTF-16 would say 8 and 15


def test_the_text_of_an_annotated_document_cannot_change(claim, seed_document):
    fails("UPDATE annotations_document SET text = text || '!' WHERE id = %s", [seed_document.pk])


def test_the_text_of_an_unannotated_document_can_change(seed_document):
    seed_document.text = "新的文本"
    seed_document.save()
    seed_document.refresh_from_db()
    assert seed_document.text == "新的文本"


def test_content_hash_must_be_the_hash_of_the_text(seed_document):
    update_fails(Document.objects.filter(pk=seed_document.pk), content_hash="0" * 64)


def test_the_same_text_cannot_be_stored_twice(seed_document):
    copy = Document.from_raw(seed_document.raw_text, title="copy", language="zh-Hans")
    with pytest.raises(IntegrityError), transaction.atomic():
        copy.save()


@pytest.mark.parametrize(
    ("model", "field"),
    [
        (Document, "language"),
        (Document, "line_breaks"),
    ],
)
def test_document_choices_hold(seed_document, model, field):
    update_fails(model.objects.filter(pk=seed_document.pk), **{field: "bogus"})


@pytest.mark.parametrize("field", ["claim_type", "attribution", "stance", "modality", "status"])
def test_claim_choices_hold(claim, field):
    update_fails(Claim.objects.filter(pk=claim.pk), **{field: "bogus"})


def test_a_claim_without_speaker_must_be_authorial(claim):
    update_fails(Claim.objects.filter(pk=claim.pk), speaker=None)


def test_an_accepted_claim_names_its_reviewer(claim):
    update_fails(Claim.objects.filter(pk=claim.pk), status="accepted")


def test_a_rejection_carries_a_comment(claim, rachel):
    update_fails(
        Claim.objects.filter(pk=claim.pk),
        status="rejected",
        reviewer=rachel,
        reviewed_at=datetime.datetime.now(datetime.UTC),
        review_comment="",
    )


def test_a_document_with_claims_cannot_be_deleted(claim, seed_document):
    from django.db.models import ProtectedError

    with pytest.raises(ProtectedError):
        seed_document.delete()
    fails("DELETE FROM annotations_document WHERE id = %s", [seed_document.pk])


def test_a_speaker_with_claims_cannot_be_deleted(claim, zhang):
    from django.db.models import ProtectedError

    with pytest.raises(ProtectedError):
        zhang.delete()


def test_names_are_unique_and_not_empty(zhang):
    with pytest.raises(IntegrityError), transaction.atomic():
        Speaker.objects.create(name="张玉卓")
    with pytest.raises(IntegrityError), transaction.atomic():
        Speaker.objects.create(name="")
    with pytest.raises(IntegrityError), transaction.atomic():
        zhang.aliases.create(name="張玉卓")
    Topic.objects.create(name="AI")
    with pytest.raises(IntegrityError), transaction.atomic():
        Topic.objects.create(name="AI")


@pytest.fixture
def metric(db):
    return Metric.objects.create(name="中央企业战略性新兴产业收入占比", unit="%")


def test_a_range_has_an_ordered_upper_value(claim, metric):
    base = {"claim": claim, "number_text": "5%-10%", "value": 5, "unit": "%", "metric": metric}
    with pytest.raises(IntegrityError), transaction.atomic():
        TargetStatement.objects.create(comparator="range", **base)
    with pytest.raises(IntegrityError), transaction.atomic():
        TargetStatement.objects.create(comparator="range", value_high=4, **base)
    with pytest.raises(IntegrityError), transaction.atomic():
        TargetStatement.objects.create(comparator="about", value_high=10, **base)
    TargetStatement.objects.create(comparator="range", value_high=10, **base)


def test_figure_choices_hold(claim, metric):
    statement = TargetStatement.objects.create(
        claim=claim, number_text="35%", value=35, unit="%", metric=metric
    )
    update_fails(TargetStatement.objects.filter(pk=statement.pk), comparator="bogus")
    update_fails(TargetStatement.objects.filter(pk=statement.pk), change="bogus")


def test_an_observation_period_is_ordered(claim, metric):
    with pytest.raises(IntegrityError), transaction.atomic():
        Observation.objects.create(
            claim=claim,
            metric=metric,
            number_text="35.2%",
            value=35.2,
            unit="%",
            period_start=datetime.date(2023, 12, 31),
            period_end=datetime.date(2023, 1, 1),
        )


def test_a_target_override_needs_a_valid_status_and_a_reason(metric):
    target = Target.objects.create(
        title="35%",
        metric=metric,
        subject="中央企业",
        value=35,
        unit="%",
        number_text="35%",
        deadline=datetime.date(2025, 12, 31),
    )
    update_fails(Target.objects.filter(pk=target.pk), status_override="bogus")
    update_fails(Target.objects.filter(pk=target.pk), status_override="achieved")
    Target.objects.filter(pk=target.pk).update(
        status_override="achieved", status_override_reason="Reported in 2026"
    )


def test_a_metric_with_targets_cannot_be_deleted(metric):
    from django.db.models import ProtectedError

    Target.objects.create(
        title="35%",
        metric=metric,
        subject="中央企业",
        value=35,
        unit="%",
        number_text="35%",
        deadline=datetime.date(2025, 12, 31),
    )
    with pytest.raises(ProtectedError):
        metric.delete()


def test_relations_are_unique_and_not_reflexive(claim, seed_document, alice):
    other = make_claim(seed_document, "创新和质优是重中之重", alice)
    ClaimRelation.objects.create(source=other, target=claim, kind="supports", created_by=alice)
    with pytest.raises(IntegrityError), transaction.atomic():
        ClaimRelation.objects.create(source=other, target=claim, kind="supports", created_by=alice)
    with pytest.raises(IntegrityError), transaction.atomic():
        ClaimRelation.objects.create(source=claim, target=claim, kind="restates", created_by=alice)
    update_fails(ClaimRelation.objects.all(), kind="bogus")


def test_a_claim_in_a_relation_cannot_be_deleted(claim, seed_document, alice):
    from django.db.models import ProtectedError

    other = make_claim(seed_document, "创新和质优是重中之重", alice)
    ClaimRelation.objects.create(source=other, target=claim, kind="supports", created_by=alice)
    with pytest.raises(ProtectedError):
        claim.delete()


def test_a_targets_bound_is_a_known_one_and_a_range_bound_only_on_a_range(claim, metric):
    statement = TargetStatement.objects.create(
        claim=claim, number_text="3%", value=3, unit="%", metric=metric, bound="ceiling"
    )
    update_fails(TargetStatement.objects.filter(pk=statement.pk), bound="bogus")
    update_fails(TargetStatement.objects.filter(pk=statement.pk), bound="range")
    target = Target.objects.create(
        title="CPI", metric=metric, subject="国务院", number_text="3%", value=3, unit="%"
    )
    # Lift the restatement-only trigger, so that the CHECKs are what refuses.
    with pgtrigger.ignore(f"claims.Target:{TARGET_FIGURE_TRIGGER}"):
        update_fails(Target.objects.filter(pk=target.pk), bound="bogus")
        update_fails(Target.objects.filter(pk=target.pk), bound="range")
        Target.objects.filter(pk=target.pk).update(comparator="range", value_high=4, bound="range")
