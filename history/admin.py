"""The history of an object on its admin page: every recorded write, newest first."""

from typing import Any

from django.contrib import admin
from django.db import models
from django.utils.html import format_html, format_html_join
from django.utils.safestring import SafeString
from django.utils.translation import gettext_lazy as _

from history.events import HistoryEntry, history_of


def _shown(value: Any) -> str:
    return "—" if value in (None, "") else str(value)


# pghistory's event labels, as a reader of the history says them.
EVENTS = {
    "insert": _("insert"),
    "update": _("update"),
    "delete": _("delete"),
    "baseline": _("baseline (as history began)"),
}


def _described(entry: HistoryEntry, obj: models.Model) -> str:
    event = str(EVENTS.get(entry.event, entry.event))
    what = event if entry.model == obj._meta.label else f"{event} {entry.model}"
    return what if entry.object_id in (None, str(obj.pk)) else f"{what} #{entry.object_id}"


def history_table(obj: models.Model, entries: list[HistoryEntry]) -> SafeString:
    """A table of `entries`, `obj`'s history (see history.events.history_of)."""
    rows = [
        (
            entry.at.strftime("%Y-%m-%d %H:%M:%S"),
            entry.username or entry.command or "—",
            _described(entry, obj),
            "; ".join(
                f"{name}: {_shown(before)} → {_shown(after)}"
                for name, (before, after) in entry.changes.items()
            )
            or _("no field changed"),
        )
        for entry in reversed(entries)
    ]
    return format_html(
        '<table class="claim-history"><thead><tr><th>{}</th><th>{}</th><th>{}</th>'
        "<th>{}</th></tr></thead><tbody>{}</tbody></table>",
        _("when"),
        _("who"),
        _("what"),
        _("changes"),
        format_html_join("", "<tr><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>", rows),
    )


class HistoryAdminMixin:
    """Shows `change_history` on the change page: who changed what, when, field by field.

    The page's object carries its reader (`history_reader`, set by get_object: a read-only
    field is given the object alone), for history_of to show her what she may see."""

    def get_object(self, request: Any, object_id: str, from_field: str | None = None) -> Any:
        obj = super().get_object(request, object_id, from_field)  # type: ignore[misc]
        if obj is not None:
            obj.history_reader = request.user
        return obj

    def get_readonly_fields(self, request: Any, obj: Any = None) -> list[str]:
        fields = list(super().get_readonly_fields(request, obj))  # type: ignore[misc]
        return fields if "change_history" in fields else [*fields, "change_history"]

    @admin.display(description=_("every change (who, when, before → after)"))
    def change_history(self, obj: models.Model) -> SafeString | str:
        if obj.pk is None:
            return "—"
        return history_table(obj, history_of(obj, obj.history_reader))  # type: ignore[attr-defined]
