"""Measure claim exports and list latency against a separately started server.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/ct_bench .venv/bin/python bench/run.py

Starts `manage.py runserver --noreload` (DEBUG off) on a free port as its own
process, samples that process's resident memory (psutil) every 20 ms, and in
one run measures:

- `COPY (SELECT ...) TO STDOUT` of exactly the export's SELECT (CSV), read by psycopg;
- the CSV and JSON Lines exports of every claim through the API (streamed);
- the claim list at page 1 and deep in the cursor (median of several requests).

The export's SELECT is taken from the export code itself (claims.exports), so
the COPY and the API read the same columns.
"""

import argparse
import base64
import os
import secrets
import socket
import statistics
import subprocess
import sys
import threading
import time
from pathlib import Path
from urllib.parse import urlencode

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
os.environ.setdefault("DEBUG", "1")

import django  # noqa: E402

django.setup()

import psutil  # noqa: E402
import requests  # noqa: E402
from django.contrib.auth.models import User  # noqa: E402
from django.db import connection  # noqa: E402
from rest_framework.authtoken.models import Token  # noqa: E402

from claims import exports  # noqa: E402
from claims.models import Claim  # noqa: E402


class MemorySampler(threading.Thread):
    def __init__(self, pid: int):
        super().__init__(daemon=True)
        self.process = psutil.Process(pid)
        self.peak = 0
        self.running = True

    def run(self) -> None:
        while self.running:
            self.peak = max(self.peak, self.process.memory_info().rss)
            time.sleep(0.02)

    def stop(self) -> int:
        self.running = False
        self.join()
        return self.peak


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def start_server(port: int) -> subprocess.Popen[bytes]:
    env = {
        **os.environ,
        "DEBUG": "0",
        "SECRET_KEY": secrets.token_urlsafe(40),
        "ALLOWED_HOSTS": "127.0.0.1",
        "API_THROTTLE_USER": "100000/minute",
    }
    server = subprocess.Popen(  # noqa: S603
        [sys.executable, "manage.py", "runserver", "--noreload", f"127.0.0.1:{port}"],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    for _ in range(100):
        try:
            requests.get(f"http://127.0.0.1:{port}/api/v1/", timeout=1)
            return server
        except requests.ConnectionError:
            time.sleep(0.1)
    server.kill()
    sys.exit("the server did not start")


def time_copy() -> tuple[float, int]:
    """COPY of the export's own SELECT, as CSV, read to the end."""
    sql, params = exports.export_rows(Claim.objects.all()).query.sql_with_params()
    connection.ensure_connection()
    raw = connection.connection
    with raw.cursor() as cursor:
        select = cursor.mogrify(sql, params)
        started, size = time.monotonic(), 0
        with cursor.copy(f"COPY ({select}) TO STDOUT WITH (FORMAT csv, HEADER)") as copy:
            for block in copy:
                size += len(block)
    return time.monotonic() - started, size


def time_export(
    session: requests.Session, base: str, fmt: str, sampler_pid: int
) -> tuple[float, int, int]:
    sampler = MemorySampler(sampler_pid)
    sampler.start()
    started, size = time.monotonic(), 0
    with session.get(f"{base}/api/v1/claims/export.{fmt}", stream=True, timeout=3600) as response:
        response.raise_for_status()
        for block in response.iter_content(chunk_size=1 << 16):
            size += len(block)
    return time.monotonic() - started, size, sampler.stop()


def cursor_at(position: int) -> str:
    """DRF's cursor for "the page after claim id `position`"."""
    return base64.b64encode(urlencode({"p": position}).encode()).decode()


def median_latency(session: requests.Session, url: str, runs: int = 7) -> float:
    timings = []
    for _ in range(runs):
        started = time.monotonic()
        response = session.get(url, timeout=60)
        response.raise_for_status()
        timings.append(time.monotonic() - started)
    return statistics.median(timings)


def main() -> None:
    parser = argparse.ArgumentParser(description="claim export and list benchmark")
    parser.add_argument("--page-size", type=int, default=100)
    args = parser.parse_args()

    claims = Claim.objects.count()
    reader = User.objects.get(username="bench-reader")
    token, _ = Token.objects.get_or_create(user=reader)
    port = free_port()
    server = start_server(port)
    base = f"http://127.0.0.1:{port}"
    session = requests.Session()
    session.headers["Authorization"] = f"Token {token.key}"
    try:
        session.get(f"{base}/api/v1/claims/?page_size=1").raise_for_status()  # warm up
        at_rest = psutil.Process(server.pid).memory_info().rss
        copy_seconds, copy_bytes = time_copy()
        print(f"claims: {claims}")
        print(f"server RSS at rest: {at_rest / 2**20:.0f} MB")
        print(f"COPY (SELECT ...) TO STDOUT csv: {copy_seconds:.1f}s, {copy_bytes / 2**20:.0f} MB")
        for fmt in ("csv", "jsonl"):
            seconds, size, peak = time_export(session, base, fmt, server.pid)
            print(
                f"API export .{fmt}: {seconds:.1f}s, {size / 2**20:.0f} MB, "
                f"{seconds / copy_seconds:.2f}x COPY, server peak RSS {peak / 2**20:.0f} MB "
                f"(+{(peak - at_rest) / 2**20:.0f} MB over rest)"
            )
        page = f"{base}/api/v1/claims/?page_size={args.page_size}"
        deep = f"{page}&cursor={cursor_at(claims - 10 * args.page_size)}"
        first = median_latency(session, page) * 1000
        print(f"list page 1 (page_size {args.page_size}): {first:.0f} ms")
        print(
            f"list deep in the cursor (after id {claims - 10 * args.page_size}): "
            f"{median_latency(session, deep) * 1000:.0f} ms"
        )
        filtered = f"{page}&q=数据&claim_type=target&ordering=-published"
        print(
            f"list page 1 with q=数据, claim_type, ordering=-published: "
            f"{median_latency(session, filtered) * 1000:.0f} ms"
        )
    finally:
        server.terminate()
        server.wait()


if __name__ == "__main__":
    main()
