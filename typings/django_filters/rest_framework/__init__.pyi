from collections.abc import Callable
from typing import Any, ClassVar

from django import forms
from django.db.models import QuerySet
from django_stubs_ext import StrOrPromise
from rest_framework.filters import BaseFilterBackend
from rest_framework.request import Request

class Filter:
    field_class: ClassVar[type[forms.Field]]
    field_name: str | None
    lookup_expr: str
    def __init__(
        self,
        field_name: str | None = None,
        lookup_expr: str | None = None,
        *,
        label: StrOrPromise | None = None,
        method: str | Callable[..., QuerySet[Any]] | None = None,
        distinct: bool = False,
        exclude: bool = False,
        **kwargs: Any,
    ) -> None: ...
    def filter(self, qs: QuerySet[Any], value: Any) -> QuerySet[Any]: ...

class CharFilter(Filter): ...
class NumberFilter(Filter): ...
class ChoiceFilter(Filter): ...
class MultipleChoiceFilter(Filter): ...
class DateFromToRangeFilter(Filter): ...

class FilterSet:
    base_filters: ClassVar[dict[str, Filter]]
    declared_filters: ClassVar[dict[str, Filter]]
    filters: dict[str, Filter]
    data: Any
    queryset: QuerySet[Any]
    request: Request | None
    form: forms.Form
    def __init__(
        self,
        data: Any = None,
        queryset: QuerySet[Any] | None = None,
        *,
        request: Request | None = None,
        prefix: str | None = None,
    ) -> None: ...
    def is_valid(self) -> bool: ...
    def get_form_class(self) -> type[forms.Form]: ...
    @property
    def errors(self) -> Any: ...
    @property
    def qs(self) -> QuerySet[Any]: ...
    def filter_queryset(self, queryset: QuerySet[Any]) -> QuerySet[Any]: ...

class DjangoFilterBackend(BaseFilterBackend):
    def get_filterset_class(
        self, view: Any, queryset: QuerySet[Any] | None = None
    ) -> type[FilterSet] | None: ...
