"""Every list of the API and every admin changelist takes an exact number of queries,
each named below, on data with several rows per related object (five claims per
document, three topics per claim, three aliases per speaker, three statements and
three observations per target), so that a query per row would show. Lists leave the
texts of documents they do not show in the database.

The data is built once for the module (tests/conftest.py, built_once).
"""

import base64
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

import pytest
from django.contrib import admin
from django.contrib.auth.models import User
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from pytest_django import DjangoAssertNumQueries, DjangoDbBlocker

from annotations.models import Document, ReviewStatus
from claims.models import (
    Attribution,
    Claim,
    ClaimRelation,
    ClaimType,
    Metric,
    Observation,
    RelationKind,
    Speaker,
    SuggestionDismissal,
    Target,
    Topic,
)
from claims.roles import ANNOTATOR, API_READER, REVIEWER
from projects.models import Project
from tests.api_support import _fresh_throttles, api_as  # noqa: F401
from tests.conftest import SEED_000, SEED_001, SEED_003, built_once, make_user
from tests.test_tracking import state

pytestmark = pytest.mark.usefixtures("query_data")

SPEAKERS = {
    "张玉卓": ["張玉卓", "张主任", "Zhang Yuzhuo"],
    "国务院国资委": ["國務院國資委", "国资委", "SASAC"],
    "李强": ["李強", "李总理", "Li Qiang"],
}
TOPICS = ["新质生产力", "中央企业", "数据", "芯片"]
# Per document: two target-type claims (one per metric), two observation-type, one other.
KINDS = [
    ClaimType.TARGET,
    ClaimType.TARGET,
    ClaimType.OBSERVATION,
    ClaimType.OBSERVATION,
    ClaimType.ASSESSMENT,
]
PUBLISHED = [date(2024, 3, 5), date(2024, 9, 1), date(2025, 3, 5)]


@dataclass
class QueryData:
    reader: User
    rachel: User
    documents: list[Document]
    targets: list[Target]


def build() -> QueryData:
    alice, bob = make_user("alice", ANNOTATOR), make_user("bob", ANNOTATOR)
    rachel = make_user("rachel", REVIEWER)
    reader = make_user("reader", API_READER)
    reader.is_staff = False
    reader.save()
    speakers = []
    for name, aliases in SPEAKERS.items():
        speaker = Speaker.objects.create(name=name)
        for alias in aliases:
            speaker.aliases.create(name=alias)
        speakers.append(speaker)
    topics = [Topic.objects.create(name=name) for name in TOPICS]
    metrics = [
        Metric.objects.create(name="央企战略性新兴产业收入占比", unit="%"),
        Metric.objects.create(name="央企战略性新兴产业投资占比", unit="%"),
    ]
    targets = [
        Target.objects.create(
            title=f"{metric.name}35%",
            metric=metric,
            subject="中央企业",
            number_text="35%",
            value=Decimal(35),
            unit="%",
            deadline=date(2025, 12, 31),
            set_by=speakers[0],
        )
        for metric in metrics
    ]
    documents = []
    for n, (path, published_on) in enumerate(
        zip([SEED_000, SEED_001, SEED_003], PUBLISHED, strict=True)
    ):
        document = Document.from_raw(
            path.read_text(encoding="utf-8"),
            title=path.stem,
            outlet=f"outlet {n % 2}",
            language="zh-Hans",
            published_on=published_on,
        )
        document.save()
        documents.append(document)
        claims = []
        for i, kind in enumerate(KINDS):
            start = 100 + 200 * i
            claim = Claim.objects.create(
                document=document,
                start=start,
                end=start + 12,
                quote=document.text[start : start + 12],
                claim_type=kind,
                attribution=Attribution.DIRECT,
                speaker=speakers[i % 3],
                annotator=(alice, bob)[i % 2],
            )
            claim.topics.set(topics[i % 2 : i % 2 + 3])
            claims.append(claim)
        reviewed = claims[-1]
        reviewed.status, reviewed.reviewer = ReviewStatus.ACCEPTED, rachel
        reviewed.reviewed_at = timezone.now()
        reviewed.save()
        for metric, target, stated, observed in zip(
            metrics, targets, claims[:2], claims[2:4], strict=True
        ):
            state(stated, metric, f"{35 + n}%", str(35 + n), date(2025, 12, 31))
            target.restate(stated, by=rachel)  # the second and third record a revision
            Observation.objects.create(
                claim=observed,
                metric=metric,
                subject="中央企业",
                number_text=f"{33 + n}%",
                value=Decimal(33 + n),
                unit="%",
                period_start=date(2022 + n, 1, 1),
                period_end=date(2022 + n, 12, 31),
            )
            ClaimRelation.objects.create(
                source=observed, target=stated, kind=RelationKind.EVIDENCE_FOR, created_by=rachel
            )
        for dismisser, start in ((alice, 1), (bob, 5)):
            SuggestionDismissal.objects.create(
                project=Project.objects.default(),
                document=document,
                start=start,
                end=start + 2,
                kind=ClaimType.TARGET,
                number_text="35%",
                dismissed_by=dismisser,
            )
    return QueryData(reader=reader, rachel=rachel, documents=documents, targets=targets)


