"""What admin pages share (claims and projects use both): autocomplete fields that
show only ids, and refusals by the database shown on the page."""

from collections.abc import Sequence
from typing import Any

from django.contrib import admin, messages
from django.contrib.admin.options import BaseModelAdmin
from django.contrib.admin.widgets import (
    AutocompleteMixin,
    AutocompleteSelect,
    AutocompleteSelectMultiple,
)
from django.core.exceptions import ValidationError
from django.db import IntegrityError, connection
from django.db.models import ForeignKey, ManyToManyField
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect

from config.api import database_refusal


class ValidIdsOnly(AutocompleteMixin):
    """An autocomplete widget that shows only the chosen values that are ids at all.

    Django's looks every chosen value up as is, to show its label: a form sent back with
    `speaker=abc`, or an add page opened at `?document=abc`, was a 500 (ValueError)
    where the form says "Select a valid choice"."""

    def optgroups(
        self, name: str, value: Sequence[str], attr: dict[str, Any] | None = None
    ) -> list[tuple[str | None, list[dict[str, Any]], int | None]]:
        key = self.field.target_field

        def is_id(raw: Any) -> bool:
            try:
                key.run_validators(key.to_python(raw))
            except ValidationError:
                return False
            return True

        return super().optgroups(name, [v for v in value if is_id(v)], attr)


class IdAutocompleteSelect(ValidIdsOnly, AutocompleteSelect):
    pass


class IdAutocompleteSelectMultiple(ValidIdsOnly, AutocompleteSelectMultiple):
    pass


class AutocompleteOfIds(BaseModelAdmin[Any]):
    """Autocomplete fields with IdAutocompleteSelect(Multiple) in place of Django's."""

    def formfield_for_foreignkey(
        self, db_field: ForeignKey[Any, Any], request: HttpRequest, **kwargs: Any
    ) -> Any:
        self.checked_widget(db_field, request, kwargs, IdAutocompleteSelect)
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    def formfield_for_manytomany(
        self, db_field: ManyToManyField[Any, Any], request: HttpRequest, **kwargs: Any
    ) -> Any:
        self.checked_widget(db_field, request, kwargs, IdAutocompleteSelectMultiple)
        return super().formfield_for_manytomany(db_field, request, **kwargs)

    def checked_widget(
        self,
        db_field: ForeignKey[Any, Any] | ManyToManyField[Any, Any],
        request: HttpRequest,
        kwargs: dict[str, Any],
        widget: type[ValidIdsOnly],
    ) -> None:
        """Put `widget` in the form field's `kwargs`, where Django would put its own."""
        if "widget" not in kwargs and db_field.name in self.get_autocomplete_fields(request):
            kwargs["widget"] = widget(db_field, self.admin_site, using=kwargs.get("using"))


class DatabaseRulesShown(admin.ModelAdmin[Any]):
    """A page whose save the database may refuse by a rule its form cannot see (another
    claim's relation to this one, say): the checks it defers to commit run before Django
    says "changed successfully", and a refusal (`refusal`) is the page again with its
    words, the database's as the API's 409 gives them, nothing saved."""

    def save_related(self, request: HttpRequest, form: Any, formsets: Any, change: bool) -> None:
        super().save_related(request, form, formsets, change)
        with connection.cursor() as cursor:
            cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")

    def changeform_view(
        self,
        request: HttpRequest,
        object_id: str | None = None,
        form_url: str = "",
        extra_context: dict[str, Any] | None = None,
    ) -> HttpResponse:
        try:
            return super().changeform_view(request, object_id, form_url, extra_context)
        except Exception as error:
            said = self.refusal(error)
            if said is None:
                raise
            messages.error(request, said)
            return HttpResponseRedirect(request.get_full_path())  # an add page's prefill too

    def refusal(self, error: Exception) -> str | None:
        """What the page says of `error`, raised while saving, which refused the save (a
        page adds its own refusals); None for an error that is no refusal."""
        return database_refusal(error) if isinstance(error, IntegrityError) else None
