"""The claim list builds claims from plain values (claims/representation.py): each one
must be exactly what ClaimSerializer shows, field for field and in its order, for
claims with every part (figure of either kind, target link, topics, relations,
reviewer) and for readers with different rights (`can`).

The data is test_query_counts' (several rows per related object), built once.
"""

import pytest
from django.contrib.auth.models import User
from django.utils import timezone
from rest_framework.test import APIRequestFactory

from claims.api import ClaimSerializer, with_resource_fields
from claims.models import Claim
from claims.representation import claims_as_read
from tests.test_query_counts import QueryData, query_data  # noqa: F401 (the fixture)


@pytest.mark.parametrize(
    ("username", "zone"),
    [
        ("reader", None),
        ("rachel", None),
        ("alice", None),
        ("bob", None),
        # Timestamps are written in the current time zone, UTC with a "Z".
        ("alice", "UTC"),
        ("alice", "America/St_Johns"),
    ],
)
def test_the_list_shows_each_claim_as_the_claim_resource_does(
    query_data: QueryData,
    db: None,
    username: str,
    zone: str | None,
) -> None:
    user = User.objects.get(username=username)
    request = APIRequestFactory().get("/api/v1/claims/")
    request.user = user
    with timezone.override(zone or timezone.get_default_timezone()):
        claims = with_resource_fields(Claim.objects.order_by("-id"))
        expected = [ClaimSerializer(claim, context={"request": request}).data for claim in claims]
        shown = claims_as_read([claim["id"] for claim in expected], user)

    assert shown == expected
    assert [list(claim) for claim in shown] == [list(claim) for claim in expected]
    # The data has every part the representation builds.
    assert {claim["figure"] is None for claim in shown} == {True, False}
    assert any(claim["figure"] and claim["figure"].get("target") for claim in shown)
    assert any(claim["figure"] and "period_start" in claim["figure"] for claim in shown)
    assert any(len(claim["relations"]) > 0 for claim in shown)
    assert any(len(claim["topics"]) > 1 for claim in shown)
    assert any(claim["reviewer"] for claim in shown)


def test_what_she_may_do_is_worked_out_per_claim(
    query_data: QueryData,
    db: None,
) -> None:
    """`can` is asked once per (hers or not, status): her drafts and the others' differ."""
    alice = User.objects.get(username="alice")
    ids = list(Claim.objects.order_by("id").values_list("id", flat=True))
    shown = claims_as_read(ids, alice)
    hers = {claim["can"]["change"] for claim in shown if claim["annotator"] == "alice"}
    others = {claim["can"]["change"] for claim in shown if claim["annotator"] != "alice"}
    assert True in hers
    assert others == {False}


def test_a_claim_deleted_meanwhile_is_left_out_and_the_order_kept(
    query_data: QueryData,
    db: None,
) -> None:
    ids = list(Claim.objects.order_by("id").values_list("id", flat=True)[:3])
    shown = claims_as_read([ids[2], 10**12, ids[0]], query_data.reader)
    assert [claim["id"] for claim in shown] == [ids[2], ids[0]]
