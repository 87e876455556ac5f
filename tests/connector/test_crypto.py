from __future__ import annotations

import io
import json
import logging

import pytest
from cryptography.fernet import Fernet
from django.core.management import call_command
from django.db import connection

from connector.crypto import _fernet
from connector.models import ConnectedSystem

pytestmark = pytest.mark.django_db

CANARY = "canary-token-7f3a9c1e-do-not-leak"


def _raw_credentials(system_id: int) -> str:
    with connection.cursor() as cursor:
        cursor.execute("SELECT credentials FROM connector_connectedsystem WHERE id = %s", [system_id])
        return cursor.fetchone()[0]


@pytest.fixture
def system(org):
    return ConnectedSystem.objects.create(
        organization=org, platform="quickbooks", role="accounting", display_name="Books",
        external_account_id="9130", credentials={"access_token": CANARY, "refresh_token": CANARY + "-r"},
        webhook_secret=CANARY + "-hook",
    )


def test_credentials_round_trip_and_are_not_stored_in_plain_text(system):
    assert ConnectedSystem.objects.get(pk=system.pk).credentials["access_token"] == CANARY
    raw = _raw_credentials(system.pk)
    assert CANARY not in raw
    assert raw.startswith("gAAAAA")


def test_rotation_re_encrypts_under_the_new_first_key(system, settings):
    old_key = settings.TOKEN_ENCRYPTION_KEYS[0]
    new_key = Fernet.generate_key().decode()
    settings.TOKEN_ENCRYPTION_KEYS = [new_key, old_key]
    _fernet.cache_clear()
    out = io.StringIO()
    call_command("rotate_token_keys", stdout=out)
    assert "Re-encrypted 2 value(s)" in out.getvalue()
    settings.TOKEN_ENCRYPTION_KEYS = [new_key]  # the old key is gone: rows must still decrypt
    _fernet.cache_clear()
    reloaded = ConnectedSystem.objects.get(pk=system.pk)
    assert reloaded.credentials["refresh_token"] == CANARY + "-r"
    assert reloaded.webhook_secret == CANARY + "-hook"
    Fernet(new_key.encode()).decrypt(_raw_credentials(system.pk).encode())


def test_a_missing_key_fails_loudly_instead_of_returning_nothing(system, settings):
    settings.TOKEN_ENCRYPTION_KEYS = [Fernet.generate_key().decode()]
    _fernet.cache_clear()
    from django.core.exceptions import ImproperlyConfigured

    with pytest.raises(ImproperlyConfigured, match="rotate_token_keys"):
        ConnectedSystem.objects.get(pk=system.pk)
    _fernet.cache_clear()


def test_the_canary_never_appears_in_a_database_dump_or_the_logs(system, caplog):
    from syncjobs.ledger import job_enqueue

    caplog.set_level(logging.DEBUG)
    logging.getLogger("connector.http").info("calling with Bearer %s and access_token=%s", CANARY, CANARY)
    job_enqueue(organization=system.organization, system=system, kind="noop", payload={"system_id": system.pk})
    from django_q.tasks import async_task

    async_task("syncjobs.tasks.run_due_jobs", task_name="run due jobs")  # lands in django_q's tables
    # Every table, every column, as text: django-q's tables included.
    dump = []
    with connection.cursor() as cursor:
        for table in connection.introspection.table_names():
            cursor.execute(f"SELECT * FROM {connection.ops.quote_name(table)}")
            dump.extend(repr(row) for row in cursor.fetchall())
    assert any("django_q" in t for t in connection.introspection.table_names())
    assert CANARY not in "\n".join(dump)
    out = io.StringIO()
    call_command("dumpdata", stdout=out)
    assert CANARY not in out.getvalue()
    assert json.loads(out.getvalue())
    from connector.logging import RedactSecretsFilter

    redact = RedactSecretsFilter()
    for record in caplog.records:
        redact.filter(record)
        assert CANARY not in record.getMessage()
