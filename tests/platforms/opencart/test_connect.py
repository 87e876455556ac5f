"""The connect form tests the connection for real and says plainly what is wrong; the DSN is
stored encrypted."""

from __future__ import annotations

import pytest
from django.db import connection as django_connection

from connector.models import ConnectedSystem
from connector.platforms.base import PermanentError, ReconnectRequired, RetryableError
from connector.platforms.opencart.connect import OpenCartConnectForm, connection_check
from connector.platforms.opencart.dsn import parse_dsn
from connector.services.systems import system_connect
from emulators.opencart.state import database_url
from tests.platforms.opencart.conftest import STORE, prefix, sql

pytestmark = pytest.mark.django_db


def _form(**changes: object) -> OpenCartConnectForm:
    parsed = parse_dsn(database_url())
    data = {"host": parsed.host, "port": parsed.port, "database": parsed.database, "user": parsed.user,
            "password": parsed.password, "prefix": prefix(), "timezone": "Europe/London", **changes}
    return OpenCartConnectForm(data=data)


def test_a_valid_form_connects_and_the_dsn_is_stored_encrypted(seeded, org) -> None:
    form = _form()
    assert form.is_valid(), form.errors
    assert form.check is not None and form.check.products == 3 and form.check.schema.flavour == "3.0"
    system = system_connect(organization=org, platform="opencart", result=form.connect_result())
    assert system.display_name == STORE  # the store's config_name
    stored = ConnectedSystem.objects.get(pk=system.pk).credentials
    assert stored["prefix"] == prefix() and stored["dsn"].startswith("mysql://")
    with django_connection.cursor() as cur:
        cur.execute("SELECT credentials FROM connector_connectedsystem WHERE id = %s", [system.pk])
        raw = str(cur.fetchone()[0])
    assert "mysql://" not in raw and prefix() not in raw


def test_a_wrong_password_is_said_plainly(seeded) -> None:
    form = _form(password="not-the-password")
    assert not form.is_valid()
    message = " ".join(form.non_field_errors())
    assert "refused the user name or password" in message
    assert "not-the-password" not in message


def test_a_wrong_password_is_a_reconnect_for_the_client(seeded) -> None:
    parsed = parse_dsn(database_url())
    with pytest.raises(ReconnectRequired):
        connection_check(f"mysql://{parsed.user}:wrong@{parsed.host}:{parsed.port}/{parsed.database}", prefix())


def test_a_wrong_prefix_is_said_plainly_with_the_right_one(seeded) -> None:
    form = _form(prefix="oc_")
    assert not form.is_valid()
    message = " ".join(form.non_field_errors())
    assert "No OpenCart tables start with the prefix 'oc_'" in message and prefix() in message


def test_an_unreachable_host_is_said_plainly() -> None:
    with pytest.raises(RetryableError) as caught:
        connection_check("mysql://shop@127.0.0.1:1/opencart", "oc_")
    assert "Could not reach the store database at 127.0.0.1:1" in caught.value.message


def test_an_unknown_database_is_said_plainly(seeded) -> None:
    form = _form(database="no_such_shop_db")
    assert not form.is_valid()
    assert "There is no database called 'no_such_shop_db'" in " ".join(form.non_field_errors())


def test_a_prefix_with_sql_in_it_is_refused_before_connecting(seeded) -> None:
    form = _form(prefix="oc_`; DROP TABLE x; --")
    assert not form.is_valid()
    assert "letters, digits and underscores" in " ".join(form.errors["prefix"])
    with pytest.raises(PermanentError):
        connection_check("mysql://shop@127.0.0.1:1/opencart", "x`y")


@pytest.fixture
def read_only_user(seeded):  # type: ignore[no-untyped-def]
    """A real MySQL user that may read the store but not update it (skipped where we may not
    create users)."""
    import os

    import pymysql

    name, password = f"oc_ro_{os.getpid()}", "read-only-pw"  # per process: parallel runs share the server
    try:
        sql(f"CREATE USER IF NOT EXISTS '{name}'@'%' IDENTIFIED BY '{password}'")
        sql(f"CREATE USER IF NOT EXISTS '{name}'@'localhost' IDENTIFIED BY '{password}'")
        for host in ("%", "localhost"):
            sql(f"GRANT SELECT ON `{parse_dsn(database_url()).database}`.* TO '{name}'@'{host}'")
    except pymysql.err.MySQLError as exc:
        pytest.skip(f"cannot create a MySQL user here: {exc}")
    yield name, password
    for host in ("%", "localhost"):
        sql(f"DROP USER IF EXISTS '{name}'@'{host}'")


def test_a_user_without_update_rights_is_told_which_privilege_is_missing(read_only_user) -> None:
    name, password = read_only_user
    form = _form(user=name, password=password)
    assert not form.is_valid()
    message = " ".join(form.non_field_errors())
    assert f"The database user '{name}' lacks a privilege we need" in message and "UPDATE" in message


def test_a_real_users_wrong_password_is_refused_in_plain_words(read_only_user) -> None:
    name, _password = read_only_user
    form = _form(user=name, password="wrong")
    assert not form.is_valid()
    assert f"refused the user name or password for user '{name}'" in " ".join(form.non_field_errors())


def test_myisam_product_tables_connect_with_a_warning(seeded) -> None:
    sql("ALTER TABLE `{p}product` ENGINE=MyISAM")  # what OpenCart 3.0's installer creates
    check = connection_check(database_url(), prefix())
    assert not check.schema.transactional
    assert ["MyISAM" in w for w in check.warnings] == [True]
