"""Import benchmark: claims through the bulk API and the command, documents through the
importer, each against the floor measured in the same run.

    psql -h 127.0.0.1 -U postgres -c 'CREATE DATABASE ct_bench_import'
    export DEBUG=1 DATABASE_URL=postgres://postgres@127.0.0.1:5432/ct_bench_import
    .venv/bin/python manage.py migrate
    .venv/bin/python bench/imports.py --documents 10000 --claims 10000 100000
    .venv/bin/python bench/imports.py --documents 10000 --claims 0   # documents only

Writes into the database it is given (new documents and claims each run; use a
database of its own). In one run:

1. documents: `import_documents` (in process) of a JSON Lines file of --documents
   generated texts, against a bare COPY of the same rows (values as stored); twice: the
   texts on one line each (--no-pdf), then PDF-shaped (a line break every 30
   characters, detected and reflowed as by default);
2. for each --claims size: the same claims (a third with a speaker, a third with a topic,
   one in ten a target with its figure, spread over the documents) imported
   - by `POST /api/v1/claims/bulk/` over real HTTP, in requests of --batch-size claims,
     to gunicorn started as `make run` starts it (config/gunicorn.py), answered with
     the claims, then again with `Prefer: return=minimal` (answered with their ids);
     for each of --in-flight (default 1, then 2): a client that waits for each answer
     before it sends the next request, then one that keeps two requests in flight (the
     server checks one batch in Python while PostgreSQL writes the other), and
   - by `manage.py import_claims` (in process), in batches of --batch-size;
   each against the floor: COPY FROM STDIN of the same rows (every column of the claims
   table, values as stored) into a bare table with the same columns (no index,
   constraint or trigger), timed just before.
"""

import argparse
import io
import json
import os
import random
import secrets
import sys
import tempfile
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
os.environ.setdefault("DEBUG", "1")

import django  # noqa: E402

django.setup()

import requests  # noqa: E402
from django.contrib.auth.models import Group, User  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.db import connection  # noqa: E402
from django.utils import timezone  # noqa: E402
from generate import make_text  # noqa: E402
from rest_framework.authtoken.models import Token  # noqa: E402
from serving import free_port, start_gunicorn  # noqa: E402

from annotations.models import Document, content_hash  # noqa: E402
from claims.models import Claim, Metric, Speaker, Topic  # noqa: E402
from claims.roles import ANNOTATOR  # noqa: E402
from projects.models import Project  # noqa: E402


def bare_copy(table: str, like: str, columns: list[str], rows: list[list[Any]]) -> float:
    """Seconds to COPY `rows` into a new bare table with `like`'s columns (no index,
    constraint or trigger): the floor. Its columns compress as `like`'s do (lz4 for a
    document's texts), so the floor stores the same bytes."""
    with connection.cursor() as cursor:
        cursor.execute(f"DROP TABLE IF EXISTS {table}")
        cursor.execute(f"CREATE TABLE {table} (LIKE {like} INCLUDING COMPRESSION)")
    names = ", ".join(f'"{c}"' for c in columns)
    started = time.monotonic()
    with (
        connection.cursor() as cursor,
        cursor.cursor.copy(f"COPY {table} ({names}) FROM STDIN") as copy,
    ):
        for row in rows:
            copy.write_row(row)
    seconds = time.monotonic() - started
    with connection.cursor() as cursor:
        cursor.execute(f"DROP TABLE {table}")
    return seconds


