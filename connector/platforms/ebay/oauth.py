"""Connecting an eBay seller account: OAuth authorization-code grant ("user consent").

Reference pack section 1. The consent URL carries the app's RuName as `redirect_uri` (not a URL):
eBay sends the browser to the accept URL configured for that RuName, which must be the
connector's eBay callback (docs/ebay.md). The token call authenticates the app with
`Authorization: Basic base64(client_id:client_secret)` and repeats the RuName as redirect_uri.
Access tokens live 2 hours, refresh tokens 18 months; a refresh answer carries no new refresh
token, so the stored one is kept.
"""

from __future__ import annotations

import logging
import secrets
import time
from typing import TYPE_CHECKING, Any
from urllib.parse import quote, urlencode

from django.conf import settings

from connector.platforms.base import BaseClient, PermanentError, ReconnectRequired
from connector.platforms.ebay.auth import (
    APP_SCOPES,
    SCOPES,
    api_base_url,
    auth_base_url,
    basic_credentials,
    credentials_from_token_response,
)
from connector.platforms.oauth_state import oauth_state_issue, oauth_state_take

if TYPE_CHECKING:
    import requests
    from django.http import HttpRequest

    from accounts.models import Organization
    from connector.models import ConnectedSystem
    from connector.platforms.base import PlatformError
    from connector.platforms.contracts import ConnectResult

logger = logging.getLogger("connector.ebay")

# What the connect page asks before sending the user to the consent page: (name, label, placeholder).
START_FIELDS: tuple[tuple[str, str, str], ...] = ()
SESSION_KEY = "ebay_oauth_states"


class EbayAuthClient(BaseClient):
    """POST /identity/v1/oauth2/token (and the user's identity once connected)."""

    platform = "ebay"
    request_id_header = "rlogid"

    def error_from_response(self, response: requests.Response) -> PlatformError:
        try:
            body = response.json()
        except ValueError:
            body = {}
        error = str(body.get("error") or "") if isinstance(body, dict) else ""
        description = str(body.get("error_description") or "") if isinstance(body, dict) else ""
        if error in ("invalid_grant", "invalid_client", "unauthorized_client"):
            return ReconnectRequired(f"eBay no longer accepts our authorisation ({error}: {description}). "
                                     "Connect the eBay account again.", status=response.status_code, code=error)
        if error:
            return PermanentError(f"eBay refused the authorisation ({error}: {description}).",
                                  status=response.status_code, code=error)
        return super().error_from_response(response)

    def token(self, form: dict[str, str]) -> dict[str, Any]:
        response = self.request("POST", "identity/v1/oauth2/token", data=form, retry_auth=False,
                                headers={"Authorization": basic_credentials(),
                                         "Content-Type": "application/x-www-form-urlencoded"})
        payload = response.json()
        if not isinstance(payload, dict) or not payload.get("access_token"):
            raise PermanentError("eBay answered the token request without an access token.")
        return payload


def runame() -> str:
    if not settings.EBAY_RUNAME:
        raise PermanentError("EBAY_RUNAME is not set: the eBay app's RuName is needed to connect.")
    return settings.EBAY_RUNAME


# --------------------------------------------------------------------------- the flow
def authorization_url(request: HttpRequest, *, organization: Organization, redirect_uri: str,
                      base_url: str = "", params: dict[str, str] | None = None) -> str:
    """`redirect_uri` (our callback) is not sent: eBay only knows the RuName, whose accept URL must
    point at it. It is kept with the state so complete() can be checked against it."""
    state = secrets.token_urlsafe(24)
    oauth_state_issue(request, key=SESSION_KEY, state=state, data={"organization": organization.pk,
                                                                   "base_url": base_url})
    query = urlencode({"client_id": settings.EBAY_CLIENT_ID, "redirect_uri": runame(), "response_type": "code",
                       "scope": " ".join(SCOPES), "state": state}, quote_via=quote)
    return f"{auth_base_url(base_url)}/oauth2/authorize?{query}"


