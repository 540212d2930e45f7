"""The target/observation suggester, its accept and dismiss endpoints, and its report."""

from collections.abc import Callable
from datetime import date
from decimal import Decimal
from io import StringIO
from typing import Any

import pytest
from django.contrib.auth.models import User
from django.core.management import call_command
from django.db import IntegrityError, connection, transaction
from django.utils import timezone

from annotations.models import Document, ReviewStatus
from claims import devset, suggestions, tracking_api
from claims.figures import Change, Comparator
from claims.models import (
    Claim,
    ClaimType,
    Metric,
    StoredSuggestions,
    SuggestionDismissal,
    TargetStatement,
)
from claims.roles import ANNOTATOR
from claims.suggestions import Suggestion, for_document, scan
from claims.tracking import Bound
from projects.models import CurationState, Membership, Project, ProjectDocument, ProjectRole
from tests.api_support import _fresh_throttles, api_as, api_for, mallory, reader  # noqa: F401
from tests.conftest import TEXTS, make_claim, make_user

GOALS = (
    "今年发展主要预期目标是：国内生产总值增长5%左右；城镇新增就业1200万人以上，"
    "城镇调查失业率5.5%左右；粮食产量1.3万亿斤以上。"
)
REVIEW = "过去一年，国内生产总值超过126万亿元，增长5.2%。城镇新增就业1244万人。"
PLAN = "拟安排地方政府专项债券3.9万亿元、比上年增加1000亿元。"


def test_it_suggests_this_years_goals_as_targets_due_at_year_end():
    found = scan(GOALS, 2024)
    assert [(s.kind, s.figure.number_text, s.deadline) for s in found] == [
        (ClaimType.TARGET, "5%", date(2024, 12, 31)),
        (ClaimType.TARGET, "1200万人", date(2024, 12, 31)),
        (ClaimType.TARGET, "5.5%", date(2024, 12, 31)),
        (ClaimType.TARGET, "1.3万亿斤", date(2024, 12, 31)),
    ]
    growth = found[0]
    assert (growth.figure.comparator, growth.figure.change) == (Comparator.ABOUT, Change.INCREASE)
    assert growth.quote == "今年发展主要预期目标是：国内生产总值增长5%左右"
    assert GOALS[growth.start : growth.end] == growth.quote


def test_it_suggests_last_years_figures_as_observations_of_that_year():
    found = scan(REVIEW, 2024)
    assert [(s.kind, s.figure.number_text, s.period_end) for s in found] == [
        (ClaimType.OBSERVATION, "126万亿元", date(2023, 12, 31)),
        (ClaimType.OBSERVATION, "5.2%", date(2023, 12, 31)),
        (ClaimType.OBSERVATION, "1244万人", date(2023, 12, 31)),
    ]


def test_it_suggests_a_horizon_year_as_the_deadline_and_a_named_past_year_as_the_period():
    text = "到2025年，中央企业战略性新兴产业收入的占比要达到35%。2023年交易所的年交易额不到30亿元。"
    target, observation = scan(text, None)
    assert (target.kind, target.deadline, target.quote) == (
        ClaimType.TARGET,
        date(2025, 12, 31),
        "到2025年，中央企业战略性新兴产业收入的占比要达到35%",
    )
    assert (observation.kind, observation.period_start, observation.figure.comparator) == (
        ClaimType.OBSERVATION,
        date(2023, 1, 1),
        Comparator.LESS_THAN,
    )


def test_it_leaves_plans_and_forecasts_alone():
    assert scan(PLAN, 2024) == []


@pytest.fixture
def report(db) -> Document:
    document = Document.from_raw(
        GOALS + "\n" + REVIEW, title="report", language="zh-Hans", published_on=date(2024, 3, 5)
    )
    document.save()
    return document


@pytest.fixture
def output(db) -> Metric:
    return Metric.objects.create(name="国内生产总值", unit="CNY")


