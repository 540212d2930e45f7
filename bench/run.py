"""Exports, list pages and search against the bare floor, at every size in one run.

    DEBUG=1 .venv/bin/python bench/run.py \
        postgres://postgres@127.0.0.1:5432/ct_bench_10k \
        postgres://postgres@127.0.0.1:5432/ct_bench_100k \
        postgres://postgres@127.0.0.1:5432/ct_bench_1m

For each database (made by bench/generate.py), in a child process of its own
(Django's settings hold one database), against gunicorn started as `make run`
starts it (config/gunicorn.py, DEBUG off):

- the floor: `COPY claims_claim TO STDOUT` (the bare claims table, CSV), read to
  the end by psycopg; and for the JSON formats a second one, the same rows as JSON
  Lines (`row_to_json`, framed as the exports frame theirs; its own value formats),
  the reference issue 11's own table gave them;
- each export format: its own COPY statement (claims.exports.copy_statement, the
  very statement the API streams) read through claims.exports.copy_out (its
  transaction and settings, no HTTP), and `GET /api/v1/claims/export.<fmt>`
  read to the end, with the server's peak resident memory (all its processes)
  sampled every 20 ms during the request;
- list pages of 100 (first, and deep in the cursor) and `q=` searches for words of
  one to four characters in both scripts, alone, with a claim type, and with
  `ordering=-published`: p50 and p95 over all requests of a case.

Prints one Markdown table per database; every time is also given as a ratio to
the floor measured in the same run. With `--exports` first, only the floor and the
exports are measured; with `--lists` first, only the floor and the list and search
requests.
"""

import base64
import json
import os
import statistics
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

from serving import free_port, start_gunicorn

ROOT = Path(__file__).resolve().parent.parent
FORMATS = ["csv", "jsonl", "json", "jsonld"]
# Measured against the JSON floor as well as the floor.
JSON_FORMATS = {"jsonl", "json", "jsonld"}
# Words of one to four characters in either script, most of them frequent in the
# generated corpus (the hard case: many matches), one absent.
WORDS = ["数", "資", "数据", "資料", "芯片", "人工智", "新质生", "人工智能", "關鍵", "国资委", "鹅"]
SEARCHES = {
    "q": "",
    "q + claim_type": "&claim_type=target",
    "q + ordering=-published": "&ordering=-published",
    "q + claim_type + stance + ordering=-published": (
        "&claim_type=target&stance=support&ordering=-published"
    ),
}
REQUESTS = 15  # per list case and per search word


def percentile(timings: list[float], fraction: float) -> float:
    ordered = sorted(timings)
    return ordered[min(len(ordered) - 1, round(fraction * (len(ordered) - 1)))]


class MemorySampler(threading.Thread):
    """Peak resident memory of a process and its children (gunicorn's workers)."""

    def __init__(self, pid: int):
        import psutil

        super().__init__(daemon=True)
        self.process = psutil.Process(pid)
        self.peak = self.rss()
        self.running = True

    def rss(self) -> int:
        processes = [self.process, *self.process.children(recursive=True)]
        return sum(p.memory_info().rss for p in processes)

    def run(self) -> None:
        while self.running:
            self.peak = max(self.peak, self.rss())
            time.sleep(0.02)

    def stop(self) -> int:
        self.running = False
        self.join()
        return self.peak


def backend_cpu() -> float:
    """CPU seconds used so far by the database backend of this process's connection,
    read from /proc (the server runs on this machine). Unlike wall time, barely moved
    by what else the machine runs; nan where /proc cannot tell."""
    from django.db import connection

    connection.ensure_connection()
    pid = connection.connection.info.backend_pid
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return float("nan")
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")  # utime + stime


def time_copy(statement: str) -> tuple[float, int]:
    """Run a COPY ... TO STDOUT and read its output to the end."""
    from django.db import connection

    connection.ensure_connection()
    with connection.connection.cursor() as cursor:
        started, size = time.monotonic(), 0
        with cursor.copy(statement) as copy:
            for block in copy:
                size += len(block)
    return time.monotonic() - started, size


