"""Migration operations of our own, that make `migrate` on an empty database (each test
database) cheaper. Both apply several generated operations with one state reload.

Django re-renders a model after each operation that changes it, and with a relation every
model related to it, which here is nearly all of them through auth.User: a test database's
setup spent most of its time doing that, not SQL.

AlterFields: several AlterField operations on one model, applied as one. This re-renders
the model once after all its fields. The database sees exactly what it would from
AlterField: schema_editor.alter_field for each field (a no-op when only labels such as
verbose_name or help_text change).

ReloadOnce: a run of generated operations on models that exist before it (fields,
constraints, indexes, model options, pgtrigger's triggers, AlterFields), as generated, with
one reload of the models they change instead of one each.

repaired: a data repair before the database holds a rule that the app held alone, printed
row by row in the output of `migrate`, so that whoever deploys knows what it changed.
"""

import sys
from collections.abc import Callable
from typing import Any

import pghistory
from django.db import migrations
from django.db.backends.base.schema import BaseDatabaseSchemaEditor
from django.db.migrations.operations.base import Operation
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


# What one operation of ReloadOnce changes: the model, the kind and names of what it
# changes on it, and how ("add", "remove" or "alter").
Changes = tuple[str, str, list[str], str]

# The operations ReloadOnce holds (these classes exactly), each with what it changes:
# those that change a model that exists and whose database work reads little more from
# the states before and after them than the field, constraint, index or trigger they
# change (ReloadOnce checks the rest).
HELD: dict[type[Operation], Callable[[Any], Changes]] = {
    migrations.AddField: lambda o: (o.model_name_lower, "field", [o.name], "add"),
    migrations.RemoveField: lambda o: (o.model_name_lower, "field", [o.name], "remove"),
    migrations.AlterField: lambda o: (o.model_name_lower, "field", [o.name], "alter"),
    AlterFields: lambda o: (o.model_name_lower, "field", [n for n, _ in o.fields], "alter"),
    migrations.AddConstraint: lambda o: (
        o.model_name_lower,
        "constraint",
        [o.constraint.name],
        "add",
    ),
    migrations.RemoveConstraint: lambda o: (o.model_name_lower, "constraint", [o.name], "remove"),
    migrations.AddIndex: lambda o: (o.model_name_lower, "index", [str(o.index.name)], "add"),
    migrations.RemoveIndex: lambda o: (o.model_name_lower, "index", [o.name], "remove"),
    AddTrigger: lambda o: (o.model_name_lower, "trigger", [str(o.trigger.name)], "add"),
    RemoveTrigger: lambda o: (o.model_name_lower, "trigger", [o.name], "remove"),
    migrations.AlterModelOptions: lambda o: (o.name_lower, "options", [""], "alter"),
}


