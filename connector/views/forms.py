"""Forms of the client pages. The options form is built from ConnectionOptions' fields."""

from __future__ import annotations

import typing
from dataclasses import fields
from typing import Any

from django import forms

from accounts.models import Role
from connector.models import ConnectedSystem
from connector.options import ConnectionOptions
from connector.platforms.base import PlatformSpec

ACCOUNTING_ONLY = {"match_field"}
LABELS: dict[str, tuple[str, str]] = {
    "sync_stock": ("Sync stock levels", "Write QuickBooks' quantities into this store when they change."),
    "post_sales": ("Post sales to QuickBooks", "Each order with a selected status becomes one QuickBooks document."),
    "document_type": ("QuickBooks document", ""),
    "order_statuses": ("Order statuses to post", "Comma separated. Empty uses the platform's usual paid statuses: {defaults}."),
    "doc_number_prefix": ("Document number prefix", "Up to 10 characters, put before the order number."),
    "shipping_item_id": ("Shipping item id", "The QuickBooks item that shipping lines are posted to."),
    "discount_item_id": ("Discount item id", "The QuickBooks item for discount and coupon lines."),
    "fee_item_id": ("Fee item id", "The QuickBooks item for fee lines."),
    "tax_mapping": ("Tax mapping", "One per line: store tax name or rate = QuickBooks TaxCode id."),
    "create_missing_items": ("Create missing items in QuickBooks",
                             "A store product with no QuickBooks item gets one (inventory only if it tracks stock)."),
    "income_account_id": ("Income account id", "For items created in QuickBooks."),
    "asset_account_id": ("Inventory asset account id", "For inventory items created in QuickBooks."),
    "expense_account_id": ("Cost of goods account id", "For inventory items created in QuickBooks."),
    "match_field": ("Match QuickBooks items on", "Store SKUs are compared with this QuickBooks field."),
}
CHOICES: dict[str, list[tuple[str, str]]] = {
    "document_type": [("invoice", "Invoice"), ("sales_receipt", "Sales receipt")],
    "match_field": [("sku", "SKU"), ("name", "Name")],
}


def _field_names(system: ConnectedSystem) -> list[str]:
    names = [f.name for f in fields(ConnectionOptions)]
    if system.is_store:
        return [n for n in names if n not in ACCOUNTING_ONLY]
    return [n for n in names if n in ACCOUNTING_ONLY]


def _form_field(name: str, kind: Any, defaults: str) -> forms.Field:
    label, help_text = LABELS.get(name, (name.replace("_", " ").capitalize(), ""))
    help_text = help_text.format(defaults=defaults or "none")
    if name in CHOICES:
        return forms.ChoiceField(choices=CHOICES[name], label=label, help_text=help_text)
    origin = typing.get_origin(kind) or kind
    if kind is bool or kind == "bool":
        return forms.BooleanField(required=False, label=label, help_text=help_text)
    if origin is dict or str(kind).startswith("dict"):
        return forms.CharField(required=False, label=label, help_text=help_text,
                               widget=forms.Textarea(attrs={"rows": 3}))
    return forms.CharField(required=False, label=label, help_text=help_text, max_length=200)


class OptionsForm(forms.Form):
    """Edits the options that matter for this connection's role; others keep their values."""

    def __init__(self, *args: Any, system: ConnectedSystem, **kwargs: Any) -> None:
        self.system = system
        current = system.opts
        initial = {}
        hints = typing.get_type_hints(ConnectionOptions)
        for name in _field_names(system):
            value = getattr(current, name)
            if isinstance(value, list):
                value = ", ".join(value)
            elif isinstance(value, dict):
                value = "\n".join(f"{k} = {v}" for k, v in value.items())
            initial[name] = value
        super().__init__(*args, initial=initial, **kwargs)
        defaults = ", ".join(system.spec.default_order_statuses)
        for name in _field_names(system):
            self.fields[name] = _form_field(name, hints[name], defaults)

    def clean_order_statuses(self) -> list[str]:
        return [s.strip() for s in self.cleaned_data.get("order_statuses", "").split(",") if s.strip()]

    def clean_tax_mapping(self) -> dict[str, str]:
        mapping: dict[str, str] = {}
        for number, line in enumerate(self.cleaned_data.get("tax_mapping", "").splitlines(), start=1):
            if not line.strip():
                continue
            key, sep, value = line.partition("=")
            if not sep or not key.strip() or not value.strip():
                raise forms.ValidationError(f"Line {number}: write it as 'store tax = QuickBooks TaxCode id'.")
            mapping[key.strip()] = value.strip()
        return mapping

    def options(self) -> dict[str, Any]:
        return {name: self.cleaned_data[name] for name in _field_names(self.system)}


class InviteForm(forms.Form):
    email = forms.EmailField(label="Email address")
    role = forms.ChoiceField(choices=Role.choices, initial=Role.VIEWER)


class RoleForm(forms.Form):
    role = forms.ChoiceField(choices=Role.choices)


def start_fields(spec: PlatformSpec) -> list[tuple[str, str, str]]:
    """What a user types before the platform's consent page (a shop address, a site URL): the
    OAuth module's START_FIELDS, ((name, label, placeholder), ...)."""
    return list(spec.oauth_module().START_FIELDS) if spec.oauth else []


def platform_available(spec: PlatformSpec) -> bool:
    """A platform is offered on the connect page when it has a way to connect."""
    return bool(spec.oauth or spec.connect_form)
