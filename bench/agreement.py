"""Time agreement (claims/agreement.py) against reading the same claims, in one run.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/<db> DEBUG=1 \\
        .venv/bin/python bench/agreement.py [--documents 50] [--claims 40]

Builds a study in a transaction that is rolled back at the end, so the database is
left as it was: three annotators on every document (`--documents` of 3,000
characters), each making `--claims` claims a document whose spans and types
disagree with the others' now and then (seeded, so every run builds the same).
Then, median of 5 runs each:

- floor: the one query agreement starts from, read to the end (the claims' values);
- agreement.for_project(): its four queries, the matching, κ per pair and every α
  (the positional α over every code point of every document);
- curation.load() of one document (its six queries and the grouping).

The figures to read are the ratios to the floor, measured in the same run.
"""

import argparse
import os
import random
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

import django

django.setup()

from django.contrib.auth.models import User  # noqa: E402
from django.db import transaction  # noqa: E402

from annotations.models import Document  # noqa: E402
from claims import agreement, curation  # noqa: E402
from claims.models import Attribution, Claim, ClaimType, Stance  # noqa: E402
from projects.models import Assignment, Project, ProjectDocument  # noqa: E402

LENGTH = 3000
CHARACTERS = "发展新质生产力国资央企战略性新兴产业收入占比要达到数据要素市场化配置改革"


def build(documents: int, claims: int) -> tuple[Project, list[Document]]:
    chance = random.Random(7)  # noqa: S311 (made-up data, the same every run)
    project = Project.objects.create(name="bench study", independent=True)
    people = [User.objects.create_user(f"bench{n}") for n in range(3)]
    made = []
    for number in range(documents):
        text = "".join(chance.choice(CHARACTERS) for _ in range(LENGTH)) + f"#{number}"
        document = Document.from_raw(text, title=f"bench {number}", language="zh-Hans")
        document.save()
        ProjectDocument.objects.create(project=project, document=document)
        made.append(document)
    rows = []
    for document in made:
        spans = sorted(chance.sample(range(0, LENGTH - 40, 40), claims))
        for person in people:
            Assignment.objects.create(project=project, document=document, annotator=person)
            for start in spans:
                if chance.random() < 0.1:
                    continue  # this annotator missed it
                start += chance.choice([0, 0, 0, 2, -2]) if start > 2 else 0
                end = start + chance.choice([20, 20, 20, 15, 30])
                kind = ClaimType.values[start % 3]
                if chance.random() < 0.15:
                    kind = ClaimType.ASSESSMENT  # a disagreement on the type
                rows.append(
                    Claim(
                        project=project,
                        document=document,
                        start=start,
                        end=end,
                        quote=document.text[start:end],
                        annotator=person,
                        claim_type=kind,
                        attribution=Attribution.AUTHORIAL,
                        stance=chance.choice(list(Stance.values)),
                    )
                )
    Claim.objects.bulk_create(rows, batch_size=2000)
    return project, made


def median_ms(run: Callable[[], object]) -> float:
    times = []
    for _ in range(5):
        started = time.perf_counter()
        run()
        times.append((time.perf_counter() - started) * 1000)
    return statistics.median(times)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--documents", type=int, default=50)
    parser.add_argument("--claims", type=int, default=40, help="claims per annotator and document")
    options = parser.parse_args()
    with transaction.atomic():
        project, documents = build(options.documents, options.claims)
        count = Claim.objects.filter(project=project).count()

        def floor() -> object:
            return list(
                Claim.objects.filter(project=project, gold=False).values(
                    *agreement.CODED_VALUES, "claim_type", "stance", "attribution", "speaker_id"
                )
            )

        floor_ms = median_ms(floor)
        figures = agreement.for_project(project)
        agreement_ms = median_ms(lambda: agreement.for_project(project))
        load_ms = median_ms(lambda: curation.load(project, documents[0].pk))
        print(f"{count} claims, {len(documents)} documents of {LENGTH} characters, 3 annotators")
        print(f"floor (the claims query, read to the end): {floor_ms:.1f} ms")
        ratio = agreement_ms / floor_ms
        print(f"agreement.for_project(): {agreement_ms:.1f} ms, {ratio:.1f}x floor")
        print(f"curation.load() of one document: {load_ms:.1f} ms")
        alpha = figures["alpha"]
        print(
            "positional α {value} on {units} units; claim type α {ct}".format(
                value=alpha["positional"]["value"],
                units=alpha["positional"]["units"],
                ct=alpha["claim_type"]["value"],
            )
        )
        transaction.set_rollback(True)


if __name__ == "__main__":
    main()
