"""Connecting a store: test the database address and table prefix, in plain words when it fails.

The connect page (connect_kind "database") shows OpenCartConnectForm. A valid form has already
connected, detected the schema and read one product; `form.connect_result()` is then handed to
connector.services.systems.system_connect(), which stores the DSN encrypted in
ConnectedSystem.credentials like any token:

    form = OpenCartConnectForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        system_connect(organization=org, platform="opencart", result=form.connect_result())
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from django import forms

from connector.platforms.base import PlatformError
from connector.platforms.contracts import ConnectResult
from connector.platforms.opencart.db import check_prefix, connection
from connector.platforms.opencart.dsn import build_dsn, parse_dsn
from connector.platforms.opencart.schema import Schema, detect_schema, require_complete

DEFAULT_PREFIX = "oc_"


@dataclass(frozen=True)
class ConnectionCheck:
    schema: Schema
    store_name: str
    products: int
    warnings: tuple[str, ...] = ()


def connection_check(dsn: str, prefix: str = DEFAULT_PREFIX) -> ConnectionCheck:
    """Connect, find the tables, read the store name and count products. Raises PlatformError
    with a message fit for the connect page (wrong password, unreachable host, no such database,
    wrong prefix, missing tables, missing privileges)."""
    prefix = check_prefix(prefix)
    parsed = parse_dsn(dsn)
    with connection(parsed) as conn:
        schema = detect_schema(conn, prefix)
        require_complete(schema, conn)
        with conn.cursor() as cur:
            cur.execute(f"SELECT COUNT(*) AS n FROM {schema.table('product')}")
            count = int(cur.fetchone()["n"])
            name = ""
            if schema.has("setting"):
                cur.execute(f"SELECT `value` FROM {schema.table('setting')} WHERE store_id = 0 "
                            "AND `key` = 'config_name' LIMIT 1")
                row = cur.fetchone()
                name = str(row["value"]) if row else ""
            # Prove we may write: an UPDATE that changes nothing still needs the privilege.
            cur.execute(f"UPDATE {schema.table('product')} SET quantity = quantity WHERE 1 = 0")
        conn.rollback()
    warnings = []
    if not schema.transactional:
        warnings.append("The product tables use MyISAM, which has no transactions: a batch of stock "
                        "updates is applied row by row.")
    return ConnectionCheck(schema=schema, store_name=name or parsed.database, products=count,
                           warnings=tuple(warnings))


def connect_result(dsn: str, prefix: str = DEFAULT_PREFIX, timezone: str = "UTC",
                   check: ConnectionCheck | None = None) -> ConnectResult:
    """What system_connect() stores: the DSN (encrypted with the other credentials), the prefix,
    the store's time zone and the detected flavour (informative; clients detect it again)."""
    check = check or connection_check(dsn, prefix)
    parsed = parse_dsn(dsn)
    return ConnectResult(
        external_account_id=f"{parsed.host}:{parsed.port}/{parsed.database}/{prefix}",
        display_name=check.store_name,
        credentials={"dsn": dsn, "prefix": prefix, "timezone": timezone, "schema": check.schema.flavour},
    )


class OpenCartConnectForm(forms.Form):
    host = forms.CharField(label="Database host", max_length=255,
                           help_text="As in OpenCart's config.php (DB_HOSTNAME), reachable from this server.")
    port = forms.IntegerField(label="Port", min_value=1, max_value=65535, initial=3306)
    database = forms.CharField(label="Database name", max_length=64, help_text="DB_DATABASE in config.php.")
    user = forms.CharField(label="User", max_length=80,
                           help_text="A MySQL user allowed to read the product and order tables and to "
                                     "update product quantities.")
    password = forms.CharField(label="Password", required=False, strip=False,
                               widget=forms.PasswordInput(render_value=False))
    prefix = forms.CharField(label="Table prefix", max_length=40, required=False, initial=DEFAULT_PREFIX,
                             help_text="DB_PREFIX in config.php, usually oc_.")
    timezone = forms.CharField(label="Store time zone", max_length=64, initial="UTC",
                               help_text="The time zone the shop's server writes dates in, e.g. Europe/London.")

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._result: ConnectResult | None = None
        self.check: ConnectionCheck | None = None

    def clean_prefix(self) -> str:
        value = (self.cleaned_data.get("prefix") or "").strip()
        try:
            return check_prefix(value)
        except PlatformError as exc:
            raise forms.ValidationError(exc.message) from exc

    def clean_timezone(self) -> str:
        value = (self.cleaned_data.get("timezone") or "UTC").strip()
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError) as exc:
            raise forms.ValidationError(f"Unknown time zone {value!r}.") from exc
        return value

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        if self.errors:
            return data
        dsn = build_dsn(host=data["host"].strip(), port=data["port"], user=data["user"].strip(),
                        password=data.get("password") or "", database=data["database"].strip())
        try:
            self.check = connection_check(dsn, data["prefix"])
        except PlatformError as exc:
            raise forms.ValidationError(exc.message, code=exc.code or "connection") from exc
        self._result = connect_result(dsn, data["prefix"], data["timezone"], self.check)
        return data

    def connect_result(self) -> ConnectResult:
        if self._result is None:
            raise ValueError("connect_result() needs a valid form")
        return self._result
