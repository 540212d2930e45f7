"""A long document with many claims: the workbench's worst case (issue 13, item 4).

About 300,000 code points built from the fixture texts, with astral characters
(𠮷, 😀) spread through it so that every claim after them sits at a code-point
offset that differs from its UTF-16 offset, and 3,000 claims, some nested.
"""

from itertools import cycle

from django.contrib.auth.models import User
from django.db import connection, transaction

from annotations.models import Document
from claims.models import Attribution, Claim, ClaimType
from tests.conftest import TEXTS

LENGTH = 300_000
CLAIMS = 3_000
# One passage every STEP code points; every fifth one gets a claim nested in it.
STEP = LENGTH // (CLAIMS - CLAIMS // 5)
ASTRAL = "𠮷😀"


def long_text() -> str:
    parts: list[str] = []
    size = 0
    for n, path in enumerate(cycle(sorted(TEXTS.glob("*.txt")))):
        part = f"第{n + 1}篇{ASTRAL}\n" + path.read_text(encoding="utf-8")
        parts.append(part)
        size += len(part)
        if size >= LENGTH:
            break
    return "\n\n".join(parts)[:LENGTH]


def make_long_document(annotator: User) -> Document:
    text = long_text()
    document = Document(title="long document", text=text, raw_text=text, language="zh-Hans")
    document.save()
    types = cycle(ClaimType.values)
    claims = []
    for n, start in enumerate(range(10, LENGTH - 100, STEP)):
        spans = [(start, start + 40)]
        if n % 4 == 0:
            spans.append((start + 10, start + 20))  # nested in the one before
        for a, b in spans:
            claims.append(
                Claim(
                    document=document,
                    start=a,
                    end=b,
                    quote=text[a:b],
                    annotator=annotator,
                    claim_type=next(types),
                    attribution=Attribution.AUTHORIAL,
                )
            )
    with transaction.atomic(), connection.cursor() as cursor:
        # The anchor trigger reads the 300,000-character text again for every row,
        # about 12 ms each (37 s for these); every quote here is sliced from the text.
        cursor.execute("SELECT current_setting('is_superuser') = 'on'")
        (superuser,) = cursor.fetchone() or (False,)
        if superuser:
            cursor.execute("SET LOCAL session_replication_role = replica")
        Claim.objects.bulk_create(claims[:CLAIMS])
    return document