def open_suggestions(api, document, project: Project | None = None) -> list[dict[str, Any]]:
    query = "" if project is None else f"?project={project.pk}"
    response = api.get(f"/api/v1/documents/{document.pk}/suggestions/{query}")
    assert response.status_code == 200, response.text
    found: list[dict[str, Any]] = response.json()["suggestions"]
    return found


def pick(suggestions: list[dict[str, Any]], number_text: str) -> dict[str, Any]:
    return next(s for s in suggestions if s["figure"]["number_text"] == number_text)


def choice(suggestion: dict[str, Any], **extra: Any) -> dict[str, Any]:
    keys = ("kind", "figure_start", "figure_end")
    return {key: suggestion[key] for key in keys} | extra


def test_it_accepts_a_target_suggestion_as_a_draft_claim_with_its_figure(
    live_server, report, alice
):
    api = api_for(live_server, alice)
    jobs = pick(open_suggestions(api, report), "1200万人")
    response = api.post(f"/api/v1/documents/{report.pk}/suggestions/accept/", json=choice(jobs))
    assert response.status_code == 201, response.text
    claim = Claim.objects.get(pk=response.json()["claim_id"])
    assert (claim.claim_type, claim.status, claim.annotator) == (
        ClaimType.TARGET,
        ReviewStatus.DRAFT,
        alice,
    )
    assert claim.quote == "城镇新增就业1200万人以上，城镇调查失业率5.5%左右"
    stated = TargetStatement.objects.get(claim=claim)
    assert (stated.value, stated.unit, stated.comparator, stated.deadline, stated.bound) == (
        Decimal(12000000),
        "people",
        Comparator.AT_LEAST,
        date(2024, 12, 31),
        Bound.FLOOR,
    )
    assert jobs["bound"] == Bound.FLOOR
    # Annotated now, so no longer suggested; the other figure in that passage neither.
    left = [s["figure"]["number_text"] for s in open_suggestions(api, report)]
    assert "1200万人" not in left
    assert "5.5%" not in left


def test_it_accepts_an_observation_only_with_a_metric_and_writes_nothing_without(
    live_server, report, alice, output
):
    api = api_for(live_server, alice)
    gdp = pick(open_suggestions(api, report), "126万亿元")
    assert gdp["metric"] == {"id": output.pk, "name": str(output)}  # guessed from the name
    url = f"/api/v1/documents/{report.pk}/suggestions/accept/"
    refused = api.post(url, json=choice(gdp, metric=None))
    assert refused.status_code == 400
    assert "metric" in refused.json()
    assert not Claim.objects.exists()
    accepted = api.post(url, json=choice(gdp, metric=output.pk))
    assert accepted.status_code == 201, accepted.text
    observed = Claim.objects.get().observation
    assert (observed.metric, observed.value, observed.comparator, observed.period_end) == (
        output,
        Decimal("126000000000000"),
        Comparator.MORE_THAN,
        date(2023, 12, 31),
    )


def test_it_dismisses_a_suggestion_for_good(live_server, report, alice, bob):
    api = api_for(live_server, alice)
    grain = pick(open_suggestions(api, report), "1.3万亿斤")
    url = f"/api/v1/documents/{report.pk}/suggestions/dismiss/"
    assert api.post(url, json=choice(grain)).status_code == 201
    dismissal = SuggestionDismissal.objects.get()
    assert (dismissal.number_text, dismissal.dismissed_by) == ("1.3万亿斤", alice)
    others = api_for(live_server, bob)
    assert "1.3万亿斤" not in [s["figure"]["number_text"] for s in open_suggestions(others, report)]
    again = others.post(url, json=choice(grain))
    assert again.status_code == 400
    assert "figure_start" in again.json()