@pytest.fixture(scope="module")
def query_data(django_db_setup: None, django_db_blocker: DjangoDbBlocker) -> Iterator[QueryData]:
    with built_once(django_db_blocker):
        data = build()
        yield data


def test_the_data_has_several_rows_per_related_object(query_data: QueryData, db: None) -> None:
    for document in query_data.documents:
        assert Claim.objects.filter(document=document).count() == 5
    for claim in Claim.objects.all():
        assert claim.topics.count() == 3
    for speaker in Speaker.objects.all():
        assert speaker.aliases.count() == 3
        assert Claim.objects.filter(speaker=speaker).count() >= 3
    for target in query_data.targets:
        assert target.statements.count() == 3
        assert target.revisions.count() == 2
        assert len(target.evidence()) == 3


def from_(table: str) -> str:
    return f'FROM "{table}"'


def assert_queries(captured: CaptureQueriesContext, expected: list[tuple[str, str]]) -> None:
    """The queries run are, in order, the ones named: each reads FROM the table given."""
    queries = [query["sql"] for query in captured.captured_queries]
    for query, (name, table) in zip(queries, expected, strict=True):
        assert from_(table) in query, f"expected {name} (from {table}), got:\n{query}"


TEXT_COLUMNS = ['"annotations_document"."text"', '"annotations_document"."raw_text"']


def assert_no_document_text(captured: CaptureQueriesContext) -> None:
    for query in captured.captured_queries:
        assert not [column for column in TEXT_COLUMNS if column in query["sql"]], query["sql"]


# ------------------------------------------------------------------------- the API

