import secrets
from pathlib import Path
from typing import Any

from django.conf import settings
from django.contrib.auth.models import Group, User
from django.core.management import call_command
from django.core.management.base import BaseCommand
from rest_framework.authtoken.models import Token

from annotations.models import Document
from claims.roles import ANNOTATOR, API_READER, REVIEWER
from history.tracking import credited_to_command

DEMO_USERS = [
    # username, role group (None: superuser), staff (may open the admin), what they do
    ("admin", None, True, "admin: everything"),
    ("annotator", ANNOTATOR, True, "annotator: creates claims, edits own drafts, submits"),
    ("reviewer", REVIEWER, True, "reviewer: accepts or rejects submitted claims"),
    ("analyst", API_READER, False, "analyst: reads the API and its exports, changes nothing"),
]
# The demo login whose API token is printed and kept, for the README's curl examples.
API_DEMO_USER = "analyst"
# In demo-logins.txt, the line holding that token: `TOKEN=<key>`.
TOKEN_PREFIX = "TOKEN="  # noqa: S105 (a line label, not a secret)


def read_logins(path: Path) -> dict[str, str]:
    """username -> password from demo-logins.txt (its TOKEN= line is not a login)."""
    if not path.exists():
        return {}
    lines = path.read_text().splitlines()
    return dict(line.split(" ", 1) for line in lines if line and not line.startswith(TOKEN_PREFIX))


class Command(BaseCommand):
    help = (
        "Load the demo corpus (fixtures/demo.json) into an empty database and create demo "
        "logins, and an API token for the analyst. Safe to run again: an existing corpus is "
        "left alone, so no one's work is overwritten."
    )

    @credited_to_command
    def handle(self, *args: Any, **options: Any) -> None:
        if Document.objects.exists():
            self.stdout.write("Documents already present: the demo corpus was not reloaded.")
        else:
            call_command("loaddata", "demo", verbosity=1)
        logins = settings.VAR_DIR / "demo-logins.txt"
        known = read_logins(logins)
        for username, role, staff, description in DEMO_USERS:
            user, created = User.objects.get_or_create(
                username=username,
                defaults={"is_staff": staff, "is_superuser": role is None, "password": "!"},
            )
            if role and created:
                user.groups.add(Group.objects.get(name=role))
            # The fixture ships its users without passwords; each machine makes its own.
            if not user.has_usable_password():
                known[username] = secrets.token_urlsafe(9)
                user.set_password(known[username])
                user.save(update_fields=["password"])
            self.stdout.write(
                f"  {username:10} {known.get(username, '(password set earlier)'):14}  {description}"
            )
        token, _ = Token.objects.get_or_create(user=User.objects.get(username=API_DEMO_USER))
        self.stdout.write(f"  API token of {API_DEMO_USER}: {token.key}")
        settings.VAR_DIR.mkdir(exist_ok=True)
        logins.write_text(
            "".join(f"{name} {password}\n" for name, password in known.items())
            + f"{TOKEN_PREFIX}{token.key}\n"
        )
        logins.chmod(0o600)
        self.stdout.write(f"Demo logins and the token are also in {logins}.")
