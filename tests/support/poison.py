"""Job handlers that misbehave on purpose, run by real workers in the reliability suite."""

from __future__ import annotations

import os
import signal

from connector.platforms.base import RetryableError
from syncjobs.models import Job


def always_fail(job: Job) -> str:
    raise RetryableError("the emulated service keeps failing")


def kill_worker(job: Job) -> str:
    os.kill(os.getpid(), signal.SIGKILL)  # what the OOM killer does to a worker mid-job
    return "unreachable"


def probe(job: Job) -> str:
    return "done"


def busy(job: Job) -> str:
    """A short piece of real work, as a pulled page or a stock batch would be."""
    import time

    time.sleep(0.02)
    return "busy"
