"""Store a verified delivery before we answer 2xx: one row, nothing else.

This runs in every webhook request, and a burst of them is set by the senders, not by us. So the
request writes the delivery alone; turning it into a planning job is the workers' business
(syncjobs.inbox_queue), where many deliveries are queued in one transaction. The write itself is
made for the database rather than through the ORM's save(): query compilation and per-statement
work cost more than the rows (docs/architecture.md, "Webhook intake").
- Concurrent requests in one process are written together (intake.group_commit), whether they
  wait in request threads or on an event loop.
- One INSERT per batch, in autocommit: one round trip and one commit, all rows or none.
A repeated delivery id is skipped by the unique constraint (ON CONFLICT DO NOTHING), never by a
read-then-write that two concurrent retries could both pass.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from contextlib import nullcontext
from functools import lru_cache
from typing import Any

from django.db import DEFAULT_DB_ALIAS, IntegrityError, connection, connections, models, transaction
from django.db.backends.base.base import BaseDatabaseWrapper
from django.utils import timezone

from connector.models import ConnectedSystem
from intake.group_commit import AsyncGroupCommit, GroupCommit
from syncjobs.ledger import doorbell_ring_after_commit
from syncjobs.models import WebhookDelivery

# Kept for every platform, for audit; each platform adds the prefixes its parser reads
# (WebhookModule.KEPT_HEADERS). Never Authorization or cookies.
COMMON_KEPT_HEADERS = ("content-type", "user-agent", "x-request-id")

Delivery = dict[str, Any]  # WebhookDelivery field values, by attname


def kept_headers(headers: Mapping[str, str], prefixes: tuple[str, ...]) -> dict[str, str]:
    kept = COMMON_KEPT_HEADERS + prefixes
    return {k.lower(): v for k, v in headers.items() if k.lower().startswith(kept)}


def delivery_row(*, platform: str, delivery_id: str, body: bytes, headers: Mapping[str, str], topic: str,
                 system: ConnectedSystem | None, kept_header_prefixes: tuple[str, ...] = ()) -> Delivery:
    """A verified delivery as the row intake stores."""
    return {
        "platform": platform, "delivery_id": delivery_id,
        "organization_id": system.organization_id if system else None, "system_id": system.pk if system else None,
        "topic": topic[:120], "headers": kept_headers(headers, kept_header_prefixes), "body": body.decode("utf-8", errors="replace"),
        "received_at": timezone.now()}


def delivery_receive(delivery: Delivery) -> bool:
    """Store the delivery; False when this delivery id was already stored.

    Raises DatabaseError when nothing could be stored: the caller must not answer 2xx then.
    """
    if connection.in_atomic_block:
        # Inside a caller's transaction (never in a webhook request): other requests' rows must
        # not ride on a transaction that may still roll back.
        return write_deliveries([delivery])[0]
    return _group.submit(delivery)


async def delivery_receive_async(delivery: Delivery) -> bool:
    """delivery_receive for a request served on an event loop: the row is written by the process's
    intake writer thread, with the other rows handed in meanwhile; the request awaits the commit."""
    return await _async_group.submit(delivery)


def write_deliveries(deliveries: Sequence[Delivery]) -> list[bool]:
    """Store deliveries; per delivery, False if its id was already stored (or came twice in the batch,
    after the first)."""
    db = connections[DEFAULT_DB_ALIAS]  # looked up once: every `connection.x` is a thread-local lookup
    if db.vendor in ("postgresql", "sqlite") and db.features.can_return_columns_from_insert:
        stored = _write_returning(db, deliveries)
    else:
        stored = {(d["platform"], d["delivery_id"]) for d in deliveries if _write_orm(d)}
    if stored:
        doorbell_ring_after_commit()
    answers = []
    for delivery in deliveries:
        key = (delivery["platform"], delivery["delivery_id"])
        answers.append(key in stored)
        stored.discard(key)
    return answers


_group: GroupCommit[Delivery, bool] = GroupCommit(write_deliveries)
_async_group: AsyncGroupCommit[Delivery, bool] = AsyncGroupCommit(write_deliveries)


def _write_returning(db: BaseDatabaseWrapper, deliveries: Sequence[Delivery]) -> set[tuple[str, str]]:
    """One INSERT of the batch, the rows actually inserted coming back (PostgreSQL, SQLite 3.35+).

    It goes to the driver's own cursor: Django's cursor wrapper rewrites the placeholders with a
    regular expression and adds layers of calls per statement, and this runs for every batch.
    Errors are still Django's (wrap_database_errors), so callers catch DatabaseError as usual.
    """
    params = [value for delivery in deliveries for value in _delivery_values(db, delivery)]
    statement = _insert_statement(db.vendor, len(deliveries))
    # In autocommit the one statement is its own transaction. Inside a caller's transaction it gets
    # a savepoint, so a refused insert does not abort the caller's work.
    nested = transaction.atomic(using=db.alias) if db.in_atomic_block else nullcontext()
    with nested:
        db.close_if_health_check_failed()
        db.ensure_connection()
        with db.wrap_database_errors:
            cursor = _driver_cursor(db)
            try:
                cursor.execute(statement, params)
                return {(platform, delivery_id) for platform, delivery_id in cursor.fetchall()}
            finally:
                cursor.close()


def _driver_cursor(db: BaseDatabaseWrapper) -> Any:
    if db.vendor == "postgresql":
        import psycopg

        # Server-side binding with the server's own $n placeholders: nothing to convert in Python,
        # and after psycopg's prepare_threshold runs the statement of each batch size is prepared
        # once per connection (a pooler in transaction mode can set prepare_threshold to None in
        # OPTIONS). Django's own cursors bind on the client.
        return psycopg.RawCursor(db.connection)
    return db.connection.cursor()


@lru_cache(maxsize=256)
def _insert_statement(vendor: str, rows: int) -> str:
    qn = connections[DEFAULT_DB_ALIAS].ops.quote_name
    fields = _delivery_fields()
    width = len(fields)
    if vendor == "postgresql":
        values = ", ".join("(" + ", ".join(f"${row * width + n + 1}" for n in range(width)) + ")" for row in range(rows))
    else:
        values = ", ".join(["(" + ", ".join(["?"] * width) + ")"] * rows)
    columns = ", ".join(qn(str(f.column)) for f in fields)
    return (f"INSERT INTO {qn(WebhookDelivery._meta.db_table)} ({columns}) "  # noqa: S608 - names from _meta
            f"VALUES {values} {_ON_REPEAT}")


_ON_REPEAT = 'ON CONFLICT ("platform", "delivery_id") DO NOTHING RETURNING "platform", "delivery_id"'


def _write_orm(delivery: Delivery) -> bool:
    """Any other database: the ORM, one delivery at a time, the unique constraint deciding repeats."""
    stored = WebhookDelivery(**delivery)
    try:
        with transaction.atomic():
            stored.save(force_insert=True)
    except IntegrityError:
        if not WebhookDelivery.objects.filter(platform=stored.platform, delivery_id=stored.delivery_id).exists():
            raise
        return False
    return True


# --------------------------------------------------------------------------- rows without the ORM
@lru_cache(maxsize=1)
def _delivery_fields() -> tuple[models.Field[Any, Any], ...]:
    return tuple(f for f in WebhookDelivery._meta.concrete_fields if not f.primary_key)


def _delivery_values(db: BaseDatabaseWrapper, delivery: Delivery) -> list[Any]:
    """A delivery's database values, column by column, as save() would write them."""
    return [value if prepare is None or value is None else prepare(value, db)
            for value, prepare in zip(_delivery_row(delivery), _delivery_preparers(), strict=True)]


def _delivery_row(delivery: Delivery) -> list[Any]:
    return [delivery.get(attname, default) for attname, default in _delivery_defaults()]


@lru_cache(maxsize=1)
def _delivery_defaults() -> tuple[tuple[str, Any], ...]:
    """(attname, prepared default) per column; a given value replaces the default."""
    return tuple((f.attname, _prepared_default(f)) for f in _delivery_fields())


@lru_cache(maxsize=1)
def _delivery_preparers() -> tuple[Callable[[Any, BaseDatabaseWrapper], Any] | None, ...]:
    """Per column, how a given value becomes a database value; None where it already is one (text
    and ids: CharField and ForeignKey preparation leaves a str or an int unchanged)."""
    return tuple(None if isinstance(f, models.CharField | models.TextField | models.ForeignKey)
                 else f.get_db_prep_save for f in _delivery_fields())


def _prepared_default(field: models.Field[Any, Any]) -> Any:
    if field.has_default() and callable(field.default) and field.default not in (dict, list):
        raise TypeError(f"{field.model.__name__}.{field.name} has a computed default: intake must give it")
    return field.get_db_prep_save(field.get_default(), connection)
