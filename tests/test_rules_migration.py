"""Migration claims 0026 puts rules the app held alone into the database. Rows the app let
break them are repaired first, and named in the output of `migrate`; a figure of another
type than its claim's stops it, naming every such claim."""

import pytest
from django.db import connection, transaction
from django.utils import timezone

from annotations.models import Document
from claims.models import (
    Claim,
    ClaimRelation,
    Metric,
    Speaker,
    SpeakerAlias,
    Target,
    TargetStatement,
)
from history.events import event_model
from tests.conftest import SOE_TARGET, make_claim
from tests.test_dismissal_migration import migrate
from tests.test_figure_entry import observed

BEFORE = [("claims", "0025_sessions_keep_their_login")]
AFTER = [("claims", "0026_rules_held_by_the_database")]


def test_rows_breaking_the_new_rules_are_repaired_and_named(seed_document, alice, capsys):
    with connection.cursor() as cursor:
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")  # nothing pending: the tables change
    migrate(BEFORE)  # inside the test's transaction: rolled back with it
    revenue = Metric.objects.create(name="收入占比", unit="%")
    investment = Metric.objects.create(name="投资占比", unit="%")
    target = Target.objects.create(
        title="35%", metric=revenue, subject="中央企业", number_text="35%", value=35
    )
    stating = make_claim(seed_document, SOE_TARGET, alice, claim_type="target")
    statement = TargetStatement.objects.create(
        claim=stating, target=target, metric=investment, number_text="35%", value=35
    )
    observation = make_claim(seed_document, SOE_TARGET, alice, claim_type="observation")
    observed(observation, revenue)  # the statement it is evidence for: investment
    ClaimRelation.objects.create(
        source=observation, target=stating, kind="evidence_for", created_by=alice
    )
    zhang, other = Speaker.objects.create(name="张玉卓"), Speaker.objects.create(name="袁野")
    SpeakerAlias.objects.create(speaker=other, name="张玉卓")
    wrong = make_claim(seed_document, SOE_TARGET, alice)  # an assessment
    figure = observed(wrong, revenue)
    accepted = {"status": "accepted", "reviewer": alice, "reviewed_at": timezone.now()}
    gold = make_claim(seed_document, SOE_TARGET, alice, gold=True, **accepted)
    gold.curated_from.add(make_claim(seed_document, SOE_TARGET, alice))
    elsewhere = Document.from_raw(
        seed_document.text + "另一份。", title="另一份", language="zh-Hans"
    )
    elsewhere.save()
    Claim.objects.filter(pk=gold.pk).update(document=elsewhere)  # away from its source

    refused = f"claims {wrong.pk} have a figure of another type"
    with pytest.raises(Exception, match=refused), transaction.atomic():
        migrate(AFTER)
    figure.delete()
    refused = f"gold claims {gold.pk} are in another document than the claims"
    with pytest.raises(Exception, match=refused), transaction.atomic():
        migrate(AFTER)
    Claim.objects.filter(pk=gold.pk).update(document=seed_document)
    migrate(AFTER)

    statement.refresh_from_db()
    assert statement.target is None
    assert not ClaimRelation.objects.filter(kind="evidence_for").exists()
    assert not SpeakerAlias.objects.filter(name="张玉卓").exists()
    assert Speaker.objects.named("张玉卓").get() == zhang
    deleted = event_model(ClaimRelation)._default_manager.get(pgh_label="delete")
    assert deleted.pgh_context.metadata["command"] == "migrate"  # credited, not anonymous
    printed = capsys.readouterr().out
    unlinked = f"(1): claim {stating.pk} from target {target.pk}"
    assert (
        f"Target statements unlinked, about another metric or subject than their target {unlinked}"
        in printed
    )
    assert f"no longer evidence (1): claim {observation.pk} for claim {stating.pk}" in printed
    assert f"another speaker's name (1): 张玉卓 (of speaker {other.pk}" in printed