def test_it_refuses_a_forged_suggestion_naming_the_field(live_server, report, alice):
    api = api_for(live_server, alice)
    url = f"/api/v1/documents/{report.pk}/suggestions/accept/"
    response = api.post(url, json={"kind": "target", "figure_start": 0, "figure_end": 4})
    assert response.status_code == 400
    assert "figure_start" in response.json()
    response = api.post(url, json={"kind": "opinion", "figure_start": 0, "figure_end": 4})
    assert response.status_code == 400
    assert "kind" in response.json()
    assert not Claim.objects.exists()


def test_it_denies_suggestions_to_anonymous_roleless_and_read_only_users(
    live_server, report, mallory, reader
):
    path = f"/api/v1/documents/{report.pk}/suggestions/"
    assert api_for(live_server).get(path).status_code in (401, 403)
    assert api_for(live_server, mallory).get(path).status_code == 403
    body: dict[str, Any] = {"kind": "target", "figure_start": 0, "figure_end": 4}
    assert api_for(live_server, reader).post(path + "dismiss/", json=body).status_code == 403
    assert api_for(live_server, mallory).post(path + "accept/", json=body).status_code == 403
    assert not SuggestionDismissal.objects.exists()


def in_default(document: Document, user: User) -> list[Suggestion]:
    return for_document(document, user, Project.objects.default())


def test_it_leaves_out_figures_already_annotated(report, alice):
    make_claim(report, "国内生产总值增长5%左右", alice, claim_type=ClaimType.TARGET)
    assert "5%" not in [s.figure.number_text for s in in_default(report, alice)]


def test_it_reports_precision_and_recall_against_annotated_claims(report, alice):
    make_claim(report, "国内生产总值增长5%左右", alice, claim_type=ClaimType.TARGET)
    make_claim(report, "城镇新增就业1244万人", alice, claim_type=ClaimType.OBSERVATION)
    make_claim(
        report, "粮食产量1.3万亿斤以上", alice, claim_type=ClaimType.OBSERVATION
    )  # wrong kind
    out = StringIO()
    call_command("suggest_report", str(report.pk), stdout=out)
    lines = out.getvalue().splitlines()
    assert "target       recall 1/1 = 100.0%   precision 1/4 = 25.0%" in lines
    assert "observation  recall 1/2 = 50.0%   precision 1/3 = 33.3%" in lines
    assert "all          recall 2/3 = 66.7%   precision 2/7 = 28.6%" in lines


def test_without_ids_it_reports_only_documents_someone_annotated(report, alice):
    unannotated = Document.objects.create_from_raw("今年粮食产量要达到1.4万亿斤左右。", pdf=False)
    make_claim(report, "国内生产总值增长5%左右", alice, claim_type=ClaimType.TARGET)
    out = StringIO()
    call_command("suggest_report", stdout=out)
    assert f"#{report.pk} " in out.getvalue()
    assert f"#{unannotated.pk} " not in out.getvalue()


def test_it_finds_most_targets_and_observations_of_the_2024_report():
    text = (TEXTS / "gwr_2024.txt").read_text(encoding="utf-8")
    kinds = {(s.kind, s.figure.number_text) for s in scan(text, 2024)}
    for goal in ["5%", "1200万人", "5.5%", "3%", "1.3万亿斤", "2.5%"]:
        assert (ClaimType.TARGET, goal) in kinds
    for outcome in ["126万亿元", "5.2%", "1244万人", "0.2%"]:
        assert (ClaimType.OBSERVATION, outcome) in kinds


def test_it_finds_nine_in_ten_of_the_demo_targets_and_observations(db):
    call_command("loaddata", "demo", verbosity=0)
    out = StringIO()
    call_command("suggest_report", stdout=out)
    total = next(line for line in out.getvalue().splitlines() if line.startswith("all "))
    found, annotated = map(int, total.split("recall ")[1].split(" =")[0].split("/"))
    assert annotated >= 60
    assert found / annotated >= 0.9, total


# The 2018 report's layout: the lead-in, then one clause of the list per line.
GOALS_PER_LINE = (
    "今年发展主要预期目标是：\n国内生产总值增长5%左右；\n城镇新增就业1200万人以上，\n"
    "城镇调查失业率5.5%左右；\n粮食产量1.3万亿斤以上。"
)


