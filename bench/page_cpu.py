"""What a claim list page costs in CPU, Python and database apart, step by step.

    .venv/bin/python bench/page_cpu.py \
        postgres://postgres@127.0.0.1:5432/ct_bench_1000000 [URL ...]

run.py times pages over HTTP, where this machine's load moves a p95 by a third from
one run to the next. This serves the same pages in process (DRF's test client, signed
in by token as run.py's requests are, so each request reads its user and her
permissions afresh) and counts CPU, which load moves less: the Python of this process
(`time.process_time`) and the database backend's (from /proc), per request, over 100
requests after 10 unmeasured ones; and the Python CPU of the steps of a request
(authentication, permissions, filters, the page's query, claims_as_read and the
claims' representation, Django's query compiler, rendering), wrapped in timers.
Default URL: the first page of 100.
"""

import functools
import os
import secrets
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

from run import backend_cpu

REQUESTS = 100


def timed_steps() -> dict[str, list[float]]:
    """Wrap each step in a timer of Python CPU; returns the times each took, by step
    (in the order of `steps`)."""
    from django.db.backends import utils
    from django.db.models.sql import compiler
    from rest_framework import generics, renderers, request, views

    import claims.representation

    spent: dict[str, list[float]] = {}
    steps: list[tuple[Any, str, str]] = [
        (request.Request, "_authenticate", "authentication"),
        (views.APIView, "check_permissions", "permissions"),
        (generics.GenericAPIView, "filter_queryset", "filters"),
        (generics.GenericAPIView, "paginate_queryset", "the page's query"),
        (claims.representation, "claims_as_read", "claims_as_read"),
        (claims.representation.Representation, "claim", "  of which representation"),
        (compiler.SQLCompiler, "as_sql", "Django compiling queries"),
        (utils.CursorWrapper, "_execute", "executing queries"),
        (renderers.JSONRenderer, "render", "rendering JSON"),
    ]
    # Steps under way: a step called within itself (a subquery's compiling) counts once.
    running: set[str] = set()
    for owner, name, label in steps:
        spent[label] = []
        step: Callable[..., Any] = getattr(owner, name)

        @functools.wraps(step)
        def timer(*args: Any, _step: Any = step, _label: str = label, **kwargs: Any) -> Any:
            if _label in running:
                return _step(*args, **kwargs)
            running.add(_label)
            start = time.process_time()
            try:
                return _step(*args, **kwargs)
            finally:
                spent[_label].append(time.process_time() - start)
                running.discard(_label)

        setattr(owner, name, timer)
    return spent


def main() -> None:
    # As bench/serving.py serves: DEBUG off (no query log), a throwaway key, no HTTPS.
    os.environ.update(
        DATABASE_URL=sys.argv[1],
        DEBUG="0",
        SECRET_KEY=secrets.token_urlsafe(40),
        ALLOWED_HOSTS="testserver",
        SECURE_SSL_REDIRECT="0",
        API_THROTTLE_USER="1000000/minute",
    )
    import django

    django.setup()
    from django.contrib.auth.models import User
    from rest_framework.authtoken.models import Token
    from rest_framework.test import APIClient

    token, _ = Token.objects.get_or_create(user=User.objects.get(username="bench-reader"))
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {token.key}")
    spent = timed_steps()
    for url in sys.argv[2:] or ["/api/v1/claims/?page_size=100"]:
        for _ in range(10):
            assert client.get(url).status_code == 200, url
        for times in spent.values():
            times.clear()
        python, database, wall = time.process_time(), backend_cpu(), time.perf_counter()
        for _ in range(REQUESTS):
            client.get(url)
        python = (time.process_time() - python) / REQUESTS * 1000
        database = (backend_cpu() - database) / REQUESTS * 1000
        wall = (time.perf_counter() - wall) / REQUESTS * 1000
        print(f"\n{url}: per request, Python {python:.1f} ms of CPU, database {database:.1f} ms")
        print(f"of CPU, {wall:.1f} ms in all\n\n| step | Python CPU |\n| --- | --- |")
        for label, times in spent.items():
            print(f"| {label} | {sum(times) / REQUESTS * 1000:.2f} ms |")


if __name__ == "__main__":
    main()
