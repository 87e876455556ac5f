"""eBay's two error shapes -> RetryableError / PermanentError / ReconnectRequired.

REST (pack 7.3): `{"errors": [{"errorId", "domain", "category", "message", "longMessage",
"parameters"}]}` with the HTTP status carrying the class (401 errorId 1001 invalid token, 403 1100
insufficient permissions, 429 quota, 5xx system). Token endpoint (pack 1.7): `{"error",
"error_description"}`.
Trading XML (pack 7.2): HTTP 200 with `Ack=Failure` and `Errors{ErrorCode, SeverityCode,
ErrorClassification}`; SystemError and usage-limit codes are worth retrying, RequestError is not.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import requests

from connector.platforms.base import PermanentError, PlatformError, ReconnectRequired, RetryableError
from connector.platforms.ebay.trading import LIMIT_ERRORS, TOKEN_ERRORS, TradingError


def rest_errors(response: requests.Response) -> list[dict[str, Any]]:
    try:
        body = response.json()
    except ValueError:
        return []
    errors = body.get("errors") if isinstance(body, dict) else None
    return [e for e in errors if isinstance(e, dict)] if isinstance(errors, list) else []


def rest_message(errors: Sequence[dict[str, Any]], fallback: str) -> str:
    if not errors:
        return fallback
    first = errors[0]
    text = str(first.get("longMessage") or first.get("message") or fallback)
    return f"{text} (eBay error {first.get('errorId')})" if first.get("errorId") else text


def trading_exception(errors: Sequence[TradingError], call: str) -> PlatformError:
    """The exception for a Trading call that failed as a whole."""
    if not errors:
        return RetryableError(f"eBay answered {call} with a failure but no error details.")
    first = errors[0]
    codes = ",".join(e.code for e in errors)
    message = f"eBay refused {call}: {first.message} (error {first.code})"
    if any(e.code in TOKEN_ERRORS for e in errors):
        return ReconnectRequired(f"eBay no longer accepts our authorisation ({first.message}). "
                                 "Connect the eBay account again.", code=codes, details=errors)
    if any(e.code in LIMIT_ERRORS for e in errors):
        return RetryableError(f"eBay's call limit was reached: {first.message}", code=codes, details=errors,
                              retry_after=15.0)
    if any(e.classification == "SystemError" for e in errors):
        return RetryableError(message, code=codes, details=errors)
    return PermanentError(message, code=codes, details=errors)


def item_error_retryable(error: TradingError) -> bool:
    return error.classification == "SystemError" or error.code in LIMIT_ERRORS
