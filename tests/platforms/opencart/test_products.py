"""iter_products over real OpenCart tables: Model as SKU, subtract as tracks-stock, option values
as children, the store language, paging."""

from __future__ import annotations

import pytest

from connector.platforms.opencart import client as client_module
from tests.platforms.opencart.conftest import by_sku, fixture, sql

pytestmark = pytest.mark.django_db


def test_models_quantities_and_stock_flags_are_read(opencart) -> None:
    products = list(opencart.iter_products())
    skus = by_sku(products)
    assert [p.sku for p in products] == ["MUG-1", "TSHIRT", "TS-S", "TS-M", "WRAP-1"]  # options follow their product
    assert (skus["MUG-1"].name, skus["MUG-1"].quantity, skus["MUG-1"].tracks_stock) == ("Mug", 10, True)
    assert skus["WRAP-1"].tracks_stock is False
    small = skus["TS-S"]
    assert (small.kind, small.parent_id, small.name, small.quantity) == ("option", skus["TSHIRT"].external_id,
                                                                         "T-shirt - Small", 3)
    assert skus["TS-M"].tracks_stock is False  # the option value's own subtract flag
    assert all(p.active for p in products) and skus["MUG-1"].updated_at is not None


def test_the_pack_demo_row_reads_model_not_the_empty_sku_column(opencart) -> None:
    row = fixture("product_row.json")
    product, description = row["oc_product"], row["oc_product_description"]
    columns = [c for c in product if c != "product_id"]
    sql(f"INSERT INTO `{{p}}product` ({', '.join(f'`{c}`' for c in columns)}) VALUES ({', '.join(['%s'] * len(columns))})",
        [product[c] for c in columns])
    new_id = sql("SELECT MAX(product_id) AS id FROM `{p}product`")[0]["id"]
    sql("INSERT INTO `{p}product_description` (product_id, language_id, name, description, tag, meta_title, "
        "meta_description, meta_keyword) VALUES (%s, %s, %s, %s, '', %s, '', '')",
        [new_id, description["language_id"], description["name"], description["description"], description["meta_title"]])
    demo = by_sku(list(opencart.iter_products()))["Product 1"]
    assert (demo.name, demo.quantity, demo.tracks_stock, demo.extra["sku_column"]) == ("HTC Touch HD", 939, True, "")
    assert demo.version == "2011-09-30 01:05:39"


def test_names_come_from_the_store_language_and_disabled_products_are_inactive(opencart) -> None:
    sql("INSERT INTO `{p}language` (language_id, name, code, locale, image, directory, sort_order, status) "
        "VALUES (2, 'Deutsch', 'de-de', 'de', 'de.png', 'german', 2, 1)")
    mug = by_sku(list(opencart.iter_products()))["MUG-1"]
    sql("INSERT INTO `{p}product_description` (product_id, language_id, name, description, tag, meta_title, "
        "meta_description, meta_keyword) VALUES (%s, 2, 'Becher', '', '', '', '', '')", [int(mug.external_id)])
    sql("UPDATE `{p}setting` SET `value` = 'de-de' WHERE `key` = 'config_language'")
    sql("UPDATE `{p}product` SET status = 0 WHERE product_id = %s", [int(mug.external_id)])
    client = type(opencart)(opencart.system)
    german = by_sku(list(client.iter_products()))["MUG-1"]
    assert (german.name, german.active) == ("Becher", False)


def test_products_are_paged_by_id(opencart, monkeypatch) -> None:
    monkeypatch.setattr(client_module, "PRODUCTS_PAGE_SIZE", 1)
    assert [p.sku for p in opencart.iter_products()] == ["MUG-1", "TSHIRT", "TS-S", "TS-M", "WRAP-1"]