class ReloadOnce(migrations.operations.base.Operation):
    """Generated operations, as generated, with one state reload for all of them instead of
    one each (a history migration adds a hundred triggers and fields).

    Each operation's own state_forwards runs while the state has no rendered models (so it
    renders nothing); the models they changed, and those related to them, are then rendered
    again together. Each operation's database work runs as generated, in order (backwards in
    reverse), but between the states before and after them all, not its own. That is the
    same work as long as no operation reads what another one here changes, which the
    checks below hold to, each for a reason:

    - Each field, constraint, index, trigger or model's options is changed once, or removed
      then added again: a removal reads what it removes from the state before, an alteration
      the field as it was.
    - Every model exists before: a new model would be created with its final fields.
    - No index or constraint is added to a model before one of its fields is altered:
      alter_field tells the field's own constraints from the model's by the model's names
      in the state before.
    - Nor is one removed from a model after one of its fields is altered: backwards, the
      removal puts it back first, then alter_field undoes the alteration with the model's
      names in the state after, which no longer list it, and may drop it with the field's
      own index, unique or check.
    - A unique field (or primary key) altered here changes only what the database does not
      see, such as labels: when its type changes, alter_field pairs the foreign keys to it
      in the states before and after, which others here may change.
    - No model options change whether a model is managed: the others read it from the state
      after, to know whether to touch the database.
    """

    reversible = True

    def __init__(self, operations: list[Operation]) -> None:
        changed: dict[tuple[str, str, str], list[str]] = {}
        indexed: set[str] = set()  # the models an index or constraint is added to
        altered: set[str] = set()  # the models a field of which is altered
        for operation in operations:
            if type(operation) not in HELD:
                raise ValueError(f"ReloadOnce does not hold {operation.describe()!r}")
            model, kind, names, how = _changes(operation)
            if kind == "field" and how == "alter" and model in indexed:
                raise ValueError(
                    f"ReloadOnce: {operation.describe()!r} after an index or constraint "
                    f"added to {model}"
                )
            if kind in ("index", "constraint") and how == "remove" and model in altered:
                raise ValueError(
                    f"ReloadOnce: {operation.describe()!r} after a field of {model} altered"
                )
            if kind in ("index", "constraint") and how == "add":
                indexed.add(model)
            if kind == "field" and how == "alter":
                altered.add(model)
            for name in names:
                hows = changed.setdefault((model, kind, name), [])
                hows.append(how)
                if len(hows) > 1 and hows != ["remove", "add"]:
                    raise ValueError(f"ReloadOnce: {kind} {name} of {model} changed twice")
        self.operations = operations

    def deconstruct(self) -> tuple[str, list[Any], dict[str, Any]]:
        return (self.__class__.__name__, [], {"operations": self.operations})

    def state_forwards(self, app_label: str, state: ProjectState) -> None:
        for operation in self.operations:
            _check_state_before(app_label, state, operation)
        rendered = state.__dict__.pop("apps", None)  # reload_model renders only when cached
        try:
            for operation in self.operations:
                operation.state_forwards(app_label, state)
            assert "apps" not in state.__dict__, "an operation rendered the models"
        finally:
            if rendered is not None:
                state.__dict__["apps"] = rendered
        # Not delayed: a delayed reload leaves models related to these at one remove
        # holding the classes of before, which the database work would then read.
        changed = {(app_label, _changes(operation)[0]) for operation in self.operations}
        state.reload_models(list(changed), delay=False)

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
        return f"{self.operations[0].migration_name_fragment}_and_more"


def _changes(operation: Operation) -> Changes:
    """What an operation of ReloadOnce changes (HELD)."""
    return HELD[type(operation)](operation)


def _check_state_before(app_label: str, state: ProjectState, operation: Operation) -> None:
    """The checks of ReloadOnce that need the state before it (its docstring says why)."""
    model = _changes(operation)[0]
    if (app_label, model) not in state.models:
        raise ValueError(f"ReloadOnce: {operation.describe()!r} on a model that is not yet")
    model_state = state.models[app_label, model]
    altered: list[tuple[str, Field[Any, Any]]] = []
    if isinstance(operation, migrations.AlterField):
        altered = [(operation.name, operation.field)]
    if isinstance(operation, AlterFields):
        altered = operation.fields
    for name, field in altered:
        if field.unique and _database_side(model_state.fields[name]) != _database_side(field):
            raise ValueError(f"ReloadOnce: unique field {name} of {model} altered in the database")
    managed = model_state.options.get("managed", True)
    if isinstance(operation, migrations.AlterModelOptions) and (
        operation.options.get("managed", True) != managed
    ):
        raise ValueError(f"ReloadOnce: {operation.describe()!r} changes whether it is managed")


def _database_side(field: Field[Any, Any]) -> tuple[Any, ...]:
    """A field as the database sees it (as schema_editor.alter_field compares fields)."""
    _, path, args, kwargs = field.deconstruct()
    for attribute in field.non_db_attrs:
        kwargs.pop(attribute, None)
    return path, args, kwargs


def repaired(sql: str, done: str) -> migrations.RunPython:
    """Run `sql`, a data-modifying statement RETURNING one text for each row it changes,
    and print `done` with those texts (to standard output: a RunPython is not given
    migrate's). Each change is in history as any other, credited to the migration;
    backwards, nothing is undone."""

    def run(apps: Any, schema_editor: BaseDatabaseSchemaEditor) -> None:
        # Credited in history to the migration, not to no one.
        context = pghistory.context(command="migrate", repair=done)
        with context, schema_editor.connection.cursor() as cursor:
            cursor.execute(sql)
            rows = [str(row[0]) for row in cursor.fetchall()]
        if rows:
            sys.stdout.write(f"\n  {done} ({len(rows)}): {'; '.join(rows)}\n")

    return migrations.RunPython(run, migrations.RunPython.noop)
