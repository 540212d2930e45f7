import secrets
from pathlib import Path
from types import SimpleNamespace
from typing import Any

from django.conf import settings
from django.contrib.auth.models import Group, User
from django.core.management import call_command
from django.core.management.base import BaseCommand
from django.db import transaction
from rest_framework.authtoken.models import Token

from annotations.models import Document, ReviewStatus
from claims import curation
from claims.api import ClaimWriteSerializer
from claims.models import Claim, ClaimType, Stance
from claims.roles import ANNOTATOR, API_READER, REVIEWER
from history.tracking import credited_to_command
from projects.models import (
    Membership,
    Project,
    ProjectDocument,
    ProjectRole,
)

DEMO_USERS = [
    # username, role group (None: superuser), staff (may open the admin), what they do
    ("admin", None, True, "admin: everything"),
    ("annotator", ANNOTATOR, True, "annotator: creates claims, edits own drafts, submits"),
    ("reviewer", REVIEWER, True, "reviewer: accepts or rejects submitted claims"),
    ("analyst", API_READER, False, "analyst: reads the API and its exports, changes nothing"),
    ("coder1", ANNOTATOR, True, "annotator of the study project (independent)"),
    ("coder2", ANNOTATOR, True, "annotator of the study project (independent)"),
    ("curator", ANNOTATOR, True, "curator of the study project: sees both coders, makes gold"),
]
# A small independent study: two coders on three seed documents; the reviewer manages it.
STUDY = "Study: claims in three seed texts"
STUDY_DOCUMENTS = [1, 2, 3]  # seed documents of fixtures/demo.json
STUDY_GUIDELINES = """# Coding claims in the seed texts

1. Mark the whole clause that makes the claim, without the sentence's final punctuation.
2. Type: what the clause does (assessment, challenge, recommendation, commitment, target,
   observation). When in doubt between two, choose the one the speaker would sign.
3. Stance towards the policy discussed: support, oppose or neutral.
"""
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
        if not Project.objects.filter(name=STUDY).exists():
            with transaction.atomic():
                load_study()
            self.stdout.write(
                f"  Project {STUDY!r}: coder1 and coder2 coded it, curator curated one."
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


def load_study() -> None:
    """The study: coder1 and coder2 code the same claims of three seed documents, agreeing
    on some and differing on others (span, type, stance); the curator has curated the
    first document into gold. Claims are written through the API's write path."""
    users = {u.username: u for u in User.objects.filter(username__in=["reviewer", *CODERS])}
    documents = list(Document.objects.filter(pk__in=STUDY_DOCUMENTS).order_by("pk"))
    project = Project.objects.create(
        name=STUDY, annotators_per_document=2, independent=True, description="The demo study."
    )
    for name, role in (
        ("reviewer", ProjectRole.MANAGER),
        ("coder1", ProjectRole.ANNOTATOR),
        ("coder2", ProjectRole.ANNOTATOR),
        ("curator", ProjectRole.CURATOR),
    ):
        Membership.objects.create(project=project, user=users[name], role=role)
    project.add_guidelines(STUDY_GUIDELINES, by=users["reviewer"])
    ProjectDocument.objects.bulk_create(
        ProjectDocument(project=project, document=d) for d in documents
    )
    project.assign_automatically(seed=0, by=users["reviewer"])
    made: dict[int, list[tuple[Claim, Claim]]] = {}
    for document in documents:
        sources = Claim.objects.filter(document=document, project__is_default=True)
        chosen = list(sources.exclude(claim_type__in=FIGURE_TYPES).order_by("start")[:4])
        made[document.pk] = [
            (write(users["coder1"], project, source), write(users["coder2"], project, source, n))
            for n, source in enumerate(chosen)
        ]
    for assignment in project.assignments.exclude(
        annotator=users["coder2"], document=documents[-1]
    ):
        assignment.finish()
    curate(project, documents[0], made[documents[0].pk], users["curator"])


CODERS = ["coder1", "coder2", "curator"]
FIGURE_TYPES = [ClaimType.TARGET, ClaimType.OBSERVATION]


def write(user: User, project: Project, source: Claim, variant: int | None = None) -> Claim:
    """A copy of `source` by `user` in the study; variants 1-3 differ in stance, span, type."""
    start, end = source.start, source.end
    stance, claim_type = source.stance, source.claim_type
    if variant == 1:
        stance = Stance.OPPOSE if stance != Stance.OPPOSE else Stance.NEUTRAL
    elif variant == 2 and end - start > 6:
        end -= 3
    elif variant == 3:
        claim_type = (
            ClaimType.CHALLENGE if claim_type != ClaimType.CHALLENGE else ClaimType.ASSESSMENT
        )
    data = {
        "project": project.pk,
        "document": source.document_id,
        "start": start,
        "end": end,
        "quote": source.document.text[start:end],
        "claim_type": claim_type,
        "attribution": source.attribution,
        "stance": stance,
        "modality": source.modality,
        "speaker": source.speaker_id,
        "speaker_role": source.speaker_role,
        "status": ReviewStatus.SUBMITTED,
    }
    serializer = ClaimWriteSerializer(data=data, context={"request": SimpleNamespace(user=user)})
    serializer.is_valid(raise_exception=True)
    claim: Claim = serializer.save()
    return claim


def curate(
    project: Project, document: Document, pairs: list[tuple[Claim, Claim]], by: User
) -> None:
    """Gold for the document by the curation actions, as a curator would click them: what
    the coders agree on merged at once, coder1's version of the rest taken, then finished."""
    request = SimpleNamespace(user=by)
    curation.merge_agreed(project, document.pk, request)  # type: ignore[arg-type]
    merged = set(Claim.objects.filter(curated_into__isnull=False).values_list("pk", flat=True))
    for first, second in pairs:
        if first.pk not in merged:
            curation.take(project, document.pk, request, [first.pk, second.pk], {})  # type: ignore[arg-type]
    curation.finish(project, document.pk, request)  # type: ignore[arg-type]
