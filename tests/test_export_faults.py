"""An export is complete or visibly broken, under the server `make run` starts.

The export's database connection is killed (pg_terminate_backend from another
connection) while the client reads: every format must then end without
HTTP/1.1's final chunk, so requests raises and curl fails, instead of a short
file that looks whole. And a slow client is never cut off by a worker timeout.
"""

import contextlib
import socket
import subprocess
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import psycopg
import pytest
import requests
from django.contrib.auth.models import Group, User
from django.db import connection
from pytest_django import DjangoDbBlocker
from requests.adapters import HTTPAdapter
from rest_framework.authtoken.models import Token

from annotations.models import Document
from claims.models import Attribution, Claim, ClaimType
from claims.roles import API_READER
from tests.server_support import (
    SERVER_APPLICATION_NAME,
    Server,
    committed_data,
    database_url,
    gunicorn,
)

pytestmark = pytest.mark.django_db

FORMATS = ["csv", "jsonl", "json", "jsonld"]
DOCUMENTS = 40
CLAIMS_PER_DOCUMENT = 150
QUOTE_CHARS = 600  # about 2 kB of UTF-8 per row: each export is 11 MB or more
# The worker timeout the server runs with here: the slow client reads for longer.
WORKER_TIMEOUT = 2
PHRASES = [
    "加快发展新质生产力，",
    "数据成为新生产要素。",
    "資料是關鍵；",
    "𠀀😀",
    "到2025年达到35%。",
]


def build_corpus() -> str:
    """Committed claims with long quotes, and an analyst's token."""
    annotator = User.objects.create_user("exporter")
    analyst = User.objects.create_user("analyst")
    analyst.groups.add(Group.objects.get(name=API_READER))
    for number in range(DOCUMENTS):
        text = "".join(PHRASES[(number + i) % len(PHRASES)] for i in range(1500))
        document = Document.from_raw(
            f"第{number}号文件\n{text}", title=f"文件{number}", language="zh-Hans"
        )
        document.save()
        claims = []
        for i in range(CLAIMS_PER_DOCUMENT):
            start = (i * 37) % (len(document.text) - QUOTE_CHARS)
            claims.append(
                Claim(
                    document=document,
                    start=start,
                    end=start + QUOTE_CHARS,
                    quote=document.text[start : start + QUOTE_CHARS],
                    annotator=annotator,
                    claim_type=ClaimType.ASSESSMENT,
                    attribution=Attribution.AUTHORIAL,
                )
            )
        Claim.objects.bulk_create(claims)
    return str(Token.objects.create(user=analyst).key)


@pytest.fixture(scope="module")
def token(django_db_setup: None, django_db_blocker: DjangoDbBlocker) -> Iterator[str]:
    with committed_data(django_db_blocker, build_corpus) as key:
        yield key


@pytest.fixture(scope="module")
def server(token: str) -> Iterator[Server]:
    with gunicorn(WEB_TIMEOUT=str(WORKER_TIMEOUT)) as running:
        yield running


@pytest.fixture(scope="module")
def full_sizes(server: Server, token: str) -> dict[str, int]:
    """Bytes of each complete export, read at full speed."""
    sizes = {}
    for fmt in FORMATS:
        response = requests.get(
            f"{server.url}/api/v1/claims/export.{fmt}",
            headers={"Authorization": f"Token {token}"},
            timeout=60,
        )
        assert response.status_code == 200
        sizes[fmt] = len(response.content)
    return sizes


class SmallWindowAdapter(HTTPAdapter):
    """A small receive buffer, so that the server is soon blocked writing to us."""

    def init_poolmanager(self, *args: Any, **kwargs: Any) -> None:
        kwargs["socket_options"] = [(socket.SOL_SOCKET, socket.SO_RCVBUF, 16384)]
        super().init_poolmanager(*args, **kwargs)


def analyst_session(token: str) -> requests.Session:
    session = requests.Session()
    session.mount("http://", SmallWindowAdapter())
    session.headers["Authorization"] = f"Token {token}"
    return session


def kill_the_export_connection() -> int:
    """Terminate the server's connection that is running the export; its pid."""
    url = database_url(connection.settings_dict)
    with psycopg.connect(url, autocommit=True) as admin:
        for _ in range(100):
            killed = admin.execute(
                "SELECT pid, pg_terminate_backend(pid) FROM pg_stat_activity "
                "WHERE datname = current_database() AND pid <> pg_backend_pid() "
                "AND backend_type = 'client backend' AND application_name = %s "
                "AND state IN ('active', 'idle in transaction')",
                [SERVER_APPLICATION_NAME],
            ).fetchall()
            if killed:
                assert len(killed) == 1, killed
                return int(killed[0][0])
            time.sleep(0.05)
    raise AssertionError("no export was running")


