"""Schema detection on real OpenCart 3.0 and 4.x tables, and the plain errors for wrong prefixes
and missing tables."""

from __future__ import annotations

import pytest

from connector.platforms.base import PermanentError
from connector.platforms.opencart.db import connection
from connector.platforms.opencart.schema import detect_schema, require_complete
from emulators.opencart.state import database_url
from tests.platforms.opencart.conftest import by_sku, prefix, sql

pytestmark = pytest.mark.django_db


def _schema():  # type: ignore[no-untyped-def]
    with connection(database_url()) as conn:
        return detect_schema(conn, prefix())


def test_a_3_0_database_is_detected_by_its_columns(opencart) -> None:
    schema = _schema()
    assert schema.flavour == "3.0"
    assert schema.has("product", "viewed") and not schema.has("product", "master_id")
    assert schema.has("order", "shipping_code") and not schema.has("order_total", "extension")
    assert schema.option_sku_column == "option_sku"
    assert schema.missing == [] and schema.transactional


def test_a_4x_database_is_detected_and_its_variant_products_hang_under_their_master(opencart_4x) -> None:
    schema = _schema()
    assert schema.flavour == "4.x"
    assert schema.has("product", "master_id") and not schema.has("product", "viewed")
    assert schema.has("order_total", "extension") and not schema.has("order", "shipping_code")
    products = list(opencart_4x.iter_products())
    skus = by_sku(products)
    assert skus["TS-S"].kind == "variant" and skus["TS-S"].parent_id == skus["TSHIRT"].external_id
    assert (skus["TS-S"].quantity, skus["TS-M"].tracks_stock) == (3, False)
    assert not [p for p in products if p.kind == "option"], "the 4.x seed has variant products, no options"


def test_without_an_option_sku_column_options_are_listed_with_an_empty_sku(opencart) -> None:
    sql("ALTER TABLE `{p}product_option_value` DROP COLUMN option_sku")
    products = list(opencart.iter_products())
    options = [p for p in products if p.kind == "option"]
    assert [(o.sku, o.name, o.quantity) for o in options] == [("", "T-shirt - Small", 3), ("", "T-shirt - Medium", 4)]
    assert {o.parent_id for o in options} == {by_sku(products)["TSHIRT"].external_id}


def test_a_wrong_prefix_is_named_with_the_prefixes_that_exist(opencart) -> None:
    with connection(database_url()) as conn:
        schema = detect_schema(conn, "shop_")
        with pytest.raises(PermanentError) as caught:
            require_complete(schema, conn)
    assert caught.value.code == "wrong_prefix"
    assert "No OpenCart tables start with the prefix 'shop_'" in caught.value.message
    assert repr(prefix()) in caught.value.message


def test_missing_tables_are_named(opencart) -> None:
    sql("DROP TABLE `{p}order_total`")
    with pytest.raises(PermanentError) as caught:
        list(opencart.iter_products())
    assert caught.value.code == "missing_tables"
    assert f"{prefix()}order_total" in caught.value.message
