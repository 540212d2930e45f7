"""Reading claims through the API: every filter, ordering, cursor paging to the
end, and a constant number of SQL queries whatever the page size."""

import datetime
from decimal import Decimal

import pytest
from django.utils import timezone
from django_filters.rest_framework import FilterSet

import claims.filters
import claims.models
import claims.representation
from annotations.models import Document
from claims.api import ClaimViewSet
from claims.models import (
    Claim,
    Metric,
    Observation,
    Speaker,
    TargetStatement,
    Topic,
    readable_sql,
    visible_claims,
)
from config.api import CursorPagination
from tests.api_support import _fresh_throttles, api_as, fetch_all, reader  # noqa: F401
from tests.conftest import make_claim

SIMPLIFIED = (
    "张玉卓表示，要加快发展新质生产力。数据成为新生产要素。"
    "到2025年，中央企业战略性新兴产业收入的占比要达到35%。"
)
TRADITIONAL = "張玉卓說，資料是關鍵。2023年收入占比達到35.2%。"
UNDATED = "评论：芯片很重要。"


def document(text, **metadata) -> Document:
    doc = Document.from_raw(text, **metadata)
    doc.save()
    return doc


@pytest.fixture
def corpus(alice, bob, rachel, zhang):
    a = document(
        SIMPLIFIED,
        title="A",
        outlet="证券日报",
        published_on=datetime.date(2024, 3, 6),
        language="zh-Hans",
    )
    b = document(
        TRADITIONAL,
        title="B",
        outlet="遠見",
        published_on=datetime.date(2023, 5, 1),
        language="zh-Hant",
    )
    c = document(UNDATED, title="C", language="zh-Hans")
    ai, soe = Topic.objects.create(name="AI"), Topic.objects.create(name="SOE")
    share = Metric.objects.create(name="战略性新兴产业收入占比", unit="%")
    claims = {
        "c1": make_claim(
            a,
            "要加快发展新质生产力",
            alice,
            claim_type="commitment",
            speaker=zhang,
            attribution="direct",
            stance="support",
            modality="mandate",
            status="submitted",
        ),
        "c2": make_claim(
            a,
            "到2025年，中央企业战略性新兴产业收入的占比要达到35%",
            bob,
            claim_type="target",
            speaker=zhang,
            attribution="reported",
        ),
        "c3": make_claim(a, "数据成为新生产要素", alice),
        "c4": make_claim(
            b,
            "資料是關鍵",
            bob,
            speaker=zhang,
            attribution="direct",
            stance="mixed",
            modality="aspiration",
            status="accepted",
            reviewer=rachel,
            reviewed_at=timezone.now(),
        ),
        "c5": make_claim(b, "2023年收入占比達到35.2%", alice, claim_type="observation"),
        "c6": make_claim(
            c,
            "芯片很重要",
            rachel,
            claim_type="recommendation",
            stance="oppose",
            modality="forecast",
        ),
    }
    claims["c1"].topics.set([ai])
    claims["c3"].topics.set([soe])
    TargetStatement.objects.create(
        claim=claims["c2"],
        number_text="35%",
        value=Decimal(35),
        unit="%",
        metric=share,
        deadline=datetime.date(2025, 12, 31),
    )
    Observation.objects.create(
        claim=claims["c5"],
        number_text="35.2%",
        value=Decimal("35.2"),
        unit="%",
        metric=share,
        period_start=datetime.date(2023, 1, 1),
        period_end=datetime.date(2023, 12, 31),
    )
    ids = {
        "A": a.pk,
        "B": b.pk,
        "zhang": zhang.pk,
        "ai": ai.pk,
        "alice": alice.pk,
        "share": share.pk,
    }
    return claims, ids