@pytest.mark.parametrize("fmt", FORMATS)
def test_a_connection_killed_mid_export_reaches_requests_as_an_error(
    server: Server, token: str, full_sizes: dict[str, int], fmt: str
) -> None:
    sizes: list[int] = []
    with analyst_session(token).get(
        f"{server.url}/api/v1/claims/export.{fmt}", stream=True, timeout=60
    ) as response:
        assert response.status_code == 200
        assert response.headers["Transfer-Encoding"] == "chunked"
        chunks = response.iter_content(1 << 16)
        sizes.append(len(next(chunks)))
        kill_the_export_connection()
        # The rest: what was already on its way, then the broken end.
        with pytest.raises(requests.exceptions.ChunkedEncodingError):
            sizes.extend(len(chunk) for chunk in chunks)
    assert 0 < sum(sizes) < full_sizes[fmt]
    assert server.printed("Error handling request")


class HoldingRelay:
    """A TCP relay between a client and the server that passes on the first bytes of the
    response, then holds the rest until released.

    curl offers no small receive buffer, and the kernel lets its window grow to more than
    a whole test export (tcp_rmem up to 32 MB here), so without the relay the server could
    finish writing before the test kills its connection. Held here, the server is soon
    blocked writing (16 kB window), as it is for a slow client, with the export still
    running. Whatever the server does to the connection, the relay does to the client's.
    """

    PASSED_ON_FIRST = 1 << 16

    def __init__(self, upstream: tuple[str, int]) -> None:
        self.upstream = upstream
        self.listener = socket.create_server(("127.0.0.1", 0))
        self.port = self.listener.getsockname()[1]
        self.released = threading.Event()
        threading.Thread(target=self._serve, daemon=True).start()

    def _serve(self) -> None:
        client, _ = self.listener.accept()
        server = socket.socket()
        server.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 16384)
        server.connect(self.upstream)
        threading.Thread(target=self._pump, args=(client, server, None), daemon=True).start()
        self._pump(server, client, self.PASSED_ON_FIRST)

    def _pump(self, source: socket.socket, sink: socket.socket, hold_after: int | None) -> None:
        passed = 0
        try:
            while data := source.recv(1 << 16):
                sink.sendall(data)
                passed += len(data)
                if hold_after is not None and passed >= hold_after:
                    self.released.wait(60)
                    hold_after = None
        except OSError:
            pass  # reset by the server: ended below, as the server ended it
        finally:
            # shutdown, not only close: the other pump may be blocked reading this socket,
            # and a close from another thread would not end the connection.
            with contextlib.suppress(OSError):
                sink.shutdown(socket.SHUT_RDWR)
            sink.close()


def test_curl_fails_on_a_broken_export(
    server: Server, token: str, full_sizes: dict[str, int], tmp_path: Path
) -> None:
    host, port = server.url.removeprefix("http://").rsplit(":", 1)
    relay = HoldingRelay((host, int(port)))
    output = tmp_path / "claims.csv"
    curl = subprocess.Popen(  # noqa: S603 (fixed arguments)
        [  # noqa: S607 (curl from PATH, as the README's examples use it)
            "curl",
            "--fail",
            "--silent",
            "--show-error",
            "--write-out",
            "%{size_download}",
            "-o",
            str(output),
            "-H",
            f"Authorization: Token {token}",
            f"http://{host}:{relay.port}/api/v1/claims/export.csv",
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    while not output.exists() or output.stat().st_size == 0:
        time.sleep(0.01)
    kill_the_export_connection()
    relay.released.set()
    received, stderr = curl.communicate(timeout=60)
    # 18: "Partial file: transfer closed with outstanding read data remaining".
    assert curl.returncode == 18, stderr
    assert 0 < int(received) < full_sizes["csv"]


def test_a_slow_client_gets_the_whole_export_past_the_worker_timeout(
    server: Server, token: str, full_sizes: dict[str, int]
) -> None:
    session = requests.Session()
    session.headers["Authorization"] = f"Token {token}"
    with session.get(f"{server.url}/api/v1/claims/export.csv", stream=True, timeout=60) as response:
        chunks = response.iter_content(1 << 16)
        received = len(next(chunks))
        # The server's thread waits, blocked writing, for longer than the worker timeout.
        time.sleep(2 * WORKER_TIMEOUT + 1)
        received += sum(len(chunk) for chunk in chunks)
    assert received == full_sizes["csv"]
