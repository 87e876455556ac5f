"""Client pages, all under the "connect" namespace (mounted at the site root by connector/urls.py)."""

from django.urls import path

from accounts import views
from connector.views import connect, oauth

app_name = "connect"

urlpatterns = [
    path("", views.home, name="root"),
    path("connect/", connect.organizations, name="organizations"),
    path("connect/", connect.organizations, name="home"),  # the name LOGIN_REDIRECT_URL uses
    path("connect/invitations/<uuid:token>/", views.invitation, name="invitation"),
    path("connect/callback/<str:platform>/", oauth.callback, name="callback"),
    path("connect/disconnected/<str:platform>/", oauth.disconnected, name="disconnected"),
    path("connect/<slug:slug>/", connect.organization_page, name="organization"),
    path("connect/<slug:slug>/progress.json", connect.progress, name="progress"),
    path("connect/<slug:slug>/members/", views.members, name="members"),
    path("connect/<slug:slug>/members/<int:pk>/", views.member_change, name="member-change"),
    path("connect/<slug:slug>/add/<str:platform>/", oauth.start, name="start"),
    path("connect/<slug:slug>/systems/<uuid:public_id>/options/", connect.options_save, name="options"),
    path("connect/<slug:slug>/systems/<uuid:public_id>/disconnect/", connect.disconnect, name="disconnect"),
    path("connect/<slug:slug>/systems/<uuid:public_id>/pull/", connect.pull_now, name="pull"),
    path("connect/<slug:slug>/systems/<uuid:public_id>/matches/", connect.match_report_page, name="matches"),
]
