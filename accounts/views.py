"""Client pages. The connect flows grow here, generic over the platform registry."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render

from accounts.selectors import organizations_for
from connector.models import ConnectedSystem


def home(request: HttpRequest) -> HttpResponse:
    return redirect("connect:home")


@login_required
def connect_home(request: HttpRequest) -> HttpResponse:
    organizations = organizations_for(request.user)
    systems = ConnectedSystem.objects.filter(organization__in=organizations).select_related("organization")
    return render(request, "connect/home.html", {"organizations": organizations, "systems": systems})
