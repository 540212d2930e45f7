"""Shared personas and helpers.

Alice and Bob annotate, Rachel reviews, Ada administers; Mallory has a staff
login but no role, so she must be denied everything.
"""

import time
import warnings
from collections import defaultdict
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest
from django.contrib.auth.models import Group, User
from django.core.management import call_command
from django.db import connection, transaction
from django.db.backends.postgresql.operations import DatabaseOperations
from django.test import override_settings
from django.utils import translation
from pytest_django import DjangoDbBlocker

from annotations.models import Document
from claims.models import Attribution, Claim, ClaimType, Speaker
from claims.roles import ANNOTATOR, REVIEWER
from config.startup import prepare


def pytest_configure(config: pytest.Config) -> None:
    """Start the embedded database when the tests use it (DATABASE_URL unset)."""
    prepare()


TIMING = "timing"


def pytest_terminal_summary(terminalreporter: Any) -> None:
    """The timings tests measured (record_property("timing", line)): printed, never asserted.

    Through the reports' user_properties, so that they reach the summary from xdist workers.
    """
    lines = [
        value
        for report in terminalreporter.stats.get("passed", [])
        for name, value in getattr(report, "user_properties", [])
        if name == TIMING
    ]
    if lines:
        terminalreporter.section("timings (measured, not asserted)")
        for line in lines:
            terminalreporter.write_line(line)


TEXTS = Path(__file__).resolve().parent.parent / "fixtures" / "texts"
SEED_000 = TEXTS / "000_468b2ab5e2af41d6.txt"
SEED_001 = TEXTS / "001_8464c429a3efe973.txt"
SEED_003 = TEXTS / "003_ac414d045fd1c466.txt"
SEED_004 = TEXTS / "004_e4b632a4713833b0.txt"

SOE_TARGET = "到2025年，中央企业战略性新兴产业收入的占比要达到35%"
# The same sentence with astral characters (CJK Extension B, emoji) inside it.
ASTRAL_TARGET = SOE_TARGET.replace("中央企业", "中央企业𠀀😀")


@pytest.fixture(autouse=True, scope="session")
def _fast_password_hashing() -> Iterator[None]:
    """Every persona gets a password; PBKDF2's million rounds take about half a second a
    login on this machine, most of the suite's time. Tests hash with MD5 (as Django's own
    test suite does); settings.py keeps PBKDF2 for everything else."""
    with override_settings(
        PASSWORD_HASHERS=[
            "django.contrib.auth.hashers.MD5PasswordHasher",
            "django.contrib.auth.hashers.PBKDF2PasswordHasher",
        ]
    ):
        yield


# Django empties the database after each test that commits (live_server, browser tests)
# with one TRUNCATE of every table, which replaces every table's files: 0.5-1 s a test
# here. Deleting the rows, with triggers and foreign-key checks off for that transaction
# (superusers only), leaves the same empty tables in about 25 ms. Content types and
# permissions stay: the post_migrate that follows would re-create them identically.
KEPT_BY_FLUSH = frozenset({"django_content_type", "auth_permission"})
truncate_all = DatabaseOperations.sql_flush


def delete_all(
    ops: DatabaseOperations,
    style: Any,
    tables: list[str],
    *,
    reset_sequences: bool = False,
    allow_cascade: bool = False,
) -> list[str]:
    with ops.connection.cursor() as cursor:
        cursor.execute("SELECT current_setting('is_superuser') = 'on'")
        (superuser,) = cursor.fetchone() or (False,)
    if reset_sequences or not superuser:
        return truncate_all(
            ops, style, tables, reset_sequences=reset_sequences, allow_cascade=allow_cascade
        )
    return [
        "SET LOCAL session_replication_role = replica",
        *(
            f"DELETE FROM {ops.quote_name(table)}"  # noqa: S608 (Django's own table names)
            for table in tables
            if table not in KEPT_BY_FLUSH
        ),
    ]


@pytest.fixture(scope="session")
def django_db_setup(django_db_setup: None, django_db_blocker: DjangoDbBlocker) -> Iterator[None]:
    """pytest-django's, and before it drops the test database: no other connection left.

    Servers and threads the tests started close their connections as they stop, but one
    still closing (seen now and then at the end of a run) made the drop fail with "being
    accessed by other users". What is still connected after a grace period is named in a
    warning, then ended, so that the database is dropped.
    """
    yield
    with django_db_blocker.unblock(), connection.cursor() as cursor:
        others = (
            "FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid()"
        )
        for _ in range(50):
            cursor.execute(f"SELECT application_name, state, left(query, 80) {others}")
            stragglers = cursor.fetchall()
            if not stragglers:
                return
            time.sleep(0.1)
        warnings.warn(f"connections left at the end, ended: {stragglers}", stacklevel=1)
        cursor.execute(f"SELECT pg_terminate_backend(pid) {others}")


