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
    annotator, _ = User.objects.get_or_create(username="bench", defaults={"is_staff": True})
    reader, _ = User.objects.get_or_create(username="bench-reader")
    reader.groups.add(Group.objects.get(name=API_READER))
    started = time.monotonic()

    raw = connection.connection  # the psycopg connection under Django's
    with raw.cursor() as cursor:
        cursor.execute("SET session_replication_role = replica")
        speakers = list(range(1, 201))
        with cursor.copy("COPY claims_speaker (id, name, kind, description) FROM STDIN") as copy:
            for pk in speakers:
                copy.write_row((pk, f"发言人{pk}", "person", ""))
        with cursor.copy("COPY claims_topic (id, name, description) FROM STDIN") as copy:
            for pk in range(1, 21):
                copy.write_row((pk, f"主题{pk}", ""))

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
            "attribution, stance, modality, note"
        )
        # Each claim made at a time of its own, a second or so after the one before (as
        # annotators make them): the API converts each timestamp, once per value.
        made = datetime.now(UTC) - timedelta(seconds=2 * args.claims)
        with cursor.copy(f"COPY claims_claim ({columns}) FROM STDIN") as copy:
            for pk in range(1, args.claims + 1):
                made += timedelta(seconds=1, microseconds=rng.randrange(1_000_000))
                document = rng.randint(1, args.documents)
                text = texts[document]
                start = rng.randrange(0, len(text) - 40)
                end = start + rng.randint(4, 40)
                speaker = rng.choice(speakers) if pk % 3 else None
                copy.write_row(
                    (
                        pk,
                        document,
                        start,
                        end,
                        text[start:end],
                        annotator.pk,
                        "draft",
                        "",
                        1,
                        made,
                        made,
                        rng.choice(CLAIM_TYPES),
                        speaker,
                        "主任" if speaker else "",
                        "direct" if speaker else "authorial",
                        rng.choice(STANCES),
                        "none",
                        "",
                    )
                )
        with cursor.copy("COPY claims_claim_topics (claim_id, topic_id) FROM STDIN") as copy:
            for pk in range(1, args.claims + 1, 3):
                copy.write_row((pk, rng.randint(1, 20)))
        for table in ("annotations_document", "claims_claim", "claims_speaker", "claims_topic"):
            cursor.execute(
                f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "  # noqa: S608
                f"(SELECT max(id) FROM {table}))"
            )
        cursor.execute("SET session_replication_role = origin")
        cursor.execute("ANALYZE")
    print(f"{args.claims} claims in {time.monotonic() - started:.1f}s in all")


if __name__ == "__main__":
    main()
