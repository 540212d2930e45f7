"""Migration 0024 files each existing suggestion dismissal under every project holding
its document: a dismissal hid its figure everywhere, so after the migration it still does,
per annotator in a project of independent annotation."""

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

from annotations.models import Document
from claims.models import SuggestionDismissal
from projects.models import Project, ProjectDocument
from tests.conftest import make_user

BEFORE = [("claims", "0023_figure_checks_per_statement")]
AFTER = [("claims", "0024_dismissal_per_project")]


def migrate(targets: list[tuple[str, str]]) -> None:
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(targets)


@pytest.mark.django_db
def test_each_dismissal_is_copied_into_every_project_holding_its_document() -> None:
    alice, bob = make_user("alice"), make_user("bob")
    shared = Project.objects.create(name="Shared")
    study = Project.objects.create(name="Study", independent=True)
    both, alone, outside = (
        Document.objects.create(title=t, language="zh-Hans", raw_text=t, text=t)
        for t in ("在两个项目中", "只在默认项目中", "不在任何项目中")
    )
    ProjectDocument.objects.bulk_create(
        [ProjectDocument(project=p, document=both) for p in (shared, study)]
    )
    ProjectDocument.objects.filter(document=outside).delete()
    with connection.cursor() as cursor:
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")  # nothing pending: the tables change
    migrate(BEFORE)  # inside the test's transaction: rolled back with it
    with connection.cursor() as cursor:
        for document, user in ((both, alice), (both, bob), (alone, alice), (outside, bob)):
            kind = "target" if user == alice else "observation"
            cursor.execute(
                "INSERT INTO claims_suggestiondismissal"
                ' (document_id, start, "end", kind, number_text, dismissed_by_id, dismissed_at)'
                " VALUES (%s, 0, 2, %s, '5%%', %s, now())",
                [document.pk, kind, user.pk],
            )
    migrate(AFTER)
    default = Project.objects.default()
    found = set(
        SuggestionDismissal.objects.values_list(
            "project", "document", "kind", "dismissed_by", "annotator"
        )
    )
    assert found == {
        (default.pk, both.pk, "target", alice.pk, None),
        (shared.pk, both.pk, "target", alice.pk, None),
        (study.pk, both.pk, "target", alice.pk, alice.pk),
        (default.pk, both.pk, "observation", bob.pk, None),
        (shared.pk, both.pk, "observation", bob.pk, None),
        (study.pk, both.pk, "observation", bob.pk, bob.pk),
        (default.pk, alone.pk, "target", alice.pk, None),
        # A document in no project is filed into the default one again, with its dismissal.
        (default.pk, outside.pk, "observation", bob.pk, None),
    }
    assert ProjectDocument.objects.filter(project=default, document=outside).exists()

    # Undone, one dismissal per figure is kept, which then hides it from everyone: a
    # team's before an annotator's own (here written first, in the study), the default
    # project's before another's, then the first.
    for project, annotator, user in ((study, alice, alice), (shared, None, bob)):
        SuggestionDismissal.objects.create(
            project=project,
            document=both,
            start=4,
            end=6,
            kind="target",
            number_text="5%",
            dismissed_by=user,
            annotator=annotator,
        )
    with connection.cursor() as cursor:
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
    migrate(BEFORE)
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT document_id, start, kind, dismissed_by_id FROM claims_suggestiondismissal"
        )
        kept = set(cursor.fetchall())
    assert kept == {
        (both.pk, 0, "target", alice.pk),
        (both.pk, 0, "observation", bob.pk),
        (alone.pk, 0, "target", alice.pk),
        (outside.pk, 0, "observation", bob.pk),
        (both.pk, 4, "target", bob.pk),  # the shared project's, not alice's own
    }