FILTERS = [
    ("claim_type=target", "c2"),
    ("claim_type=target&claim_type=observation", "c2 c5"),
    ("stance=support", "c1"),
    ("attribution=direct", "c1 c4"),
    ("modality=mandate", "c1"),
    ("status=accepted", "c4"),
    ("status=draft&status=submitted", "c1 c2 c3 c5 c6"),
    ("speaker={zhang}", "c1 c2 c4"),
    ("speaker_name=張玉卓", "c1 c2 c4"),
    ("speaker_name=张玉卓", "c1 c2 c4"),
    ("speaker_name=张", ""),
    ("document={A}", "c1 c2 c3"),
    ("outlet=遠見", "c4 c5"),
    ("published_after=2024-01-01", "c1 c2 c3"),
    ("published_before=2023-12-31", "c4 c5"),
    ("published_after=2023-05-01&published_before=2023-05-01", "c4 c5"),
    ("topic={ai}", "c1"),
    ("annotator={alice}", "c1 c3 c5"),
    ("has_target=true", "c2"),
    ("has_target=false", "c1 c3 c4 c5 c6"),
    ("has_observation=true", "c5"),
    ("metric={share}", "c2 c5"),
    ("deadline_year=2025", "c2"),
    ("deadline_year=2030", ""),
    # q searches the claim's quote; document_q the whole text of its document.
    ("q=数据", "c3 c4"),
    ("q=資料", "c3 c4"),
    ("q=芯片", "c6"),
    ("q=要达到35", "c2"),
    ("document_q=数据", "c1 c2 c3 c4 c5"),
    ("document_q=資料", "c1 c2 c3 c4 c5"),
    ("document_q=要达到35", "c1 c2 c3"),
    ("q=数据&document_q=张玉卓表示", "c3"),
    ("claim_type=assessment&speaker_name=張玉卓&published_before=2023-12-31", "c4"),
]


@pytest.mark.parametrize(("query", "expected"), FILTERS, ids=[q for q, _ in FILTERS])
def test_it_filters_claims(reader, corpus, query, expected):
    claims, ids = corpus
    rows = fetch_all(api_as(reader), "/api/v1/claims/?" + query.format(**ids))
    names = {pk: name for name, pk in ((n, c.pk) for n, c in claims.items())}
    assert sorted(names[row["id"]] for row in rows) == expected.split()


@pytest.mark.parametrize(
    ("query", "field"),
    [
        ("claim_type=prophecy", "claim_type"),
        ("published_after=someday", "published"),
        ("speaker=zhang", "speaker"),
        ("has_target=perhaps", "has_target"),
        ("q=%00", "q"),
        ("document_q=%00", "document_q"),
    ],
)
def test_it_refuses_a_bad_filter_naming_it(reader, corpus, query, field):
    response = api_as(reader).get("/api/v1/claims/?" + query)
    assert response.status_code == 400
    assert field in response.json()


@pytest.mark.parametrize("year", ["0.0", "10000", "2.4613995408387136e%2B16", "2025.5"])
@pytest.mark.parametrize("path", ["/api/v1/claims/", "/api/v1/claims/export.csv"])
def test_a_deadline_year_that_is_no_calendar_year_is_a_400(reader, path, year):
    # Found by schemathesis: these reached datetime.date(year, 1, 1) and answered 500.
    response = api_as(reader).get(f"{path}?deadline_year={year}")
    assert response.status_code == 400
    assert "deadline_year" in response.json()


@pytest.mark.parametrize("name", ["document", "speaker", "topic", "annotator", "metric"])
@pytest.mark.parametrize("value", ["1.5", "1e30", "0", "-3", "99999999999999999999"])
def test_an_id_filter_that_is_not_a_positive_whole_number_is_a_400(reader, name, value):
    response = api_as(reader).get(f"/api/v1/claims/?{name}={value}")
    assert response.status_code == 400
    assert name in response.json()


