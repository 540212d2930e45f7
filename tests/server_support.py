"""The server `make run` starts (gunicorn with config/gunicorn.py), as a test fixture.

One process per test module (module-scoped fixtures), serving the test database.
Data the server must see is committed: build it with `committed_data`, which
empties the database again afterwards so that other modules start clean. Mark
the module `pytest.mark.django_db` so that pytest-django sets up the test
database at all (it sets up only the databases that marked tests use).
"""

import os
import re
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any
from urllib.parse import quote

from django.core.management import call_command
from django.db import connection

REPO = Path(__file__).resolve().parent.parent
GUNICORN = Path(sys.executable).parent / "gunicorn"
SERVING = re.compile(r"claimtrack is serving (http://\S+)/admin/")
# The server's database connections carry this name (pg_stat_activity.application_name).
SERVER_APPLICATION_NAME = "claimtrack-test-server"


def database_url(settings_dict: dict[str, Any]) -> str:
    """A DATABASE_URL for the database Django is connected to (the test database)."""
    user = quote(settings_dict["USER"] or "", safe="")
    password = f":{quote(settings_dict['PASSWORD'], safe='')}" if settings_dict["PASSWORD"] else ""
    host = quote(settings_dict["HOST"] or "", safe="")
    port = f":{settings_dict['PORT']}" if settings_dict["PORT"] else ""
    return f"postgres://{user}{password}@{host}{port}/{settings_dict['NAME']}"


def server_env(**extra: str) -> dict[str, str]:
    """The environment of a process serving the test database, as `make run` sets it."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PYTEST", "DJANGO_"))}
    url = f"{database_url(connection.settings_dict)}?application_name={SERVER_APPLICATION_NAME}"
    return env | {"DATABASE_URL": url, "DEBUG": "1"} | extra


class Server:
    """A running gunicorn: its address and everything it printed so far."""

    def __init__(self, process: subprocess.Popen[str]):
        self.process = process
        self.output: list[str] = []
        self.url = ""
        self._ready = threading.Event()
        threading.Thread(target=self._read, daemon=True).start()

    def _read(self) -> None:
        assert self.process.stdout is not None
        for line in self.process.stdout:
            self.output.append(line)
            found = SERVING.search(line)
            if found:
                self.url = found.group(1)
                self._ready.set()

    def wait_ready(self, timeout: float = 60) -> None:
        if not self._ready.wait(timeout):
            raise RuntimeError("gunicorn did not start:\n" + "".join(self.output))

    def printed(self, pattern: str, timeout: float = 5) -> bool:
        """Whether the server printed a line matching `pattern` (waits a little for it)."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if any(re.search(pattern, line) for line in self.output):
                return True
            time.sleep(0.05)
        return False


@contextmanager
def gunicorn(*, preload: bool = True, **env: str) -> Iterator[Server]:
    """gunicorn as `make run` starts it, on a free port (PORT=0), serving the test database.

    With `preload`, Django is imported once and the workers are forked from it: each
    server here starts in about half the time. That changes only how the workers get the
    code (which `make run` keeps unpreloaded, so that a HUP loads a new release); the
    deployment's own test starts it exactly as documented.
    """
    preloading = ["--preload"] if preload else []
    process = subprocess.Popen(  # noqa: S603 (our own gunicorn, fixed arguments)
        [str(GUNICORN), "--config", "config/gunicorn.py", *preloading],
        cwd=REPO,
        env=server_env(HOST="127.0.0.1", PORT="0", **env),
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    server = Server(process)
    try:
        server.wait_ready()
        yield server
    finally:
        process.terminate()
        try:
            # A worker forked just before the TERM can miss it (until it sets its own
            # handlers, the master's copy takes it) and keep the master waiting out its
            # graceful timeout: in one run of the suite the broken-database test took
            # 31.5 s instead of 3.5, this wait's 30 s. No test here needs a graceful
            # stop; what is left after a moment is killed.
            process.wait(timeout=5)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


@contextmanager
def committed_data(django_db_blocker: Any, build: Callable[[], Any]) -> Iterator[Any]:
    """Commit what `build` makes, for a server process to see; empty the database after."""
    name = connection.settings_dict["NAME"]
    assert name.startswith("test_"), f"not a test database: {name} (mark the module django_db)"
    try:
        with django_db_blocker.unblock():
            data = build()
        yield data
    finally:
        with django_db_blocker.unblock():
            call_command("flush", interactive=False, verbosity=0)
