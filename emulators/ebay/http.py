"""HTTP plumbing of the eBay emulator: bearer tokens, the REST error envelope (pack 7.3), the
Trading XML envelope (pack 7.2) and the bodies of injected faults."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from django.http import HttpRequest, HttpResponse, JsonResponse

from connector.platforms.ebay.auth import SCOPE_ROOT
from connector.platforms.ebay.trading import NS
from emulators.ebay.state import ebay_time, user_token

TRADING_VERSION = "1349"
TRADING_BUILD = "E1349_CORE_APISELLING_19187371_R1"


def bearer(request: HttpRequest) -> str:
    header = request.headers.get("Authorization", "")
    return header[7:].strip() if header.startswith("Bearer ") else ""


def rest_error(status: int, error_id: int, message: str, *, domain: str = "API_INVENTORY",
               category: str = "REQUEST", long_message: str = "",
               parameters: Sequence[tuple[str, str]] = ()) -> JsonResponse:
    error: dict[str, Any] = {"errorId": error_id, "domain": domain, "category": category, "message": message}
    if long_message:
        error["longMessage"] = long_message
    if parameters:
        error["parameters"] = [{"name": n, "value": v} for n, v in parameters]
    return JsonResponse({"errors": [error]}, status=status)


def error_body(status: int) -> HttpResponse:
    """Injected faults, in the REST envelope (the Trading endpoint answers HTTP errors the same way
    when eBay's front end fails before the API does)."""
    if status == 429:
        response = rest_error(429, 2001, "Too many requests. The request limit has been reached for the resource.",
                              domain="ACCESS", category="REQUEST")
        response["Retry-After"] = "2"
        return response
    if status >= 500:
        return rest_error(status, 2003, "Internal error. The request could not be processed.",
                          domain="ACCESS", category="APPLICATION")
    return rest_error(status, 2004, f"Request failed with HTTP {status}.", domain="ACCESS")


def rest_account(request: HttpRequest, scope: str) -> tuple[str, HttpResponse | None]:
    """(seller, refusal or None). `scope` is the short name, e.g. "sell.inventory"."""
    token = bearer(request)
    if not token:
        return "", rest_error(401, 1002, "Missing access token", domain="OAuth",
                              long_message="Access token is missing in the Authorization HTTP request header.")
    found = user_token(token)
    if found is None:
        return "", rest_error(401, 1001, "Invalid access token", domain="OAuth",
                              long_message="Invalid access token. Check the value of the Authorization HTTP "
                                           "request header.")
    account, record = found
    granted = set(str(record.get("scope") or "").split())
    wanted = {f"{SCOPE_ROOT}/{scope}", f"{SCOPE_ROOT}/{scope.removesuffix('.readonly')}"}
    if not granted & wanted:
        return account, rest_error(403, 1100, "Access denied", domain="ACCESS",
                                   long_message="Insufficient permissions to fulfill the request.")
    return account, None


# --------------------------------------------------------------------------- Trading XML
@dataclass(frozen=True)
class XmlError:
    code: str
    short: str
    long: str
    parameters: tuple[str, ...] = ()
    severity: str = "Error"
    classification: str = "RequestError"


def trading_root(call: str, ack: str, errors: Sequence[XmlError] = ()) -> ET.Element:
    root = ET.Element(f"{call}Response", {"xmlns": NS})
    ET.SubElement(root, "Timestamp").text = ebay_time()
    ET.SubElement(root, "Ack").text = ack
    for error in errors:
        node = ET.SubElement(root, "Errors")
        ET.SubElement(node, "ShortMessage").text = error.short
        ET.SubElement(node, "LongMessage").text = error.long
        ET.SubElement(node, "ErrorCode").text = error.code
        ET.SubElement(node, "SeverityCode").text = error.severity
        for number, value in enumerate(error.parameters):
            param = ET.SubElement(node, "ErrorParameters", {"ParamID": str(number)})
            ET.SubElement(param, "Value").text = value
        ET.SubElement(node, "ErrorClassification").text = error.classification
    ET.SubElement(root, "Version").text = TRADING_VERSION
    ET.SubElement(root, "Build").text = TRADING_BUILD
    return root


def sub(parent: ET.Element, name: str, text: Any = None, **attrs: str) -> ET.Element:
    node = ET.SubElement(parent, name, attrs)
    if text is not None:
        node.text = str(text)
    return node


def xml_response(root: ET.Element, status: int = 200) -> HttpResponse:
    # Version and Build close the envelope in eBay's answers: move them last.
    for name in ("Version", "Build"):
        node = root.find(name)
        if node is not None:
            root.remove(node)
            root.append(node)
    body = b'<?xml version="1.0" encoding="UTF-8"?>\n' + ET.tostring(root, encoding="utf-8")
    return HttpResponse(body, status=status, content_type="text/xml;charset=utf-8")


def trading_failure(call: str, error: XmlError) -> HttpResponse:
    return xml_response(trading_root(call, "Failure", [error]))