def complete(request: HttpRequest, *, organization: Organization, redirect_uri: str) -> ConnectResult:
    from connector.platforms.contracts import ConnectResult

    query = request.GET
    entry = oauth_state_take(request, key=SESSION_KEY, state=query.get("state", ""), platform="eBay")
    if entry.get("organization") != organization.pk:
        raise PermanentError("This eBay connection was started for another organisation.")
    if query.get("error") or not query.get("code"):
        raise PermanentError("The seller did not agree to the connection on eBay.")
    base_url = str(entry.get("base_url") or "")
    # Django has already decoded the code once; it goes into the form body as is (double encoding
    # is a known cause of invalid_grant, pack 1.3).
    payload = EbayAuthClient(api_base_url(base_url)).token({
        "grant_type": "authorization_code", "code": query["code"], "redirect_uri": runame()})
    credentials = credentials_from_token_response(payload, scope=" ".join(SCOPES))
    username = user_id(base_url, credentials["access_token"])
    return ConnectResult(external_account_id=username, display_name=f"eBay: {username}",
                         credentials=credentials, base_url=base_url)


def user_id(base_url: str, access_token: str) -> str:
    """The seller's eBay username, from the Identity API (GET /commerce/identity/v1/user/).
    Not in the reference pack: UNCONFIRMED shape, only `username` (or `userId`) is read."""
    # The Identity API lives on apiz.ebay.com; an emulator or proxy serves it at its own address.
    client = EbayAuthClient(api_base_url(base_url).replace("://api.", "://apiz."))
    response = client.request("GET", "commerce/identity/v1/user/", retry_auth=False,
                              headers={"Authorization": f"Bearer {access_token}"})
    body = response.json() if response.content else {}
    name = str(body.get("username") or body.get("userId") or "")
    if not name:
        raise PermanentError("eBay did not say which seller account was connected.")
    return name


def refresh(system: ConnectedSystem, credentials: dict[str, Any]) -> dict[str, Any]:
    """grant_type=refresh_token with the consented scopes. The answer has no refresh_token: the
    stored one stays (credentials_refresh merges)."""
    token = credentials.get("refresh_token")
    if not token:
        raise ReconnectRequired("eBay's access token expired and cannot be renewed. Connect the eBay account again.")
    if credentials.get("refresh_token_expires_at") and float(credentials["refresh_token_expires_at"]) < time.time():
        raise ReconnectRequired("eBay's 18-month authorisation has ended. Connect the eBay account again.")
    scope = str(credentials.get("scope") or " ".join(SCOPES))
    payload = EbayAuthClient(api_base_url(system.base_url)).token({
        "grant_type": "refresh_token", "refresh_token": str(token), "scope": scope})
    fresh = credentials_from_token_response(payload, scope=scope)
    fresh.pop("refresh_token", None)  # never drop the stored one, even if eBay sent one back
    return fresh


def application_token(base_url: str = "") -> tuple[str, int]:
    """Client-credentials token (base scope) for application calls such as getPublicKey, and its
    lifetime in seconds."""
    payload = EbayAuthClient(api_base_url(base_url)).token({
        "grant_type": "client_credentials", "scope": " ".join(APP_SCOPES)})
    return str(payload["access_token"]), int(payload.get("expires_in") or 7200)


def revoke(system: ConnectedSystem) -> None:
    """eBay offers no token revocation endpoint to apps (pack section 1 names none): the seller
    removes the app under eBay's account settings. Our copy is deleted by system_disconnect."""
    logger.info("eBay connection %s disconnected; eBay has no revoke call, tokens are dropped", system.pk)


def after_connect(system: ConnectedSystem) -> None:
    """Nothing to subscribe per seller: orders are polled, and the Marketplace Account Deletion
    endpoint is registered once per app in eBay's developer portal (docs/ebay.md)."""
