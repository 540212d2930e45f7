"""The REST API's ground rules, shared by every app's API views.

Every API view (annotations/api.py, claims/api.py, claims/tracking_api.py)
derives from ApiViewMixin: session or token login, model permissions for
every action including reading (deny by default), throttles, cursor
pagination with a bounded page size, and bodies over MAX_REQUEST_BYTES
refused with 413 before anything is parsed; JSON bodies nested beyond the
recursion limit or holding a lone surrogate are refused with 400 (SafeJSONParser).
They live in the project package because both apps use them and annotations
may not import claims.
"""

import codecs
import json
import math
import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.core.exceptions import RequestDataTooBig
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import IntegrityError
from django.db.models import ProtectedError, QuerySet
from django.utils.translation import gettext_lazy as _
from django_filters import rest_framework as filters
from rest_framework import (
    exceptions,
    pagination,
    parsers,
    permissions,
    serializers,
    status,
    throttling,
)
from rest_framework.filters import BaseFilterBackend
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.settings import api_settings
from rest_framework.utils import json as drf_json
from rest_framework.views import APIView
from rest_framework.views import exception_handler as drf_exception_handler

from config.numbers import whole_number

if TYPE_CHECKING:  # names that exist only in the stubs
    from rest_framework.generics import BaseFilterProtocol
    from rest_framework.permissions import _PermissionClass


class RequestTooLarge(exceptions.APIException):
    status_code = status.HTTP_413_REQUEST_ENTITY_TOO_LARGE
    default_code = "request_too_large"


def exception_handler(exc: Exception, context: dict[str, Any]) -> Response | None:
    """DRF's handler, plus the errors Django and PostgreSQL raise beneath it.

    Each becomes a 4xx with a message instead of a 500.
    """
    if isinstance(exc, RequestDataTooBig):
        exc = RequestTooLarge(
            _("The request body is larger than %(limit)s bytes.")
            % {"limit": settings.DATA_UPLOAD_MAX_MEMORY_SIZE}
        )
    elif isinstance(exc, ProtectedError):
        names = sorted({str(type(obj)._meta.verbose_name) for obj in exc.protected_objects})
        return Response(
            {
                "detail": _("Not deleted: it is still used by %(names)s.")
                % {"names": ", ".join(names)}
            },
            status=status.HTTP_409_CONFLICT,
        )
    elif isinstance(exc, DjangoValidationError):
        exc = exceptions.ValidationError(
            exc.message_dict if hasattr(exc, "error_dict") else {"detail": exc.messages}
        )
    elif isinstance(exc, IntegrityError):
        # Validation should have caught it first; the database is the last line.
        return Response({"detail": database_refusal(exc)}, status=status.HTTP_409_CONFLICT)
    return drf_exception_handler(exc, context)


def database_refusal(error: IntegrityError) -> str:
    """What a client is told of a write the database refused: its rule's first line."""
    return str(
        _("The database refused the write: %(error)s") % {"error": str(error).splitlines()[0]}
    )


class RolePermission(permissions.DjangoModelPermissions):
    """The role's model permission for every action, reading included.

    Roles are the admin's groups (claims/roles.py): annotator, reviewer,
    api_reader, and superusers. A login without a role gets 403 everywhere.
    """

    perms_map = {
        **permissions.DjangoModelPermissions.perms_map,
        "GET": ["%(app_label)s.view_%(model_name)s"],
        "OPTIONS": ["%(app_label)s.view_%(model_name)s"],
        "HEAD": ["%(app_label)s.view_%(model_name)s"],
    }

    def _queryset(self, view: APIView) -> QuerySet[Any]:
        """The view's model is all this needs: its `queryset` attribute, where DRF would
        build the whole get_queryset (for claims, the reader's visibility filter) twice
        a request, once here and once for the view. Both name the same model in every
        view (tests/test_api_permissions.py)."""
        model_queryset: QuerySet[Any] | None = getattr(view, "queryset", None)
        return model_queryset if model_queryset is not None else super()._queryset(view)


def rate_now(scope: str | None) -> str | None:
    """The scope's rate as the settings say now: DRF's own throttles read it once."""
    rate = api_settings.DEFAULT_THROTTLE_RATES[str(scope)]
    return None if rate is None else str(rate)


class AnonThrottle(throttling.AnonRateThrottle):
    """Reads the rate at request time, so a settings change applies at once."""

    def get_rate(self) -> str | None:
        return rate_now(self.scope)


