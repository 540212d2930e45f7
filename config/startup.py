"""What a process does before it serves or runs a command: the explicit start.

Importing the settings has no side effect (mypy's django plugin, pytest
collection and IDEs import them); the entry points call `prepare()` instead:
manage.py, config/wsgi.py (so gunicorn), config/asgi.py and tests/conftest.py.
"""

import os
from pathlib import Path

from django.conf import settings

from config import embedded_db


def prepare() -> None:
    """Make the development key and folders, start the embedded database, when used.

    A deployment sets SECRET_KEY and DATABASE_URL, and then this does nothing.
    """
    if not os.environ.get("SECRET_KEY") and not settings.LOCAL_SECRET_KEY_FILE.exists():
        write_local_secret_key()
    if settings.DEBUG:
        # WhiteNoise then serves the apps' static folders and warns while the
        # collectstatic folder does not exist.
        Path(settings.STATIC_ROOT).mkdir(parents=True, exist_ok=True)
    if settings.EMBEDDED_DATABASE:
        socket_dir = embedded_db.start(settings.VAR_DIR)
        # Connections read this dict when they first connect, which is later.
        settings.DATABASES["default"]["HOST"] = socket_dir


def write_local_secret_key() -> None:
    """A per-checkout key for development, kept in var/ and never committed."""
    import secrets

    path = settings.LOCAL_SECRET_KEY_FILE
    path.parent.mkdir(exist_ok=True)
    path.write_text(secrets.token_urlsafe(50))
    path.chmod(0o600)
    # This process read the settings before the file existed: use the same key.
    settings.SECRET_KEY = path.read_text().strip()
