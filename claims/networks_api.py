"""GET /api/v1/networks/: discourse networks of the filtered claims (claims/networks.py).

The options are rDNA's dna_network() arguments in snake case; every claim
filter of the claim list applies too. Who may read a network is who may read
the claim list (the role's view permission on claims). One query for the
claims whatever the options, after the login's own.
"""

from typing import Any

from django.db.models import QuerySet
from django.http import HttpResponse, JsonResponse
from django.utils.translation import gettext_lazy as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import generics, serializers
from rest_framework.request import Request
from rest_framework.response import Response

from claims import network_formats
from claims.api import IgnoreAccept
from claims.filters import ClaimFilter
from claims.models import Claim
from claims.networks import (
    AGGREGATIONS,
    DUPLICATES,
    NETWORK_TYPES,
    NORMALIZATIONS,
    TIME_WINDOWS,
    VARIABLES,
    Network,
    Options,
    Statements,
    TooManyWindows,
    dna_network,
    edge_statements,
    filter_statements,
    load_statements,
)
from config.api import ApiViewMixin

FORMATS = ["json", "graphml", "csv", "nodes_csv"]
# Bounds on one answer: matrix cells over all windows, windows, claims behind an edge.
MAX_CELLS = 4_000_000
MAX_WINDOWS = 2000
MAX_EDGE_CLAIMS = 500


def all_values(choices: dict[str, list[str]]) -> list[str]:
    return sorted({value for values in choices.values() for value in values})


class NetworkParameters(serializers.Serializer[Any]):
    """The options, checked one by one here and together by Options.errors()."""

    network_type = serializers.ChoiceField(NETWORK_TYPES, default="twomode")
    variable1 = serializers.ChoiceField(VARIABLES, default="organization")
    variable2 = serializers.ChoiceField(VARIABLES, default="topic")
    qualifier = serializers.ChoiceField(
        ["stance", "none"], default="stance", help_text="stance (DNA's agreement) or none"
    )
    qualifier_aggregation = serializers.ChoiceField(all_values(AGGREGATIONS), default="ignore")
    normalization = serializers.ChoiceField(all_values(NORMALIZATIONS), default="no")
    duplicates = serializers.ChoiceField(DUPLICATES, default="include")
    isolates = serializers.BooleanField(default=False)
    start = serializers.DateField(required=False, help_text="First publication date, inclusive")
    stop = serializers.DateField(required=False, help_text="Last publication date, inclusive")
    time_window = serializers.ChoiceField(TIME_WINDOWS, default="no")
    window_size = serializers.IntegerField(min_value=1, max_value=10_000, default=100)
    format = serializers.ChoiceField(FORMATS, default="json")

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        unknown = {
            name: _("is not a variable; exclude_ takes one of %(variables)s.")
            % {"variables": ", ".join(VARIABLES)}
            for name in self.initial_data
            if name.startswith("exclude_") and name.removeprefix("exclude_") not in VARIABLES
        }
        if unknown:
            raise serializers.ValidationError(unknown)
        errors = self.options(attrs).errors()
        if errors:
            raise serializers.ValidationError(errors)
        return attrs

    def options(self, attrs: dict[str, Any]) -> Options:
        exclude = {
            name: self.initial_data.getlist(f"exclude_{name}")
            for name in VARIABLES
            if f"exclude_{name}" in self.initial_data
        }
        return Options(
            network_type=attrs["network_type"],
            variable1=attrs["variable1"],
            variable2=attrs["variable2"],
            qualifier=None if attrs["qualifier"] == "none" else attrs["qualifier"],
            qualifier_aggregation=attrs["qualifier_aggregation"],
            normalization=attrs["normalization"],
            duplicates=attrs["duplicates"],
            isolates=attrs["isolates"],
            exclude=exclude,
            start=attrs.get("start"),
            stop=attrs.get("stop"),
            time_window=attrs["time_window"],
            window_size=attrs["window_size"],
        )


PARAMETERS = [
    *(
        OpenApiParameter(
            f"exclude_{name}",
            OpenApiTypes.STR,
            many=True,
            description=f"Leave out statements whose {name} is this value (repeatable)",
        )
        for name in VARIABLES
    ),
]


