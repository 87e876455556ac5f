"""docs/opencart.md matches the code: total codes, schema checks, and the tests it names exist."""

from __future__ import annotations

import re
from pathlib import Path

from connector.platforms.opencart import mapping
from connector.platforms.opencart.schema import OPTION_SKU_COLUMNS

DOC = Path(__file__).resolve().parents[3] / "docs" / "opencart.md"
HERE = Path(__file__).parent


def test_every_total_code_the_mapping_knows_is_documented() -> None:
    text = DOC.read_text()
    for code in (*mapping.DISCOUNT_CODES, *mapping.FEE_CODES, *mapping.CONSUMED_CODES, "shipping"):
        assert f"`{code}`" in text, code


def test_the_option_sku_columns_and_flavour_checks_are_documented() -> None:
    text = DOC.read_text()
    assert all(f"`{name}`" in text for name in OPTION_SKU_COLUMNS)
    assert "`product.master_id`" in text and "`order_total.extension`" in text


def test_the_tests_the_doc_names_exist() -> None:
    text = DOC.read_text()
    named = set(re.findall(r"`(test_[a-z0-9_]+)`", text))
    assert named
    sources = "".join(path.read_text() for path in HERE.glob("test_*.py"))
    assert all(f"def {name}(" in sources for name in named), named
