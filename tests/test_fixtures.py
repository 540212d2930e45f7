"""The demo corpus loads into an empty database and every row in it is valid."""

import pytest

from annotations.models import Document
from claims.models import (
    Claim,
    ClaimRelation,
    ClaimType,
    Observation,
    Target,
    TargetStatement,
)
from tests.conftest import SOE_TARGET, TEXTS

pytestmark = pytest.mark.django_db


def test_it_holds_the_seven_texts_unaltered_but_for_canonicalisation(demo):
    assert Document.objects.count() == 7
    for document in Document.objects.all():
        raw = (TEXTS / document.source_name).read_text(encoding="utf-8")
        assert document.raw_text == raw
        assert document.text == Document.from_raw(raw).text


def test_it_has_at_least_sixty_claims_of_every_type(demo):
    assert Claim.objects.count() >= 60
    for claim_type in ClaimType.values:
        assert Claim.objects.filter(claim_type=claim_type).exists(), claim_type


def test_every_row_passes_validation(demo):
    for model in (Claim, TargetStatement, Observation, Target, ClaimRelation):
        for instance in model.objects.all():
            instance.full_clean()


def test_every_quote_is_the_text_at_its_offsets(demo):
    for claim in Claim.objects.select_related("document"):
        assert claim.document.text[claim.start : claim.end] == claim.quote


def test_it_has_the_central_soe_target_said_by_zhang_yuzhuo(demo):
    claim = Claim.objects.get(quote__contains=SOE_TARGET)
    assert claim.claim_type == ClaimType.TARGET
    assert claim.speaker is not None
    assert claim.speaker.name == "张玉卓"
    assert claim.target_statement.value == 35


def test_it_has_the_guiyang_goals_against_the_2023_turnover(demo):
    goals = Claim.objects.filter(speaker__name="贵阳大数据交易所", claim_type="target")
    assert goals.count() >= 3
    turnover = Claim.objects.get(claim_type="observation", quote__contains="不到30億元")
    first_goal = goals.first()
    assert first_goal is not None
    assert turnover.document == first_goal.document
    assert turnover.observation.period_end.year == 2023


def test_it_follows_the_2024_gdp_target_into_the_2025_report(demo):
    statement = TargetStatement.objects.get(
        claim__document__source_name="gwr_2024.txt",
        number_text="5%左右",
        metric__name__contains="国内生产总值",
    )
    target = statement.target
    assert target is not None
    assert target.deadline is not None
    assert target.deadline.year == 2024
    outcome = Observation.objects.filter(
        metric=target.metric, period_end__year=2024, claim__document__source_name="gwr_2025.txt"
    )
    assert outcome.exists()