def time_export(statement: str) -> tuple[float, int]:
    """Read an export's COPY to the end the way the API streams it (copy_out)."""
    from claims import exports

    started, size = time.monotonic(), 0
    for block in exports.copy_out(statement):
        size += len(block)
    return time.monotonic() - started, size


def latencies(session: Any, url: str, runs: int = REQUESTS) -> list[float]:
    timings = []
    for _ in range(runs):
        started = time.monotonic()
        response = session.get(url, timeout=120)
        response.raise_for_status()
        timings.append(time.monotonic() - started)
    return timings


def cursor_at(position: int) -> str:
    """DRF's cursor for "the page after claim id `position`"."""
    return base64.b64encode(urlencode({"p": position}).encode()).decode()


def measure_one(parts: set[str]) -> dict[str, Any]:
    """The figures of `parts` ("exports", "lists") for the database in DATABASE_URL
    (run in a child process)."""
    sys.path.insert(0, str(ROOT))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    import django

    django.setup()
    import requests
    from django.contrib.auth.models import User
    from rest_framework.authtoken.models import Token

    from claims import exports
    from claims.models import Claim

    claims = Claim.objects.count()
    token, _ = Token.objects.get_or_create(user=User.objects.get(username="bench-reader"))
    port = free_port()
    server = start_gunicorn(port)
    base = f"http://127.0.0.1:{port}"
    session = requests.Session()
    session.headers["Authorization"] = f"Token {token.key}"
    result: dict[str, Any] = {"claims": claims, "exports": {}, "lists": {}}
    try:
        session.get(f"{base}/api/v1/claims/?page_size=1").raise_for_status()  # warm up
        at_rest = MemorySampler(server.pid).rss()
        result["rss_at_rest"] = at_rest
        cpu = backend_cpu()
        result["floor"] = time_copy(f"COPY {Claim._meta.db_table} TO STDOUT WITH (FORMAT csv)")
        result["floor_cpu"] = backend_cpu() - cpu
        if "exports" in parts:
            cpu = backend_cpu()
            # The bare claims table as JSON Lines, every key on every line, framed as the
            # exports are (a reference: row_to_json writes its own value formats).
            result["json_floor"] = time_copy(
                f"COPY (SELECT row_to_json(c) FROM {Claim._meta.db_table} AS c) TO STDOUT"  # noqa: S608
                f" {exports.ONE_JSON_PER_LINE}"
            )
            result["json_floor_cpu"] = backend_cpu() - cpu
        for fmt in FORMATS if "exports" in parts else []:
            cpu = backend_cpu()
            own = time_export(exports.copy_statement(Claim.objects.all(), fmt, base))
            own_cpu = backend_cpu() - cpu
            sampler = MemorySampler(server.pid)
            sampler.start()
            started, size = time.monotonic(), 0
            url = f"{base}/api/v1/claims/export.{fmt}"
            with session.get(url, stream=True, timeout=3600) as response:
                response.raise_for_status()
                for block in response.iter_content(chunk_size=1 << 16):
                    size += len(block)
            api = (time.monotonic() - started, size)
            result["exports"][fmt] = {
                "own": own,
                "own_cpu": own_cpu,
                "api": api,
                "peak": sampler.stop(),
            }
        if "lists" not in parts:
            return result
        page = f"{base}/api/v1/claims/?page_size=100"
        # Unmeasured: each server thread's first request opens its database connection,
        # whose first queries load the catalogue (done by the exports above, if any).
        latencies(session, page)
        # What the machine adds to any request: one SELECT 1, no page to build.
        result["lists"]["GET /healthz (reference: SELECT 1)"] = latencies(
            session, f"{base}/healthz"
        )
        deep = claims - 1000
        result["lists"]["list, first page"] = latencies(session, page)
        result["lists"][f"list, deep (after id {deep})"] = latencies(
            session, f"{page}&cursor={cursor_at(deep)}"
        )
        result["lists"]["list, first page, ordering=-published"] = latencies(
            session, f"{page}&ordering=-published"
        )
        for case, extra in SEARCHES.items():
            timings: list[float] = []
            for word in WORDS:
                timings += latencies(session, f"{page}&q={word}{extra}", runs=REQUESTS // 3)
            result["lists"][case] = timings
    finally:
        server.terminate()
        server.wait()
    return result


def report(result: dict[str, Any]) -> str:
    floor, floor_bytes = result["floor"]
    floor_cpu = result["floor_cpu"]
    mb = 2**20
    lines = [
        f"### {result['claims']:,} claims",
        "",
        f"Floor: `COPY claims_claim TO STDOUT` {floor:.2f} s ({floor_bytes / mb:.0f} MB), "
        f"database CPU {floor_cpu:.2f} s. "
        f"Server at rest {result['rss_at_rest'] / mb:.0f} MB (all gunicorn processes).",
    ]
    if result["exports"]:  # not --lists
        json_floor, json_floor_bytes = result["json_floor"]
        json_floor_cpu = result["json_floor_cpu"]
        lines += [
            "",
            f"JSON floor: the same rows by `row_to_json` {json_floor:.2f} s "
            f"({json_floor_bytes / mb:.0f} MB), database CPU {json_floor_cpu:.2f} s.",
            "",
            "| export | own COPY | × floor | database CPU | × floor | API | × floor "
            "| database CPU × JSON floor | API × JSON floor | size | server peak RSS growth |",
            "| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |",
        ]
    for fmt, figures in result["exports"].items():
        own, _ = figures["own"]
        own_cpu = figures["own_cpu"]
        api, size = figures["api"]
        growth = (figures["peak"] - result["rss_at_rest"]) / mb
        lines.append(
            f"| .{fmt} | {own:.2f} s | {own / floor:.1f}× | {own_cpu:.2f} s "
            f"| {own_cpu / floor_cpu:.1f}× | {api:.2f} s | {api / floor:.1f}× "
            f"| {f'{own_cpu / json_floor_cpu:.1f}×' if fmt in JSON_FORMATS else ''} "
            f"| {f'{api / json_floor:.1f}×' if fmt in JSON_FORMATS else ''} "
            f"| {size / mb:.0f} MB | {growth:+.0f} MB |"
        )
    if not result["lists"]:  # --exports
        return "\n".join(lines)
    lines += [
        "",
        "| request (page of 100) | requests | p50 | p95 | max |",
        "| --- | --- | --- | --- | --- |",
    ]
    for case, timings in result["lists"].items():
        lines.append(
            f"| {case} | {len(timings)} | {statistics.median(timings) * 1000:.0f} ms "
            f"| {percentile(timings, 0.95) * 1000:.0f} ms | {max(timings) * 1000:.0f} ms |"
        )
    return "\n".join(lines)


PARTS = {"--exports": ["exports"], "--lists": ["lists"]}


def main() -> None:
    if sys.argv[1:2] == ["--one"]:
        print(json.dumps(measure_one(set(sys.argv[2:]))))
        return
    flag = sys.argv[1] if sys.argv[1:] else ""
    parts = PARTS.get(flag, ["exports", "lists"])
    urls = sys.argv[2:] if flag in PARTS else sys.argv[1:]
    if not urls:
        sys.exit(__doc__)
    for url in urls:
        child = subprocess.run(  # noqa: S603
            [sys.executable, __file__, "--one", *parts],
            env={**os.environ, "DATABASE_URL": url, "DEBUG": "1"},
            capture_output=True,
            text=True,
            check=True,
        )
        print(report(json.loads(child.stdout.splitlines()[-1])), end="\n\n", flush=True)


if __name__ == "__main__":
    main()
