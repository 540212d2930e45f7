"""Time the suggester on long documents: is it linear, and under 2 s at 300,000 characters?

No database: it times claims.suggestions.scan on texts built from the committed corpus
(the seeds and the Government Work Reports, repeated until long enough), laid out as
they come and also with every line break removed (one 300,000-character paragraph, the
worst case for sentence and clause lookups). Run from the repository root:

    DEBUG=1 .venv/bin/python bench/suggestions.py

It prints seconds per size; time per character staying flat as the size doubles is
what linear means.
"""

import os
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

import django  # noqa: E402

django.setup()

from claims.suggestions import scan  # noqa: E402

SIZES = [37_500, 75_000, 150_000, 300_000]


def corpus() -> str:
    return "\n".join(
        path.read_text(encoding="utf-8") for path in sorted((ROOT / "fixtures/texts").glob("*.txt"))
    )


def timed(text: str) -> tuple[float, int]:
    began = time.perf_counter()
    found = scan(text, 2024)
    return time.perf_counter() - began, len(found)


def main() -> None:
    source = corpus()
    for layout, base in (("as written", source), ("no line breaks", source.replace("\n", ""))):
        for size in SIZES:
            text = (base * (size // len(base) + 1))[:size]
            seconds, count = timed(text)
            print(
                f"{layout:15} {size:>8,} chars  {seconds:6.2f} s  "
                f"{seconds / size * 1e6:6.2f} µs/char  {count:>6} suggestions"
            )


if __name__ == "__main__":
    main()