def test_it_orders_by_publication_date_and_id(reader, corpus):
    claims, _ = corpus
    api = api_as(reader)
    newest_first = [r["id"] for r in fetch_all(api, "/api/v1/claims/?ordering=-published")]
    c = {name: claim.pk for name, claim in claims.items()}
    assert newest_first == [c["c3"], c["c2"], c["c1"], c["c5"], c["c4"], c["c6"]]
    oldest_first = [r["id"] for r in fetch_all(api, "/api/v1/claims/?ordering=published")]
    assert oldest_first == [c["c6"], c["c4"], c["c5"], c["c1"], c["c2"], c["c3"]]
    assert [r["id"] for r in fetch_all(api, "/api/v1/claims/?ordering=-id")] == sorted(
        c.values(), reverse=True
    )


def test_it_shows_the_figure_of_a_claim(reader, corpus):
    claims, ids = corpus
    body = api_as(reader).get(f"/api/v1/claims/{claims['c2'].pk}/").json()
    assert body["figure"]["deadline"] == "2025-12-31"
    assert body["figure"]["metric"] == ids["share"]
    assert body["figure"]["value"] == "35.000000"
    assert "period_end" not in body["figure"]
    assert body["speaker_name"] == "张玉卓"


@pytest.fixture
def many_claims(alice, seed_document):
    """47 claims over one document: every 7-character window at a 20-character step."""
    text = seed_document.text
    starts = range(0, 20 * 47, 20)
    return Claim.objects.bulk_create(
        Claim(
            document=seed_document,
            start=s,
            end=s + 7,
            quote=text[s : s + 7],
            annotator=alice,
            claim_type="assessment",
            attribution="authorial",
        )
        for s in starts
    )


@pytest.mark.parametrize("ordering", ["id", "-id", "published", "-published"])
def test_cursor_paging_reaches_the_end_without_gaps_or_repeats(reader, many_claims, ordering):
    rows = fetch_all(api_as(reader), f"/api/v1/claims/?page_size=5&ordering={ordering}")
    ids = [row["id"] for row in rows]
    assert len(ids) == len(set(ids)) == 47
    assert set(ids) == {claim.pk for claim in many_claims}


def test_cursor_paging_survives_inserts_between_pages(reader, alice, many_claims):
    api = api_as(reader)
    first = api.get("/api/v1/claims/?page_size=10").json()
    doc = many_claims[0].document
    make_claim(doc, doc.text[3:9], alice)  # a new claim with the highest id
    rest = fetch_all(api, first["next"].removeprefix(api.base_url))
    ids = [row["id"] for row in first["results"] + rest]
    assert len(ids) == len(set(ids)) == 48


def test_it_bounds_the_page_size(reader, many_claims, monkeypatch):
    monkeypatch.setattr(CursorPagination, "max_page_size", 20)
    body = api_as(reader).get("/api/v1/claims/?page_size=10000").json()
    assert len(body["results"]) == 20
    default = api_as(reader).get("/api/v1/claims/").json()
    assert len(default["results"]) == min(47, CursorPagination.page_size)


@pytest.mark.parametrize("page_size", [1, 50])
def test_the_claim_list_takes_the_same_queries_for_any_page_size(
    client, alice, corpus, page_size, django_assert_num_queries
):
    client.force_login(alice)
    # 1 session, 2 user, 3 her own and her groups' permissions, 4 the page's claim
    # ids, 5 those claims with speaker, annotator, reviewer, target statement and
    # observation joined, their topics and their relations with who made them,
    # 6 whether alice reviews (for each claim's `can`, asked once per request).
    with django_assert_num_queries(6):
        response = client.get(
            f"/api/v1/claims/?page_size={page_size}&document_q=数据&speaker_name=張玉卓"
        )
    assert response.status_code == 200
    assert len(response.json()["results"]) == min(page_size, 3)


