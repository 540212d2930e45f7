"""config.api.RolePermission reads a view's model from its `queryset` attribute, not from
get_queryset: in every API view the two must name the same model, or the view would be
guarded by another model's permissions."""

from typing import Any

import pytest
from django.test import RequestFactory
from django.urls import URLPattern, URLResolver, get_resolver
from rest_framework.generics import GenericAPIView
from rest_framework.request import Request

from config.api import RolePermission
from tests.conftest import make_user

pytestmark = pytest.mark.django_db


def api_views() -> dict[str, Any]:
    """Every API route's view function, by route."""
    views: dict[str, Any] = {}

    def walk(patterns: list[Any], prefix: str) -> None:
        for pattern in patterns:
            route = prefix + str(pattern.pattern)
            if isinstance(pattern, URLResolver):
                walk(pattern.url_patterns, route)
            elif isinstance(pattern, URLPattern) and route.lstrip("^").startswith("api/"):
                views[route] = pattern.callback

    walk(get_resolver().url_patterns, "")
    return views


def test_every_view_names_one_model_for_its_permission_and_its_rows():
    root = make_user("root", is_superuser=True)
    request = Request(RequestFactory().get("/"))
    request.user = root
    checked = set()
    for route, callback in api_views().items():
        cls = getattr(callback, "cls", None)
        if cls is None or not any(issubclass(p, RolePermission) for p in cls.permission_classes):
            continue
        own_rows = getattr(cls, "get_queryset", GenericAPIView.get_queryset)
        if cls.queryset is None or own_rows is GenericAPIView.get_queryset:
            continue  # the permission asks get_queryset itself, or there is only one
        view = cls(**getattr(callback, "initkwargs", {}))
        view.request, view.args, view.kwargs, view.format_kwarg = request, (), {}, None
        view.action = next(iter((getattr(callback, "actions", None) or {"get": None}).values()))
        assert cls.queryset.model is view.get_queryset().model, route
        checked.add(cls.__name__)
    # The views whose get_queryset narrows what a reader sees, claims above all.
    assert {"ClaimViewSet", "ClaimExportView", "DocumentViewSet", "NetworkView"} <= checked