class NetworkView(ApiViewMixin, generics.GenericAPIView[Claim]):
    """A discourse network of the filtered claims, as DNA's dna_network() computes it.

    `network_type` twomode (variable1 × variable2), onemode (variable1 ×
    variable1 via shared variable2) or eventlist (one row per statement).
    With `time_window` other than no, a series of networks, one per window.
    JSON has `rows` and `columns` (nodes with attributes), `matrix` and
    `edges`; `format=graphml` is for Gephi and visone, `format=csv` the edge
    list, `format=nodes_csv` the node list; an event list in CSV has DNA's
    semicolon-separated columns.
    """

    queryset = Claim.objects.all()
    filterset_class = ClaimFilter
    pagination_class = None  # one network, not pages
    content_negotiation_class = IgnoreAccept

    def get_queryset(self) -> QuerySet[Claim]:
        return Claim.objects.visible_to(self.request.user)

    def parameters(self, request: Request) -> tuple[Options, str]:
        checked = NetworkParameters(data=request.query_params)
        checked.is_valid(raise_exception=True)
        return checked.options(checked.validated_data), checked.validated_data["format"]

    @extend_schema(
        parameters=[NetworkParameters, *PARAMETERS],
        filters=True,
        responses={
            (200, "application/json"): OpenApiTypes.OBJECT,
            (200, "application/graphml+xml"): OpenApiTypes.STR,
            (200, "text/csv"): OpenApiTypes.STR,
        },
    )
    def get(self, request: Request) -> HttpResponse | Response:
        options, fmt = self.parameters(request)
        claims = self.filter_queryset(self.get_queryset())
        try:
            result = dna_network(claims, options, max_windows=MAX_WINDOWS)
        except TooManyWindows as error:
            raise serializers.ValidationError(
                {
                    "time_window": _(
                        "gives more than %(count)s windows: "
                        "choose a larger unit or a shorter start–stop range."
                    )
                    % {"count": error.count}
                }
            ) from None
        if isinstance(result, Statements):
            return self.event_list(result, fmt)
        too_large = self.too_large(result)
        if too_large:
            raise serializers.ValidationError(too_large)
        windowed = options.time_window != "no"
        name = f"network-{options.network_type}"
        if fmt == "graphml":
            return attachment(
                "".join(network_formats.graphml(result)),
                "application/graphml+xml",
                f"{name}.graphml",
            )
        if fmt == "csv":
            return attachment(network_formats.edges_csv(result), "text/csv", f"{name}-edges.csv")
        if fmt == "nodes_csv":
            return attachment(network_formats.nodes_csv(result), "text/csv", f"{name}-nodes.csv")
        return JsonResponse(
            network_formats.as_json(result, windowed), json_dumps_params={"ensure_ascii": False}
        )

    def too_large(self, series: list[Network]) -> dict[str, str]:
        cells = sum(network.matrix.size for network in series)
        if cells > MAX_CELLS:
            return {
                "variable1": _(
                    "the network has %(cells)s cells; at most %(limit)s: "
                    "filter the claims, exclude values or use fewer windows."
                )
                % {"cells": cells, "limit": MAX_CELLS}
            }
        return {}

    def event_list(self, statements: Statements, fmt: str) -> HttpResponse:
        if fmt == "json":
            return JsonResponse(
                {"events": list(network_formats.events(statements))},
                json_dumps_params={"ensure_ascii": False},
            )
        if fmt != "csv":
            raise serializers.ValidationError({"format": _("an event list is json or csv.")})
        return attachment(network_formats.events_csv(statements), "text/csv", "eventlist.csv")


def attachment(body: str, content_type: str, filename: str) -> HttpResponse:
    response = HttpResponse(body, content_type=f"{content_type}; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


def edge_ends(request: Request) -> tuple[str, str]:
    """The edge's `source` (a row) and `target` (a column, or a row of a one-mode network)."""
    ends = {name: request.query_params.get(name, "") for name in ("source", "target")}
    missing = {name: _("This parameter is required.") for name, value in ends.items() if not value}
    if missing:
        raise serializers.ValidationError(missing)
    return ends["source"], ends["target"]


EDGE_PARAMETERS = [
    OpenApiParameter("source", OpenApiTypes.STR, required=True, description="The row node"),
    OpenApiParameter("target", OpenApiTypes.STR, required=True, description="The column node"),
]


class NetworkEdgeView(NetworkView):
    """The claims behind one edge of the network the same parameters give, with passages.

    Two-mode: the claims linking source and target. One-mode: the claims of
    either node about what both speak of. A window: pass its start and stop.
    """

    @extend_schema(
        parameters=[NetworkParameters, *EDGE_PARAMETERS, *PARAMETERS],
        filters=True,
        responses={200: OpenApiTypes.OBJECT},
    )
    def get(self, request: Request) -> HttpResponse | Response:
        options, _ = self.parameters(request)
        source, target = edge_ends(request)
        claims = self.filter_queryset(self.get_queryset())
        statements = filter_statements(load_statements(claims, options, with_text=True), options)
        behind = edge_statements(statements, options, source, target)
        records = list(network_formats.events(behind))
        return JsonResponse(
            {
                "source": source,
                "target": target,
                "count": len(records),
                "claims": records[:MAX_EDGE_CLAIMS],
            },
            json_dumps_params={"ensure_ascii": False},
        )