def documents_step(
    count: int, rng: random.Random, workdir: Path, *, pdf_shaped: bool
) -> list[tuple[str, float, int]]:
    """import_documents of `count` new texts against a bare COPY of the same rows.

    One line each, imported with --no-pdf; or PDF-shaped, a line break every 30
    characters, imported as the command's default does: the shape detected, the lines
    reflowed.
    """
    run = secrets.token_hex(4)
    texts = [f"基准{run}第{n}号。" + make_text(rng, 2000) for n in range(count)]
    if pdf_shaped:
        texts = ["\n".join(t[i : i + 30] for i in range(0, len(t), 30)) for t in texts]
    records = [{"title": f"基准文件 {run}-{n}", "text": t} for n, t in enumerate(texts)]
    path = workdir / "documents.jsonl"
    path.write_text("\n".join(json.dumps(r, ensure_ascii=False) for r in records) + "\n")
    now = timezone.now()
    columns = ["id", "title", "raw_text", "text", "content_hash", "language", "line_breaks"]
    columns += ["outlet", "authors", "url", "source_name", "created_at", "updated_at"]
    fixed = ["", "", "", "documents.jsonl", now, now]
    bare_rows = []
    for n, record in enumerate(records, start=1):
        document = Document.from_raw(record["text"], pdf=pdf_shaped)
        line_breaks = str(document.line_breaks)
        stored = [document.text, content_hash(document.text), "zh-Hans", line_breaks]
        bare_rows.append([n, record["title"], record["text"], *stored, *fixed])
    floor = bare_copy("bench_bare_documents", "annotations_document", columns, bare_rows)
    options = [] if pdf_shaped else ["--no-pdf"]
    started = time.monotonic()
    call_command("import_documents", str(path), *options, stdout=io.StringIO())
    seconds = time.monotonic() - started
    imported = Document.objects.filter(title__startswith=f"基准文件 {run}-")
    reflowed = imported.filter(line_breaks="reflowed").count()
    if (imported.count(), reflowed) != (count, count if pdf_shaped else 0):
        sys.exit("documents: not every text was imported, or not as its shape says")
    shape = "PDF-shaped, reflowed" if pdf_shaped else "one line each"
    return [
        (f"documents ({shape}): bare COPY", floor, count),
        (f"documents ({shape}): import_documents", seconds, count),
    ]


