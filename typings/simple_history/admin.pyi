from typing import Any

from django.contrib import admin
from django.http import HttpRequest, HttpResponse

class SimpleHistoryAdmin(admin.ModelAdmin[Any]):
    def history_view(
        self, request: HttpRequest, object_id: str, extra_context: dict[str, Any] | None = None
    ) -> HttpResponse: ...
    def history_form_view(
        self,
        request: HttpRequest,
        object_id: str,
        version_id: str,
        extra_context: dict[str, Any] | None = None,
    ) -> HttpResponse: ...
