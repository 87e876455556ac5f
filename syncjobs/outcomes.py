"""How a job handler says it failed. The runner knows only these two; the application's own
errors (connector.platforms.base) are kinds of them, so a platform's 429 is a retry here."""

from __future__ import annotations


class RetryableError(Exception):
    """Try again later, never sooner than `retry_after` seconds when it is set."""

    message: str = ""
    retry_after: float | None = None


class PermanentError(Exception):
    """Retrying the same work cannot help: stop and show `message` to a person."""

    message: str = ""


def outcome_message(exc: BaseException) -> str:
    return getattr(exc, "message", "") or str(exc)
