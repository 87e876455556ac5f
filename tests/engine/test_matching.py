"""Pulling both catalogues from the emulators and matching them by SKU."""

from __future__ import annotations

import pytest

from connector.models import LinkOrigin, Product, ProductLink
from connector.services.matching_report import match_report, product_link_reason
from connector.services.products import GENERATED_PREFIX, generated_sku
from tests.engine.conftest import REALM, SHOP, Engine, run_jobs

pytestmark = pytest.mark.django_db(transaction=True)


def _store(engine: Engine, sku: str) -> Product:
    return Product.objects.get(system=engine.shop, sku=sku)


def _links(engine: Engine) -> dict[str, str]:
    return {link.store_product.sku: link.accounting_product.sku
            for link in ProductLink.objects.filter(store_product__system=engine.shop)
            .select_related("store_product", "accounting_product")}


def test_it_pulls_every_variant_into_one_product_row_each(pulled: Engine) -> None:
    skus = set(Product.objects.filter(system=pulled.shop).values_list("sku", flat=True))
    assert {" mug-1 ", "ts-s", "TS-M", "WRAP-1", "DUP-Q", "DUP-S", "dup-s", "SHOP-ONLY"} <= skus
    small = _store(pulled, "ts-s")
    assert small.parent_external_id and small.parent_external_id == _store(pulled, "TS-M").parent_external_id
    assert Product.objects.filter(system=pulled.qbo).count() == 9


def test_it_links_equal_skus_trimmed_and_without_case(pulled: Engine) -> None:
    links = _links(pulled)
    assert links[" mug-1 "] == "MUG-1"
    assert links["ts-s"] == "TS-S"  # each variant on its own SKU
    assert links["TS-M"] == "TS-M"
    assert links["WRAP-1"] == "WRAP-1"
    assert all(link.origin == LinkOrigin.AUTO for link in ProductLink.objects.all())


def test_a_sku_twice_on_either_side_is_never_linked_and_is_reported(pulled: Engine) -> None:
    links = _links(pulled)
    assert "DUP-Q" not in links and "DUP-S" not in links and "dup-s" not in links
    report = match_report(pulled.shop)
    duplicate_skus = {entry.sku for entry in report.duplicates}
    assert {"DUP-S", "dup-s", "DUP-Q", "dup-q "} <= duplicate_skus
    reason = product_link_reason(_store(pulled, "DUP-S"))
    assert "more than one product in Shopify" in reason
    assert "More than one QuickBooks item" in product_link_reason(_store(pulled, "DUP-Q"))


def test_a_product_without_sku_gets_a_deterministic_generated_sku_and_stays_unmatched(pulled: Engine) -> None:
    lamp = Product.objects.get(system=pulled.shop, name="Lamp")
    assert lamp.sku_generated and lamp.sku.startswith(GENERATED_PREFIX)
    assert lamp.sku == generated_sku(pulled.shop, lamp.external_id)
    assert not ProductLink.objects.filter(store_product=lamp).exists()
    report = match_report(pulled.shop)
    assert lamp.pk in {entry.product_id for entry in report.generated}
    assert lamp.pk in {entry.product_id for entry in report.unmatched_store}
    assert "Has no SKU in Shopify" in product_link_reason(lamp) and lamp.sku in product_link_reason(lamp)
    # pulling again gives the same code
    from connector.services.jobs import products_pull_request

    products_pull_request(system=pulled.shop)
    run_jobs()
    lamp.refresh_from_db()
    assert lamp.sku == generated_sku(pulled.shop, lamp.external_id)


def test_the_report_lists_unmatched_on_each_side_with_a_reason(pulled: Engine) -> None:
    report = match_report(pulled.shop)
    store_unmatched = {entry.sku: entry.reason for entry in report.unmatched_store}
    assert "No active QuickBooks item has the SKU 'SHOP-ONLY'" in store_unmatched["SHOP-ONLY"]
    accounting_unmatched = {entry.sku: entry.reason for entry in report.unmatched_accounting}
    assert accounting_unmatched["QB-ONLY"] == "No store product has this SKU."
    assert {entry.sku for entry in report.matched} == {" mug-1 ", "ts-s", "TS-M", "WRAP-1"}
    assert report.counts["matched"] == 4
    # the parent of the variants is neither matched nor listed as unmatched
    assert "T-shirt" not in {entry.name for entry in report.unmatched_store}


def test_manual_and_csv_links_are_never_overwritten_by_matching(pulled: Engine) -> None:
    only = Product.objects.get(system=pulled.qbo, sku="QB-ONLY")
    mug = ProductLink.objects.get(store_product=_store(pulled, " mug-1 "))
    mug.accounting_product, mug.origin = only, LinkOrigin.MANUAL
    mug.save()
    shop_only = _store(pulled, "SHOP-ONLY")
    ProductLink.objects.create(organization=pulled.org, store_product=shop_only, accounting_product=only,
                               origin=LinkOrigin.CSV)
    from connector.services.matching import products_match

    summary = products_match(store=pulled.shop, accounting=pulled.qbo)
    assert summary.kept == 2
    assert ProductLink.objects.get(store_product=_store(pulled, " mug-1 ")).accounting_product == only
    assert ProductLink.objects.get(store_product=shop_only).origin == LinkOrigin.CSV
    assert "by hand" in product_link_reason(_store(pulled, " mug-1 "))


def test_quickbooks_items_can_match_on_their_name(engine: Engine) -> None:
    from connector.services.jobs import products_pull_request
    from connector.services.systems import system_update_options
    from emulators.quickbooks.emulator import emulator_seed

    emulator_seed(REALM, [{"sku": "", "name": "SHOP-ONLY", "type": "Inventory", "qty_on_hand": 3},
                          {"sku": "MUG-1", "name": "Mug item", "type": "Inventory", "qty_on_hand": 3}])
    system_update_options(system=engine.qbo, options={"match_field": "name"})
    products_pull_request(system=engine.qbo)
    products_pull_request(system=engine.shop)
    run_jobs()
    links = _links(engine)
    assert "SHOP-ONLY" in links  # QuickBooks Name 'SHOP-ONLY' = the shop's SKU
    assert " mug-1 " not in links  # the QuickBooks SKU is not looked at any more
    assert "Name" in product_link_reason(_store(engine, " mug-1 "))
    # switching back recomputes the keys
    system_update_options(system=engine.qbo, options={"match_field": "sku"})
    engine.qbo.refresh_from_db()
    from connector.services.matching import products_match

    products_match(store=engine.shop, accounting=engine.qbo)
    links = _links(engine)
    assert links.get(" mug-1 ") == "MUG-1" and "SHOP-ONLY" not in links


def test_an_automatic_link_goes_when_the_sku_no_longer_matches(pulled: Engine) -> None:
    from connector.services.jobs import products_pull_request
    from emulators.quickbooks.emulator import emulator_seed

    emulator_seed(REALM, [{"sku": "TS-S", "name": "T-shirt Small", "type": "Inventory", "qty_on_hand": 7}])
    products_pull_request(system=pulled.qbo)
    run_jobs()
    assert set(_links(pulled)) == {"ts-s"}
    assert SHOP in pulled.shop.external_account_id


def test_the_counts_alone_agree_with_the_full_report(pulled: Engine) -> None:
    from connector.services.matching_report import match_counts

    assert match_counts(pulled.shop) == match_report(pulled.shop).counts
