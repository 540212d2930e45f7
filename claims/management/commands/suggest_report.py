"""How well the suggester finds the targets and observations annotators marked, and how
well it reads the development set (claims.devset: the 2018-2020 Government Work Reports'
main targets and the outcomes reported for them), year by year.

A suggestion matches an annotated claim when the claim is of the suggested kind and its
passage contains the suggested figure. Recall counts claims found; precision counts
suggestions that match some claim. Rejected claims are left out. Suggestions in text
nobody annotated count against precision, so on a partly annotated corpus precision is
a lower bound.
"""

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from annotations.models import Document, ReviewStatus
from claims import devset, suggestions
from claims.models import Claim, ClaimType

KINDS = [ClaimType.TARGET, ClaimType.OBSERVATION]


def ratio(part: int, whole: int) -> str:
    return f"{part}/{whole} = {part / whole:.1%}" if whole else f"{part}/0 = n/a"


class Command(BaseCommand):
    help = (
        "Run the target/observation suggester over documents and print its precision and "
        "recall against the claims already annotated in them."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("document_ids", nargs="*", type=int, help="Default: every document")
        parser.add_argument(
            "--no-devset", action="store_true", help="Leave out the development set"
        )
        parser.add_argument(
            "--verbose", action="store_true", help="List the development set's misses and errors"
        )

    def handle(
        self,
        *args: Any,
        document_ids: list[int],
        no_devset: bool = False,
        verbose: bool = False,
        **options: Any,
    ) -> None:
        self.stdout.write("Annotated documents in the database:")
        self.report_annotated(document_ids)
        if not no_devset:
            self.stdout.write("\nDevelopment set (fixtures/devset), each report as imported:")
            self.report_devset(verbose)

    def report_devset(self, verbose: bool) -> None:
        if not devset.DEVSET.exists():  # an installed copy without the repository's fixtures
            self.stdout.write(f"(no development set at {devset.DEVSET})")
            return
        for name, score in devset.scores().items():
            self.stdout.write(
                f"{name}: main targets {ratio(*score.targets)}   "
                f"outcomes of the year before {ratio(*score.outcomes)}   "
                f"precision {ratio(*score.precision)}"
            )
            for line in (score.missed + score.wrong) if verbose else []:
                self.stdout.write(f"    {line}")

    def report_annotated(self, document_ids: list[int]) -> None:
        # Without ids, the documents someone annotated: in the others every suggestion
        # would count as a wrong one.
        documents = Document.objects.filter(claims_claims__isnull=False).distinct().order_by("id")
        if document_ids:
            documents = Document.objects.order_by("id")
            documents = documents.filter(id__in=document_ids)
            missing = set(document_ids) - set(documents.values_list("id", flat=True))
            if missing:
                raise CommandError(f"No document with id {', '.join(map(str, sorted(missing)))}.")
        claims = list(
            Claim.objects.filter(document__in=documents, claim_type__in=KINDS).exclude(
                status=ReviewStatus.REJECTED
            )
        )
        found: dict[str, list[int]] = {kind: [0, 0] for kind in KINDS}  # claims found, claims
        # suggestions matching, suggestions
        right: dict[str, list[int]] = {kind: [0, 0] for kind in KINDS}
        for document in documents:
            year = document.published_on.year if document.published_on else None
            made = suggestions.scan(document.text, year)
            annotated = [c for c in claims if c.document_id == document.pk]
            for suggestion in made:
                matched = [c for c in annotated if matches(suggestion, c)]
                right[suggestion.kind][1] += 1
                right[suggestion.kind][0] += bool(matched)
            for claim in annotated:
                found[claim.claim_type][1] += 1
                found[claim.claim_type][0] += any(matches(s, claim) for s in made)
            self.stdout.write(
                f"#{document.pk} {document.title[:30]}: {len(made)} suggestions, "
                f"{len(annotated)} annotated targets/observations"
            )
        for kind in KINDS:
            self.stdout.write(
                f"{kind:12} recall {ratio(*found[kind])}   precision {ratio(*right[kind])}"
            )
        matching = sum(r[0] for r in right.values())
        made_in_all = sum(r[1] for r in right.values())
        self.stdout.write(
            f"{'all':12} recall {ratio(sum(f[0] for f in found.values()), len(claims))}   "
            f"precision {ratio(matching, made_in_all)}"
        )


def matches(suggestion: suggestions.Suggestion, claim: Claim) -> bool:
    return (
        claim.claim_type == suggestion.kind
        and claim.start <= suggestion.figure_start
        and suggestion.figure_end <= claim.end
    )
