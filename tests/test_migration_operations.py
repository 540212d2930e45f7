"""AlterFields (config/migration_operations.py) leaves the project state exactly as the
AlterField operations it folds would, field by field and in the same order."""

import pytest
from django.db import migrations
from django.db.migrations.loader import MigrationLoader

from config.migration_operations import AlterFields

FOLDED = [("annotations", "0008_translatable_labels"), ("claims", "0019_translatable_labels")]


@pytest.mark.parametrize(("app_label", "name"), FOLDED)
def test_alter_fields_changes_the_state_as_alter_field_does(app_label: str, name: str) -> None:
    loader = MigrationLoader(None, ignore_no_migrations=True)
    migration = loader.get_migration(app_label, name)
    before = loader.project_state((app_label, name), at_end=False)
    folded, unfolded = before.clone(), before.clone()
    folds = [op for op in migration.operations if isinstance(op, AlterFields)]
    assert folds
    for operation in migration.operations:
        operation.state_forwards(app_label, folded)
        singles = (
            [
                migrations.AlterField(operation.model_name, field_name, field)
                for field_name, field in operation.fields
            ]
            if isinstance(operation, AlterFields)
            else [operation]
        )
        for single in singles:
            single.state_forwards(app_label, unfolded)
    changed = {(app_label, op.model_name_lower) for op in folds}
    for key in changed:
        assert [(n, f.deconstruct()[1:]) for n, f in folded.models[key].fields.items()] == [
            (n, f.deconstruct()[1:]) for n, f in unfolded.models[key].fields.items()
        ], key
    assert folded.models.keys() == unfolded.models.keys()
