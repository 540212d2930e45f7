"""manage.py import_dna FILE.dna --annotator USERNAME: a DNA database into claimtrack.

The mapping is claims/dna.py's; the report says what was imported and what
could not be mapped. Nothing is written when the file cannot be read.
"""

import sqlite3
from pathlib import Path

from django.contrib.auth.models import User
from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError, CommandParser

from claims.dna import import_dna
from claims.models import ClaimType
from history.tracking import credited_to_command


class Command(BaseCommand):
    help = (
        "Import a DNA (Discourse Network Analyzer) database: documents, and statements as "
        "claims with speakers, organizations, topics and stance."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file", type=Path, help="The .dna file (SQLite)")
        parser.add_argument(
            "--annotator",
            required=True,
            help="Username that annotates the claims of coders who are not claimtrack users",
        )
        parser.add_argument(
            "--claim-type",
            default=ClaimType.ASSESSMENT,
            choices=ClaimType.values,
            help="Claim type of the imported statements (default: assessment)",
        )

    @credited_to_command
    def handle(self, *args: object, **options: object) -> None:
        path = options["file"]
        assert isinstance(path, Path)
        if not path.is_file():
            raise CommandError(f"{path}: no such file.")
        annotator = User.objects.filter(username=options["annotator"]).first()
        if annotator is None:
            raise CommandError(f"--annotator: no user {options['annotator']!r}.")
        try:
            report = import_dna(path, annotator, str(options["claim_type"]))
        except sqlite3.DatabaseError as error:
            raise CommandError(f"{path} is not a DNA database: {error}") from None
        except ValidationError as error:
            raise CommandError(f"{path}: nothing imported: {'; '.join(error.messages)}") from None
        for line in report.lines():
            self.stdout.write(line)