class UserThrottle(throttling.UserRateThrottle):
    def get_rate(self) -> str | None:
        return rate_now(self.scope)


class CursorPagination(pagination.CursorPagination):
    """Stable pages however the data changes: the cursor is a position, not an offset.

    The id is always the last ordering key, so ties on a date never reorder
    rows between two pages.
    """

    ordering = ("id",)
    paged: QuerySet[Any] | Sequence[Any] | None = None  # set by paginate_queryset
    page_size_query_param = "page_size"
    page_size = settings.API_PAGE_SIZE
    max_page_size = settings.API_MAX_PAGE_SIZE

    def get_ordering(
        self, request: Request, queryset: QuerySet[Any], view: APIView
    ) -> tuple[str, ...]:
        ordering = tuple(super().get_ordering(request, queryset, view))
        if ordering[-1].lstrip("-") != "id":
            ordering += ("-id",) if ordering[0].startswith("-") else ("id",)
        return ordering

    def paginate_queryset(
        self, queryset: QuerySet[Any] | Sequence[Any], request: Request, view: APIView | None = None
    ) -> list[Any] | None:
        self.paged = queryset  # for decode_cursor
        return super().paginate_queryset(queryset, request, view)

    def decode_cursor(self, request: Request) -> pagination.Cursor | None:
        """The cursor, if its position is a value of the first ordering key: a cursor
        made up by hand (p=abc where ids are numbers) is invalid (404), as any other
        cursor that is not one of ours, rather than an error of the database's."""
        cursor = super().decode_cursor(request)
        if isinstance(self.paged, QuerySet) and cursor is not None and cursor.position is not None:
            key = self.ordering[0].lstrip("-")
            try:
                self.paged.filter(**{f"{key}__gt": cursor.position})  # builds, runs nothing
            except (ValueError, TypeError, OverflowError, DjangoValidationError):
                raise exceptions.NotFound(self.invalid_cursor_message) from None
        return cursor


SURROGATE = re.compile("[\ud800-\udfff]")


def lone_surrogate_at(data: object) -> str | None:
    """Where parsed JSON holds a lone surrogate ("\\ud800" is valid JSON), or None.

    No string with one can be stored or even sent back in an error message
    (it is not a character, so it has no UTF-8), so the whole body is refused.
    The path names the field as the client wrote it: `note`, `figure.unit`,
    `relations.0.note`; a bad key is reported at its object. NUL characters
    are left to the fields, which refuse them by name.
    """
    return first_at(data, lambda value: isinstance(value, str) and bool(SURROGATE.search(value)))


def infinite_number_at(data: object) -> str | None:
    """Where parsed JSON holds a number too large for a float (1e400 is valid JSON and
    parses as infinity, which no field takes and some, ids, cannot even compare)."""
    return first_at(data, lambda value: isinstance(value, float) and not math.isfinite(value))


def first_at(data: object, bad: Callable[[object], bool]) -> str | None:
    """The path of the first key or value of parsed JSON that is `bad`, or None."""
    pending: list[tuple[str, object]] = [("", data)]
    while pending:
        path, value = pending.pop()
        if isinstance(value, dict):
            if any(bad(key) for key in value):
                return path or "body"
            pending += [(f"{path}.{key}" if path else key, item) for key, item in value.items()]
        elif isinstance(value, list):
            pending += [(f"{path}.{i}" if path else str(i), item) for i, item in enumerate(value)]
        elif bad(value):
            return path or "body"
    return None


# How a lone surrogate can get into parsed JSON: escaped (\ud800), or already in the
# decoded text (UTF-8 refuses one, but a client may name another charset).
SURROGATE_ESCAPE = r"\\u[dD][89abcdefABCDEF]"
SURROGATE_ESCAPED = re.compile(SURROGATE_ESCAPE.encode())
SURROGATE_IN_TEXT = re.compile(f"{SURROGATE_ESCAPE}|{SURROGATE.pattern}")


