"""The bulk write path (claims.bulk): a constant number of statements per batch, the
claims as the API reads them, every bad row reported, nothing half-written, history kept.
On the demo corpus, so that rows refer to documents, speakers, topics, metrics and claims
that already have several of each."""

import json
import signal
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date
from decimal import Decimal
from typing import Any

import psycopg
import pytest
from django.contrib.auth.models import User
from django.db import IntegrityError, transaction
from rest_framework.exceptions import PermissionDenied

from annotations.bulk import columns, insert, streamed_insert
from annotations.models import Document
from claims.bulk import BulkRejected, RowChecker, create_claims
from claims.models import (
    Claim,
    ClaimRelation,
    ClaimTopicEvent,
    Metric,
    Observation,
    Speaker,
    TargetStatement,
    Topic,
)
from projects.models import Assignment, Membership, Project
from tests.api_support import api_as


@pytest.fixture
def annotator(demo: None) -> User:
    return User.objects.get(username="annotator")


def rows(count: int) -> list[dict[str, Any]]:
    """`count` new claims of every kind the path writes: with a speaker and two topics,
    a target with its figure, an observation with its figure and an evidence relation."""
    documents = list(Document.objects.order_by("id"))
    speaker = Speaker.objects.order_by("id").first()
    topics = list(Topic.objects.order_by("id").values_list("id", flat=True)[:2])
    stated = TargetStatement.objects.filter(metric__isnull=False).order_by("id").first()
    assert speaker is not None
    assert stated is not None
    metric, target = stated.metric, stated.claim
    assert metric is not None
    made = []
    for number in range(count):
        document = documents[number % len(documents)]
        start = (number * 37) % (len(document.text) - 40)
        row: dict[str, Any] = {
            "document": document.pk,
            "start": start,
            "end": start + 12,
            "quote": document.text[start : start + 12],
            "claim_type": "assessment",
            "attribution": "reported",
            "speaker": speaker.pk,
            "topics": topics,
        }
        if number % 3 == 1:
            row |= {
                "claim_type": "target",
                "figure": {"number_text": "35%", "value": "35", "unit": "%", "metric": metric.pk},
            }
        elif number % 3 == 2:
            row |= {
                "claim_type": "observation",
                "figure": {
                    "number_text": "35.2%",
                    "value": "35.2",
                    "unit": "%",  # the metric's unit: an observation is counted in it
                    "metric": metric.pk,
                    "period_start": "2024-01-01",
                    "period_end": "2024-12-31",
                },
                "relations": [{"target": target.pk, "kind": "evidence_for", "note": "证据"}],
            }
        made.append(row)
    return made


@pytest.mark.parametrize("count", [6, 60])
def test_a_batch_costs_the_same_statements_whatever_its_size(
    annotator, count, django_assert_num_queries
):
    batch = rows(count)
    # 1 the projects (the default one, with its guidelines in force); 2-6 the documents
    # (with their texts), speakers, topics, metrics and related claims the rows name;
    # 7 savepoint; 8 the ids of the claims and relations; 9-13 one COPY each into
    # claims, topic links, target statements, observations and relations; 14 release
    # the savepoint.
    with django_assert_num_queries(14):
        created = create_claims(batch, by=annotator)
    ids = [new.claim["id"] for new in created]
    assert Claim.objects.filter(pk__in=ids, annotator=annotator).count() == count
    assert Claim.topics.through.objects.filter(claim_id__in=ids).count() == 2 * count
    assert TargetStatement.objects.filter(claim_id__in=ids).count() == len(range(1, count, 3))
    assert Observation.objects.filter(claim_id__in=ids).count() == len(range(2, count, 3))
    assert ClaimRelation.objects.filter(source_id__in=ids).count() == len(range(2, count, 3))


