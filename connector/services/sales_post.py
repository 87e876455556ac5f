"""Post one SalesDocument to QuickBooks, exactly once.

1. A lease on the row (in its snapshot, taken and given back in short transactions) keeps two
   workers from posting the same order at once; an expired lease (its worker died) is taken over.
2. The DocNumber decision and an attempt counter are committed before the create call. Any later
   attempt therefore knows a create may have reached QuickBooks, and looks the document up (by
   DocNumber, else by the PrivateNote marker) before it creates anything.
3. The create carries the ledger's deterministic requestid: QuickBooks replays the first response
   for a repeat. The requestid only changes after QuickBooks refused a create outright (so none
   exists), because a refused requestid would otherwise replay the refusal after the fix.
4. A refusal of a requestid an earlier attempt already sent (that attempt died before recording the
   answer) may be the replay of what that earlier request got, not a verdict on this body: a worker
   killed while sending leaves a truncated body, which QuickBooks refuses and stores under the
   requestid. Such a requestid is burnt: once a lookup confirms nothing was created, the next
   revision is sent once; only a refusal of a requestid never sent before fails the order.
"""

from __future__ import annotations

import secrets
import time
from datetime import timedelta
from typing import Any

from django.db import transaction
from django.utils import timezone

from connector.models import DocumentStatus, SalesDocument
from connector.platforms.base import PermanentError, RetryableError
from connector.platforms.contracts import AccountingDocument
from connector.services.customers import customer_resolve
from connector.services.orders_ingest import lines_replace
from connector.services.orders_snapshot import order_from_json
from connector.services.sales_ledger import doc_number_for, marker_for, sales_log, stock_notify
from connector.services.sales_lines import lines_build
from syncjobs.models import LogLevel

LEASE_SECONDS = 180
PREFERENCES_TTL_SECONDS = 600
FINISHED = (DocumentStatus.POSTED, DocumentStatus.CANCELLED, DocumentStatus.CANCELLED_AFTER_POST,
            DocumentStatus.SKIPPED)
_preferences: dict[int, tuple[float, bool]] = {}


def preferences_forget() -> None:
    """Drop the per-process cache of company preferences (tests, and after a reconnect)."""
    _preferences.clear()


def custom_numbers(system_id: int, client: Any) -> bool:
    """Whether the company numbers its sales forms itself (read once per ten minutes per process:
    one call per order would double the calls per posted order)."""
    cached = _preferences.get(system_id)
    if cached and cached[0] > time.monotonic():
        return cached[1]
    value = bool(client.preferences().custom_txn_numbers)
    _preferences[system_id] = (time.monotonic() + PREFERENCES_TTL_SECONDS, value)
    return value


# --------------------------------------------------------------------------- lease
def _lease_take(document_id: int) -> tuple[SalesDocument, str]:
    token = secrets.token_hex(8)
    now = timezone.now()
    with transaction.atomic():
        document = SalesDocument.objects.select_for_update().get(pk=document_id)
        lease = (document.snapshot or {}).get("lease") or {}
        if document.status not in FINISHED and lease.get("until", "") > now.isoformat():
            raise RetryableError(f"Order {document.order_number} is being posted by another worker.",
                                 retry_after=LEASE_SECONDS)
        if document.status not in FINISHED:
            until = (now + timedelta(seconds=LEASE_SECONDS)).isoformat()
            document.snapshot = {**(document.snapshot or {}), "lease": {"token": token, "until": until}}
            document.save(update_fields=["snapshot"])
    return document, token


def _finish(document_id: int, token: str, **fields: Any) -> SalesDocument:
    """Write the outcome and give the lease back, in one short transaction."""
    snapshot_changes = fields.pop("snapshot_changes", {})
    with transaction.atomic():
        document = SalesDocument.objects.select_for_update().get(pk=document_id)
        snapshot = {**(document.snapshot or {}), **snapshot_changes}
        if (snapshot.get("lease") or {}).get("token") == token:
            snapshot.pop("lease", None)
        document.snapshot = snapshot
        for name, value in fields.items():
            setattr(document, name, value)
        document.save()
    return document


