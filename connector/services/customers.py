"""Store customers -> QuickBooks customers, matched by name and email so QuickBooks never fills
with duplicates, and never merges two different people.

Order of preference: our CustomerLink (no call), a QuickBooks customer with the same email and
name, else a new customer. A DisplayName another person already uses is disambiguated with the
email ("Jane Doe (jane@example.com)"), never shared.
"""

from __future__ import annotations

import hashlib
import logging
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from django.db import IntegrityError, transaction

from connector.models import ConnectedSystem, CustomerLink
from connector.platforms.base import ExternalCustomer, PermanentError
from connector.platforms.contracts import AccountingCustomer

if TYPE_CHECKING:
    from syncjobs.models import Job

logger = logging.getLogger("connector.customers")

GUEST_NAME = "Guest customer"
MAX_DISPLAY_NAME = 500
DUPLICATE_NAME_CODE = "6240"
REQUEST_REVISIONS = 3  # requestids tried for one customer create before its refusal is believed


def email_key(email: str) -> str:
    return email.strip().lower()


def name_key(name: str) -> str:
    return " ".join(name.split()).casefold()


def display_name_clean(name: str) -> str:
    """QuickBooks refuses colons, tabs and new lines in DisplayName (they separate sub-customers)."""
    return " ".join(name.replace(":", " ").split())[:MAX_DISPLAY_NAME]


@dataclass(frozen=True)
class CustomerMatch:
    link: CustomerLink
    note: str = ""  # said on the document when the match was weaker than name and email
    calls_made: bool = False


def _identity(customer: ExternalCustomer) -> tuple[str, str, str, str]:
    """(display name, name key, email, note). A masked email (eBay) is no email at all."""
    email = "" if customer.email_masked else customer.email.strip()
    note = ""
    if customer.email_masked:
        note = "The store hid the buyer's email, so the customer was matched by name only."
    elif not email:
        note = "The store gave no email for the buyer, so the customer was matched by name only."
    name = customer.full_name or customer.company.strip() or email or GUEST_NAME
    return display_name_clean(name), name_key(name), email, note


def _accounting_name_keys(candidate: AccountingCustomer) -> set[str]:
    keys = {name_key(candidate.display_name)}
    full = " ".join(p for p in (candidate.given_name, candidate.family_name) if p)
    if full:
        keys.add(name_key(full))
    return keys


def _same_person(candidate: AccountingCustomer, *, wanted_name: str, wanted_email: str) -> bool:
    if not candidate.active or wanted_name not in _accounting_name_keys(candidate):
        return False
    if not wanted_email:
        return True  # matched by name only (guest without email, masked email): said on the document
    return email_key(candidate.email) == email_key(wanted_email)


def _request_id(system: ConnectedSystem, email: str, key: str, attempt: int, revision: int = 0) -> str:
    digest = hashlib.sha256(f"{system.public_id}:{email_key(email)}:{key}:{attempt}".encode()).hexdigest()
    return f"cust-{digest[:40]}" + (f".r{revision}" if revision else "")


def _link_save(system: ConnectedSystem, *, email: str, key: str, display_name: str, customer_id: str) -> CustomerLink:
    try:
        with transaction.atomic():
            return CustomerLink.objects.create(
                organization=system.organization, accounting_system=system, email_key=email_key(email), name_key=key,
                display_name=display_name, accounting_customer_id=customer_id)
    except IntegrityError:  # another worker linked the same person first: use theirs
        return CustomerLink.objects.get(accounting_system=system, email_key=email_key(email), name_key=key)


def customer_resolve(*, accounting_system: ConnectedSystem, client: Any, customer: ExternalCustomer) -> CustomerMatch:
    """The QuickBooks customer for a store customer, creating it (and the link) when needed."""
    display, key, email, note = _identity(customer)
    link = CustomerLink.objects.filter(accounting_system=accounting_system, email_key=email_key(email),
                                       name_key=key).first()
    if link is not None:
        return CustomerMatch(link=link, note=note)
    found = client.find_customers(email=email, display_name=display)
    same = [c for c in found if _same_person(c, wanted_name=key, wanted_email=email)]
    if same:
        chosen = sorted(same, key=lambda c: (name_key(c.display_name) != key, len(c.id), c.id))[0]
        link = _link_save(accounting_system, email=email, key=key, display_name=chosen.display_name,
                          customer_id=chosen.id)
        return CustomerMatch(link=link, note=note, calls_made=True)
    created = _customer_create(accounting_system, client, customer, display=display, key=key, email=email,
                               taken={name_key(c.display_name) for c in found})
    link = _link_save(accounting_system, email=email, key=key, display_name=created.display_name,
                      customer_id=created.id)
    return CustomerMatch(link=link, note=note, calls_made=True)


