"""Whole numbers as a request writes them: in ids, versions, lengths."""

import re

# No id, version or length has more than 20 digits (2**64 has 20); int() refuses more
# than 4,300 (ValueError).
DIGITS = re.compile("[0-9]{1,20}")


def whole_number(text: str) -> int | None:
    """`text` as a whole number if it is written in ASCII digits alone (at most 20), else None.

    Not str.isdigit(): it also takes ² (which int() refuses: a 500) and ١ or １ (which
    int() reads as 1, so that If-Match: "١" would name version 1)."""
    return int(text) if DIGITS.fullmatch(text) else None
