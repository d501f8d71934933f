"""The server-error page: 503 while the database is out of reach, 500 otherwise."""

from __future__ import annotations

import sys

from django.db import InterfaceError, OperationalError
from django.http import HttpRequest, HttpResponse, HttpResponseServerError
from django.template import loader
from django.views.decorators.csrf import requires_csrf_token

# Seconds a client is asked to wait before trying again while the database is away.
RETRY_AFTER = 5


@requires_csrf_token
def server_error(request: HttpRequest) -> HttpResponse:
    """Render the error page; Django calls this while handling the uncaught error.

    Losing the database (a restart, a failover) raises OperationalError or
    InterfaceError (a statement timeout is an OperationalError too): the request may
    succeed in a moment, so the answer says so with 503 and Retry-After. Neither page
    uses the request's context: rendering them must not need the database.
    """
    error = sys.exc_info()[1]
    if isinstance(error, (OperationalError, InterfaceError)):
        response = HttpResponse(loader.get_template("503.html").render(), status=503)
        response["Retry-After"] = str(RETRY_AFTER)
        return response
    return HttpResponseServerError(loader.get_template("500.html").render())