def _request_id(document: SalesDocument, revision: int) -> str:
    return document.request_id if not revision else f"{document.request_id}.r{revision}"


def _mark_attempt(document_id: int, token: str, *, next_revision: bool = False,
                  **fields: Any) -> tuple[SalesDocument, str, bool]:
    """Commit, before the create call, that a create may now exist in QuickBooks. Returns the
    document, the requestid to send, and whether an earlier attempt already sent that requestid
    without recording QuickBooks' answer (so a refusal now may be a replay of that answer)."""
    with transaction.atomic():
        document = SalesDocument.objects.select_for_update().get(pk=document_id)
        if (document.snapshot or {}).get("lease", {}).get("token") != token:
            raise RetryableError(f"Order {document.order_number}: another worker took over posting it.")
        snapshot = dict(document.snapshot or {})
        revision = int(snapshot.get("request_revision") or 0) + (1 if next_revision else 0)
        request_id = _request_id(document, revision)
        earlier = int(snapshot.get("create_attempts") or 0)
        # Rows marked before "sent_request_id" was kept: any earlier attempt may have sent it.
        sent_before = snapshot.get("sent_request_id", request_id if earlier else "") == request_id
        snapshot.update({"create_attempts": earlier + 1, "last_attempt_at": timezone.now().isoformat(),
                         "request_revision": revision, "sent_request_id": request_id})
        document.snapshot = snapshot
        for name, value in fields.items():
            setattr(document, name, value)
        document.save()
    return document, request_id, sent_before


# --------------------------------------------------------------------------- post
def sales_document_post(*, document_id: int, job: Any = None) -> str:
    document, token = _lease_take(document_id)
    if document.status in FINISHED:
        return f"Order {document.order_number}: already {document.get_status_display().lower()}"
    try:
        return _post(document, token, job)
    except BaseException:
        _finish(document.pk, token)  # give the lease back; status and message as they were
        raise


def _post(document: SalesDocument, token: str, job: Any) -> str:
    store, accounting = document.store_system, document.accounting_system
    order = order_from_json(document.snapshot["order"])
    options = store.opts
    client = accounting.spec.client_for(accounting)
    snapshot = document.snapshot or {}
    if int(snapshot.get("create_attempts") or 0):
        # An earlier attempt may have created it: whatever changed since, never create a second.
        found = client.find_document(doc_type=document.document_type, doc_number=document.doc_number,
                                     private_note_marker=marker_for(document))
        if found is not None:
            return _posted(document, token, found, job, how="found in QuickBooks after an interrupted attempt")
    built = lines_build(order=order, store=store, options=options)
    if built.problems:
        return _hold(document, token, list(dict.fromkeys(built.problems)), job)
    with transaction.atomic():  # a link fixed since ingest: the held-back units follow it
        changed = lines_replace(document, store, order, built.items)
    stock_notify(organization=document.organization, accounting_product_ids=changed)
    if "numbering" not in snapshot:  # decided once, before the first create, never changed after
        custom = custom_numbers(accounting.pk, client)
        doc_number = doc_number_for(options.doc_number_prefix, order.number) if custom else ""
        snapshot_numbering = {"numbering": "custom" if custom else "quickbooks"}
    else:
        doc_number, snapshot_numbering = document.doc_number, {}
    try:
        match = customer_resolve(accounting_system=accounting, client=client, customer=order.customer)
    except PermanentError as exc:
        _finish(document.pk, token, status=DocumentStatus.FAILED, message=f"Customer: {exc.message}")
        sales_log(document, f"Order {order.number}: {exc.message}", level=LogLevel.ERROR, job=job)
        raise
    body = _body(document, order, built, match.link.accounting_customer_id, doc_number)
    if snapshot_numbering:
        document = _finish_numbering(document.pk, token, doc_number, snapshot_numbering)
    next_revision = False
    while True:  # twice at most: a burnt requestid is followed by one never sent before
        document, request_id, sent_before = _mark_attempt(
            document.pk, token, next_revision=next_revision, customer_link=match.link,
            status=DocumentStatus.PENDING, message=match.note)
        try:
            created = client.create_document(doc_type=document.document_type, body=body, request_id=request_id)
        except PermanentError as exc:
            if sent_before:
                # Possibly the replayed answer to an earlier, unrecorded send (point 4 above). A
                # refusal created nothing; if nothing exists under the DocNumber or marker either,
                # this body has not been judged yet: send it under the next revision.
                found = client.find_document(doc_type=document.document_type, doc_number=document.doc_number,
                                             private_note_marker=marker_for(document))
                if found is not None:
                    return _posted(document, token, found, job, how="found in QuickBooks after an interrupted attempt")
                next_revision = True
                continue
            # QuickBooks refused this body, so the next attempt (after a fix) needs a new requestid:
            # the old one would replay the refusal. Earlier attempts may still have created it, so
            # the attempt count stays and the next attempt looks the document up first.
            revision = int(document.snapshot.get("request_revision") or 0)
            _finish(document.pk, token, status=DocumentStatus.FAILED,
                    message=f"QuickBooks refused order {order.number}: {exc.message}",
                    snapshot_changes={"request_revision": revision + 1})
            sales_log(document, f"QuickBooks refused order {order.number}: {exc.message}", level=LogLevel.ERROR,
                      job=job)
            raise
        return _posted(document, token, created, job, how="created")