def test_each_claim_is_written_into_the_copy_as_it_is_checked(
    annotator: User, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The claims' COPY is open while the rows are checked: each claim is written into
    it as soon as it is checked, not after every row has been (psycopg sends what is
    written about every 32 KiB, so PostgreSQL stores some claims while the next are
    checked)."""
    events: list[str] = []
    check, write_row = RowChecker.check, psycopg.Copy.write_row

    def checked(checker: RowChecker, row: object) -> Any:
        events.append("check")
        return check(checker, row)

    def written(copy: psycopg.Copy, row: Any) -> None:
        events.append("write")
        write_row(copy, row)

    monkeypatch.setattr(RowChecker, "check", checked)
    monkeypatch.setattr(psycopg.Copy, "write_row", written)
    create_claims(rows(3), by=annotator)
    assert events[:6] == ["check", "write"] * 3


def test_whether_she_may_comment_is_known_before_the_copy_opens(annotator: User) -> None:
    """A review comment on a row after good ones: a reviewer's rows are stored, an
    annotator's refused, each without a query while the claims' COPY is open (which
    would wait on the connection forever)."""
    batch = rows(2)
    batch[1]["review_comment"] = "引文需核对"
    with pytest.raises(PermissionDenied), fails_within(30):
        create_claims(batch, by=annotator)
    reviewer = User.objects.get(username="reviewer")
    with fails_within(30):
        stored = create_claims(batch, by=reviewer)
    assert [new.claim["review_comment"] for new in stored] == ["", "引文需核对"]
    # A comment once checked ("0"), though falsy as sent, is asked about too.
    (row,) = rows(1)
    reviewer = User.objects.get(username="reviewer")  # not the one that has her answer
    (stored_row,) = create_claims([row | {"review_comment": 0}], by=reviewer)
    assert stored_row.claim["review_comment"] == "0"


def test_a_metric_proposed_by_someone_else_is_named_without_a_query(
    annotator: User, django_user_model: type[User]
) -> None:
    """The refusal names the metric's proposer: read with the metrics, not while the
    claims' COPY is open."""
    someone = django_user_model.objects.create_user("someone")
    proposed = Metric.objects.create(
        name="别人提出的指标", unit="%", status="proposed", proposed_by=someone
    )
    batch = rows(3)
    batch[2]["figure"]["metric"] = proposed.pk
    del batch[2]["relations"]
    with pytest.raises(BulkRejected) as rejected, fails_within(30):
        create_claims(batch, by=annotator)
    (error,) = rejected.value.errors
    assert error["row"] == 2
    assert "someone" in error["errors"]["figure.metric"][0]


def test_a_query_while_a_copy_is_open_fails_at_once(annotator: User) -> None:
    """Rather than wait forever on the connection the COPY holds."""
    claim = Claim.objects.values_list("pk", flat=True)[0]

    def query_during_a_copy() -> None:
        with transaction.atomic(), streamed_insert(Claim.topics.through) as write:
            write({"claim_id": claim, "topic_id": 1})
            Topic.objects.count()

    with pytest.raises(RuntimeError, match="was run while 'COPY"), fails_within(30):
        query_during_a_copy()


@contextmanager
def fails_within(seconds: int) -> Iterator[None]:
    """A test that would wait forever (a query on the connection a COPY holds) fails."""

    def expire(signum: int, frame: object) -> None:
        raise TimeoutError(f"still waiting after {seconds} s")

    previous = signal.signal(signal.SIGALRM, expire)
    signal.alarm(seconds)
    try:
        yield
    finally:
        signal.alarm(0)
        signal.signal(signal.SIGALRM, previous)


def test_the_answer_is_the_claims_as_the_api_reads_them(annotator):
    api = api_as(annotator)
    response = api.post("/api/v1/claims/bulk/", json=rows(6))
    assert response.status_code == 201, response.text
    answered = response.json()
    read = [api.get(f"/api/v1/claims/{claim['id']}/").json() for claim in answered]
    assert answered == read
    assert answered[1]["figure"]["value"] == "35.000000"
    assert answered[2]["relations"][0]["kind"] == "evidence_for"


def test_an_import_may_ask_for_the_ids_alone(annotator):
    batch = rows(4)
    response = api_as(annotator).post(
        "/api/v1/claims/bulk/", json=batch, headers={"Prefer": "handling=strict, return=minimal"}
    )
    assert response.status_code == 201, response.text
    assert response.headers["Preference-Applied"] == "return=minimal"
    answer = response.json()
    assert answer["count"] == 4
    stored = Claim.objects.in_bulk(answer["ids"])
    assert [stored[pk].quote for pk in answer["ids"]] == [row["quote"] for row in batch]


def test_lone_surrogates_are_refused_escaped_or_decoded_and_a_body_as_typed_is_stored(
    annotator,
):
    """The parser walks a body only when its text may hold a lone surrogate: escaped, or
    decoded into the text by a charset other than UTF-8. Chinese as typed is stored."""
    batch = rows(4)
    batch[2]["note"] = "半个字符：@"
    typed = json.dumps(batch, ensure_ascii=False)
    api = api_as(annotator)
    before = Claim.objects.count()
    refused = api.post(
        "/api/v1/claims/bulk/",
        data=typed.replace("@", "\\udc00"),
        headers={"Content-Type": "application/json"},
    )
    assert refused.status_code == 400, refused.text
    assert list(refused.json()) == ["2.note"]
    assert Claim.objects.count() == before
    # Nor one that a charset other than UTF-8 decodes into the text itself.
    refused = api.post(
        "/api/v1/claims/bulk/",
        data='[{"note": "ok"}, {"note": "\\udc00"}]',
        headers={"Content-Type": "application/json; charset=unicode_escape"},
    )
    assert refused.status_code == 400, refused.text
    assert list(refused.json()) == ["1.note"]
    stored = api.post(
        "/api/v1/claims/bulk/", data=typed, headers={"Content-Type": "application/json"}
    )
    assert stored.status_code == 201, stored.text
    assert [claim["note"] for claim in stored.json()][2] == "半个字符：@"


def test_every_bad_row_is_reported_and_nothing_is_saved(annotator):
    batch = rows(9)
    before = Claim.objects.count()
    batch[0]["quote"] = "不是这段文字"
    batch[1]["figure"]["value"] = "很多"
    batch[2]["relations"] = [batch[2]["relations"][0]] * 2
    batch[3]["figure"] = {"value": "1"}  # an assessment has no figure
    batch[4]["figure"] |= {"comparator": "range"}  # a range needs its upper value
    batch[5]["annotator"] = 1  # forged
    batch[6] = ["not", "an", "object"]  # type: ignore[call-overload]
    batch[7]["topics"] = [999999]
    batch[8]["speaker"] = "张玉卓"
    with pytest.raises(BulkRejected) as rejected:
        create_claims(batch, by=annotator)
    errors = {error["row"]: error["errors"] for error in rejected.value.errors}
    assert sorted(errors) == list(range(9))
    assert list(errors[0]) == ["quote"]
    assert errors[1] == {"figure.value": ["A valid number is required."]}
    assert errors[2] == {"relations.1": ["The same relation is listed twice."]}
    assert errors[3] == {"figure": ["A assessment-type claim has no figure: send null."]}
    assert list(errors[4]) == ["figure.value_high"]
    assert errors[5] == {"annotator": ["This field cannot be set here."]}
    assert list(errors[6]) == ["non_field_errors"]
    assert errors[7] == {"topics": ['Invalid pk "999999" - object does not exist.']}
    assert errors[8] == {"speaker": ["Incorrect type. Expected pk value, received str."]}
    assert Claim.objects.count() == before


def test_bad_rows_after_good_ones_are_named_and_nothing_of_the_batch_is_stored(annotator):
    """Two bad rows late in a batch of 60: both named, none of the 58 good rows stored,
    and the transaction goes on."""
    batch = rows(60)
    before = Claim.objects.count(), Claim.topics.through.objects.count()
    batch[40]["quote"] = "不是这段文字"
    batch[55]["stance"] = "hostile"
    with pytest.raises(BulkRejected) as rejected:
        create_claims(batch, by=annotator)
    assert [error["row"] for error in rejected.value.errors] == [40, 55]
    assert list(rejected.value.errors[1]["errors"]) == ["stance"]
    assert (Claim.objects.count(), Claim.topics.through.objects.count()) == before
    # The transaction goes on: the same rows, mended, are stored.
    batch[40]["quote"], batch[55]["stance"] = rows(60)[40]["quote"], "support"
    assert len(create_claims(batch, by=annotator)) == 60
    assert Claim.objects.count() == before[0] + 60


def test_evidence_of_another_metric_is_refused(annotator):
    batch = rows(3)[2:]
    measured = Metric.objects.get(pk=batch[0]["figure"]["metric"])
    other = Metric.objects.create(name="另一个指标", unit=measured.unit)  # same unit, not the same
    batch[0]["figure"]["metric"] = other.pk
    with pytest.raises(BulkRejected) as rejected:
        create_claims(batch, by=annotator)
    assert list(rejected.value.errors[0]["errors"]) == ["relations.0.kind"]


def test_each_write_is_in_the_history_credited_to_the_annotator(annotator):
    response = api_as(annotator).post("/api/v1/claims/bulk/", json=rows(3))
    assert response.status_code == 201, response.text
    observation = response.json()[2]
    entries = api_as(annotator).get(f"/api/v1/claims/{observation['id']}/history/").json()
    inserted = {entry["model"] for entry in entries if entry["event"] == "insert"}
    assert {"claims.Claim", "claims.Observation", "claims.ClaimRelation"} <= inserted
    assert {entry["username"] for entry in entries} == {"annotator"}
    linked = ClaimTopicEvent.objects.filter(claim_id=observation["id"], pgh_label="insert")
    assert linked.count() == 2


def test_a_figure_keeps_its_decimal_value(annotator):
    created = create_claims(rows(2), by=annotator)
    figure = TargetStatement.objects.get(claim_id=created[1].claim["id"])
    assert figure.value == Decimal("35")


def test_a_row_the_database_refuses_is_refused_as_djangos_integrity_error(annotator):
    """COPY runs on the driver's cursor; its refusals still reach the API's error handler
    as Django's errors (a 409, not a 500)."""
    created = create_claims(rows(1), by=annotator)
    claim = dict(created[0].claim, id=None, quote="不是这段文字")
    del claim["id"]
    with pytest.raises(IntegrityError), transaction.atomic():
        insert(Claim, [claim])


def test_the_database_checks_every_figure_a_statement_writes(annotator, django_user_model):
    """The figure tables' own checks run once per statement, over all its rows: one
    figure of a proposed metric, or in another unit, among good ones fails the batch."""
    batch = rows(6)
    targets, observations = batch[1::3], batch[2::3]
    for row in targets + observations:  # stored bare; their figures are written below
        row.pop("figure")
        row.pop("relations", None)
    target_ids = [new.claim["id"] for new in create_claims(targets, by=annotator)]
    observation_ids = [new.claim["id"] for new in create_claims(observations, by=annotator)]
    metric = Metric.objects.create(name="批量指标", unit="%")
    someone = django_user_model.objects.create_user("someone")
    proposed = Metric.objects.create(
        name="别人提出的指标", unit="%", status="proposed", proposed_by=someone
    )
    year = {"period_start": date(2024, 1, 1), "period_end": date(2024, 12, 31)}

    def figures(model: type[TargetStatement | Observation], ids: list[int], **last: Any) -> Any:
        """One figure for each claim, all good but the last, which gets `last`."""
        made = [
            columns(model(claim_id=pk, number_text="35%", value=35, unit="%", metric=metric))
            for pk in ids
        ]
        if model is Observation:
            made = [row | year for row in made]
        made[-1] |= last
        return made

    with pytest.raises(IntegrityError, match="is proposed"), transaction.atomic():
        insert(TargetStatement, figures(TargetStatement, target_ids, metric_id=proposed.pk))
    with pytest.raises(IntegrityError, match="is proposed"), transaction.atomic():
        insert(Observation, figures(Observation, observation_ids, metric_id=proposed.pk))
    with pytest.raises(IntegrityError, match="not the unit of metric"), transaction.atomic():
        insert(Observation, figures(Observation, observation_ids, unit="pp"))
    insert(Observation, figures(Observation, observation_ids))
    assert Observation.objects.filter(metric=metric).count() == len(observation_ids)


def test_rows_in_a_project_are_by_its_members_on_its_documents_and_start_assignments(
    annotator, django_user_model
):
    study = Project.objects.create(name="Bulk study", annotators_per_document=1)
    batch = rows(2)
    inside, outside = batch[0]["document"], Document.objects.exclude(pk=batch[0]["document"])
    study.documents.add(inside)
    # Not a member: the project does not exist for her, as in the claim resource.
    with pytest.raises(BulkRejected) as rejected:
        create_claims([{**batch[0], "project": study.pk}], by=annotator)
    assert list(rejected.value.errors[0]["errors"]) == ["project"]
    Membership.objects.create(project=study, user=annotator, role="annotator")
    other = outside.first()
    assert other is not None
    stray = {**batch[0], "project": study.pk, "document": other.pk}
    with pytest.raises(BulkRejected) as rejected:
        create_claims([stray], by=annotator)
    assert list(rejected.value.errors[0]["errors"]) == ["document"]
    assignment = Assignment.objects.create(project=study, document_id=inside, annotator=annotator)
    guidelines = study.add_guidelines("# Code targets", by=annotator)
    created = create_claims([{**batch[0], "project": study.pk}], by=annotator)
    stored = Claim.objects.get(pk=created[0].claim["id"])
    assert (stored.project_id, stored.guidelines_id) == (study.pk, guidelines.pk)
    assignment.refresh_from_db()
    assert assignment.state == "in_progress"
    # Left out, the default project, as for one claim.
    plain = create_claims([batch[1]], by=annotator)
    assert Claim.objects.get(pk=plain[0].claim["id"]).project == Project.objects.default()
