"""Run the sweeper once, or every N seconds (for operators who want a tighter loop than the
one-minute django-q2 schedule, e.g. from cron or a process supervisor)."""

from __future__ import annotations

import time
from typing import Any

from django.core.management.base import BaseCommand
from django.db import close_old_connections

from syncjobs.sweeper import sweep


class Command(BaseCommand):
    help = "Re-enqueue jobs whose worker died and wake workers for due jobs."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--every", type=float, default=0, help="Repeat every N seconds until stopped.")

    def handle(self, *args: Any, **options: Any) -> None:
        while True:
            counts = sweep()
            if options["verbosity"] > 1 or not options["every"]:
                self.stdout.write(str(counts))
            if not options["every"]:
                return
            close_old_connections()
            time.sleep(options["every"])
