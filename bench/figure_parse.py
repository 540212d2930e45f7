"""Is the figure parser fast enough to run as the annotator selects, through the API?

The workbench sends every new selection to POST /api/v1/figures/parse/. This times that
request through the whole Django stack (django.test.Client: middleware, token login,
DRF, the parser read twice, JSON), for passages of several lengths cut from the demo
corpus, against a floor measured in the same run: GET /api/v1/ (the API root: the same
login and rendering, no work). Also the parser alone (claims.suggestions.read_passage
for a target and an observation). Medians of 50 runs. Needs the demo corpus:

    DEBUG=1 .venv/bin/python manage.py load_demo     # once
    DEBUG=1 .venv/bin/python bench/figure_parse.py

It writes nothing that outlives it (a user and token, rolled back).
"""

import os
import statistics
import sys
import time
from collections.abc import Callable
from functools import partial
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

import django

from config.startup import prepare

prepare()
django.setup()

from django.contrib.auth.models import Group, User  # noqa: E402
from django.db import transaction  # noqa: E402
from django.test import Client  # noqa: E402
from rest_framework.authtoken.models import Token  # noqa: E402

from claims.models import Claim, ClaimType, Metric  # noqa: E402
from claims.roles import ANNOTATOR  # noqa: E402
from claims.suggestions import read_passage  # noqa: E402

RUNS = 50
LENGTHS = [20, 60, 200, 1000]
PARSE = "/api/v1/figures/parse/"


def median_ms(call: Callable[[], object]) -> float:
    times = []
    for _ in range(RUNS):
        began = time.perf_counter()
        call()
        times.append(time.perf_counter() - began)
    return statistics.median(times) * 1000


def read_both(text: str, year: int | None, metrics: list[Metric]) -> None:
    for kind in (ClaimType.TARGET, ClaimType.OBSERVATION):
        read_passage(text, year, kind, metrics)


def passage(claim: Claim, length: int) -> str:
    """`length` characters of the claim's document, starting at the claim (a figure)."""
    return claim.document.text[claim.start : claim.start + length]


def main() -> None:
    claim = (
        Claim.objects.filter(claim_type=ClaimType.TARGET, document__published_on__isnull=False)
        .select_related("document")
        .order_by("id")
        .first()
    )
    if claim is None:
        sys.exit("No annotated target in the database: run manage.py load_demo first.")
    metrics = list(Metric.objects.all())
    year = claim.document.published_on.year if claim.document.published_on else None
    with transaction.atomic():
        user = User.objects.create_user("bench-figure-parse")
        user.groups.add(Group.objects.get(name=ANNOTATOR))
        token = Token.objects.create(user=user).key
        client = Client(HTTP_HOST="localhost", headers={"Authorization": f"Token {token}"})
        assert client.get("/api/v1/").status_code == 200
        floor = median_ms(partial(client.get, "/api/v1/"))
        print(f"floor: GET /api/v1/  {floor:6.2f} ms  ({len(metrics)} metrics stored)")
        for length in LENGTHS:
            text = passage(claim, length)
            body = {"text": text, "document": claim.document_id}
            reply = client.post(PARSE, body, content_type="application/json")
            assert reply.status_code == 200, reply.content
            api = median_ms(partial(client.post, PARSE, body, content_type="application/json"))
            alone = median_ms(partial(read_both, text, year, metrics))
            print(
                f"{length:>5} chars  POST /api/v1/figures/parse/ {api:6.2f} ms "
                f"({api / floor:4.2f}x floor)  parser alone {alone:6.2f} ms"
            )
        transaction.set_rollback(True)


if __name__ == "__main__":
    main()