def readings(found):
    return [(s.kind, s.figure.number_text, s.deadline, s.bound) for s in found]


def test_a_list_laid_out_one_clause_per_line_gives_the_same_targets_as_on_one_line():
    assert readings(scan(GOALS_PER_LINE, 2024)) == readings(scan(GOALS, 2024))
    assert len(scan(GOALS_PER_LINE, 2024)) == 4


def test_it_proposes_each_targets_bound_from_its_wording_and_metric():
    text = (
        "今年发展主要预期目标是：国内生产总值增长6%－6.5%；居民消费价格涨幅3%左右；"
        "城镇新增就业1100万人以上，城镇调查失业率5.5%左右，城镇登记失业率4.5%以内；"
        "单位国内生产总值能耗下降3%左右。今年赤字率拟按2.8%安排。"
    )
    bounds = [(s.figure.number_text, s.bound) for s in scan(text, 2019)]
    assert bounds == [
        ("6%－6.5%", Bound.RANGE),
        ("3%", Bound.CEILING),  # prices: a ceiling by convention
        ("1100万人", Bound.FLOOR),
        ("5.5%", Bound.CEILING),  # unemployment: a ceiling by convention
        ("4.5%", Bound.CEILING),
        ("3%", Bound.POINT),
        ("2.8%", Bound.CEILING),  # the deficit ratio
    ]


def test_an_outcome_better_than_expected_is_still_an_observation():
    found = scan("去年国内生产总值增长5.2%，好于预期。", 2024)
    assert [(s.kind, s.figure.number_text) for s in found] == [(ClaimType.OBSERVATION, "5.2%")]


def test_a_goal_reported_as_met_is_not_a_target():
    text = "完成全年经济社会发展主要目标任务，国内生产总值增长6.6%。"
    assert [s.kind for s in scan(text, 2019)] == [ClaimType.OBSERVATION]
    # ...but a goal still to be met is one.
    assert [s.kind for s in scan("要努力完成目标任务，城镇新增就业900万人以上。", 2020)] == [
        ClaimType.TARGET
    ]


def test_this_years_work_in_this_years_report_is_a_target_and_a_gap_is_nothing():
    found = scan(
        "今年再减少农村贫困人口1000万以上。今年赤字率拟按2.6％安排，比去年预算低0.4个百分点。", 2018
    )
    assert [(s.kind, s.figure.number_text) for s in found] == [
        (ClaimType.TARGET, "1000万"),
        (ClaimType.TARGET, "2.6％"),
    ]


@pytest.mark.parametrize("name", list(devset.REPORT_YEARS))
def test_it_reads_the_development_reports_main_targets_and_outcomes_as_imported(name):
    score = devset.score(name)
    found, total = score.targets
    assert total >= 5
    assert found / total >= 0.95, score.missed
    found, total = score.outcomes
    assert total == 0 or found / total >= 0.9, score.missed
    right, made = score.precision
    assert made >= 9
    assert right / made >= 0.8, score.wrong


def test_it_stores_a_documents_suggestions_and_reads_them_back_in_one_query(
    report, alice, bob, django_assert_num_queries
):
    default = Project.objects.default()
    other = Project.objects.create(name="Other")
    Membership.objects.create(project=other, user=alice, role=ProjectRole.ANNOTATOR)
    ProjectDocument.objects.create(project=other, document=report)
    make_claim(report, "国内生产总值增长5%左右", alice, claim_type=ClaimType.TARGET)
    make_claim(report, "城镇新增就业1244万人", alice, claim_type=ClaimType.OBSERVATION)
    make_claim(report, "城镇新增就业1200万人以上", alice, claim_type="target", project=other)
    by_figure = {s.figure.number_text: s for s in scan(report.text, 2024)}
    for project, user, number_text in (
        (default, bob, "5.5%"),
        (default, alice, "5%"),
        (other, alice, "1.3万亿斤"),
        (other, alice, "126万亿元"),
    ):
        by_figure[number_text].dismissal(project, report, user).save()
    first = for_document(report, alice, default)
    stored = StoredSuggestions.objects.get(document=report)
    assert len(stored.items) == len(scan(report.text, 2024)) == 7
    with django_assert_num_queries(3):  # stored suggestions, claims' spans, dismissals
        again = for_document(report, alice, default)
    assert again == first
    # The default project's claims and dismissals leave these out; the other's nothing.
    assert [s.figure.number_text for s in again] == ["1200万人", "1.3万亿斤", "126万亿元", "5.2%"]


