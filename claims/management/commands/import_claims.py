"""Import claims from JSON Lines: a million claims without a million requests.

One claim per line, exactly as POST /api/v1/claims/bulk/ takes them (document, start,
end, quote, claim_type, attribution, speaker, topics, figure, relations ...), read in
batches of --batch-size and written by claims.bulk.create_claims. The file is one
transaction: every line is stored, or none is, with the bad lines named.
"""

import json
import sys
from collections.abc import Iterator
from itertools import islice
from pathlib import Path
from typing import IO, Any

import pghistory
from django.contrib.auth.models import User
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import transaction
from django.utils.translation import gettext as _

from claims.bulk import BulkRejected, create_claims
from claims.permissions import can_add_claim
from history.tracking import credited_to_command

SHOWN_ERRORS = 20


def numbered_lines(stream: IO[str]) -> Iterator[tuple[int, str]]:
    for number, line in enumerate(stream, start=1):
        if line.strip():
            yield number, line


class Command(BaseCommand):
    help = (
        "Import claims from a JSON Lines file (one claim per line, as the bulk API takes "
        "them; '-' reads standard input) in batches. All or nothing for the whole file."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("path", help="A .jsonl file, or - for standard input")
        parser.add_argument("--annotator", required=True, help="Username of the claims' annotator")
        parser.add_argument(
            "--batch-size",
            type=int,
            default=5000,
            help="Claims checked and written per statement batch (default 5000)",
        )

    @credited_to_command
    def handle(
        self, *args: Any, path: str, annotator: str, batch_size: int, **options: Any
    ) -> None:
        user = User.objects.filter(username=annotator, is_active=True).first()
        if user is None or not can_add_claim(user):
            raise CommandError(
                _("%(name)s is not an active user who may add claims.") % {"name": annotator}
            )
        if batch_size < 1:
            raise CommandError(_("--batch-size must be 1 or more."))
        stream = sys.stdin if path == "-" else self.open(Path(path))
        stored = 0
        # The annotator is credited in the history, beside the command.
        with pghistory.context(user=user.pk), transaction.atomic(), stream:
            lines = numbered_lines(stream)
            while batch := list(islice(lines, batch_size)):
                rows = [self.parse(number, line) for number, line in batch]
                try:
                    stored += len(create_claims(rows, by=user))
                except BulkRejected as rejected:
                    raise CommandError(self.describe(rejected, [n for n, _ in batch])) from None
        self.stdout.write(self.style.SUCCESS(_("Imported %(count)d claims.") % {"count": stored}))

    def open(self, path: Path) -> IO[str]:
        try:
            return path.open(encoding="utf-8-sig")
        except OSError as error:
            raise CommandError(str(error)) from None

    def parse(self, number: int, line: str) -> object:
        try:
            return json.loads(line)
        except (json.JSONDecodeError, RecursionError) as error:
            raise CommandError(
                _("line %(line)d: not valid JSON (%(error)s); nothing was saved.")
                % {"line": number, "error": error}
            ) from None

    def describe(self, rejected: BulkRejected, line_numbers: list[int]) -> str:
        """The bad lines (the first SHOWN_ERRORS of the batch), by line number and field."""
        shown = [
            f"line {line_numbers[error['row']]}: "
            + "; ".join(
                f"{name}: {' '.join(messages)}" for name, messages in error["errors"].items()
            )
            for error in rejected.errors[:SHOWN_ERRORS]
        ]
        more = len(rejected.errors) - len(shown)
        if more:
            shown.append(_("… and %(count)d more bad lines in this batch.") % {"count": more})
        return "\n".join([_("Nothing was saved."), *shown])
