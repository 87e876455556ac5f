"""Connecting a QuickBooks company: OAuth 2.0 authorization code with PKCE (S256).

Reference pack section 1: endpoints come from the discovery document (sandbox or production by
QUICKBOOKS_ENVIRONMENT, or QUICKBOOKS_DISCOVERY_URL, or `<base_url>/.well-known/...` for an
emulator); scope com.intuit.quickbooks.accounting; the callback carries code, state and realmId.
Access tokens last 1 h; refresh tokens rotate (the newest is committed by credentials_refresh
before the new access token is used).
"""

from __future__ import annotations

import base64
import logging
import os
import secrets
import time
from types import SimpleNamespace
from typing import TYPE_CHECKING, Any

import requests
from django.conf import settings
from oauthlib.oauth2 import OAuth2Error
from requests_oauthlib import OAuth2Session

from connector.platforms.base import BaseClient, PermanentError, PlatformError, ReconnectRequired
from connector.platforms.oauth_state import oauth_state_issue, oauth_state_take

if TYPE_CHECKING:
    from django.http import HttpRequest

    from accounts.models import Organization
    from connector.models import ConnectedSystem
    from connector.platforms.contracts import ConnectResult

logger = logging.getLogger("connector.quickbooks")

SCOPE = "com.intuit.quickbooks.accounting"
DISCOVERY = {
    "sandbox": "https://developer.api.intuit.com/.well-known/openid_sandbox_configuration",
    "production": "https://developer.api.intuit.com/.well-known/openid_configuration",
}
# What the connect page asks before sending the user to the consent page: (name, label, placeholder).
START_FIELDS: tuple[tuple[str, str, str], ...] = ()
SESSION_KEY = "quickbooks_oauth_states"


def discovery_url(base_url: str = "") -> str:
    if settings.QUICKBOOKS_DISCOVERY_URL:
        return settings.QUICKBOOKS_DISCOVERY_URL
    sandbox = settings.QUICKBOOKS_ENVIRONMENT == "sandbox"
    if base_url:  # an emulator (or a proxy) serves its own discovery document
        return f"{base_url.rstrip('/')}/.well-known/openid_{'sandbox_' if sandbox else ''}configuration"
    return DISCOVERY["sandbox" if sandbox else "production"]


def discovery(base_url: str = "") -> dict[str, Any]:
    url = discovery_url(base_url)
    try:
        document = QuickBooksAuthClient("").request("GET", url, retry_auth=False).json()
    except (PlatformError, ValueError) as exc:
        raise PermanentError(f"Could not read QuickBooks' sign-in settings from {url}. Try again later.") from exc
    if not isinstance(document, dict):
        raise PermanentError(f"QuickBooks' sign-in settings at {url} are not a JSON object.")
    for key in ("authorization_endpoint", "token_endpoint"):
        if not document.get(key):
            raise PermanentError(f"QuickBooks' sign-in settings at {url} lack {key}.")
    return document


def _allow_http(url: str) -> None:
    """oauthlib insists on HTTPS; the emulator and local development speak plain HTTP."""
    if url.startswith("http://") and (settings.DEBUG or settings.CONNECTOR_EMULATORS):
        os.environ["OAUTHLIB_INSECURE_TRANSPORT"] = "1"


def credentials_from_token(payload: dict[str, Any], now: float | None = None) -> dict[str, Any]:
    now = time.time() if now is None else now
    if not payload.get("access_token") or not payload.get("refresh_token"):
        raise PermanentError("QuickBooks answered the token request without tokens.")
    credentials = {"access_token": str(payload["access_token"]), "refresh_token": str(payload["refresh_token"]),
                   "expires_at": int(now + int(payload.get("expires_in") or 3600))}
    if payload.get("x_refresh_token_expires_in"):
        credentials["refresh_expires_at"] = int(now + int(payload["x_refresh_token_expires_in"]))
    return credentials


# --------------------------------------------------------------------------- the flow
def authorization_url(request: HttpRequest, *, organization: Organization, redirect_uri: str,
                      base_url: str = "", params: dict[str, str] | None = None) -> str:
    endpoints = discovery(base_url)
    _allow_http(endpoints["authorization_endpoint"])
    session = OAuth2Session(settings.QUICKBOOKS_CLIENT_ID, redirect_uri=redirect_uri, scope=[SCOPE], pkce="S256")
    url, state = session.authorization_url(endpoints["authorization_endpoint"], state=secrets.token_urlsafe(24))
    oauth_state_issue(request, key=SESSION_KEY, state=state, data={
        "organization": organization.pk, "verifier": session._code_verifier, "base_url": base_url})
    return url


