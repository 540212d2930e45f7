"""How edits are recorded: database triggers write an event row for every write.

django-pghistory installs the triggers, so bulk_create, queryset.update(),
raw SQL and COPY are recorded as surely as a form's save. Each event row holds
the row as it was written (after an insert or update, before a delete) and
points to the context of the write: who (`user`, a user id) and where (`url`
for a request, `command` for a management command). Event tables are
append-only: a trigger refuses UPDATE and DELETE on them.
"""

import functools
import getpass
from collections.abc import Callable
from typing import Any, TypeVar

import pghistory
import pgtrigger
from django.core.management.base import BaseCommand
from django.db import models

M = TypeVar("M", bound=type[models.Model])

# Each history trigger runs once per statement and copies the statement's transition
# table into the event table. A row-level PL/pgSQL trigger cost about 0.4 ms a row (its
# context lookup runs in a subtransaction), ten times the insert it records: a bulk
# import (claims/bulk.py) of 100,000 claims spent most of its time there.
LEVEL = pgtrigger.Statement
H = TypeVar("H", bound=Callable[..., Any])


def tracked(
    *,
    exclude: list[str] | None = None,
    event_fields: dict[str, models.Field[Any, Any]] | None = None,
) -> Callable[[M], M]:
    """Record every insert, update and delete of the decorated model as an event.

    `exclude` leaves out fields that are not edits (large texts kept elsewhere).
    `event_fields` replaces the event model's copy of a field: a column added to the
    model later may be required there and still be empty in the events written before.
    """
    track: Callable[[M], M] = pghistory.track(
        pghistory.InsertEvent(),
        pghistory.UpdateEvent(),
        pghistory.DeleteEvent(),
        exclude=exclude,
        attrs=event_fields,
        append_only=True,
        level=LEVEL,
    )
    return track


def credited_to_command(handle: H) -> H:
    """Decorate a management command's handle(): its writes are credited to the command
    (its name and the OS login) in their history events."""

    @functools.wraps(handle)
    def wrapped(self: BaseCommand, *args: Any, **options: Any) -> Any:
        command = type(self).__module__.rsplit(".", 1)[-1]
        with pghistory.context(command=command, os_user=getpass.getuser()):
            return handle(self, *args, **options)

    return wrapped  # type: ignore[return-value]
