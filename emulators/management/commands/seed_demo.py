from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from emulators.demo.seed import LOGINS, seed_demo


class Command(BaseCommand):
    help = "Create the demo organisation, people, emulated systems and connections (idempotent)."

    def handle(self, *args: Any, **options: Any) -> None:
        if not settings.CONNECTOR_EMULATORS:
            raise CommandError("The demo needs the emulators: set CONNECTOR_EMULATORS=true.")
        org = seed_demo()
        self.stdout.write(f"Demo organisation ready: {org.name} ({org.systems.count()} connections)")
        for login in LOGINS:
            self.stdout.write(f"  {login.role:<28} {login.email} / {login.password}")