def _candidates(display: str, email: str) -> list[str]:
    names = [display]
    if email:
        names.append(display_name_clean(f"{display} ({email})"))
    base = names[-1]
    names.extend(display_name_clean(f"{base} {n}") for n in range(2, 10))
    return names


def _customer_create(system: ConnectedSystem, client: Any, customer: ExternalCustomer, *, display: str, key: str,
                     email: str, taken: set[str]) -> AccountingCustomer:
    """Create under the first free DisplayName: someone else's name is never reused for this person."""
    for attempt, candidate in enumerate(_candidates(display, email)):
        if name_key(candidate) in taken:
            continue
        if attempt > 0 and client.find_customers(display_name=candidate):
            taken.add(name_key(candidate))
            continue
        try:
            return _create_under(system, client, customer, candidate=candidate, key=key, email=email, attempt=attempt)
        except PermanentError as exc:
            if DUPLICATE_NAME_CODE not in exc.code.split(","):
                raise
            taken.add(name_key(candidate))  # a vendor, employee or a new customer holds it
    raise PermanentError(f"Every QuickBooks display name tried for {display!r} is taken; create the customer "
                         "in QuickBooks and retry the order.")


def _create_under(system: ConnectedSystem, client: Any, customer: ExternalCustomer, *, candidate: str, key: str,
                  email: str, attempt: int) -> AccountingCustomer:
    """One create, under requestids every worker derives alike (two orders of one new buyer make one
    customer). A refusal may be the replayed answer to a request that a killed worker cut short
    (QuickBooks refuses the truncated body and keeps that answer for the requestid), so the same
    body is sent under the next revision, a few times at most: a real refusal stays a refusal."""
    for revision in range(REQUEST_REVISIONS):
        try:
            return client.create_customer(
                display_name=candidate, given_name=customer.first_name.strip(),
                family_name=customer.last_name.strip(), email=email, company=customer.company.strip(),
                request_id=_request_id(system, email, key, attempt, revision))
        except PermanentError as exc:
            if DUPLICATE_NAME_CODE in exc.code.split(",") or revision == REQUEST_REVISIONS - 1:
                raise
    raise AssertionError("unreachable")


# --------------------------------------------------------------------------- refresh job
def customers_refresh(*, system: ConnectedSystem, customer_ids: list[str] | None = None) -> tuple[int, int]:
    """Re-read linked QuickBooks customers: follow renames, drop links to customers that were made
    inactive or merged away (the next order matches again). Returns (updated, dropped)."""
    links = CustomerLink.objects.filter(accounting_system=system)
    if customer_ids:
        links = links.filter(accounting_customer_id__in=[str(i) for i in customer_ids])
    by_id: dict[str, list[CustomerLink]] = {}
    for link in links:
        by_id.setdefault(link.accounting_customer_id, []).append(link)
    if not by_id:
        return 0, 0
    client = system.spec.client_for(system)
    current = {row.id: row for row in _read_customers(client, list(by_id))}
    updated = dropped = 0
    for customer_id, rows in by_id.items():
        row = current.get(customer_id)
        for link in rows:
            if row is None or not row.active:
                link.delete()
                dropped += 1
            elif row.display_name and row.display_name != link.display_name:
                CustomerLink.objects.filter(pk=link.pk).update(display_name=row.display_name)
                updated += 1
    return updated, dropped


def _read_customers(client: Any, ids: list[str]) -> list[AccountingCustomer]:
    # AccountingClient has no read-by-id for customers; QuickBooksClient's paged query does it.
    from connector.platforms.quickbooks import query as q
    from connector.platforms.quickbooks.mapping import customer as customer_from_row

    rows: list[AccountingCustomer] = []
    for start in range(0, len(ids), q.IN_CHUNK):
        chunk = ids[start:start + q.IN_CHUNK]
        rows.extend(customer_from_row(r) for r in client.query_all(
            "Customer", [f"Id IN {q.in_list(chunk)}", "Active IN (true, false)"]))
    return rows


def customers_refresh_job(job: Job) -> str:
    system = ConnectedSystem.objects.get(pk=job.payload["system_id"])
    if system.role != "accounting":
        raise PermanentError(f"{system} is not a QuickBooks connection; customers are refreshed from QuickBooks.")
    ids = [str(i) for i in job.payload.get("customer_ids") or []]
    updated, dropped = customers_refresh(system=system, customer_ids=ids or None)
    return f"{updated} customer name(s) updated, {dropped} link(s) dropped"
