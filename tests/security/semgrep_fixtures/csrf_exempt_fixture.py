"""Fixture the no-csrf-exempt rule must flag. Never imported."""

from django.http import HttpResponse
from django.views.decorators.csrf import csrf_exempt


@csrf_exempt
def hook(request):
    return HttpResponse("ok")
