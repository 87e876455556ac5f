"""HTTP plumbing of the QuickBooks emulator: bearer-token checks, fault bodies in the three
shapes of the reference pack, and signed webhook delivery (legacy or CloudEvents per realm)."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import uuid
from datetime import UTC, datetime
from typing import Any

from django.conf import settings
from django.http import HttpRequest, HttpResponse, JsonResponse

from emulators.outbox import webhook_send
from emulators.quickbooks.state import PLATFORM, access_token_realm, config, time_envelope, webhook_endpoint

FAULTS: dict[str, tuple[str, str]] = {
    "610": ("Object Not Found", "Object Not Found : Something you're trying to use has been made inactive. Check the "
            "fields with accounts, customers, items, vendors or employees."),
    "5010": ("Stale Object Error", "Stale Object Error : You and root were working on this at the same time. root "
             "finished before you did, so your work was not saved."),
    "6240": ("Duplicate Name Exists Error", "The name supplied already exists. : Another customer, vendor or employee "
             "is already using this name. Please use a different name."),
    "6140": ("Duplicate Document Number Error", "Duplicate Document Number Error : You must specify a different number. "
             "This number has already been used."),
    "6520": ("Missing Inventory Item Quantity", "Quantity required for inventory item"),
    "6070": ("A business validation error has occurred while processing your request",
             "Business Validation Error: Amount is not equal to UnitPrice * Qty."),
    "2020": ("Required param missing, need to supply the required value for the API", "Required parameter missing"),
    "2050": ("String length is either shorter or longer than supported by specification",
             "String length specified does not match the supported length"),
    "6000": ("A business validation error has occurred while processing your request", "Business Validation Error"),
}


def _traced(response: HttpResponse) -> HttpResponse:
    response["intuit_tid"] = str(uuid.uuid4())
    return response


def fault(code: str, detail: str = "", element: str = "", status: int = 400) -> HttpResponse:
    return _traced(JsonResponse(fault_body(code, detail, element), status=status))


def fault_body(code: str, detail: str = "", element: str = "") -> dict[str, Any]:
    message, default_detail = FAULTS.get(code, ("A business validation error has occurred", ""))
    return {"Fault": {"type": "ValidationFault", "Error": [{"Message": message, "code": code,
                                                            "Detail": detail or default_detail, "element": element}]},
            "time": time_envelope()}


def query_fault(code: str, message: str, detail: str) -> HttpResponse:
    return _traced(JsonResponse({"Fault": {"Error": [{"Message": message, "Detail": detail, "code": code}],
                                           "type": "ValidationFault"}, "time": time_envelope()}, status=400))


THROTTLE_XML = """<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<IntuitResponse time="{time}" xmlns="http://schema.intuit.com/finance/v3">
    <Fault type="SERVICE">
        <Error code="3001">
            <Message>message=ThrottleExceeded; errorCode=003001; statusCode=429</Message>
            <Detail>The request limit was reached.  Try again later</Detail>
        </Error>
    </Fault>
</IntuitResponse>"""


def error_body(status: int) -> HttpResponse:
    """Injected faults: throttling as the XML QuickBooks really sends, others as a SystemFault."""
    if status == 429:
        response = HttpResponse(THROTTLE_XML.format(time=time_envelope()), status=429, content_type="application/xml")
    elif status == 401:
        return unauthorized("Token expired: injected")
    else:
        response = JsonResponse({"Fault": {"Error": [{
            "Message": "An application error has occurred while processing your request",
            "Detail": "System Failure Error: An unexpected error occurred while accessing or saving your data.",
            "code": "10000"}], "type": "SystemFault"}, "time": time_envelope()}, status=status)
    return _traced(response)


def unauthorized(detail: str = "Token expired") -> HttpResponse:
    """The data API's 401, lower-case keys (fault_401_expired_token.json)."""
    body = {"warnings": None, "intuitObject": None,
            "fault": {"error": [{"message": "message=AuthenticationFailed; errorCode=003200; statusCode=401",
                                 "detail": detail, "code": "3200", "element": None}], "type": "AUTHENTICATION"},
            "report": None, "queryResponse": None, "batchItemResponse": [], "attachableResponse": [],
            "syncErrorResponse": None, "requestId": None, "time": int(datetime.now(UTC).timestamp() * 1000),
            "status": None, "cdcresponse": []}
    response = JsonResponse(body, status=401)
    response["WWW-Authenticate"] = 'Bearer realm="Intuit", error="invalid_token"'
    return _traced(response)


def authenticate(request: HttpRequest, realm: str) -> bool:
    header = request.headers.get("Authorization", "")
    token = header[7:] if header.startswith("Bearer ") else ""
    return access_token_realm(token) == realm


def envelope(body: dict[str, Any], status: int = 200) -> JsonResponse:
    response = JsonResponse({**body, "time": time_envelope()}, status=status)
    response["intuit_tid"] = str(uuid.uuid4())
    response["QBO-Version"] = "1.0"
    return response


# --------------------------------------------------------------------------- webhooks out
def signature(body: bytes) -> str:
    key = (settings.QUICKBOOKS_WEBHOOK_VERIFIER_TOKEN or "").encode()
    return base64.b64encode(hmac.new(key, body, hashlib.sha256).digest()).decode()


CE_ACTIONS = {"Create": "created", "Update": "updated", "Delete": "deleted", "Merge": "merged", "Void": "voided"}


def webhook_deliver(realm: str, events: list[tuple[str, str, str]]) -> None:
    """Send (entity, id, operation) events of one realm as one signed delivery."""
    cfg = config(realm)
    if not events or not cfg.get("webhooks", True):
        return
    now = datetime.now(UTC)
    if cfg.get("webhook_format") == "cloudevents":
        payload: Any = [{"specversion": "1.0", "id": str(uuid.uuid4()), "source": "intuit.emulator",
                         "type": f"qbo.{name.lower()}.{CE_ACTIONS.get(op, op.lower())}.v1",
                         "datacontenttype": "application/json", "time": now.isoformat(timespec="milliseconds").replace("+00:00", "Z"),
                         "intuitentityid": ident, "intuitaccountid": realm, "data": {}} for name, ident, op in events]
        content_type = "application/cloudevents+json"
    else:
        payload = {"eventNotifications": [{"realmId": realm, "dataChangeEvent": {"entities": [
            {"name": name, "id": ident, "operation": op,
             "lastUpdated": now.isoformat(timespec="milliseconds").replace("+00:00", "Z")}
            for name, ident, op in events]}}]}
        content_type = "application/json; charset=utf-8"
    body = json.dumps(payload, separators=(",", ":")).encode()
    tid = str(uuid.uuid4())
    headers = {"Content-Type": content_type, "intuit-signature": signature(body),
               "intuit-created-time": now.isoformat(), "intuit-t-id": tid,
               "intuit-notification-schema-version": "0.1", "User-Agent": "intuit_notification_server/0.1"}
    webhook_send(platform=PLATFORM, url=webhook_endpoint(), body=body, headers=headers, drop_key=tid)
