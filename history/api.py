"""`GET <resource>/<id>/history/` for every API resource whose model keeps a history."""

from typing import Any

from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.decorators import action
from rest_framework.generics import get_object_or_404
from rest_framework.request import Request
from rest_framework.response import Response

from history.events import history_of


class HistoryEntrySerializer(serializers.Serializer[Any]):
    at = serializers.DateTimeField(help_text="When the write was made")
    model = serializers.CharField(help_text="What was written: the object or one of its parts")
    object_id = serializers.CharField(allow_null=True, help_text="The id of that row")
    event = serializers.CharField(
        help_text="insert, update, delete; baseline: the row as it stood when history began"
    )
    user_id = serializers.IntegerField(allow_null=True, help_text="Who made it")
    username = serializers.CharField(allow_null=True)
    command = serializers.CharField(allow_null=True, help_text="The management command, if any")
    url = serializers.CharField(allow_null=True, help_text="The request that made it, if any")
    changes = serializers.DictField(
        child=serializers.ListField(),
        help_text="Field (column) to [before, after]; null for a row not there before or after",
    )


class HistoryMixin:
    """Adds the `history` action to a viewset: every recorded write of one object, oldest first.

    Whoever may read the object may read its history. After authentication,
    three queries however many events: the object, the events with their
    context, the names of their users.
    """

    @extend_schema(responses=HistoryEntrySerializer(many=True), filters=False)
    @action(detail=True, methods=["get"], pagination_class=None, filter_backends=[])
    def history(self, request: Request, pk: str | None = None) -> Response:
        # The view's own queryset: what its reader may not read has no history for her.
        # Its row only: what the view prefetches for its pages is not read here.
        readable = self.get_queryset().prefetch_related(None)  # type: ignore[attr-defined]
        obj = get_object_or_404(readable, pk=pk)
        self.check_object_permissions(request, obj)  # type: ignore[attr-defined]
        return Response(HistoryEntrySerializer(history_of(obj, request.user), many=True).data)
