import secrets
from typing import Any

from django.conf import settings
from django.contrib.auth.models import Group, User
from django.core.management import call_command
from django.core.management.base import BaseCommand

from annotations.models import Document
from claims.roles import ANNOTATOR, REVIEWER

DEMO_USERS = [
    # username, role group (None: superuser), what they do
    ("admin", None, "admin: everything"),
    ("annotator", ANNOTATOR, "annotator: creates claims, edits own drafts, submits"),
    ("reviewer", REVIEWER, "reviewer: accepts or rejects submitted claims"),
]


class Command(BaseCommand):
    help = (
        "Load the demo corpus (fixtures/demo.json) into an empty database and create demo "
        "logins. Safe to run again: an existing corpus is left alone, so no one's work is "
        "overwritten."
    )

    def handle(self, *args: Any, **options: Any) -> None:
        if Document.objects.exists():
            self.stdout.write("Documents already present: the demo corpus was not reloaded.")
        else:
            call_command("loaddata", "demo", verbosity=1)
        logins = settings.VAR_DIR / "demo-logins.txt"
        known = (
            dict(line.split(" ", 1) for line in logins.read_text().splitlines())
            if logins.exists()
            else {}
        )
        for username, role, description in DEMO_USERS:
            user, created = User.objects.get_or_create(
                username=username,
                defaults={"is_staff": True, "is_superuser": role is None, "password": "!"},
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
        settings.VAR_DIR.mkdir(exist_ok=True)
        logins.write_text("".join(f"{name} {password}\n" for name, password in known.items()))
        logins.chmod(0o600)
        self.stdout.write(f"Demo logins (also in {logins}) for http://127.0.0.1:8000/admin/")
