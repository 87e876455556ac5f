from django.urls import path

from accounts import views

app_name = "connect"

urlpatterns = [
    path("", views.home, name="root"),
    path("connect/", views.connect_home, name="home"),
]
