"""URLs of the REST API, mounted at /api/: version 1, its schema and Swagger UI."""

from django.urls import include, path, re_path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerView
from rest_framework.routers import SimpleRouter

from annotations.api import DocumentViewSet
from claims import api, networks_api
from projects.api import ProjectViewSet

router = SimpleRouter()
router.register("documents", DocumentViewSet, basename="document")
router.register("claims", api.ClaimViewSet, basename="claim")
router.register("speakers", api.SpeakerViewSet, basename="speaker")
router.register("topics", api.TopicViewSet, basename="topic")
router.register("metrics", api.MetricViewSet, basename="metric")
router.register("targets", api.TargetViewSet, basename="target")
router.register("observations", api.ObservationViewSet, basename="observation")
router.register("relations", api.ClaimRelationViewSet, basename="claimrelation")
router.register("projects", ProjectViewSet, basename="project")

urlpatterns = [
    re_path(
        r"^v1/claims/export\.(?P<fmt>csv|jsonl|json|jsonld)$",
        api.ClaimExportView.as_view(),
        name="claim-export",
    ),
    path("v1/networks/", networks_api.NetworkView.as_view(), name="networks"),
    path("v1/networks/edge/", networks_api.NetworkEdgeView.as_view(), name="network-edge"),
    path("v1/", include(router.urls)),
    path("schema/", SpectacularAPIView.as_view(), name="api-schema"),
    path(
        "schema/swagger-ui/",
        # A page, not a resource: OPTIONS would render it with a template it has not.
        SpectacularSwaggerView.as_view(url_name="api-schema", http_method_names=["get", "head"]),
        name="api-docs",
    ),
]
