"""Names of models' tables and columns for SQL written by hand (exports, bulk loads,
the reading rule, a claim page's statement): quoted as Django quotes them."""

from django.db import connection
from django.db.models import Field, Model


def table(model: type[Model]) -> str:
    return connection.ops.quote_name(model._meta.db_table)


def column(model: type[Model], name: str) -> str:
    """The column of the model's field `name` (a foreign key's `_id` column for it)."""
    field = model._meta.get_field(name)
    assert isinstance(field, Field)  # a column, not a reverse relation
    return connection.ops.quote_name(str(field.column))