def test_stored_suggestions_of_an_older_scanner_are_computed_again(report, monkeypatch, admin_user):
    in_default(report, admin_user)
    StoredSuggestions.objects.update(items=[])
    assert in_default(report, admin_user) == []  # the stored list is what is read
    monkeypatch.setattr(suggestions, "SCANNER_VERSION", suggestions.SCANNER_VERSION + 1)
    assert len(in_default(report, admin_user)) == 7
    assert len(StoredSuggestions.objects.get().items) == 7


def test_suggest_report_prints_the_development_set_year_by_year(db):
    out = StringIO()
    call_command("suggest_report", stdout=out)
    lines = out.getvalue().splitlines()
    for name in devset.REPORT_YEARS:
        line = next(line for line in lines if line.startswith(name))
        assert "main targets" in line
        assert "outcomes" in line
        assert "precision" in line


def test_a_span_of_past_years_is_no_horizon_and_a_gap_to_a_goal_is_no_target():
    found = scan("2012年至2023年，中央企业累计投入研发经费超8.3万亿元。", 2024)
    assert [(s.kind, s.figure.number_text) for s in found] == [(ClaimType.OBSERVATION, "8.3万亿元")]
    gap = scan("年交易額不到30億元，與曾經定下的目標相差了1000多倍。", 2024)
    assert "1000多倍" not in [s.figure.number_text for s in gap]


# --------------------------------------------- dismissals belong to a project (and to her)


@pytest.fixture
def places(report, alice, bob) -> dict[str, Project]:
    """The report in the default project, in a shared project and in one of independent
    annotation; alice and bob annotate in both, cora curates the independent one, and a
    third project holds no report. olga is an annotator of none of them."""
    shared = Project.objects.create(name="Shared")
    independent = Project.objects.create(name="Study", independent=True)
    elsewhere = Project.objects.create(name="Elsewhere")
    cora = make_user("cora", ANNOTATOR)
    make_user("olga", ANNOTATOR)
    for project in (shared, independent, elsewhere):
        for user in (alice, bob):
            Membership.objects.create(project=project, user=user, role=ProjectRole.ANNOTATOR)
    Membership.objects.create(project=independent, user=cora, role=ProjectRole.CURATOR)
    for project in (shared, independent):
        ProjectDocument.objects.create(project=project, document=report)
    return {
        "default": Project.objects.default(),
        "shared": shared,
        "independent": independent,
        "elsewhere": elsewhere,
    }


def suggested(user: User, document: Document, project: Project) -> list[str]:
    """The figures suggested to `user` in the project, over the API."""
    response = api_as(user).get(
        f"/api/v1/documents/{document.pk}/suggestions/?project={project.pk}"
    )
    assert response.status_code == 200, response.text
    assert response.json()["project"] == project.pk
    return [s["figure"]["number_text"] for s in response.json()["suggestions"]]


def dismiss(user: User, document: Document, project: Project, number_text: str) -> Any:
    shown = open_suggestions(api_as(user), document, project)
    body = choice(pick(shown, number_text), project=project.pk)
    return api_as(user).post(f"/api/v1/documents/{document.pk}/suggestions/dismiss/", json=body)


