"""Views of the site itself: the health check and the API root."""

import logging

from django.db import DatabaseError, connection
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.utils.translation import gettext_lazy as _
from django.views import defaults
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET
from rest_framework import exceptions, permissions
from rest_framework.renderers import BrowsableAPIRenderer, JSONRenderer
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.reverse import reverse
from rest_framework.views import APIView

from claims.api import EXPORT_TYPES
from config.api import AnonThrottle, UserThrottle
from config.middleware import is_api

logger = logging.getLogger(__name__)


@never_cache
@require_GET
def healthz(request: HttpRequest) -> JsonResponse:
    """200 when the database answers, else 503. No login: for load balancers and systemd."""
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
    except DatabaseError:
        logger.exception("Health check: the database does not answer")
        return JsonResponse({"status": "unavailable", "database": "unreachable"}, status=503)
    return JsonResponse({"status": "ok", "database": "ok"})


def not_found(request: HttpRequest, exception: Exception) -> HttpResponse:
    """An address nothing answers: under /api/ in JSON, in DRF's words for a 404 (a
    client reading JSON is not sent a page); elsewhere Django's page."""
    if is_api(request):
        return JsonResponse(
            {"detail": str(exceptions.NotFound.default_detail)},
            status=404,
            json_dumps_params={"ensure_ascii": False},
        )
    return defaults.page_not_found(request, exception)


class HasRole(permissions.BasePermission):
    """Any role (api_reader, annotator, reviewer, admin): every role may read claims."""

    message = _("This login has no role; ask an admin for one.")

    def has_permission(self, request: Request, view: APIView) -> bool:
        return bool(request.user.has_perm("claims.view_claim"))


# (name shown, URL name, URL arguments)
API_RESOURCES: list[tuple[str, str, dict[str, str]]] = [
    ("documents", "document-list", {}),
    ("claims", "claim-list", {}),
    ("speakers", "speaker-list", {}),
    ("topics", "topic-list", {}),
    ("metrics", "metric-list", {}),
    ("targets", "target-list", {}),
    ("observations", "observation-list", {}),
    ("relations", "claimrelation-list", {}),
    ("projects", "project-list", {}),
    ("targets-due", "targets-due", {}),
    ("targets-tracking", "targets-tracking", {}),
    *((f"claims-export-{fmt}", "claim-export", {"fmt": fmt}) for fmt in EXPORT_TYPES),
    ("schema", "api-schema", {}),
    ("docs", "api-docs", {}),
]


class ApiRootView(APIView):
    """claimtrack API, version 1: its resources and exports, with their addresses.

    Every request needs a login with a role (a token, or the admin's session).
    """

    permission_classes = [permissions.IsAuthenticated, HasRole]
    throttle_classes = [AnonThrottle, UserThrottle]
    renderer_classes = [JSONRenderer, BrowsableAPIRenderer]
    schema = None  # not a resource of the API: left out of the OpenAPI schema

    def get(self, request: Request) -> Response:
        return Response(
            {
                name: reverse(url_name, kwargs=kwargs, request=request)
                for name, url_name, kwargs in API_RESOURCES
            }
        )
