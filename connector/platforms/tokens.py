"""OAuth access tokens renewed with a refresh token: what QuickBooks, Shopify and eBay clients share.

The renewal itself runs under the connection's lease (services.credentials.credentials_refresh), so
twenty workers meeting one expired token make one refresh; a platform only says how to ask for a
new token (its oauth module's `refresh(system, credentials)`) and how early to ask.
"""

from __future__ import annotations

import time
from collections.abc import Mapping
from importlib import import_module
from typing import Any, ClassVar


def token_is_expiring(credentials: Mapping[str, Any], margin_seconds: float, now: float | None = None) -> bool:
    """True when a refreshable token lapses within the margin (a token without expiry never does)."""
    expires_at = credentials.get("expires_at")
    if not expires_at or not credentials.get("refresh_token"):
        return False
    now = time.time() if now is None else now
    return float(expires_at) - margin_seconds <= now


class RefreshableToken:
    """Mixin for a platform client whose `system` holds access_token, refresh_token, expires_at."""

    system: Any
    oauth_module: ClassVar[str]  # dotted path of the module with refresh(system, credentials)
    expiry_margin_seconds: ClassVar[float] = 60.0

    @property
    def access_token(self) -> str:
        return str((self.system.credentials or {}).get("access_token") or "")

    def refresh_auth(self) -> bool:
        """After a 401: renew once (or pick up the token another worker just renewed)."""
        stale = self.access_token
        self.refresh_token_now(stale)
        return self.access_token != stale

    def ensure_fresh_token(self) -> None:
        """Renew shortly before the token lapses, saving a refused call."""
        if token_is_expiring(self.system.credentials or {}, self.expiry_margin_seconds):
            self.refresh_token_now(self.access_token)

    def refresh_token_now(self, stale: str) -> None:
        from connector.services.credentials import credentials_refresh

        refresh = import_module(self.oauth_module).refresh
        self.system.credentials = credentials_refresh(
            system_id=self.system.pk, stale_access_token=stale,
            refresher=lambda current: refresh(self.system, current),
        )