# Token authentication, then the role's permissions (config.api.RolePermission).
TOKEN = [
    ("the token with its user", "authtoken_token"),
    ("the user's own and her groups' permissions (config.auth)", "auth_permission"),
]
EVIDENCE = [
    ("the targets with their metrics", "claims_target"),
    ("their statements, each with its claim and document", "claims_targetstatement"),
    ("their revisions, each with its claim and document", "claims_targetrevision"),
    ("their metrics' observations, each with claim and document", "claims_observation"),
]
# A claim page is found on ids and sort keys (ClaimViewSet.list), then read whole
# (claims.representation.claims_as_read).
CLAIM_PAGE = [
    ("the page's claim ids, sorted, with the sort key", "claims_claim"),
    (
        "those claims with speaker, users, statement, observation, topics and relations",
        "claims_claim",
    ),
]
API_LISTS = {
    "/api/v1/documents/": [("the page of documents", "annotations_document")],
    "/api/v1/claims/": CLAIM_PAGE,
    "/api/v1/claims/?q=新&ordering=-published": [
        ("the frequencies of the word's grams in both scripts (claims.search)", "pg_stats"),
        *CLAIM_PAGE,
    ],
    "/api/v1/claims/?q=新质生产&claim_type=target": [
        ("the frequencies of the word's grams in both scripts (claims.search)", "pg_stats"),
        *CLAIM_PAGE,
    ],
    "/api/v1/speakers/": [
        ("the page of speakers", "claims_speaker"),
        ("their aliases", "claims_speakeralias"),
    ],
    "/api/v1/topics/": [("the page of topics", "claims_topic")],
    "/api/v1/metrics/": [("the page of metrics", "claims_metric")],
    "/api/v1/targets/": [("the page of targets", "claims_target")],
    "/api/v1/observations/": [("the page of observations", "claims_observation")],
    "/api/v1/relations/": [("the page of relations with their creators", "claims_claimrelation")],
    "/api/v1/targets/tracking/": EVIDENCE,
    "/api/v1/targets/due/?as_of=2030-01-01": EVIDENCE,
}
# Rows each list returns: several per related object (the data above).
API_ROWS = {
    "/api/v1/documents/": 3,
    "/api/v1/claims/": 15,
    "/api/v1/claims/?q=新&ordering=-published": 5,  # from all three documents
    "/api/v1/claims/?q=新质生产&claim_type=target": 1,
    "/api/v1/speakers/": 3,
    "/api/v1/topics/": 4,
    "/api/v1/metrics/": 2,
    "/api/v1/targets/": 2,
    "/api/v1/observations/": 6,
    "/api/v1/relations/": 10,  # six evidence_for, four restates
    "/api/v1/targets/tracking/": 2,
    "/api/v1/targets/due/?as_of=2030-01-01": 2,
}


def test_a_claim_page_deep_in_the_cursor_takes_the_same_queries(
    query_data: QueryData, db: None, django_assert_num_queries: DjangoAssertNumQueries
) -> None:
    first = Claim.objects.order_by("id").values_list("id", flat=True)[0]
    # The page after the first claim, as DRF encodes a position.
    cursor = base64.b64encode(f"p={first}".encode()).decode()
    api = api_as(query_data.reader)
    with django_assert_num_queries(len(TOKEN + CLAIM_PAGE)) as captured:
        response = api.get(f"/api/v1/claims/?cursor={cursor}")
    assert response.status_code == 200, response.text
    assert len(response.json()["results"]) == API_ROWS["/api/v1/claims/"] - 1
    assert_queries(captured, TOKEN + CLAIM_PAGE)
    assert_no_document_text(captured)


@pytest.mark.parametrize("path", list(API_LISTS))
def test_each_api_list_takes_the_queries_named(
    query_data: QueryData, db: None, path: str, django_assert_num_queries: DjangoAssertNumQueries
) -> None:
    expected = TOKEN + API_LISTS[path]
    api = api_as(query_data.reader)
    with django_assert_num_queries(len(expected)) as captured:
        response = api.get(path)
    assert response.status_code == 200, response.text
    assert len(response.json()["results"]) == API_ROWS[path]
    assert_queries(captured, expected)
    assert_no_document_text(captured)


def test_the_suggestions_of_a_document_take_the_queries_named(
    query_data: QueryData, db: None, django_assert_num_queries: DjangoAssertNumQueries
) -> None:
    document = query_data.documents[0]
    expected = [
        *TOKEN,
        ("the document, with the text it scans", "annotations_document"),
        ("the projects holding it that she annotates in", "projects_project"),
        ("the metrics to guess from", "claims_metric"),
        ("the spans of its claims", "claims_claim"),
        ("its dismissed suggestions", "claims_suggestiondismissal"),
        ("its suggestions, stored by the first request", "claims_storedsuggestions"),
    ]
    api = api_as(query_data.reader)
    assert api.get(f"/api/v1/documents/{document.pk}/suggestions/").status_code == 200
    with django_assert_num_queries(len(expected)) as captured:
        response = api.get(f"/api/v1/documents/{document.pk}/suggestions/")
    assert response.status_code == 200, response.text
    assert len(response.json()["metrics"]) == 2
    assert_queries(captured, expected)
    # It reads the canonical text it scans, never the raw text.
    assert not [q for q in captured.captured_queries if TEXT_COLUMNS[1] in q["sql"]]


