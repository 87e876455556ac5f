"""The typed seam: every registered platform's parts are what its spec says they are."""

from __future__ import annotations

import inspect

import pytest

from connector.platforms import all_platforms, get_platform
from connector.platforms.contracts import (
    AccountingClient,
    OAuthModule,
    ProductReader,
    StoreClient,
    WebhookModule,
)


def _methods(protocol: type) -> set[str]:
    return {name for name, value in vars(protocol).items() if inspect.isfunction(value) and not name.startswith("_")}


def _annotations(protocol: type) -> set[str]:
    return set(getattr(protocol, "__annotations__", {}))


@pytest.mark.parametrize("spec", all_platforms(), ids=lambda spec: spec.id)
def test_each_platform_offers_every_operation_of_its_contracts(spec) -> None:  # type: ignore[no-untyped-def]
    client = spec.load("client")
    wanted = _methods(StoreClient if spec.role == "store" else AccountingClient)
    if spec.reads_products_by_id:
        wanted |= _methods(ProductReader)
    assert wanted <= {name for name in dir(client) if callable(getattr(client, name))}
    hooks = spec.webhooks_module()
    if hooks is not None:
        assert _methods(WebhookModule) <= set(dir(hooks))
        assert isinstance(hooks.CHECKS_ARE_LOCAL, bool)
        assert hooks.KEPT_HEADERS and all(p == p.lower() for p in hooks.KEPT_HEADERS)
        assert _annotations(WebhookModule) <= set(dir(hooks))
    if spec.oauth:
        assert _methods(OAuthModule) <= set(dir(spec.oauth_module()))
    if spec.connect_form:
        assert callable(spec.connect_form_class().connect_result)


def test_a_declared_capability_is_the_only_way_to_reach_it() -> None:
    opencart, woocommerce = get_platform("opencart"), get_platform("woocommerce")
    assert not opencart.reads_products_by_id and opencart.webhooks_module() is None
    assert woocommerce.reads_products_by_id and not hasattr(get_platform("shopify").load("client"), "read_products")
    with pytest.raises(TypeError, match="cannot read products by id"):
        opencart.product_reader(None)  # type: ignore[arg-type]
    with pytest.raises(TypeError, match="not an accounting platform"):
        woocommerce.accounting_client(None)  # type: ignore[arg-type]
