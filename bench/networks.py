"""Time discourse networks over a generated corpus (bench/generate.py's data).

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/ct_bench_networks DEBUG=1 \
        .venv/bin/python bench/generate.py --documents 2000 --claims 100000
    ... .venv/bin/python bench/networks.py --prepare   # organisations, a topic per claim
    ... .venv/bin/python bench/networks.py

--prepare (once) makes 20 organisations, puts each of generate.py's 200
speakers in one, and gives every claim without a topic one or two, in SQL.
Then each case is timed twice: claims.networks.dna_network() alone (its one
query plus numpy), and GET /api/v1/networks/ through the whole Django stack
(django.test.Client, JSON rendered), median of 3 runs each.
"""

import argparse
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

django.setup()

from django.contrib.auth.models import User  # noqa: E402
from django.db import connection, transaction  # noqa: E402
from django.test import Client  # noqa: E402

from claims.models import Claim  # noqa: E402
from claims.networks import Options, dna_network  # noqa: E402

CASES: list[tuple[str, dict[str, str]]] = [
    ("two-mode organization × topic", {}),
    (
        "two-mode speaker × topic, subtract, activity",
        {"variable1": "speaker", "qualifier_aggregation": "subtract", "normalization": "activity"},
    ),
    (
        "one-mode speaker via topic, congruence, jaccard",
        {
            "network_type": "onemode",
            "variable1": "speaker",
            "qualifier_aggregation": "congruence",
            "normalization": "jaccard",
        },
    ),
    (
        "one-mode organization via topic, subtract, duplicates=month",
        {
            "network_type": "onemode",
            "qualifier_aggregation": "subtract",
            "duplicates": "month",
        },
    ),
    (
        "two-mode, moving window of 12 months over 11 years",
        {
            "time_window": "months",
            "window_size": "12",
        },
    ),
    ("event list", {"network_type": "eventlist"}),
]


def prepare() -> None:
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(
            "INSERT INTO claims_speaker (name, kind, description) "
            "SELECT '机构' || n, 'organisation', '' FROM generate_series(1, 20) n "
            "ON CONFLICT DO NOTHING"
        )
        cursor.execute(
            "UPDATE claims_speaker p SET organization_id = o.id FROM claims_speaker o "
            "WHERE p.kind = 'person' AND o.name = '机构' || (p.id % 20 + 1)"
        )
        cursor.execute(
            "INSERT INTO claims_claim_topics (claim_id, topic_id) "
            "SELECT c.id, 1 + (c.id * 7) % 20 FROM claims_claim c "
            "WHERE NOT EXISTS (SELECT 1 FROM claims_claim_topics t WHERE t.claim_id = c.id)"
        )
        cursor.execute(
            "INSERT INTO claims_claim_topics (claim_id, topic_id) "
            "SELECT c.id, 1 + (c.id * 7 + 3) % 20 FROM claims_claim c WHERE c.id % 4 = 0 "
            "ON CONFLICT DO NOTHING"
        )
        cursor.execute("ANALYZE")
    print("prepared: organisations, and a topic or two for every claim")


def options_of(query: dict[str, str]) -> Options:
    fields = dict(query)
    if "window_size" in fields:
        return Options(**{**fields, "window_size": int(fields["window_size"])})  # type: ignore[arg-type]
    return Options(**fields)  # type: ignore[arg-type]


def median_seconds(run: Callable[[], object], times: int = 3) -> tuple[float, object]:
    samples, result = [], None
    for _ in range(times):
        started = time.perf_counter()
        result = run()
        samples.append(time.perf_counter() - started)
    return statistics.median(samples), result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--prepare", action="store_true")
    args = parser.parse_args()
    if args.prepare:
        prepare()
        return
    claims = Claim.objects.count()
    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM claims_claim_topics")
        pairs = cursor.fetchone()[0]
    print(f"{claims} claims, {pairs} claim-topic pairs")
    user, _ = User.objects.get_or_create(
        username="bench-networks", defaults={"is_superuser": True, "is_staff": True}
    )
    client = Client(HTTP_HOST="localhost")
    client.force_login(user)
    print("| case | dna_network() | GET /api/v1/networks/ | statements | matrix | response |")
    print("| --- | --- | --- | --- | --- | --- |")
    for name, query in CASES:
        options = options_of(query)
        compute, result = median_seconds(partial(dna_network, Claim.objects.all(), options))
        http, response = median_seconds(partial(client.get, "/api/v1/networks/", query))
        assert response.status_code == 200, response.content[:500]  # type: ignore[attr-defined]
        if isinstance(result, list):
            statements = sum(network.statement_count for network in result)
            shape = f"{len(result)} × {result[0].matrix.shape}" if result else "none"
        else:
            statements, shape = len(result), "—"  # type: ignore[arg-type]
        size = len(response.content) / 1e6  # type: ignore[attr-defined]
        print(
            f"| {name} | {compute * 1000:.0f} ms | {http * 1000:.0f} ms | {statements} "
            f"| {shape} | {size:.1f} MB |"
        )


if __name__ == "__main__":
    main()
