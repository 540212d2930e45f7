"""Migration operations of our own.

AlterFields: several AlterField operations on one model, applied as one. Django re-renders
a model (and, for a relation, every model related to it, which here is nearly all of them
through auth.User) after each AlterField; a migration that relabels 200 fields spent most of
a test database's setup doing that. This re-renders the model once after all its fields.
The database sees exactly what it would from AlterField: schema_editor.alter_field for
each field (a no-op when only labels such as verbose_name or help_text change).
"""

from typing import Any

from django.db import migrations
from django.db.backends.base.schema import BaseDatabaseSchemaEditor
from django.db.migrations.state import ProjectState
from django.db.models import Field


class AlterFields(migrations.operations.base.Operation):
    reversible = True

    def __init__(self, model_name: str, fields: list[tuple[str, Field[Any, Any]]]) -> None:
        self.model_name = model_name
        self.fields = fields

    @property
    def model_name_lower(self) -> str:
        return self.model_name.lower()

    def deconstruct(self) -> tuple[str, list[Any], dict[str, Any]]:
        return (self.__class__.__name__, [], {"model_name": self.model_name, "fields": self.fields})

    def state_forwards(self, app_label: str, state: ProjectState) -> None:
        # ProjectState.alter_field's bookkeeping, field by field, then one reload.
        model_key = app_label, self.model_name_lower
        fields = state.models[model_key].fields
        # The relations cache, when it is built (django-stubs does not declare it).
        relations_cached = getattr(state, "_relations", None) is not None
        for name, field in self.fields:
            if relations_cached:
                old_field = fields.pop(name)
                if old_field.is_relation:
                    state.resolve_model_field_relations(model_key, name, old_field)
                fields[name] = field
                if field.is_relation:
                    state.resolve_model_field_relations(model_key, name, field)
            else:
                fields[name] = field
        state.reload_model(*model_key, delay=False)

    def database_forwards(
        self,
        app_label: str,
        schema_editor: BaseDatabaseSchemaEditor,
        from_state: ProjectState,
        to_state: ProjectState,
    ) -> None:
        to_model = to_state.apps.get_model(app_label, self.model_name)
        if not self.allow_migrate_model(schema_editor.connection.alias, to_model):
            return
        from_model = from_state.apps.get_model(app_label, self.model_name)
        for name, _ in self.fields:
            schema_editor.alter_field(
                from_model, from_model._meta.get_field(name), to_model._meta.get_field(name)
            )

    def database_backwards(
        self,
        app_label: str,
        schema_editor: BaseDatabaseSchemaEditor,
        from_state: ProjectState,
        to_state: ProjectState,
    ) -> None:
        self.database_forwards(app_label, schema_editor, from_state, to_state)

    def describe(self) -> str:
        return f"Alter fields {', '.join(name for name, _ in self.fields)} on {self.model_name}"

    @property
    def migration_name_fragment(self) -> str:
        return f"alter_{self.model_name_lower}_fields"
