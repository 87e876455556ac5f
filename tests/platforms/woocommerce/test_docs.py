"""docs/woocommerce.md states what the code does: topics, the account id, the batch limit."""

from __future__ import annotations

from pathlib import Path

from connector.platforms import get_platform
from connector.platforms.woocommerce.auth import site_account
from connector.platforms.woocommerce.oauth import SCOPE, WEBHOOK_TOPICS
from connector.platforms.woocommerce.stock import BATCH_MAX

DOC = Path(__file__).resolve().parents[3] / "docs" / "woocommerce.md"


def test_the_doc_lists_the_webhook_topics_we_create() -> None:
    assert ", ".join(f"`{t}`" for t in WEBHOOK_TOPICS) in DOC.read_text().replace("\n", " ")


def test_the_doc_states_the_account_id_rule_the_code_follows() -> None:
    text = DOC.read_text()
    assert "external account id is the site's address" in text.replace("\n", " ").replace("**", "")
    assert site_account("https://example.com/store/") == "example.com/store" and "`example.com/store`" in text


def test_the_doc_matches_the_batch_limit_and_scope() -> None:
    text = DOC.read_text()
    assert BATCH_MAX == get_platform("woocommerce").stock_batch_max == 100
    assert "at most **100 items" in text.replace("\n", " ")
    assert f"scope={SCOPE}" in text