# ----------------------------------------------------------------- the admin changelists

SESSION = [
    ("the session", "django_session"),
    ("the user", "auth_user"),
    ("the user's own and her groups' permissions (config.auth)", "auth_permission"),
]


def counts(table: str) -> list[tuple[str, str]]:
    return [
        ("the count of rows the filters keep (the paginator)", table),
        ("the count of all rows, shown beside it", table),
    ]


CHANGELISTS = {
    "annotations.document": [
        *counts("annotations_document"),
        ("the page of documents, without their texts", "annotations_document"),
        ("the first and last publication dates (date hierarchy)", "annotations_document"),
        ("the years to pick from (date hierarchy)", "annotations_document"),
        ("the outlets to filter by", "annotations_document"),
    ],
    "claims.speaker": [
        *counts("claims_speaker"),
        ("the page of speakers", "claims_speaker"),
        ("their aliases", "claims_speakeralias"),
    ],
    "claims.topic": [*counts("claims_topic"), ("the page of topics", "claims_topic")],
    "claims.metric": [*counts("claims_metric"), ("the page of metrics", "claims_metric")],
    "claims.claim": [
        ("the topics to filter by", "claims_topic"),
        ("the documents to filter by, titles only", "annotations_document"),
        *counts("claims_claim"),
        ("the page of claims with document, speaker and annotator", "claims_claim"),
    ],
    "claims.target": [
        ("the metrics to filter by", "claims_metric"),
        *counts("claims_target"),
        ("the page of targets with metric and setter (with_evidence)", "claims_target"),
        *EVIDENCE[1:],
        ("the subjects to filter by", "claims_target"),
    ],
    "claims.targetstatement": [
        *counts("claims_targetstatement"),
        ("the page of statements with claim, document and target", "claims_targetstatement"),
    ],
    "claims.targetrevision": [
        *counts("claims_targetrevision"),
        ("the page of revisions with target, claim and user", "claims_targetrevision"),
    ],
    "claims.observation": [
        ("the metrics to filter by", "claims_metric"),
        *counts("claims_observation"),
        ("the page of observations with metric and claim", "claims_observation"),
    ],
    "claims.claimrelation": [
        *counts("claims_claimrelation"),
        ("the page of relations with both claims and their creator", "claims_claimrelation"),
    ],
}
CHANGELIST_ROWS = {
    "annotations.document": 3,
    "claims.speaker": 3,
    "claims.topic": 4,
    "claims.metric": 2,
    "claims.claim": 15,
    "claims.target": 2,
    "claims.targetstatement": 6,
    "claims.targetrevision": 4,
    "claims.observation": 6,
    "claims.claimrelation": 10,
}


def test_every_changelist_of_ours_is_counted() -> None:
    ours = {
        model._meta.label_lower
        for model in admin.site._registry
        if model._meta.app_label in ("annotations", "claims")
    }
    assert ours == set(CHANGELISTS)


@pytest.mark.parametrize("label", list(CHANGELISTS))
def test_each_changelist_takes_the_queries_named(
    query_data: QueryData, db: None, label: str, django_assert_num_queries: DjangoAssertNumQueries
) -> None:
    app_label, model_name = label.split(".")
    client = Client()
    client.force_login(query_data.rachel)
    expected = SESSION + CHANGELISTS[label]
    with django_assert_num_queries(len(expected)) as captured:
        response = client.get(reverse(f"admin:{app_label}_{model_name}_changelist"))
    assert response.status_code == 200
    assert response.context["cl"].result_count == CHANGELIST_ROWS[label]
    assert_queries(captured, expected)
    assert_no_document_text(captured)
