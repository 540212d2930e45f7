"""AlterFields and ReloadOnce (config/migration_operations.py) leave the project state
exactly as the operations they fold would, one by one: the same fields in the same order,
the same options, constraints, indexes and triggers; the models they render again are
those a fresh rendering gives. ReloadOnce refuses what it cannot do as they would, and
does to the database what they would, forwards and backwards."""

from typing import Any

import pgtrigger
import pytest
from django.apps.registry import Apps
from django.db import connection, migrations, models
from django.db.migrations.loader import MigrationLoader
from django.db.migrations.operations.base import Operation
from django.db.migrations.state import ModelState, ProjectState
from django.db.models import Q
from pgtrigger.migrations import AddTrigger, RemoveTrigger

from config.migration_operations import AlterFields, ReloadOnce

LOADER = MigrationLoader(None, ignore_no_migrations=True)


def unfolded(operation: Operation) -> list[Operation]:
    if isinstance(operation, AlterFields):
        return [
            migrations.AlterField(operation.model_name, name, field)
            for name, field in operation.fields
        ]
    if isinstance(operation, ReloadOnce):
        return [single for folded in operation.operations for single in unfolded(folded)]
    return [operation]


FOLDED = sorted(
    key
    for key, migration in LOADER.disk_migrations.items()
    if any(unfolded(operation) != [operation] for operation in migration.operations)
)


def described(model: ModelState) -> tuple[Any, ...]:
    fields = [(name, field.deconstruct()[1:]) for name, field in model.fields.items()]
    options = {
        key: [item.deconstruct() for item in value]
        if key in ("constraints", "indexes", "triggers")
        else value
        for key, value in model.options.items()
    }
    return fields, options


def relations(apps: Apps) -> dict[str, Any]:
    """Each rendered model's fields, reverse ones included, and the models they relate to;
    a relation to a model no longer registered (left stale by a reload) is marked so."""
    found = {}
    for model in apps.get_models():
        fields = []
        for field in model._meta.get_fields(include_hidden=True):
            related = field.related_model
            if isinstance(related, type):
                label = related._meta.label_lower
                fields.append((field.name, label, apps.get_model(label) is related))
            else:
                fields.append((field.name, str(related), True))
        found[model._meta.label_lower] = sorted(fields)
    return found


@pytest.mark.parametrize(("app_label", "name"), FOLDED)
def test_folded_operations_change_the_state_as_theirs_do(app_label: str, name: str) -> None:
    migration = LOADER.get_migration(app_label, name)
    before = LOADER.project_state((app_label, name), at_end=False)
    folded, one_by_one = before.clone(), before.clone()
    for operation in migration.operations:
        operation.state_forwards(app_label, folded)
        for single in unfolded(operation):
            single.state_forwards(app_label, one_by_one)
    assert folded.models.keys() == one_by_one.models.keys()
    changed = [
        key
        for key, model in folded.models.items()
        if key not in before.models or described(before.models[key]) != described(model)
    ]
    assert changed
    for key in folded.models:
        assert described(folded.models[key]) == described(one_by_one.models[key]), key


# Rendering costs (0.1-0.2 s a state): the history migration (fields added to and removed
# from models most others relate to) and the last one.
RENDERED = [("claims", "0005_history"), ("claims", "0024_dismissal_per_project")]


@pytest.mark.parametrize(("app_label", "name"), RENDERED)
def test_models_rendered_again_are_those_a_fresh_rendering_gives(app_label: str, name: str) -> None:
    migration = LOADER.get_migration(app_label, name)
    state = LOADER.project_state((app_label, name), at_end=False)
    batches = 0
    for operation in migration.operations:
        if isinstance(operation, ReloadOnce):
            # Rendered afresh first: Django's own delayed reloads may leave some models
            # holding the classes of before, which no later reload of others mends.
            state = ProjectState(state.models, state.real_apps)
            assert state.apps
            operation.state_forwards(app_label, state)
            fresh = ProjectState(state.models, state.real_apps)
            assert relations(state.apps) == relations(fresh.apps)
            batches += 1
        else:
            operation.state_forwards(app_label, state)
    assert batches


def add_field(model_name: str, name: str) -> migrations.AddField:
    return migrations.AddField(model_name, name, models.IntegerField(null=True))


def test_a_field_changed_twice_is_refused_unless_removed_then_added_again() -> None:
    with pytest.raises(ValueError, match="field note of topic changed twice"):
        ReloadOnce([add_field("topic", "note"), migrations.RemoveField("topic", "note")])
    relabelled = migrations.AlterField("topic", "description", models.TextField("about"))
    longer = migrations.AlterField("topic", "description", models.CharField(max_length=1000))
    with pytest.raises(ValueError, match="field description of topic changed twice"):
        ReloadOnce([relabelled, longer])
    ReloadOnce([migrations.RemoveField("topic", "description"), add_field("topic", "description")])


