"""The OAuth `state` of a connection attempt: kept in the user's session, single use, ten minutes.

Every OAuth platform keeps the same promise: an answer is accepted only for a connection started
in this browser session, once, and not after ten minutes. A state is marked used rather than
forgotten, so that a replayed answer is named as such instead of as a stranger's.
"""

from __future__ import annotations

import secrets
import time
from typing import Any

from django.http import HttpRequest

from connector.platforms.base import PermanentError

STATE_TTL_SECONDS = 600


def oauth_state_issue(request: HttpRequest, *, key: str, data: dict[str, Any], state: str = "") -> str:
    """Remember a new attempt (and forget expired ones); return its state."""
    state = state or secrets.token_urlsafe(24)
    now = time.time()
    states = {k: v for k, v in request.session.get(key, {}).items() if v.get("created", 0) > now - STATE_TTL_SECONDS}
    states[state] = {**data, "created": now, "used": False}
    request.session[key] = states
    return state


def oauth_state_take(request: HttpRequest, *, key: str, state: str, platform: str) -> dict[str, Any]:
    """The attempt's data; it is marked used whatever happens next."""
    states = dict(request.session.get(key, {}))
    entry = states.get(state) if state else None
    if entry is None:
        raise PermanentError(f"The answer from {platform} does not match a connection started here (state "
                             "mismatch). Nothing was connected; start again.")
    if entry.get("used"):
        raise PermanentError(f"This {platform} connection link was already used. Start connecting again.")
    states[state] = {**entry, "used": True}
    request.session[key] = states
    if entry.get("created", 0) <= time.time() - STATE_TTL_SECONDS:
        raise PermanentError(f"This {platform} connection link has expired (after 10 minutes). Start again.")
    return entry