def test_a_claim_page_builds_its_claims_and_its_filter_form_once(
    client, alice, corpus, monkeypatch
):
    """The permission check takes the model from `queryset`, not from the claims she
    may read (readable: the reader's visibility filter), which the list builds once, and
    the filter form class is built once for every request, not once each."""
    built: list[str] = []

    def counted(name, method):
        def counting(self):
            built.append(name)
            return method(self)

        return counting

    monkeypatch.setattr(ClaimViewSet, "readable", counted("claims", ClaimViewSet.readable))
    monkeypatch.setattr(FilterSet, "get_form_class", counted("form", FilterSet.get_form_class))
    monkeypatch.setattr(claims.filters, "FORM_CLASSES", {})
    client.force_login(alice)
    for _ in range(2):
        assert client.get("/api/v1/claims/?claim_type=target").status_code == 200
    assert built == ["claims", "form", "claims"]


def test_a_claim_page_states_the_reading_rule_once_for_its_claims_and_once_for_relations(
    client, alice, corpus, monkeypatch
):
    """The rule is built once as a condition for Django (the page's filter) and written
    as SQL twice (that filter, and the relations in claims_as_read's statement), not
    also for a prefetch the page never runs: building it was a tenth of a page's work
    (bench/README.md)."""
    built: list[int] = []
    stated: list[int] = []

    def building(*args, **kwargs):
        built.append(1)
        return visible_claims(*args, **kwargs)

    def stating(*args):
        stated.append(1)
        return readable_sql(*args)

    monkeypatch.setattr(claims.models, "visible_claims", building)
    monkeypatch.setattr(claims.models, "readable_sql", stating)
    monkeypatch.setattr(claims.representation, "readable_sql", stating)
    client.force_login(alice)
    assert client.get("/api/v1/claims/").status_code == 200
    assert (len(built), len(stated)) == (1, 2)


def test_a_page_that_names_no_filter_builds_no_filter_set(client, alice, corpus, monkeypatch):
    """config.api.FilterBackend: filtering by nothing is left out (2.3 ms of a page);
    a part of a filter's name (published_after of published) still filters."""
    built: list[int] = []
    build = claims.filters.ClaimFilter.__init__

    def counting(self, *args, **kwargs):
        built.append(1)
        build(self, *args, **kwargs)

    monkeypatch.setattr(claims.filters.ClaimFilter, "__init__", counting)
    client.force_login(alice)
    everything = client.get("/api/v1/claims/?page_size=5&ordering=-published&unknown=1")
    assert everything.status_code == 200
    assert len(everything.json()["results"]) == 5
    assert built == []
    assert client.get("/api/v1/claims/?published_after=2999-01-01").json()["results"] == []
    assert client.get("/api/v1/claims/?published_afterwards=1").status_code == 200
    assert client.get("/api/v1/claims/?stance=maybe").status_code == 400
    assert built == [1, 1, 1]


def test_it_lists_speakers_by_either_script(reader, zhang):
    rows = fetch_all(api_as(reader), "/api/v1/speakers/?name=張玉卓")
    assert [(r["name"], r["aliases"]) for r in rows] == [("张玉卓", ["張玉卓"])]


BIG_DATA = "貴陽大資料交易中心指出，大資料產業快速成長。數據也很重要。"


def test_a_phrase_finds_its_regional_form_in_claims_and_speakers_both_ways(reader, alice):
    """大数据 is 大數據 as OpenCC converts the phrase whole, yet Taiwan writes 大資料."""
    exchange = Speaker.objects.create(name="貴陽大資料交易中心", kind="organisation")
    doc = document(BIG_DATA, title="D", language="zh-Hant")
    industry = make_claim(doc, "大資料產業快速成長", alice, speaker=exchange)
    make_claim(doc, "數據也很重要", alice)
    api = api_as(reader)
    for term in ("大数据", "大資料", "大數據"):
        assert [r["id"] for r in fetch_all(api, f"/api/v1/claims/?q={term}")] == [industry.pk]
    for name in ("贵阳大数据交易中心", "貴陽大資料交易中心"):
        rows = fetch_all(api, f"/api/v1/claims/?speaker_name={name}")
        assert [r["id"] for r in rows] == [industry.pk]
        speakers = fetch_all(api, f"/api/v1/speakers/?name={name}")
        assert [r["name"] for r in speakers] == ["貴陽大資料交易中心"]
