"""QuickBooksClient and the QuickBooks modules follow the contracts the sync engine calls."""

from __future__ import annotations

import inspect

import pytest

from connector.platforms import get_platform
from connector.platforms.contracts import AccountingClient, OAuthModule
from connector.platforms.quickbooks.client import MINOR_VERSION, QuickBooksClient
from emulators.registry import EmulatorModule, emulator_for


def _public(cls: type) -> list[str]:
    return [n for n in vars(cls) if not n.startswith("_") and callable(getattr(cls, n))]


@pytest.mark.parametrize("name", _public(AccountingClient))
def test_the_client_has_each_accounting_operation_with_the_same_signature(name: str) -> None:
    expected = inspect.signature(getattr(AccountingClient, name))
    actual = inspect.signature(getattr(QuickBooksClient, name))
    assert list(actual.parameters) == list(expected.parameters)
    for param in expected.parameters.values():
        assert actual.parameters[param.name].kind == param.kind
        assert actual.parameters[param.name].default == param.default


def test_the_spec_loads_every_module_it_names() -> None:
    spec = get_platform("quickbooks")
    assert spec.load("client") is QuickBooksClient
    oauth, emulator, hooks = spec.load("oauth"), emulator_for(spec.id), spec.load("webhooks")
    for name in _public(OAuthModule):
        assert callable(getattr(oauth, name))
    for name in ("emulator_seed", "emulator_connect"):
        assert callable(getattr(emulator, name)) and name in vars(EmulatorModule)
    assert emulator.urlpatterns
    for name in ("answer_unverified", "verify", "delivery_id", "topic", "parse"):
        assert callable(getattr(hooks, name))


def test_the_minor_version_is_pinned_to_75() -> None:
    assert MINOR_VERSION == "75"
    assert QuickBooksClient.request_id_header == "intuit_tid" and QuickBooksClient.min_retry_after_429 == 60
    assert [(r.calls, r.seconds) for r in QuickBooksClient.rate_limits] == [(10, 1), (500, 60)]
