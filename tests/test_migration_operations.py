"""AlterFields and TriggerOperations (config/migration_operations.py) leave the project
state exactly as the operations they fold would, one by one: the same fields in the same
order, the same triggers."""

from typing import Any

import pytest
from django.db import migrations
from django.db.migrations.loader import MigrationLoader
from django.db.migrations.operations.base import Operation
from django.db.migrations.state import ModelState

from config.migration_operations import AlterFields, TriggerOperations

FOLDED = [
    ("annotations", "0006_history_per_statement"),
    ("annotations", "0008_translatable_labels"),
    ("claims", "0016_history_per_statement"),
    ("claims", "0018_history_per_statement_of_new_columns"),
    ("claims", "0019_translatable_labels"),
    ("projects", "0003_history_per_statement"),
]


def unfolded(operation: Operation) -> list[Operation]:
    if isinstance(operation, AlterFields):
        return [
            migrations.AlterField(operation.model_name, name, field)
            for name, field in operation.fields
        ]
    if isinstance(operation, TriggerOperations):
        return list(operation.operations)
    return [operation]


def described(model: ModelState) -> tuple[Any, ...]:
    fields = [(name, field.deconstruct()[1:]) for name, field in model.fields.items()]
    triggers = [trigger.deconstruct() for trigger in model.options.get("triggers", [])]
    return fields, triggers


@pytest.mark.parametrize(("app_label", "name"), FOLDED)
def test_folded_operations_change_the_state_as_theirs_do(app_label: str, name: str) -> None:
    loader = MigrationLoader(None, ignore_no_migrations=True)
    migration = loader.get_migration(app_label, name)
    before = loader.project_state((app_label, name), at_end=False)
    folded, one_by_one = before.clone(), before.clone()
    assert any(unfolded(operation) != [operation] for operation in migration.operations)
    for operation in migration.operations:
        operation.state_forwards(app_label, folded)
        for single in unfolded(operation):
            single.state_forwards(app_label, one_by_one)
    assert folded.models.keys() == one_by_one.models.keys()
    changed = [
        key
        for key in folded.models
        if described(before.models[key]) != described(folded.models[key])
    ]
    assert changed
    for key in folded.models:
        assert described(folded.models[key]) == described(one_by_one.models[key]), key
