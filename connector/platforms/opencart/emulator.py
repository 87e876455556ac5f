"""Placeholder: the emulator of this platform is being written."""

urlpatterns: list = []
