"""Run the web server and a django-q2 cluster together; Ctrl-C stops both, and so does a SIGTERM or
SIGHUP (a closed terminal, `kill`, a process manager), so no cluster is left running unowned."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand

from emulators.demo.seed import LOGINS


class Command(BaseCommand):
    help = "Serve the demo on 127.0.0.1:8000 with a worker cluster."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--addr", default="127.0.0.1:8000")

    def handle(self, *args: Any, **options: Any) -> None:
        for stop in (signal.SIGTERM, signal.SIGHUP):
            signal.signal(stop, _interrupt)
        manage = [sys.executable, os.path.join(settings.BASE_DIR, "manage.py")]
        web = subprocess.Popen([*manage, "runserver", options["addr"], "--noreload", "--insecure"])
        worker = subprocess.Popen([*manage, "qcluster"])
        url = f"http://{options['addr']}"
        self.stdout.write(self.style.SUCCESS(f"\nThe connector is running at {url}/"))
        self.stdout.write(f"  Client pages:  {url}/connect/\n  Admin:         {url}/admin/\n"
                          f"  Demo controls: {url}/demo/\n  Health:        {url}/healthz")
        for login in LOGINS:
            self.stdout.write(f"  {login.role:<28} {login.email} / {login.password}")
        self.stdout.write("Press Ctrl-C to stop both the web server and the worker.\n")
        try:
            while web.poll() is None and worker.poll() is None:
                time.sleep(0.5)
        except KeyboardInterrupt:
            pass
        finally:
            for stop in (signal.SIGTERM, signal.SIGHUP):
                signal.signal(stop, signal.SIG_IGN)  # a second signal must not cut the clean-up short
            for process in (web, worker):
                if process.poll() is None:
                    process.send_signal(signal.SIGTERM)
            for process in (web, worker):
                try:
                    process.wait(timeout=15)
                except subprocess.TimeoutExpired:
                    process.kill()
        self.stdout.write("Stopped.")


def _interrupt(signum: int, frame: Any) -> None:
    raise KeyboardInterrupt  # the same way out as Ctrl-C: the children are stopped in `finally`