def complete(request: HttpRequest, *, organization: Organization, redirect_uri: str) -> ConnectResult:
    from connector.platforms.contracts import ConnectResult
    from connector.platforms.quickbooks.client import QuickBooksClient

    query = request.GET
    entry = oauth_state_take(request, key=SESSION_KEY, state=query.get("state", ""), platform="QuickBooks")
    if query.get("error"):
        if query.get("error") == "access_denied":
            raise PermanentError("The QuickBooks user declined the connection; nothing was connected.")
        raise PermanentError(f"QuickBooks did not connect ({query.get('error')}).")
    if entry.get("organization") != organization.pk:
        raise PermanentError("This QuickBooks connection was started for another organisation.")
    realm = query.get("realmId", "")
    if not realm or not query.get("code"):
        raise PermanentError("QuickBooks did not say which company was connected. Start again.")
    base_url = str(entry.get("base_url") or "")
    endpoints = discovery(base_url)
    _allow_http(endpoints["token_endpoint"])
    session = OAuth2Session(settings.QUICKBOOKS_CLIENT_ID, redirect_uri=redirect_uri, scope=[SCOPE],
                            state=query.get("state"), pkce="S256")
    session._code_verifier = entry["verifier"]
    response_url = f"{redirect_uri.split('?', 1)[0]}?{request.META.get('QUERY_STRING', '')}"
    _allow_http(response_url)
    try:
        token = session.fetch_token(endpoints["token_endpoint"], authorization_response=response_url,
                                    client_secret=settings.QUICKBOOKS_CLIENT_SECRET,
                                    timeout=settings.HTTP_TIMEOUT_SECONDS)
    except OAuth2Error as exc:
        raise PermanentError(f"QuickBooks refused the authorisation code ({exc.error}). Start connecting again.") from exc
    except requests.RequestException as exc:
        raise PermanentError("Could not reach QuickBooks to finish connecting. Try again.") from exc
    credentials = credentials_from_token(dict(token))
    probe = SimpleNamespace(external_account_id=realm, base_url=base_url, credentials=credentials, pk=None)
    info = QuickBooksClient(probe).company_info()
    name = str(info.get("CompanyName") or info.get("LegalName") or f"QuickBooks company {realm}")
    return ConnectResult(external_account_id=realm, display_name=name, credentials=credentials, base_url=base_url)


class QuickBooksAuthClient(BaseClient):
    """Token and revocation endpoints (Basic auth with the app's keys)."""

    platform = "quickbooks"
    request_id_header = "intuit_tid"

    def auth_headers(self) -> dict[str, str]:
        raw = f"{settings.QUICKBOOKS_CLIENT_ID}:{settings.QUICKBOOKS_CLIENT_SECRET}".encode()
        return {"Authorization": "Basic " + base64.b64encode(raw).decode()}

    def error_from_response(self, response: requests.Response) -> PlatformError:
        try:
            body = response.json()
        except ValueError:
            body = {}
        error = str(body.get("error") or "") if isinstance(body, dict) else ""
        if error == "invalid_grant":
            return ReconnectRequired("QuickBooks no longer accepts this connection's authorisation (invalid_grant: "
                                     "it expired or was revoked). Connect QuickBooks again.",
                                     status=response.status_code, code=error)
        if error in ("invalid_client", "unauthorized_client"):
            return ReconnectRequired(f"QuickBooks does not recognise this app's keys ({error}). Check "
                                     "QUICKBOOKS_CLIENT_ID and QUICKBOOKS_CLIENT_SECRET, then connect again.",
                                     status=response.status_code, code=error)
        return super().error_from_response(response)


def refresh(system: ConnectedSystem, credentials: dict[str, Any]) -> dict[str, Any]:
    if not credentials.get("refresh_token"):
        raise ReconnectRequired("QuickBooks' access expired and cannot be renewed. Connect QuickBooks again.")
    endpoint = discovery(system.base_url)["token_endpoint"]
    response = QuickBooksAuthClient("").request(
        "POST", endpoint, retry_auth=False,
        data={"grant_type": "refresh_token", "refresh_token": credentials["refresh_token"]},
        headers={"Content-Type": "application/x-www-form-urlencoded"})
    return credentials_from_token(response.json())


def revoke(system: ConnectedSystem) -> None:
    """Revoke the refresh token (which also ends its access tokens). Already invalid is fine."""
    token = (system.credentials or {}).get("refresh_token") or (system.credentials or {}).get("access_token")
    if not token:
        return
    endpoint = discovery(system.base_url).get("revocation_endpoint")
    if not endpoint:
        return
    QuickBooksAuthClient("").request("POST", endpoint, json={"token": token}, retry_auth=False, ok=(200, 204, 400))


def after_connect(system: ConnectedSystem) -> None:
    """Nothing to do: QuickBooks webhooks are configured once per app in Intuit's developer portal."""