@pytest.fixture(autouse=True, scope="session")
def _quick_flush() -> Iterator[None]:
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(DatabaseOperations, "sql_flush", delete_all)
        yield


# Fixtures that build data once for a whole module (with built_once). A test that does
# not ask for it would still see it, so every test of such a module must ask.
MODULE_DATA = {"demo_corpus", "query_data", "demo_loaded"}
COMMITTING = {"transactional_db", "live_server"}


@contextmanager
def built_once(django_db_blocker: DjangoDbBlocker) -> Iterator[None]:
    """Data written once for a test module, in a transaction rolled back after it.

    Each test runs in a savepoint inside this transaction (pytest-django's `db`), so what
    one test writes is gone before the next. Not for live_server tests: they commit, and
    the server's own connection would wait on this transaction's locks.
    """
    with django_db_blocker.unblock(), transaction.atomic():
        yield
        transaction.set_rollback(True)


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    modules: dict[str, list[pytest.Item]] = defaultdict(list)
    for item in items:
        modules[item.nodeid.split("::")[0]].append(item)
    for module, tests in modules.items():
        fixtures = [set(getattr(test, "fixturenames", ())) for test in tests]
        wanted = [names & MODULE_DATA for names in fixtures]
        if any(wanted) and not all(names == wanted[0] for names in wanted):
            raise pytest.UsageError(
                f"{module}: its data built once is seen by every test in it, so every "
                f"test must ask for the same one of {sorted(MODULE_DATA)}"
            )
        if any(wanted) and any(names & COMMITTING for names in fixtures):
            raise pytest.UsageError(f"{module}: data built once cannot serve tests that commit")
    items[:] = [item for module in sorted(modules, key=run_order) for item in modules[module]]


# The modules that take longest (seconds on one worker, measured 2026-12-02 with
# --durations=0), run first: a module runs whole on one worker (make test: --dist
# loadfile), and xdist would otherwise order them by their number of tests, leaving a
# few long ones (servers, browsers) for the end while the other worker idles. Longest
# first, the two workers finish within a small module's time.
LONGEST = {
    "tests/test_claim_permissions.py": 40,
    "tests/test_server.py": 37,
    "tests/browser/test_workbench.py": 26,
    "tests/test_projects_study.py": 24,
    "tests/test_export_faults.py": 22,
    "tests/test_readme_commands.py": 21,
    "tests/browser/test_workbench_feedback.py": 19,
    "tests/browser/test_workbench_figures.py": 18,
    "tests/browser/test_workbench_keyboard.py": 14,
    "tests/browser/test_network_browser.py": 13,
    "tests/browser/test_workbench_language.py": 12,
    "tests/browser/test_layout_1280.py": 12,
    "tests/test_curator_gold_edits.py": 11,
    "tests/test_claim_races.py": 11,
    "tests/browser/test_suggestions_browser.py": 10,
    "tests/test_claim_resource.py": 10,
    "tests/browser/test_curation_browser.py": 8,
    "tests/browser/test_long_document.py": 8,
    "tests/browser/test_project_queue.py": 7,
    "tests/test_api_filters.py": 6,
}


def run_order(module: str) -> tuple[float, str]:
    return -LONGEST.get(module, 0), module


@pytest.fixture(autouse=True)
def default_language_after_each_test() -> Iterator[None]:
    """A request in Chinese leaves Chinese active in the test's thread (LocaleMiddleware
    sets the language per request and never unsets it): the next test, which may call
    full_clean() with no request at all, starts in the default language again."""
    yield
    translation.deactivate()


@pytest.fixture(scope="module")
def demo_corpus(django_db_setup: None, django_db_blocker: DjangoDbBlocker) -> Iterator[None]:
    """The demo corpus (fixtures/demo.json), loaded once for a whole test module."""
    with built_once(django_db_blocker):
        call_command("loaddata", "demo", verbosity=0)
        yield


@pytest.fixture
def demo(demo_corpus: None, db: None) -> None:
    """The demo corpus, for a test that reads it (or writes to it and is rolled back)."""


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


def checked_now() -> None:
    """Run the checks deferred to commit now: a test's transaction never commits."""
    with connection.cursor() as cursor:
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")


def claim_form(claim: Claim, **fields: Any) -> dict[str, Any]:
    """The claim's admin form as posted from version 1, with no inline rows."""
    inlines = ("target_statement", "observation", "relations_out")
    return {
        "document": claim.document_id,
        "start": claim.start,
        "end": claim.end,
        "quote": claim.quote,
        "claim_type": "assessment",
        "attribution": "authorial",
        "stance": "neutral",
        "modality": "none",
        "expected_version": 1,
        **{f"{prefix}-{key}": 0 for prefix in inlines for key in ("TOTAL_FORMS", "INITIAL_FORMS")},
        **fields,
    }
