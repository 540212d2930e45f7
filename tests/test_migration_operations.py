"""AlterFields and ReloadOnce (config/migration_operations.py) leave the project state
exactly as the operations they fold would, one by one: the same fields in the same order,
the same options, constraints, indexes and triggers; the models they render again are
those a fresh rendering gives. ReloadOnce refuses what it cannot do as they would."""

from typing import Any

import pytest
from django.apps.registry import Apps
from django.db import migrations, models
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
