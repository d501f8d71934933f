from django.contrib.auth.decorators import login_not_required
from django.http import HttpRequest, HttpResponse
from django.urls import path

from mentorship.urls import urlpatterns as project_urlpatterns


@login_not_required
def trivial(request: HttpRequest) -> HttpResponse:
    return HttpResponse("ok", content_type="text/plain")


def signed_in(request: HttpRequest) -> HttpResponse:
    """The least a signed-in request costs: the whole middleware stack, the session
    and the user loaded (LoginRequiredMiddleware checks them), and no page."""
    return HttpResponse("ok", content_type="text/plain")


urlpatterns = [
    path("__trivial", trivial),
    path("__signed_in", signed_in),
    *project_urlpatterns,
]