def test_a_dismissal_hides_a_figure_in_its_own_project_only(places, report, alice, bob):
    shared = places["shared"]
    assert dismiss(alice, report, shared, "1.3万亿斤").status_code == 201
    dismissal = SuggestionDismissal.objects.get()
    assert (dismissal.project, dismissal.dismissed_by, dismissal.annotator) == (shared, alice, None)
    # A shared project: hidden from everyone in it; still suggested in every other project.
    assert "1.3万亿斤" not in suggested(alice, report, shared)
    assert "1.3万亿斤" not in suggested(bob, report, shared)
    for user in (alice, bob):
        assert "1.3万亿斤" in suggested(user, report, places["default"])
        assert "1.3万亿斤" in suggested(user, report, places["independent"])
    # Accepting is the same: a claim of the shared project annotates the figure there only.
    grain = pick(open_suggestions(api_as(alice), report, shared), "5.5%")
    accepted = api_as(alice).post(
        f"/api/v1/documents/{report.pk}/suggestions/accept/",
        json=choice(grain, project=shared.pk),
    )
    assert accepted.status_code == 201, accepted.text
    assert Claim.objects.get(pk=accepted.json()["claim_id"]).project == shared
    assert "5.5%" not in suggested(bob, report, shared)
    assert "5.5%" in suggested(bob, report, places["default"])


def test_in_an_independent_project_a_dismissal_hides_a_figure_from_her_alone_until_curated(
    places, report, alice, bob
):
    study = places["independent"]
    cora = User.objects.get(username="cora")
    assert dismiss(alice, report, study, "1.3万亿斤").status_code == 201
    assert "1.3万亿斤" not in suggested(alice, report, study)
    assert "1.3万亿斤" in suggested(bob, report, study)  # he judges it for himself
    assert "1.3万亿斤" in suggested(cora, report, study)  # and so does the curator
    assert dismiss(bob, report, study, "1.3万亿斤").status_code == 201
    assert set(
        SuggestionDismissal.objects.filter(project=study).values_list("annotator", flat=True)
    ) == {alice.pk, bob.pk}
    # Curated: the curator's dismissals hide a figure from everyone; hers still from her.
    assert dismiss(cora, report, study, "5.2%").status_code == 201
    assert "5.2%" in suggested(alice, report, study)
    ProjectDocument.objects.filter(project=study, document=report).update(
        curation_state=CurationState.CURATED, curated_by=cora, curated_at=timezone.now()
    )
    for user in (alice, bob, cora):
        assert "5.2%" not in suggested(user, report, study), user
    assert "1.3万亿斤" not in suggested(alice, report, study)
    assert "1.3万亿斤" in suggested(cora, report, study)


def test_the_project_is_named_when_she_annotates_the_document_in_several_and_checked(
    places, report, alice
):
    api = api_as(alice)
    path = f"/api/v1/documents/{report.pk}/suggestions/"
    grain = pick(open_suggestions(api_as(alice), report, places["default"]), "1.3万亿斤")
    for url in (path + "accept/", path + "dismiss/"):
        left_out = api.post(url, json=choice(grain))
        assert left_out.status_code == 400
        assert "name one" in left_out.json()["project"][0]
    assert api.get(path).status_code == 400
    assert "project" in api.get(path).json()
    for wanted, code in (
        (places["elsewhere"].pk, 400),  # hers, but the report is not in it
        (999999, 403),  # no project at all
        ("x", 400),
    ):
        refused = api.post(path + "dismiss/", json=choice(grain, project=wanted))
        assert refused.status_code == code, refused.text
        assert "project" in refused.json()
        assert api.get(f"{path}?project={wanted}").status_code == code
    # olga annotates in the default project only: it is implied, and the study is not hers.
    olga = api_as(User.objects.get(username="olga"))
    assert olga.get(path).json()["project"] == places["default"].pk
    for project in (places["shared"], places["independent"]):
        foreign = olga.post(path + "dismiss/", json=choice(grain, project=project.pk))
        assert foreign.status_code == 403
        assert "project" in foreign.json()
        assert olga.get(f"{path}?project={project.pk}").status_code == 403
    assert not SuggestionDismissal.objects.exists()
    assert not Claim.objects.exists()


