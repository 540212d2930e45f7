"""What a process does before it serves or runs a command: the explicit start.

Importing the settings has no side effect (mypy's django plugin, pytest
collection and IDEs import them); the entry points call `prepare()` instead:
manage.py, config/wsgi.py (so gunicorn), config/asgi.py and tests/conftest.py. The
servers, and the commands that import in bulk, then call `load_and_freeze()`.
"""

import gc
import os
from pathlib import Path

import django
from django.apps import apps
from django.conf import settings
from django.urls import get_resolver

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


def load_and_freeze() -> None:
    """Load the apps and every view, then exempt what is loaded from the garbage
    collector's full passes.

    Modules, models, URL patterns and serializers live as long as the process, yet a
    full collection walked them all (about 110,000 objects in the server) whenever
    requests had left enough objects behind: every third bulk request of 5,000 claims
    took 0.09 s more for it (bench/README.md, "Import"). Frozen, they are not walked
    again; what requests and commands allocate later is collected as before. The
    URLconf is loaded here, not by the first request, so that the views are frozen too.
    """
    if not apps.ready:
        django.setup()
    get_resolver().url_patterns  # noqa: B018 (imported for its side effect)
    gc.freeze()


def write_local_secret_key() -> None:
    """A per-checkout key for development, kept in var/ and never committed."""
    import secrets

    path = settings.LOCAL_SECRET_KEY_FILE
    path.parent.mkdir(exist_ok=True)
    path.write_text(secrets.token_urlsafe(50))
    path.chmod(0o600)
    # This process read the settings before the file existed: use the same key.
    settings.SECRET_KEY = path.read_text().strip()
