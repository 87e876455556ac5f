"""set_stock: absolute quantities in one database transaction per batch, one result per item."""

from __future__ import annotations

import pymysql
import pytest

from connector.platforms.base import PermanentError, RetryableError, StockUpdate
from connector.platforms.opencart.db import map_error
from connector.platforms.opencart.dsn import parse_dsn
from emulators.opencart.state import database_url, db
from tests.platforms.opencart.conftest import by_sku, prefix, sql

pytestmark = pytest.mark.django_db


def _quantities() -> dict[str, int]:
    rows = sql("SELECT model AS sku, quantity FROM `{p}product`")
    rows += sql("SELECT option_sku AS sku, quantity FROM `{p}product_option_value`")
    return {r["sku"]: int(r["quantity"]) for r in rows}


def test_products_and_option_values_get_absolute_quantities(opencart) -> None:
    skus = by_sku(list(opencart.iter_products()))
    results = opencart.set_stock([StockUpdate(skus["MUG-1"].external_id, 25), StockUpdate(skus["TS-S"].external_id, -2)])
    assert [r.ok for r in results] == [True, True]
    assert _quantities()["MUG-1"] == 25 and _quantities()["TS-S"] == -2  # OpenCart's quantity is signed
    assert skus["TS-S"].external_id == f"{skus['TSHIRT'].external_id}:{skus['TS-S'].extra['product_option_value_id']}"


def test_unknown_malformed_and_untracked_items_fail_alone_and_the_rest_commits(opencart) -> None:
    skus = by_sku(list(opencart.iter_products()))
    mug, wrap, medium = skus["MUG-1"].external_id, skus["WRAP-1"].external_id, skus["TS-M"].external_id
    results = opencart.set_stock([
        StockUpdate(mug, 4), StockUpdate("999999", 1), StockUpdate("abc", 1), StockUpdate(wrap, 9),
        StockUpdate(medium, 9), StockUpdate(f"{mug}:999", 1),
    ])
    outcome = {r.external_id: (r.ok, r.error) for r in results}
    assert [r.external_id for r in results] == [mug, "999999", "abc", wrap, medium, f"{mug}:999"]
    assert outcome[mug] == (True, "")
    assert outcome["999999"] == (False, "OpenCart has no product 999999.")
    assert "not an OpenCart product id" in outcome["abc"][1]
    assert "does not subtract stock" in outcome[wrap][1] and "does not subtract stock" in outcome[medium][1]
    assert "has no option value 999" in outcome[f"{mug}:999"][1]
    assert _quantities()["MUG-1"] == 4


def test_a_quantity_the_column_cannot_hold_fails_alone(opencart) -> None:
    skus = by_sku(list(opencart.iter_products()))
    results = opencart.set_stock([StockUpdate(skus["MUG-1"].external_id, 2**31), StockUpdate(skus["TS-S"].external_id, 6)])
    assert [r.ok for r in results] == [False, True] and "out of range" in results[0].error
    assert (_quantities()["MUG-1"], _quantities()["TS-S"]) == (10, 6)


def test_untracked_items_keep_their_quantity(opencart) -> None:
    skus = by_sku(list(opencart.iter_products()))
    opencart.set_stock([StockUpdate(skus["WRAP-1"].external_id, 9), StockUpdate(skus["TS-M"].external_id, 9)])
    quantities = _quantities()
    assert (quantities["WRAP-1"], quantities["TS-M"]) == (0, 4)


def test_a_database_error_mid_batch_rolls_the_whole_batch_back(opencart) -> None:
    """A trigger (as a store's own database rule might) refuses the second row of the batch: the
    first row, already updated inside the same transaction, is not written either."""
    skus = by_sku(list(opencart.iter_products()))
    tshirt = int(skus["TSHIRT"].external_id)
    sql(f"CREATE TRIGGER `{prefix()}refuse` BEFORE UPDATE ON `{{p}}product` FOR EACH ROW "
        f"BEGIN IF NEW.product_id = {tshirt} THEN SIGNAL SQLSTATE '45000' SET MESSAGE_TEXT = 'refused by rule'; "
        "END IF; END")
    with pytest.raises(PermanentError) as caught:
        opencart.set_stock([StockUpdate(skus["MUG-1"].external_id, 50), StockUpdate(str(tshirt), 50)])
    assert "refused by rule" in caught.value.message
    assert _quantities()["MUG-1"] == 10 and _quantities()["TSHIRT"] == 7


def test_a_row_locked_past_the_read_timeout_is_retryable_and_writes_nothing(opencart, settings) -> None:
    settings.OPENCART_DB_READ_TIMEOUT = 1
    skus = by_sku(list(opencart.iter_products()))
    with db(database_url()) as other, other.cursor() as cur:
        cur.execute(f"SELECT quantity FROM `{prefix()}product` WHERE product_id = %s FOR UPDATE",
                    [int(skus["MUG-1"].external_id)])
        with pytest.raises(RetryableError):
            opencart.set_stock([StockUpdate(skus["MUG-1"].external_id, 77)])
    assert _quantities()["MUG-1"] == 10


@pytest.mark.parametrize(("code", "kind"), [
    (2013, RetryableError), (2006, RetryableError), (1213, RetryableError), (1205, RetryableError),
    (1045, PermanentError), (1146, PermanentError), (1054, PermanentError), (1142, PermanentError),
])
def test_pymysql_errors_map_to_retryable_or_permanent(code: int, kind: type) -> None:
    error = map_error(pymysql.err.OperationalError(code, "message"), parse_dsn("mysql://shop:secret@db:3306/oc"))
    assert isinstance(error, kind) and "secret" not in error.message


def test_4x_variant_products_are_set_like_any_product(opencart_4x) -> None:
    skus = by_sku(list(opencart_4x.iter_products()))
    results = opencart_4x.set_stock([StockUpdate(skus["TS-S"].external_id, 12, skus["TS-S"].parent_id)])
    assert [r.ok for r in results] == [True]
    assert by_sku(list(opencart_4x.iter_products()))["TS-S"].quantity == 12
    assert _quantities()["TSHIRT"] == 7  # the master keeps its own quantity
