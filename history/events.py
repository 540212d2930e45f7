"""Reading the recorded history: who changed what, when, field by field.

Every tracked model has an event table (history.tracking); pghistory's
`Events` aggregates several of them in one query, with each event's context
(who, where) and its difference from the object's previous event.
"""

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, TypeVar

from django.apps import apps
from django.contrib.auth import get_user_model
from django.contrib.auth.models import AbstractBaseUser
from django.db import models
from pghistory.models import Context, Events

from config.numbers import whole_number

M = TypeVar("M", bound=models.Model)

# Bookkeeping that changes on every save and says nothing about the edit.
UNSHOWN_FIELDS = {"updated_at"}


@dataclass(frozen=True)
class HistoryEntry:
    """One recorded write: an insert, update or delete of one row."""

    at: datetime
    model: str
    object_id: str | None
    event: str
    user_id: int | None
    username: str | None
    command: str | None
    url: str | None
    # field (column) -> [before, after]; None for "did not exist" on inserts and deletes
    changes: dict[str, list[Any]] = field(default_factory=dict)
    # The row as the event recorded it (column -> value), for readers that filter entries.
    row: dict[str, Any] = field(default_factory=dict)


def context_user_id(context: Context | None) -> int | None:
    """The id of the user a write is credited to, from its pghistory context."""
    return _user_id(context.metadata if context is not None else None)


def event_user(event: Any) -> AbstractBaseUser | None:
    """Who made an event's write, from its context (select_related pgh_context): one query."""
    user_id = context_user_id(event.pgh_context)
    if user_id is None:
        return None
    return get_user_model()._default_manager.filter(pk=user_id).first()


def event_model(model: type[models.Model]) -> type[Any]:
    """The event table pghistory made for a tracked model (history.tracking): `<Model>Event`.

    Reached by name, because a deleted row's events are no longer reachable from it.
    """
    return apps.get_model(model._meta.app_label, f"{model.__name__}Event")


def instance_from_event(model: type[M], event: models.Model) -> M:
    """An unsaved `model` row as an event recorded it (all its fields must be tracked)."""
    return model(
        **{field.attname: getattr(event, field.attname) for field in model._meta.concrete_fields}
    )


def _changes(label: str, data: dict[str, Any], diff: dict[str, Any] | None) -> dict[str, list[Any]]:
    if label in ("insert", "baseline"):  # baseline: the row as it stood when history began
        pairs = {name: [None, value] for name, value in data.items() if value not in (None, "")}
    elif label == "delete":
        pairs = {name: [value, None] for name, value in data.items() if value not in (None, "")}
    else:
        pairs = {name: list(values) for name, values in (diff or {}).items()}
    return {name: pair for name, pair in sorted(pairs.items()) if name not in UNSHOWN_FIELDS}


def history_of(obj: models.Model, reader: Any) -> list[HistoryEntry]:
    """Every recorded write of `obj` and of its parts that `reader` may see: the rows of
    the event models its class lists in `history_events` that refer to it (a claim's
    figure, relations, topics), less those its `readable_history(entries, reader)`, if it
    has one, leaves out (a claim: relations to claims hidden from her).

    Oldest first. Two queries, however many events: the events with their
    context, then the names of the users in them (and what readable_history asks).
    """
    events = list(
        Events.objects.references(obj)  # type: ignore[no-untyped-call]
        .across(*type(obj).history_events)  # type: ignore[attr-defined]
        .order_by("pgh_created_at", "pgh_model", "pgh_id")
        .values(
            "pgh_created_at",
            "pgh_obj_model",
            "pgh_obj_id",
            "pgh_label",
            "pgh_data",
            "pgh_diff",
            "pgh_context",
        )
    )
    user_ids = {
        user_id
        for user_id in (_user_id(event["pgh_context"]) for event in events)
        if user_id is not None
    }
    usernames = dict(
        get_user_model()
        ._default_manager.filter(pk__in=user_ids)
        .values_list("pk", get_user_model().USERNAME_FIELD)
    )
    entries = []
    for event in events:
        context = event["pgh_context"] or {}
        user_id = _user_id(context)
        entries.append(
            HistoryEntry(
                at=event["pgh_created_at"],
                model=event["pgh_obj_model"],
                object_id=event["pgh_obj_id"] or str(event["pgh_data"].get("id", "")) or None,
                event=event["pgh_label"],
                user_id=user_id,
                username=usernames.get(user_id),
                command=context.get("command"),
                url=context.get("url"),
                changes=_changes(event["pgh_label"], event["pgh_data"], event["pgh_diff"]),
                row=event["pgh_data"],
            )
        )
    readable = getattr(obj, "readable_history", None)
    return entries if readable is None else list(readable(entries, reader))


def _user_id(metadata: dict[str, Any] | None) -> int | None:
    user_id = (metadata or {}).get("user")
    return whole_number(str(user_id)) if isinstance(user_id, int | str) else None
