from django.contrib import admin
from django.urls import include, path
from django.views.generic import RedirectView
from django.views.i18n import JavaScriptCatalog

from claims import api, team_api, tracking_api
from config.views import ApiRootView, healthz

# Before the API router, whose targets/<pk>/ would otherwise take "due" for an id.
tracking_urls = [
    path("figures/parse/", api.FigureParseView.as_view(), name="figure-parse"),
    path(
        "targets/due/", tracking_api.TargetTrackingView.as_view(due_only=True), name="targets-due"
    ),
    path("targets/tracking/", tracking_api.TargetTrackingView.as_view(), name="targets-tracking"),
    path(
        "targets/<int:pk>/timeline/",
        tracking_api.TargetTimelineView.as_view(),
        name="target-timeline",
    ),
    # Before the projects router, which owns projects/ and projects/<pk>/.
    path(
        "projects/<int:project_id>/agreement/",
        team_api.AgreementView.as_view(),
        name="project-agreement",
    ),
    path(
        "projects/<int:project_id>/documents/<int:document_id>/curation/",
        team_api.CurationView.as_view(),
        name="project-curation",
    ),
    path(
        "documents/<int:document_id>/suggestions/",
        tracking_api.SuggestionListView.as_view(),
        name="document-suggestions",
    ),
    path(
        "documents/<int:document_id>/suggestions/accept/",
        tracking_api.SuggestionAcceptView.as_view(),
        name="document-suggestion-accept",
    ),
    path(
        "documents/<int:document_id>/suggestions/dismiss/",
        tracking_api.SuggestionDismissView.as_view(),
        name="document-suggestion-dismiss",
    ),
]

handler404 = "config.views.not_found"

# The admin's navigation sidebar took 300 px of a 1280 px screen from every list and
# the workbench; the home page and the breadcrumbs lead to the same pages.
admin.site.enable_nav_sidebar = False

urlpatterns = [
    path("", RedirectView.as_view(url="/admin/", permanent=False)),
    path("healthz", healthz, name="healthz"),
    # The language switch (POST /i18n/setlang/) and the workbench's strings in the
    # user's language (gettext() in the browser).
    path("i18n/", include("django.conf.urls.i18n")),
    path("jsi18n/", JavaScriptCatalog.as_view(), name="javascript-catalog"),
    path("admin/", admin.site.urls),
    path("api/v1/", ApiRootView.as_view(), name="api-root"),
    path("api/v1/", include(tracking_urls)),
    path("api/", include("config.api_urls")),
]
