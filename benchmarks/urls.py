from django.contrib.auth.decorators import login_not_required
from django.http import HttpRequest, HttpResponse
from django.urls import path

from mentorship.urls import urlpatterns as project_urlpatterns


@login_not_required
def trivial(request: HttpRequest) -> HttpResponse:
    return HttpResponse("ok", content_type="text/plain")


urlpatterns = [path("__trivial", trivial), *project_urlpatterns]
