"""Refusals that hold for every request, before any view."""

from collections.abc import Callable

from django.core.validators import ProhibitNullCharactersValidator
from django.http import HttpRequest, HttpResponse, HttpResponseBadRequest, JsonResponse


def is_api(request: HttpRequest) -> bool:
    """A request to the API, answered in JSON even where no view answers it."""
    return request.path_info.startswith("/api/")


class RefuseNulInQuery:
    """A NUL character in a query parameter is a 400 naming the parameter. PostgreSQL's
    text cannot hold one, and filters, the admin's lists, its autocomplete and the
    API's lookups would hand it to the database, whose refusal was a 500."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        for name, values in request.GET.lists():
            if "\x00" in name or any("\x00" in value for value in values):
                message = str(ProhibitNullCharactersValidator.message)  # as a field says it
                if is_api(request):
                    return JsonResponse({name.replace("\x00", ""): [message]}, status=400)
                return HttpResponseBadRequest(  # plain text: the name is the client's
                    f"{name.replace(chr(0), '')}: {message}",
                    content_type="text/plain; charset=utf-8",
                )
        return self.get_response(request)
