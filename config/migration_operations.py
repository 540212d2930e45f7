"""Migration operations of our own, that make `migrate` on an empty database (each test
database) cheaper. Both apply several generated operations with one state reload.

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
from pgtrigger.migrations import AddTrigger, RemoveTrigger


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


class TriggerOperations(migrations.operations.base.Operation):
    """pgtrigger's RemoveTrigger and AddTrigger operations, as generated, with one state reload
    for all of them instead of one each (a history migration replaces a hundred triggers).

    Each operation's own state_forwards runs while the state has no rendered models (so it
    renders nothing); the models it touched are then reloaded together. Each operation's
    database work runs as generated, in order, between the states before and after them
    all: a trigger operation reads only its own trigger and its model's table from them,
    which holds as long as no trigger is removed after being added here (checked).
    """

    reversible = True

    def __init__(self, operations: list[AddTrigger | RemoveTrigger]) -> None:
        added: set[tuple[str, str | None]] = set()
        for operation in operations:
            if isinstance(operation, AddTrigger):
                added.add((operation.model_name_lower, operation.trigger.name))
            else:
                assert isinstance(operation, RemoveTrigger), operation
                assert (operation.model_name_lower, operation.name) not in added, operation
        self.operations = operations

    def deconstruct(self) -> tuple[str, list[Any], dict[str, Any]]:
        return (self.__class__.__name__, [], {"operations": self.operations})

    def state_forwards(self, app_label: str, state: ProjectState) -> None:
        rendered = state.__dict__.pop("apps", None)  # reload_model renders only when cached
        try:
            for operation in self.operations:
                operation.state_forwards(app_label, state)
            assert "apps" not in state.__dict__, "an operation rendered the models"
        finally:
            if rendered is not None:
                state.__dict__["apps"] = rendered
        touched = {(app_label, operation.model_name_lower) for operation in self.operations}
        state.reload_models(list(touched), delay=False)

    def database_forwards(
        self,
        app_label: str,
        schema_editor: BaseDatabaseSchemaEditor,
        from_state: ProjectState,
        to_state: ProjectState,
    ) -> None:
        for operation in self.operations:
            operation.database_forwards(app_label, schema_editor, from_state, to_state)

    def database_backwards(
        self,
        app_label: str,
        schema_editor: BaseDatabaseSchemaEditor,
        from_state: ProjectState,
        to_state: ProjectState,
    ) -> None:
        for operation in reversed(self.operations):
            operation.database_backwards(app_label, schema_editor, from_state, to_state)

    def describe(self) -> str:
        return "; ".join(operation.describe() for operation in self.operations)

    @property
    def migration_name_fragment(self) -> str:
        return "triggers"