def meanwhile(monkeypatch: pytest.MonkeyPatch, happening: Callable[[Any], object]) -> None:
    """Make `happening` take place between a request's reading of the suggestion it names
    and its write; it is given what was read (the suggestion, its project, the choice)."""
    real_chosen = tracking_api.chosen

    def chosen_then(*args: Any) -> Any:
        read = real_chosen(*args)
        happening(read)
        return read

    monkeypatch.setattr(tracking_api, "chosen", chosen_then)


def test_a_dismissal_made_a_moment_ago_by_someone_else_is_the_same_outcome(
    places, report, alice, bob, monkeypatch
):
    shared = places["shared"]

    def bob_first(read: tuple[Any, Project, Any]) -> None:
        # Bob's request commits between alice's reading and her write.
        suggestion, project, _ = read
        suggestion.dismissal(project, report, bob).save()

    meanwhile(monkeypatch, bob_first)
    response = dismiss(alice, report, shared, "1.3万亿斤")
    assert response.status_code == 201, response.text
    assert SuggestionDismissal.objects.get().dismissed_by == bob


def test_a_dismissal_follows_the_projects_mode_as_it_stands_when_saved(
    places, report, alice, monkeypatch
):
    shared = places["shared"]
    # A manager makes the project one of independent annotation between her reading and
    # her write.
    meanwhile(monkeypatch, lambda _: Project.objects.filter(pk=shared.pk).update(independent=True))
    response = dismiss(alice, report, shared, "1.3万亿斤")
    assert response.status_code == 201, response.text
    assert SuggestionDismissal.objects.get().annotator == alice  # hers alone, as now


def test_a_document_taken_out_of_the_project_meanwhile_is_a_400_naming_the_project(
    places, report, alice, monkeypatch
):
    shared = places["shared"]

    def taken_out(_: Any) -> None:
        ProjectDocument.objects.filter(project=shared, document=report).delete()
        with connection.cursor() as cursor:  # checked at the write, not at the test's end
            cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")

    meanwhile(monkeypatch, taken_out)
    response = dismiss(alice, report, shared, "1.3万亿斤")
    assert response.status_code == 400, response.text
    assert "no longer in project" in response.json()["project"][0]
    assert not SuggestionDismissal.objects.exists()


def test_the_database_keeps_one_dismissal_per_team_or_per_annotator(places, report, alice, bob):
    figure = {"document": report, "start": 10, "end": 12, "kind": "target", "number_text": "5%"}
    shared, study = places["shared"], places["independent"]

    def write(**fields: Any) -> None:
        with transaction.atomic():
            SuggestionDismissal.objects.create(**figure | fields)
            with connection.cursor() as cursor:  # the project document's key, checked now
                cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")

    write(project=shared, dismissed_by=alice)
    with pytest.raises(IntegrityError):  # one per figure in a shared project
        write(project=shared, dismissed_by=bob)
    write(project=study, dismissed_by=alice, annotator=alice)
    write(project=study, dismissed_by=bob, annotator=bob)  # one per annotator here
    with pytest.raises(IntegrityError):
        write(project=study, dismissed_by=alice, annotator=alice)
    for wrong in (
        {"project": study, "dismissed_by": alice},  # no annotator in an independent project
        {"project": places["default"], "dismissed_by": alice, "annotator": alice},
        {"project": study, "dismissed_by": alice, "annotator": bob},  # not hers
        {"project": places["elsewhere"], "dismissed_by": alice},  # the report is not in it
    ):
        with pytest.raises(IntegrityError):
            write(**wrong | {"start": 20, "end": 22})
    assert SuggestionDismissal.objects.count() == 3