def test_a_trigger_removed_then_added_again_is_accepted() -> None:
    trigger = LOADER.project_state().models["claims", "topic"].options["triggers"][0]
    ReloadOnce([RemoveTrigger("topic", trigger.name), AddTrigger("topic", trigger)])


def test_an_operation_of_another_kind_is_refused() -> None:
    with pytest.raises(ValueError, match="does not hold"):
        ReloadOnce([migrations.RunSQL("SELECT 1", migrations.RunSQL.noop)])
    with pytest.raises(ValueError, match="does not hold"):
        ReloadOnce([migrations.CreateModel("Note", [("id", models.AutoField(primary_key=True))])])


def test_a_field_altered_after_an_index_or_constraint_added_to_its_model_is_refused() -> None:
    index = models.Index(fields=["name"], name="topic_name_idx")
    constraint = models.CheckConstraint(condition=~Q(description="-"), name="topic_not_dash")
    altered = migrations.AlterField("topic", "description", models.TextField())
    for added in migrations.AddIndex("topic", index), migrations.AddConstraint("topic", constraint):
        ReloadOnce([altered, added])
        with pytest.raises(ValueError, match="after an index or constraint added to topic"):
            ReloadOnce([added, altered])


def test_an_index_or_constraint_removed_after_a_field_of_its_model_altered_is_refused() -> None:
    altered = migrations.AlterField("topic", "description", models.TextField())
    for removed in (
        migrations.RemoveIndex("topic", "topic_name_idx"),
        migrations.RemoveConstraint("topic", "topic_name_not_empty"),
    ):
        ReloadOnce([removed, altered])  # as the autodetector orders them
        with pytest.raises(ValueError, match="after a field of topic altered"):
            ReloadOnce([altered, removed])


def test_a_model_that_is_not_yet_is_refused() -> None:
    state = LOADER.project_state()
    with pytest.raises(ValueError, match="on a model that is not yet"):
        ReloadOnce([add_field("nosuchmodel", "note")]).state_forwards("claims", state)


def test_a_unique_field_altered_in_the_database_is_refused() -> None:
    state = LOADER.project_state()
    name = state.models["claims", "topic"].fields["name"]
    assert name.unique
    relabelled = name.clone()
    relabelled.verbose_name = "topic's name"
    ReloadOnce([migrations.AlterField("topic", "name", relabelled)]).state_forwards(
        "claims", state.clone()
    )
    longer = models.CharField(max_length=1000, unique=True)
    batch = ReloadOnce([migrations.AlterField("topic", "name", longer)])
    with pytest.raises(ValueError, match="unique field name of topic altered in the database"):
        batch.state_forwards("claims", state)


def test_model_options_that_change_whether_it_is_managed_are_refused() -> None:
    state = LOADER.project_state()
    batch = ReloadOnce([migrations.AlterModelOptions("topic", {"managed": False})])
    with pytest.raises(ValueError, match="changes whether it is managed"):
        batch.state_forwards("claims", state)


# ReloadOnce's database work, against that of its operations one by one, on tables of the
# test's own: those of an app that is not installed, so that nothing else reads them,
# created inside the test's transaction and rolled back with it.
SCRATCH = "scratch"

Step = tuple[Operation, ProjectState, ProjectState]


def steps(state: ProjectState, operations: list[Operation]) -> list[Step]:
    """Each operation with its own states before and after, as a migration applies it."""
    found = []
    for operation in operations:
        after = state.clone()
        operation.state_forwards(SCRATCH, after)
        found.append((operation, state, after))
        state = after
    return found


def forwards(steps: list[Step]) -> None:
    with connection.schema_editor() as editor:
        for operation, before, after in steps:
            operation.database_forwards(SCRATCH, editor, before, after)


def backwards(steps: list[Step]) -> None:
    # As Migration.unapply: in reverse, each from its state after to its state before.
    with connection.schema_editor() as editor:
        for operation, before, after in reversed(steps):
            operation.database_backwards(SCRATCH, editor, after, before)


def scratch_tables() -> ProjectState:
    """Creates a shelf and a note table, the note with indexes, constraints and a trigger,
    and returns the state that has them."""
    note: list[tuple[str, models.Field[Any, Any]]] = [
        ("id", models.BigAutoField(primary_key=True)),
        ("title", models.CharField(max_length=50)),
        ("body", models.TextField(blank=True)),
        ("rank", models.IntegerField(default=0)),
        ("legacy", models.IntegerField(null=True)),
    ]
    options = {
        "indexes": [
            models.Index(fields=["title"], name="note_title_idx"),
            models.Index(fields=["body"], name="note_body_idx"),
        ],
        "constraints": [
            models.CheckConstraint(condition=Q(rank__gte=0), name="note_rank_not_negative"),
            models.CheckConstraint(condition=~Q(title=""), name="note_title_not_empty"),
        ],
    }
    protect = pgtrigger.Protect(name="note_protect", operation=pgtrigger.Delete)
    created = steps(
        ProjectState(),
        [
            migrations.CreateModel("Shelf", [("id", models.BigAutoField(primary_key=True))]),
            migrations.CreateModel("Note", note, options=options),
            AddTrigger("note", protect),
        ],
    )
    forwards(created)
    return created[-1][2]


