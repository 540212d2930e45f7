"""Shared personas and helpers.

Alice and Bob annotate, Rachel reviews, Ada administers; Mallory has a staff
login but no role, so she must be denied everything.
"""

from pathlib import Path
from typing import Any

import pytest
from django.contrib.auth.models import Group, User

from annotations.models import Document
from claims.models import Attribution, Claim, ClaimType, Speaker
from claims.roles import ANNOTATOR, REVIEWER

TEXTS = Path(__file__).resolve().parent.parent / "fixtures" / "texts"
SEED_000 = TEXTS / "000_468b2ab5e2af41d6.txt"
SEED_001 = TEXTS / "001_8464c429a3efe973.txt"
SEED_003 = TEXTS / "003_ac414d045fd1c466.txt"
SEED_004 = TEXTS / "004_e4b632a4713833b0.txt"

SOE_TARGET = "到2025年，中央企业战略性新兴产业收入的占比要达到35%"
# The same sentence with astral characters (CJK Extension B, emoji) inside it.
ASTRAL_TARGET = SOE_TARGET.replace("中央企业", "中央企业𠀀😀")


def make_user(username: str, role: str | None = None, **extra: Any) -> User:
    user = User.objects.create_user(
        username, password=f"{username}-password", is_staff=True, **extra
    )
    if role:
        user.groups.add(Group.objects.get(name=role))
    return user


@pytest.fixture
def alice(db: None) -> User:
    return make_user("alice", ANNOTATOR)


@pytest.fixture
def bob(db: None) -> User:
    return make_user("bob", ANNOTATOR)


@pytest.fixture
def rachel(db: None) -> User:
    return make_user("rachel", REVIEWER)


@pytest.fixture
def ada(db: None) -> User:
    return make_user("ada", is_superuser=True)


@pytest.fixture
def seed_document(db: None) -> Document:
    document = Document.from_raw(
        SEED_000.read_text(encoding="utf-8"), title="seed 000", language="zh-Hans"
    )
    document.save()
    return document


@pytest.fixture
def astral_document(db: None) -> Document:
    """Seed 000 with an astral character before the target sentence and two inside it."""
    raw = SEED_000.read_text(encoding="utf-8")
    document = Document.from_raw(raw, title="seed 000 with astral characters", language="zh-Hans")
    document.text = document.text.replace("国资央企", "国资央企𠮷", 1).replace(
        SOE_TARGET, ASTRAL_TARGET
    )
    document.raw_text = document.text
    document.save()
    assert document.text.index("𠮷") < document.text.index(ASTRAL_TARGET)
    return document


@pytest.fixture
def zhang(db: None) -> Speaker:
    speaker = Speaker.objects.create(name="张玉卓")
    speaker.aliases.create(name="張玉卓")
    return speaker


def make_claim(document: Document, quote: str, annotator: User, **fields: Any) -> Claim:
    start = document.text.index(quote)
    fields.setdefault("claim_type", ClaimType.ASSESSMENT)
    fields.setdefault("attribution", Attribution.AUTHORIAL)
    return Claim.objects.create(
        document=document,
        start=start,
        end=start + len(quote),
        quote=quote,
        annotator=annotator,
        **fields,
    )
