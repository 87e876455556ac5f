"""docs/ebay.md states the rules the code follows."""

from __future__ import annotations

from pathlib import Path

from connector.platforms import get_platform
from connector.platforms.ebay import trading
from connector.platforms.ebay.auth import SCOPES

DOC = (Path(__file__).resolve().parents[3] / "docs" / "ebay.md").read_text()


def test_the_doc_and_the_spec_agree_on_four_per_call() -> None:
    assert trading.MAX_REVISE_ENTRIES == get_platform("ebay").stock_batch_max == 4
    assert "at most **4 entries per call**" in DOC


def test_the_doc_names_the_settings_and_the_scopes() -> None:
    for name in get_platform("ebay").settings_names:
        assert f"`{name}`" in DOC
    assert "`https://api.ebay.com/oauth/api_scope`" in DOC and len(SCOPES) == 3


def test_the_doc_says_matching_falls_back_to_the_name() -> None:
    assert "customer matching falls back to the\n  name" in DOC