def catalogue() -> dict[str, Any]:
    """What the database shows of the note table: its columns (type, length, nullability,
    default), its constraints and indexes by name with their definitions, its triggers."""
    with connection.cursor() as cursor:
        columns = connection.introspection.get_table_description(cursor, "scratch_note")
        constraints = connection.introspection.get_constraints(cursor, "scratch_note")
        # Introspection leaves out what a check constraint checks and the triggers.
        cursor.execute(
            "SELECT 'constraint', conname, pg_get_constraintdef(oid) FROM pg_constraint"
            " WHERE conrelid = 'scratch_note'::regclass"
            " UNION ALL SELECT 'index', indexrelid::regclass::text, pg_get_indexdef(indexrelid)"
            " FROM pg_index WHERE indrelid = 'scratch_note'::regclass"
            " UNION ALL SELECT 'trigger', tgname, pg_get_triggerdef(oid) FROM pg_trigger"
            " WHERE tgrelid = 'scratch_note'::regclass AND NOT tgisinternal"
        )
        definitions = sorted(cursor.fetchall())
        # A trigger's function, which pgtrigger creates and drops with it.
        cursor.execute("SELECT count(*) FROM pg_proc WHERE proname LIKE %s", ["pgtrigger%"])
        functions = cursor.fetchone()
    return {
        "columns": sorted(columns),
        "constraints": constraints,
        "definitions": definitions,
        "trigger functions": functions,
    }


def done_and_undone(
    state: ProjectState, operations: list[Operation]
) -> tuple[dict[str, Any], dict[str, Any]]:
    """The catalogue after operations are applied, and after they are then undone."""
    applied = steps(state, operations)
    forwards(applied)
    done = catalogue()
    backwards(applied)
    return done, catalogue()


def batch() -> list[Operation]:
    """One of each operation ReloadOnce holds, ordered as the autodetector orders them, with
    database work that depends on the order: an index on a field added before it, a
    constraint and a trigger removed then added again under their names."""
    positive = models.CheckConstraint(condition=Q(rank__gte=1), name="note_rank_not_negative")
    protect = pgtrigger.Protect(name="note_protect", operation=pgtrigger.Delete | pgtrigger.Update)
    shelf = models.ForeignKey("scratch.shelf", models.CASCADE, null=True)
    return [
        migrations.RemoveConstraint("note", "note_rank_not_negative"),
        migrations.RemoveConstraint("note", "note_title_not_empty"),
        migrations.RemoveIndex("note", "note_title_idx"),
        RemoveTrigger("note", "note_protect"),
        migrations.RemoveField("note", "legacy"),
        migrations.AddField("note", "shelf", shelf),
        migrations.AlterField("note", "title", models.CharField(max_length=80)),
        AlterFields(
            "note",
            [
                ("body", models.TextField("text", blank=True)),
                ("rank", models.IntegerField(default=0, db_index=True)),
            ],
        ),
        migrations.AlterModelOptions("note", {"verbose_name": "scratch note"}),
        migrations.AddIndex("note", models.Index(fields=["shelf", "title"], name="note_shelf_idx")),
        migrations.AddConstraint("note", positive),
        migrations.AddConstraint(
            "note", models.UniqueConstraint(fields=["shelf", "title"], name="note_title_per_shelf")
        ),
        AddTrigger("note", protect),
    ]


@pytest.mark.django_db
def test_reload_once_does_in_the_database_what_its_operations_do_one_by_one() -> None:
    state = scratch_tables()
    before = catalogue()
    expected = done_and_undone(state, batch())
    assert expected[0] != before
    assert expected[1] == before
    assert done_and_undone(state, [ReloadOnce(batch())]) == expected


@pytest.mark.django_db
def test_an_index_removed_after_its_field_altered_is_refused_as_undone_batched_it_is_lost() -> None:
    altered = migrations.AlterField("note", "body", models.TextField(blank=True, db_index=True))
    operations: list[Operation] = [altered, migrations.RemoveIndex("note", "note_body_idx")]
    with pytest.raises(ValueError, match="after a field of note altered"):
        ReloadOnce(operations)
    unchecked = ReloadOnce.__new__(ReloadOnce)  # without __init__: what ReloadOnce would do
    unchecked.operations = operations
    state = scratch_tables()
    before = catalogue()
    assert "note_body_idx" in before["constraints"]
    assert done_and_undone(state, operations)[1] == before
    # Undone batched, RemoveIndex puts it back, then AlterField, reading the state after
    # them both, where the model lists no such index, drops it as the field's own.
    _, undone = done_and_undone(state, [unchecked])
    assert "note_body_idx" not in undone["constraints"]
