"""Generate a benchmark corpus with PostgreSQL COPY: documents and claims.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/ct_bench DEBUG=1 \
        .venv/bin/python bench/generate.py --documents 10000 --claims 1000000

Refuses a database that already has documents. The claims table's per-row
trigger (quote equals the document text at its offsets) would dominate the
load, so this session runs with `SET session_replication_role = replica`,
which skips triggers (foreign-key checks too) for this session only. The data
stays valid: every quote is cut from its document's text here, with the same
code-point offsets, every document is filed in the default project as the skipped
trigger would, and `--check` afterwards compares every quote and every claim's
project key in SQL.
"""

import argparse
import hashlib
import os
import random
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

import django

django.setup()

from django.contrib.auth.models import Group, User  # noqa: E402
from django.db import connection  # noqa: E402

from claims.roles import API_READER  # noqa: E402

# Simplified and traditional text, with astral characters (CJK Extension B, emoji).
PHRASES = [
    "加快发展新质生产力",
    "中央企业战略性新兴产业收入的占比要达到35%",
    "数据成为新生产要素",
    "資料是關鍵",
    "以科技创新推动产业创新",
    "𠀀𠀁",
    "人工智能",
    "芯片",
    "晶片",
    "😀",
    "，",
    "。",
    "国务院国资委",
    "张玉卓",
    "到2025年",
    "2.2万亿元",
    "增长5%左右",
]
CLAIM_TYPES = ["target", "observation", "challenge", "recommendation", "commitment", "assessment"]
STANCES = ["support", "oppose", "neutral", "mixed"]
# A team's corpus, not one person's drafts: every path an export or a page takes is
# taken (a reviewer to look up, a figure to join, several topics to sort, a note).
ANNOTATORS = 12
REVIEWERS = 3
SPEAKERS = 200
TOPICS = 20
METRICS = 30
TARGETS = 500
# By a claim's id modulo 10: four in ten drafts, two submitted, three accepted, one
# rejected (the last two reviewed, the rejection with its comment).
STATUSES = ["draft"] * 4 + ["submitted"] * 2 + ["accepted"] * 3 + ["rejected"]


