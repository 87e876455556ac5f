"""Manual key entry: the site's address and a REST API key the merchant created under
WooCommerce > Settings > Advanced > REST API (permission Read/Write).

Usage by a connect view: `form = KeysForm(request.POST)`; `if form.is_valid(): result =
form.connect_result()` then `system_connect(organization=..., platform="woocommerce", result=result)`.
Validation calls the site to prove the key reads and may write.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

from django import forms

from connector.platforms.base import PermanentError
from connector.platforms.woocommerce.auth import site_account, site_url

if TYPE_CHECKING:
    from connector.platforms.contracts import ConnectResult

KEY_RE = re.compile(r"^ck_[0-9a-f]{40}$")
SECRET_RE = re.compile(r"^cs_[0-9a-f]{40}$")


class KeysForm(forms.Form):
    site = forms.CharField(label="Site address", max_length=255, help_text="For example https://shop.example.com")
    consumer_key = forms.CharField(label="Consumer key", max_length=43, help_text="Starts with ck_")
    consumer_secret = forms.CharField(label="Consumer secret", max_length=43, widget=forms.PasswordInput,
                                      help_text="Starts with cs_")

    def clean_site(self) -> str:
        site = site_url(self.cleaned_data["site"])
        if not site:
            raise forms.ValidationError("Enter the address of the WordPress site, like https://shop.example.com.")
        return site

    def clean_consumer_key(self) -> str:
        value = self.cleaned_data["consumer_key"].strip()
        if not KEY_RE.match(value):
            raise forms.ValidationError("A consumer key is ck_ followed by 40 letters and digits.")
        return value

    def clean_consumer_secret(self) -> str:
        value = self.cleaned_data["consumer_secret"].strip()
        if not SECRET_RE.match(value):
            raise forms.ValidationError("A consumer secret is cs_ followed by 40 letters and digits.")
        return value

    def clean(self) -> dict[str, Any]:
        from connector.platforms.woocommerce.oauth import verify_keys

        data = super().clean()
        if not self.errors:
            try:
                verify_keys(data["site"], data["consumer_key"], data["consumer_secret"])
            except PermanentError as exc:
                raise forms.ValidationError(exc.message) from exc
        return data

    def connect_result(self) -> ConnectResult:
        from connector.platforms.contracts import ConnectResult

        data = self.cleaned_data
        return ConnectResult(
            external_account_id=site_account(data["site"]), display_name=urlsplit(data["site"]).hostname or data["site"],
            credentials={"consumer_key": data["consumer_key"], "consumer_secret": data["consumer_secret"],
                         "key_permissions": "read_write"},
            base_url=data["site"])
