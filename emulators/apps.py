from django.apps import AppConfig


class EmulatorsConfig(AppConfig):
    name = "emulators"
    verbose_name = "Platform emulators (demo and tests)"