def _finish_numbering(document_id: int, token: str, doc_number: str, numbering: dict[str, str]) -> SalesDocument:
    with transaction.atomic():
        document = SalesDocument.objects.select_for_update().get(pk=document_id)
        document.doc_number = doc_number
        document.snapshot = {**(document.snapshot or {}), **numbering}
        document.save(update_fields=["doc_number", "snapshot"])
    return document


def _body(document: SalesDocument, order: Any, built: Any, customer_id: str, doc_number: str) -> dict[str, Any]:
    label = document.store_system.spec.label
    body: dict[str, Any] = {
        "CustomerRef": {"value": customer_id},
        "TxnDate": order.created_at.date().isoformat(),
        "PrivateNote": f"{label} order #{order.number} {marker_for(document)}",
        "Line": built.lines,
    }
    if doc_number:
        body["DocNumber"] = doc_number
    email = "" if order.customer.email_masked else order.customer.email.strip()
    if email:
        body["BillEmail"] = {"Address": email}
    if built.total_tax:
        body["TxnTaxDetail"] = {"TotalTax": float(built.total_tax)}  # as the store reported it
    if order.taxes_included:
        body["GlobalTaxCalculation"] = "TaxInclusive"
    elif document.store_system.opts.tax_mapping:
        # Non-US companies (a tax mapping names their codes) need it; US companies ignore it.
        body["GlobalTaxCalculation"] = "TaxExcluded"
    return body


def _hold(document: SalesDocument, token: str, problems: list[str], job: Any) -> str:
    message = " ".join(problems)
    _finish(document.pk, token, status=DocumentStatus.HELD, message=message)
    if message != document.message or document.status != DocumentStatus.HELD:
        sales_log(document, f"Order {document.order_number} is on hold: {message}", level=LogLevel.WARNING, job=job)
    return f"Order {document.order_number} held: {message}"


def _posted(document: SalesDocument, token: str, created: AccountingDocument, job: Any, *, how: str) -> str:
    # The lines stay: the stock engine counts them until it has re-read the items after posted_at.
    held_items = list(document.lines.values_list("accounting_product_id", flat=True))
    posted = _finish(document.pk, token, status=DocumentStatus.POSTED, accounting_document_id=created.id,
                     doc_number=created.doc_number or document.doc_number, posted_at=timezone.now(),
                     message=_keep_notes(document.message))
    kind = "invoice" if posted.document_type == "invoice" else "sales receipt"
    sales_log(posted, f"Order {posted.order_number} posted to QuickBooks as {kind} {posted.doc_number} "
              f"(id {created.id}, {how}).", job=job)
    stock_notify(organization=posted.organization, accounting_product_ids=held_items)
    return f"Order {posted.order_number}: {kind} {posted.doc_number} {how}"


def _keep_notes(message: str) -> str:
    """Notes about how the order was matched stay; hold reasons go once the order is posted."""
    return message if message.startswith(("The store hid", "The store gave no email")) else ""