def claim_rows(count: int, rng: random.Random) -> list[dict[str, Any]]:
    """`count` valid claims over the benchmark's documents, grouped by document."""
    documents = list(
        Document.objects.filter(title__startswith="基准文件").order_by("-id").values("id", "text")
    )[:10_000]
    speaker = Speaker.objects.get_or_create(name="基准发言人")[0]
    topic = Topic.objects.get_or_create(name="基准话题")[0]
    metric = Metric.objects.get_or_create(name="基准指标", defaults={"unit": "%"})[0]
    rows = []
    for n in range(count):
        document = documents[n * len(documents) // count]
        length = rng.randint(8, 40)
        start = rng.randrange(0, len(document["text"]) - length)
        row: dict[str, Any] = {
            "document": document["id"],
            "start": start,
            "end": start + length,
            "quote": document["text"][start : start + length],
            "claim_type": "assessment",
            "attribution": "authorial",
        }
        if n % 3 == 0:
            row |= {"attribution": "reported", "speaker": speaker.pk}
        elif n % 3 == 1:
            row["topics"] = [topic.pk]
        if n % 10 == 0:
            row |= {
                "claim_type": "target",
                "figure": {"number_text": "35%", "value": "35", "unit": "%", "metric": metric.pk},
            }
        rows.append(row)
    return rows


def claims_floor(rows: list[dict[str, Any]], annotator: User) -> float:
    now = timezone.now()
    columns = [str(f.column) for f in Claim._meta.concrete_fields]
    defaults = {
        "status": "draft",
        "review_comment": "",
        "reviewer_id": None,
        "reviewed_at": None,
        "version": 1,
        "created_at": now,
        "updated_at": now,
        "speaker_role": "",
        "stance": "neutral",
        "modality": "none",
        "note": "",
        "speaker_id": None,
        "annotator_id": annotator.pk,
        "project_id": Project.objects.default().pk,
        "guidelines_id": None,
        "gold": False,
    }
    values = [
        [
            {
                **defaults,
                **row,
                "id": n,
                "document_id": row["document"],
                "speaker_id": row.get("speaker"),
            }[column]
            for column in columns
        ]
        for n, row in enumerate(rows, start=1)
    ]
    return bare_copy("bench_bare_claims", "claims_claim", columns, values)


def api_import(
    base: str,
    token: str,
    rows: list[dict[str, Any]],
    batch: int,
    *,
    minimal: bool,
    in_flight: int = 1,
) -> float:
    """Seconds to POST `rows` in requests of `batch`, `in_flight` requests at a time
    (each from a thread with a session of its own: a client that sends the next
    request while the server writes the one before)."""
    headers = {"Authorization": f"Token {token}", "Content-Type": "application/json"}
    if minimal:  # the ids alone in the answer, not the claims
        headers["Prefer"] = "return=minimal"
    bodies = [
        json.dumps(rows[i : i + batch], ensure_ascii=False).encode()
        for i in range(0, len(rows), batch)
    ]
    sessions = threading.local()

    def post(body: bytes) -> None:
        if not hasattr(sessions, "session"):
            sessions.session = requests.Session()
        response = sessions.session.post(
            f"{base}/api/v1/claims/bulk/", data=body, headers=headers, timeout=600
        )
        if response.status_code != 201:
            sys.exit(f"bulk import failed: {response.status_code} {response.text[:500]}")

    started = time.monotonic()
    with ThreadPoolExecutor(in_flight) as pool:
        list(pool.map(post, bodies))
    return time.monotonic() - started


def command_import(rows: list[dict[str, Any]], batch: int, workdir: Path) -> float:
    path = workdir / "claims.jsonl"
    path.write_text("\n".join(json.dumps(r, ensure_ascii=False) for r in rows) + "\n")
    started = time.monotonic()
    call_command(
        "import_claims",
        str(path),
        "--annotator",
        "bench-annotator",
        "--batch-size",
        str(batch),
        stdout=io.StringIO(),
    )
    return time.monotonic() - started


def main() -> None:
    parser = argparse.ArgumentParser(description="import benchmark")
    parser.add_argument("--documents", type=int, default=10_000)
    parser.add_argument(
        "--claims",
        type=int,
        nargs="+",
        default=[10_000, 100_000],
        help="claim counts, one run each; 0 for documents only",
    )
    parser.add_argument("--batch-size", type=int, default=5000)
    parser.add_argument(
        "--in-flight",
        type=int,
        nargs="+",
        default=[1, 2],
        help="requests the API client keeps in flight, one run each (default: 1, then 2)",
    )
    parser.add_argument("--seed", type=int, default=11)
    args = parser.parse_args()
    rng = random.Random(args.seed)  # noqa: S311 (test data, not secrets)

    annotator, _ = User.objects.get_or_create(username="bench-annotator", is_staff=True)
    annotator.groups.add(Group.objects.get(name=ANNOTATOR))
    token = Token.objects.get_or_create(user=annotator)[0].key
    results: list[tuple[str, float, int]] = []
    with tempfile.TemporaryDirectory() as tmp:
        workdir = Path(tmp)
        if args.documents:  # 0: claims only, over the documents of earlier runs
            results += documents_step(args.documents, rng, workdir, pdf_shaped=False)
            results += documents_step(args.documents, rng, workdir, pdf_shaped=True)
        sizes = [size for size in args.claims if size > 0]
        port = free_port()
        server = start_gunicorn(port) if sizes else None
        try:
            for size in sizes:
                rows = claim_rows(size, rng)
                results.append((f"{size} claims: bare COPY", claims_floor(rows, annotator), size))
                base = f"http://127.0.0.1:{port}"
                for in_flight in args.in_flight:
                    step = f"{size} claims: POST /claims/bulk/ (HTTP)"
                    if in_flight > 1:
                        step += f", {in_flight} requests in flight"
                    for minimal in (False, True):
                        seconds = api_import(
                            base, token, rows, args.batch_size, minimal=minimal, in_flight=in_flight
                        )
                        name = f"{step}, Prefer: return=minimal" if minimal else step
                        results.append((name, seconds, size))
                command = command_import(rows, args.batch_size, workdir)
                results.append((f"{size} claims: import_claims", command, size))
        finally:
            if server is not None:
                server.terminate()
                server.wait()

    print("\n| step | rows | seconds | rows/s | x floor |\n|---|---:|---:|---:|---:|")
    floor = 0.0
    for name, seconds, rows_done in results:
        if "bare COPY" in name:
            floor = seconds
        print(
            f"| {name} | {rows_done:,} | {seconds:.2f} | {rows_done / seconds:,.0f} "
            f"| {seconds / floor:.1f} |"
        )


if __name__ == "__main__":
    main()
