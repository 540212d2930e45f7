"""Sessions signed in before config.auth.ModelBackend replaced Django's keep their login.

A session names the backend that logged it in, and Django logs out a session whose
backend is no longer in AUTHENTICATION_BACKENDS: every annotator at work when this
version is deployed would have her next save refused and be sent to the login page.
"""

from collections.abc import Callable
from typing import Any

from django.contrib.auth import BACKEND_SESSION_KEY
from django.db import migrations
from django.utils import timezone

DJANGO_BACKEND = "django.contrib.auth.backends.ModelBackend"
OUR_BACKEND = "config.auth.ModelBackend"


def move_sessions(old: str, new: str) -> Callable[[Any, Any], None]:
    """A migration function naming `new` in every live session that names `old`."""

    def move(apps: Any, schema_editor: Any) -> None:
        from django.contrib.sessions.backends.db import SessionStore

        session_model = apps.get_model("sessions", "Session")
        store = SessionStore()
        moved = []
        for session in session_model.objects.filter(expire_date__gt=timezone.now()).iterator():
            data = store.decode(session.session_data)  # {} if it was signed with another key
            if data.get(BACKEND_SESSION_KEY) == old:
                data[BACKEND_SESSION_KEY] = new
                session.session_data = store.encode(data)
                moved.append(session)
        session_model.objects.bulk_update(moved, ["session_data"], batch_size=1000)

    return move


class Migration(migrations.Migration):
    dependencies = [
        ("claims", "0024_dismissal_per_project"),
        ("sessions", "0001_initial"),
    ]

    operations = [
        migrations.RunPython(
            move_sessions(DJANGO_BACKEND, OUR_BACKEND), move_sessions(OUR_BACKEND, DJANGO_BACKEND)
        ),
    ]
