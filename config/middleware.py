"""Refusals that hold for every request, before any view."""

from collections.abc import Callable

from django.http import HttpRequest, HttpResponse, HttpResponseBadRequest, JsonResponse
from django.utils.translation import gettext as _


class RefuseNulInQuery:
    """A NUL character in a query parameter is a 400 naming the parameter. PostgreSQL's
    text cannot hold one, and filters, the admin's lists, its autocomplete and the
    API's lookups would hand it to the database, whose refusal was a 500."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        for name, values in request.GET.lists():
            if "\x00" in name or any("\x00" in value for value in values):
                message = _("Null characters are not allowed.")
                if request.path.startswith("/api/"):
                    return JsonResponse({name.replace("\x00", ""): [message]}, status=400)
                return HttpResponseBadRequest(  # plain text: the name is the client's
                    f"{name.replace(chr(0), '')}: {message}",
                    content_type="text/plain; charset=utf-8",
                )
        return self.get_response(request)