class SafeJSONParser(parsers.JSONParser):
    """JSON that is safe to go on with: not nested beyond Python's recursion limit,
    with no lone surrogate and no number beyond a float's range. Each is a 400, never a
    500."""

    def parse(
        self,
        stream: Any,
        media_type: str | None = None,
        parser_context: Mapping[str, Any] | None = None,
    ) -> Any:
        body = stream.read()
        encoding = (parser_context or {}).get("encoding", settings.DEFAULT_CHARSET)
        infinite = False

        def number(text: str) -> float:  # called for numbers with a point or an exponent
            nonlocal infinite
            value = float(text)
            infinite = infinite or math.isinf(value)
            return value

        try:  # as DRF's JSONParser, which takes no parse_float
            text = body.decode(encoding)
            data = json.loads(
                text,
                parse_constant=drf_json.strict_constant if self.strict else None,
                parse_float=number,
            )
        except RecursionError:
            raise exceptions.ParseError(
                _("JSON parse error - the body is nested too deeply.")
            ) from None
        except ValueError as error:
            raise exceptions.ParseError(f"JSON parse error - {error}") from None
        # Walking the parsed body costs four times parsing it (a bulk body of 5,000
        # claims: 20 ms against 5): walk it only when the text may hold a surrogate.
        if codecs.lookup(encoding).name == "utf-8":  # UTF-8 decodes no surrogate: escapes only
            may_hold = SURROGATE_ESCAPED.search(body) is not None
        else:
            may_hold = SURROGATE_IN_TEXT.search(text) is not None
        path = lone_surrogate_at(data) if may_hold else None
        if path is not None:
            raise exceptions.ParseError(
                {path: [_("Lone surrogates are not allowed: they are not Unicode characters.")]}
            )
        # 1e400 is valid JSON and reads as infinity: where, only if the parse met one.
        path = infinite_number_at(data) if infinite else None
        if path is not None:
            raise exceptions.ParseError({path: [_("This number is too large.")]})
        return data


class FilterBackend(filters.DjangoFilterBackend):
    """django-filter's, except that a request naming none of the view's filters is
    left as it came: its filter set would copy every filter, build a form and check it
    only to filter by nothing, 2.3 ms of a claim page's 16 of Python (bench/README.md).
    No filter here applies without its parameter; each is optional."""

    def filter_queryset(
        self, request: Request, queryset: QuerySet[Any], view: APIView
    ) -> QuerySet[Any]:
        filterset_class = self.get_filterset_class(view, queryset)
        if filterset_class is None or not names_a_filter(request.query_params, filterset_class):
            return queryset
        return super().filter_queryset(request, queryset, view)


def names_a_filter(params: Iterable[str], filterset_class: type[Any]) -> bool:
    """Whether a query parameter is one of the filter set's, or a part of one
    (`published_after` of `published`)."""
    names = filterset_class.base_filters
    parts = tuple(f"{name}_" for name in names)
    return any(param in names or param.startswith(parts) for param in params)


class ApiViewMixin(APIView):
    """The ground rules; put it first among a view's bases."""

    parser_classes: Sequence[type[parsers.BaseParser]] = [
        SafeJSONParser,
        parsers.FormParser,
        parsers.MultiPartParser,
    ]
    permission_classes: Sequence["_PermissionClass"] = [permissions.IsAuthenticated, RolePermission]
    throttle_classes: Sequence[type[throttling.BaseThrottle]] = [AnonThrottle, UserThrottle]
    pagination_class: type[pagination.BasePagination] | None = CursorPagination
    filter_backends: Sequence[type["BaseFilterBackend | BaseFilterProtocol[Any]"]] = [FilterBackend]

    def initial(self, request: Request, *args: Any, **kwargs: Any) -> None:
        # Refuse before parsing: DRF's parsers read whatever length they are sent.
        length = whole_number(request.META.get("CONTENT_LENGTH") or "0")
        if length is not None and length > settings.DATA_UPLOAD_MAX_MEMORY_SIZE:
            raise RequestTooLarge(
                _("The request body has %(length)s bytes; at most %(limit)s are accepted.")
                % {"length": length, "limit": settings.DATA_UPLOAD_MAX_MEMORY_SIZE}
            )
        super().initial(request, *args, **kwargs)


class StrictFieldsMixin(serializers.Serializer[Any]):
    """Refuse fields the client may not set instead of silently dropping them.

    A forged `annotator` or `reviewer` gets a 400 naming the field.
    """

    def to_internal_value(self, data: Any) -> Any:
        if isinstance(data, dict):
            writable = {name for name, field in self.fields.items() if not field.read_only}
            unknown = sorted(set(data) - writable)
            if unknown:
                raise serializers.ValidationError(
                    {name: [_("This field cannot be set here.")] for name in unknown}
                )
        return super().to_internal_value(data)
