import datetime
from collections.abc import Iterator
from pathlib import Path
from typing import Any, TextIO, cast

from django.core.management.base import BaseCommand, CommandError, CommandParser, OutputWrapper
from tqdm import tqdm

from annotations.importing import RECORD_SUFFIXES, TEXT_SUFFIXES, import_file
from annotations.models import Language
from history.tracking import credited_to_command


def unwrapped(wrapper: OutputWrapper) -> TextIO:
    """The stream under Django's wrapper, which would end each of tqdm's updates with a newline."""
    return cast("TextIO", wrapper._out)


class Command(BaseCommand):
    help = (
        "Import .txt/.md texts and .json/.jsonl records (text, title, outlet, author, date, url, "
        "language, pdf) as documents. Each file is all or nothing; same text is a duplicate."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("paths", nargs="+", type=Path, help="Files or folders")
        pdf = parser.add_mutually_exclusive_group()
        pdf.add_argument(
            "--pdf",
            dest="pdf",
            action="store_true",
            default=None,
            help="Texts are PDF extractions: reflow broken lines",
        )
        pdf.add_argument("--no-pdf", dest="pdf", action="store_false", help="Keep every line break")
        parser.add_argument("--outlet", default="")
        parser.add_argument("--author", dest="authors", default="")
        parser.add_argument("--date", type=datetime.date.fromisoformat, dest="published_on")
        parser.add_argument("--language", choices=Language.values)

    @credited_to_command
    def handle(self, *args: Any, paths: list[Path], **options: Any) -> None:
        files = sorted(self.expand(paths))
        defaults = {
            key: options[key]
            for key in ("pdf", "outlet", "authors", "published_on", "language")
            if options[key] is not None
        }
        failures = 0
        for path in tqdm(files, unit="file", disable=len(files) < 10, file=unwrapped(self.stderr)):
            report = import_file(path, **defaults)
            failures += bool(report.error)
            style = self.style.ERROR if report.error else self.style.SUCCESS
            tqdm.write(style(report.summary()), file=unwrapped(self.stdout))
        if failures:
            raise CommandError(
                f"{failures} of {len(files)} file(s) failed; nothing from them was saved"
            )

    def expand(self, paths: list[Path]) -> Iterator[Path]:
        for path in paths:
            if path.is_dir():
                yield from (
                    p for p in path.iterdir() if p.suffix in TEXT_SUFFIXES | RECORD_SUFFIXES
                )
            elif path.exists():
                yield path
            else:
                raise CommandError(f"{path}: no such file or folder")