def make_text(rng: random.Random, length: int) -> str:
    parts, size = [], 0
    while size < length:
        phrase = rng.choice(PHRASES)
        parts.append(phrase)
        size += len(phrase)
    return "".join(parts)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--documents", type=int, default=10_000)
    parser.add_argument("--claims", type=int, default=1_000_000)
    parser.add_argument("--text-length", type=int, default=2000)
    parser.add_argument("--seed", type=int, default=4)
    parser.add_argument(
        "--check",
        action="store_true",
        help="only verify every stored quote and claim's project key",
    )
    args = parser.parse_args()

    with connection.cursor() as cursor:
        if args.check:
            cursor.execute(
                "SELECT count(*) FROM claims_claim c JOIN annotations_document d "
                'ON d.id = c.document_id WHERE substr(d.text, c.start + 1, c."end" - c.start) '
                "<> c.quote"
            )
            print("claims whose quote differs from the text:", cursor.fetchone()[0])
            cursor.execute(
                "SELECT count(*) FROM claims_claim c WHERE NOT EXISTS (SELECT FROM"
                " projects_projectdocument e WHERE e.project_id = c.project_id"
                " AND e.document_id = c.document_id)"
            )
            print("claims whose document is not in their project:", cursor.fetchone()[0])
            return
        cursor.execute("SELECT count(*) FROM annotations_document")
        if cursor.fetchone()[0]:
            sys.exit("This database already has documents; generate into an empty one.")

    rng = random.Random(args.seed)  # noqa: S311 (reproducible data, not secrets)
    annotators = [
        User.objects.get_or_create(
            username="bench" if n == 1 else f"bench-{n}", defaults={"is_staff": True}
        )[0].pk
        for n in range(1, ANNOTATORS + 1)
    ]
    reviewers = [
        User.objects.get_or_create(username=f"bench-reviewer-{n}", defaults={"is_staff": True})[
            0
        ].pk
        for n in range(1, REVIEWERS + 1)
    ]
    reader, _ = User.objects.get_or_create(username="bench-reader")
    reader.groups.add(Group.objects.get(name=API_READER))
    started = time.monotonic()

    raw = connection.connection  # the psycopg connection under Django's
    with raw.cursor() as cursor:
        cursor.execute("SET session_replication_role = replica")
        speakers = list(range(1, SPEAKERS + 1))
        with cursor.copy("COPY claims_speaker (id, name, kind, description) FROM STDIN") as copy:
            for pk in speakers:
                copy.write_row((pk, f"发言人{pk}", "person", ""))
        with cursor.copy("COPY claims_topic (id, name, description) FROM STDIN") as copy:
            for pk in range(1, TOPICS + 1):
                copy.write_row((pk, f"主题{pk}", ""))
        with cursor.copy(
            "COPY claims_metric (id, name, unit, description, status) FROM STDIN"
        ) as copy:
            for pk in range(1, METRICS + 1):
                copy.write_row((pk, f"指标{pk}", "%", "", "confirmed"))
        targets = {}  # id -> metric
        columns = (
            "id, number_text, comparator, change, value, unit, title, subject, scope, deadline,"
            " baseline_period, status_override, status_override_reason, created_at, metric_id,"
            " withdrawal_note, bound"
        )
        with cursor.copy(f"COPY claims_target ({columns}) FROM STDIN") as copy:
            for pk in range(1, TARGETS + 1):
                targets[pk] = rng.randint(1, METRICS)
                figure = ("35%", "at_least", "level", 35, "%")
                rest = ("", "", "2025-12-31", "", "", "", "now", targets[pk], "", "floor")
                copy.write_row((pk, *figure, f"目标{pk}", *rest))

        texts = {}
        columns = (
            "id, title, outlet, authors, published_on, url, language, raw_text, text, "
            "line_breaks, content_hash, source_name, created_at, updated_at"
        )
        with cursor.copy(f"COPY annotations_document ({columns}) FROM STDIN") as copy:
            for pk in range(1, args.documents + 1):
                text = make_text(rng, args.text_length)
                texts[pk] = text
                day = f"20{rng.randint(15, 25)}-{rng.randint(1, 12):02d}-{rng.randint(1, 28):02d}"
                copy.write_row(
                    (
                        pk,
                        f"文件{pk}",
                        rng.choice(["证券日报", "遠見", "人民日报"]),
                        "",
                        day,
                        "",
                        "zh-Hans",
                        text,
                        text,
                        "kept",
                        hashlib.sha256(text.encode()).hexdigest(),
                        "bench",
                        "now",
                        "now",
                    )
                )
        # What the skipped trigger projects_file_new_documents does: every document is in
        # the default project, which each claim's (project, document) key refers to.
        cursor.execute(
            "INSERT INTO projects_projectdocument (project_id, document_id, curation_state)"
            " SELECT projects_default_id(), id, 'open' FROM annotations_document"
        )
        print(f"{args.documents} documents in {time.monotonic() - started:.1f}s")

        columns = (
            'id, document_id, start, "end", quote, annotator_id, status, review_comment, '
            "version, created_at, updated_at, claim_type, speaker_id, speaker_role, "
            "attribution, stance, modality, note, reviewer_id, reviewed_at"
        )
        figures: dict[str, list[tuple[object, ...]]] = {"target": [], "observation": []}
        # Each claim made at a time of its own, a second or so after the one before (as
        # annotators make them): the API converts each timestamp, once per value.
        now = datetime.now(UTC)
        made = now - timedelta(seconds=2 * args.claims)
        with cursor.copy(f"COPY claims_claim ({columns}) FROM STDIN") as copy:
            for pk in range(1, args.claims + 1):
                made += timedelta(seconds=1, microseconds=rng.randrange(1_000_000))
                document = rng.randint(1, args.documents)
                text = texts[document]
                start = rng.randrange(0, len(text) - 40)
                end = start + rng.randint(4, 40)
                speaker = rng.choice(speakers) if pk % 3 else None
                status = STATUSES[pk % 10]
                reviewed = status in ("accepted", "rejected")
                review = min(made + timedelta(hours=1), now)  # never in the future
                claim_type = rng.choice(CLAIM_TYPES)
                metric = rng.randint(1, METRICS)
                if claim_type == "target":
                    target = rng.choice([None, rng.randint(1, TARGETS)])
                    metric = targets[target] if target else metric
                    figures["target"].append((pk, metric, target))
                elif claim_type == "observation":
                    figures["observation"].append((pk, metric))
                copy.write_row(
                    (
                        pk,
                        document,
                        start,
                        end,
                        text[start:end],
                        rng.choice(annotators),
                        status,
                        "引文不完整" if status == "rejected" else "",
                        2 if reviewed else 1,
                        made,
                        review if reviewed else made,
                        claim_type,
                        speaker,
                        "主任" if speaker else "",
                        "direct" if speaker else "authorial",
                        rng.choice(STANCES),
                        "none",
                        "据统计公报核对" if pk % 5 == 0 else "",
                        rng.choice(reviewers) if reviewed else None,
                        review if reviewed else None,
                    )
                )
        columns = (
            "claim_id, metric_id, target_id, number_text, comparator, change, value, unit,"
            " subject, scope, deadline, bound"
        )
        with cursor.copy(f"COPY claims_targetstatement ({columns}) FROM STDIN") as copy:
            for row in figures["target"]:
                statement = ("35%", "at_least", "level", 35, "%", "", "", "2025-12-31", "floor")
                copy.write_row((*row, *statement))
        columns = (
            "claim_id, metric_id, number_text, comparator, change, value, unit, subject, scope,"
            " period_start, period_end"
        )
        with cursor.copy(f"COPY claims_observation ({columns}) FROM STDIN") as copy:
            for row in figures["observation"]:
                copy.write_row(
                    (*row, "12.5%", "exact", "level", 12.5, "%", "", "", "2024-01-01", "2024-12-31")
                )
        # A third of the claims have topics, one to three each.
        with cursor.copy("COPY claims_claim_topics (claim_id, topic_id) FROM STDIN") as copy:
            for pk in range(1, args.claims + 1, 3):
                for topic in rng.sample(range(1, TOPICS + 1), rng.choice([1, 1, 2, 3])):
                    copy.write_row((pk, topic))
        tables = [
            "annotations_document",
            "claims_claim",
            "claims_speaker",
            "claims_topic",
            "claims_metric",
            "claims_target",
            "claims_targetstatement",
            "claims_observation",
        ]
        for table in tables:
            cursor.execute(
                f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "  # noqa: S608
                f"(SELECT max(id) FROM {table}))"
            )
        cursor.execute("SET session_replication_role = origin")
        cursor.execute("ANALYZE")
    print(f"{args.claims} claims in {time.monotonic() - started:.1f}s in all")


if __name__ == "__main__":
    main()
