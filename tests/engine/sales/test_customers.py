"""Customers are matched by name and email; QuickBooks never fills with duplicates, and two
different people never share one QuickBooks customer."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from connector.models import CustomerLink, SalesDocument
from connector.platforms.base import ExternalCustomer
from connector.platforms.quickbooks.client import QuickBooksClient
from connector.platforms.shopify.client import ShopifyClient
from connector.services.customers import customer_resolve, display_name_clean, email_key, name_key
from connector.services.orders_ingest import order_ingest
from connector.services.sales_post import sales_document_post
from tests.engine.sales.conftest import JANE, ingest


def _customers(control):  # type: ignore[no-untyped-def]
    return control.qbo_state()["customers"]


def test_a_new_customer_is_created_once_and_linked(store, linked, control):
    ingest(store, control.order([{"sku": "MUG-1", "qty": 1}], JANE))
    ingest(store, control.order([{"sku": "TS-S", "qty": 1}], {**JANE, "email": "JANE@Example.com "}))
    [customer] = _customers(control)
    assert customer["display_name"] == "Jane Doe" and customer["email"] == "jane@example.com"
    link = CustomerLink.objects.get()
    assert (link.email_key, link.name_key, link.accounting_customer_id) == ("jane@example.com", "jane doe",
                                                                          customer["id"])
    invoices = control.qbo_state()["invoices"]
    assert {i["customer_id"] for i in invoices} == {customer["id"]}


def test_an_existing_link_costs_no_customer_call(store, linked, control, qbo_calls):
    ingest(store, control.order([{"sku": "MUG-1", "qty": 1}], JANE))
    order_id = control.order([{"sku": "MUG-1", "qty": 1}], {**JANE, "first_name": " jane ", "last_name": "DOE"})
    document = order_ingest(store=store, order=ShopifyClient(store).get_order(order_id)).document
    qbo_calls.clear()
    sales_document_post(document_id=document.pk)
    [call] = qbo_calls.calls()  # the create, nothing else
    assert call.split()[1] == "POST" and call.split()[2].endswith("/invoice")
    assert len(_customers(control)) == 1


def test_an_existing_quickbooks_customer_with_that_email_and_name_is_used(store, linked, control, accounting):
    existing = QuickBooksClient(accounting).create_customer(
        display_name="Jane Doe", given_name="Jane", family_name="Doe", email="Jane@Example.com", company="",
        request_id="bookkeeper-made-jane")
    ingest(store, control.order([{"sku": "MUG-1", "qty": 1}], JANE))
    assert [c["id"] for c in _customers(control)] == [existing.id]
    assert SalesDocument.objects.get().customer_link.accounting_customer_id == existing.id


def test_same_name_with_another_email_is_another_person(store, linked, control, accounting):
    other = QuickBooksClient(accounting).create_customer(
        display_name="Jane Doe", given_name="Jane", family_name="Doe", email="jane.doe@elsewhere.example",
        company="", request_id="the-other-jane")
    ingest(store, control.order([{"sku": "MUG-1", "qty": 1}], JANE))
    customers = {c["id"]: c for c in _customers(control)}
    assert len(customers) == 2
    mine = SalesDocument.objects.get().customer_link
    assert mine.accounting_customer_id != other.id
    assert customers[mine.accounting_customer_id]["display_name"] == "Jane Doe (jane@example.com)"
    assert customers[mine.accounting_customer_id]["email"] == "jane@example.com"


def test_a_guest_checkout_without_customer_gets_one_guest_customer(store, linked, control):
    ingest(store, control.order([{"sku": "MUG-1", "qty": 1}], None))
    ingest(store, control.order([{"sku": "MUG-1", "qty": 1}], None))
    assert [c["display_name"] for c in _customers(control)] == ["Guest customer"]
    assert len(control.qbo_state()["invoices"]) == 2


def test_a_guest_with_an_email_is_matched_like_anyone(store, linked, control):
    guest = {"first_name": "Sam", "last_name": "Lee", "email": "sam@example.com"}
    ingest(store, control.order([{"sku": "MUG-1", "qty": 1}], guest))
    ingest(store, control.order([{"sku": "MUG-1", "qty": 1}], guest))
    assert [c["display_name"] for c in _customers(control)] == ["Sam Lee"]


def test_a_masked_email_falls_back_to_the_name_and_says_so(accounting, control):
    client = QuickBooksClient(accounting)
    known = client.create_customer(display_name="Ann Buyer", given_name="Ann", family_name="Buyer",
                                   email="ann@example.com", company="", request_id="ann")
    masked = ExternalCustomer(first_name="Ann", last_name="Buyer", email="e1b2c3@members.ebay.com",
                              email_masked=True)
    match = customer_resolve(accounting_system=accounting, client=client, customer=masked)
    assert match.link.accounting_customer_id == known.id
    assert "matched by name only" in match.note
    assert match.link.email_key == ""


def test_display_name_taken_by_the_disambiguated_name_too_gets_a_number(accounting):
    client = QuickBooksClient(accounting)
    for email, display in (("a@example.com", "Kim Park"), ("b@example.com", "Kim Park (kim@example.com)")):
        client.create_customer(display_name=display, given_name="Kim", family_name="Park", email=email,
                               company="", request_id=f"seed-{email}")
    match = customer_resolve(accounting_system=accounting, client=client,
                             customer=ExternalCustomer(first_name="Kim", last_name="Park", email="kim@example.com"))
    assert match.link.display_name == "Kim Park (kim@example.com) 2"


@given(st.text(max_size=40), st.text(alphabet=" \t\n", max_size=4))
def test_name_keys_ignore_case_and_spacing(name, spaces):
    key = name_key(name)
    assert name_key(f"{spaces}{name}{spaces}") == key
    assert name_key(name.casefold()) == key and name_key(key) == key
    assert "  " not in key and key == key.strip()


@given(st.emails())
def test_email_keys_ignore_case_and_surrounding_spaces(email):
    assert email_key(f"  {email.upper()} ") == email_key(email)


@given(st.text(max_size=600))
def test_display_names_are_acceptable_to_quickbooks(name):
    cleaned = display_name_clean(name)
    assert len(cleaned) <= 500 and not set(cleaned) & {":", "\t", "\n"}


@pytest.mark.parametrize("payload", [{"customer_ids": []}, {}])
def test_customers_refresh_follows_renames_and_drops_inactive(accounting, payload):
    from connector.services.customers import customers_refresh_job
    from syncjobs.ledger import job_enqueue

    client = QuickBooksClient(accounting)
    jane = customer_resolve(accounting_system=accounting, client=client,
                            customer=ExternalCustomer(first_name="Jane", last_name="Doe", email="jane@example.com"))
    bob = customer_resolve(accounting_system=accounting, client=client,
                           customer=ExternalCustomer(first_name="Bob", last_name="Roe", email="bob@example.com"))
    row = client.api("GET", f"customer/{jane.link.accounting_customer_id}")["Customer"]
    client.api("POST", "customer", json={"Id": row["Id"], "SyncToken": row["SyncToken"], "sparse": True,
                                         "DisplayName": "Jane Doe-Smith"})
    row = client.api("GET", f"customer/{bob.link.accounting_customer_id}")["Customer"]
    client.api("POST", "customer", json={"Id": row["Id"], "SyncToken": row["SyncToken"], "sparse": True,
                                         "Active": False})
    job = job_enqueue(organization=accounting.organization, kind="customers.refresh",
                      payload={"system_id": accounting.pk, **payload})
    assert customers_refresh_job(job) == "1 customer name(s) updated, 1 link(s) dropped"
    assert list(CustomerLink.objects.values_list("display_name", flat=True)) == ["Jane Doe-Smith"]


def test_a_buyer_without_email_is_matched_by_name_and_the_document_says_so(store, linked, control):
    ingest(store, control.order([{"sku": "MUG-1", "qty": 1}], {"first_name": "Tom", "last_name": "Fox", "email": ""}))
    document = SalesDocument.objects.get()
    assert document.status == "posted"
    assert "no email" in document.message and "matched by name only" in document.message
    assert [c["display_name"] for c in _customers(control)] == ["Tom Fox"]
