"""Store a verified delivery and enqueue its planning job before we answer 2xx.

This runs in every webhook request, so it is written for the database rather than through the
ORM's save(): query compilation and transaction bookkeeping cost more than the rows themselves
(docs/benchmarks.md, "intake"). On PostgreSQL the delivery and its job are one statement in
autocommit: one round trip, one commit, both rows or neither. On SQLite they are two plain
INSERTs, each its own commit (see _insert_sqlite for why, and what covers the gap).
A repeated delivery id is skipped by the unique constraint (ON CONFLICT DO NOTHING), never
by a read-then-write that two concurrent retries could both pass.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from contextlib import nullcontext
from functools import lru_cache
from typing import Any

from django.conf import settings
from django.db import DatabaseError, IntegrityError, connection, models, transaction
from django.utils import timezone

from connector.models import ConnectedSystem
from syncjobs.ledger import doorbell_ring_after_commit, job_enqueue, queue_turn_ensure
from syncjobs.models import Job, WebhookDelivery

# Headers worth keeping for parsing and audit; never Authorization or cookies.
_KEPT_HEADER_PREFIXES = ("x-shopify-", "x-wc-", "intuit-", "x-ebay-", "ce-", "content-type", "user-agent",
                         "x-request-id")
PLAN_KIND = "webhook.plan"
logger = logging.getLogger("syncjobs.webhooks")


def kept_headers(headers: Mapping[str, str]) -> dict[str, str]:
    return {k.lower(): v for k, v in headers.items() if k.lower().startswith(_KEPT_HEADER_PREFIXES)}


def delivery_receive(*, platform: str, delivery_id: str, body: bytes, headers: Mapping[str, str],
                     topic: str, system: ConnectedSystem | None) -> bool:
    """Store the delivery and its planning job; False when this delivery id was already stored.

    Raises DatabaseError when nothing could be stored: the caller must not answer 2xx then.
    """
    organization_id = system.organization_id if system else None
    if organization_id is not None:
        queue_turn_ensure(organization_id)
    now = timezone.now()
    delivery = {
        "platform": platform, "delivery_id": delivery_id, "system_id": system.pk if system else None,
        "organization_id": organization_id, "topic": topic[:120], "headers": kept_headers(headers),
        "body": body.decode("utf-8", errors="replace"), "received_at": now}
    job = {"organization_id": organization_id, "system_id": system.pk if system else None,
                     "kind": PLAN_KIND, "run_after": now, "created_at": now,
                     "max_attempts": settings.JOB_MAX_ATTEMPTS}
    if connection.vendor == "postgresql":
        created = _insert_postgresql(_row(WebhookDelivery, delivery), _row(Job, job))
    elif connection.vendor == "sqlite" and connection.features.can_return_columns_from_insert:
        created = _insert_sqlite(_row(WebhookDelivery, delivery), _row(Job, job))
    else:
        created = _insert_orm(delivery, job)
    if created:
        doorbell_ring_after_commit()
    return created


# --------------------------------------------------------------------------- one path per database
def _insert_postgresql(delivery: Row, job: Row) -> bool:
    (d_columns, d_params), (j_columns, j_params) = delivery, job
    # In autocommit the one statement is its own transaction. Inside a caller's transaction it gets
    # a savepoint, so a refused insert does not abort the caller's work.
    nested = transaction.atomic() if connection.in_atomic_block else nullcontext()
    with nested, connection.cursor() as cursor:
        cursor.execute(_postgresql_statement(d_columns, j_columns), [*d_params, *j_params])
        return cursor.fetchone() is not None


@lru_cache(maxsize=16)
def _postgresql_statement(d_columns: tuple[str, ...], j_columns: tuple[str, ...]) -> str:
    # Columns holding NULL are left out (their default is NULL), so no untyped NULL meets a typed
    # column in the SELECT list; strings resolve to text and every other value carries its type.
    qn = connection.ops.quote_name
    d_table, j_table = qn(WebhookDelivery._meta.db_table), qn(Job._meta.db_table)
    return (
        f"WITH stored AS (INSERT INTO {d_table} ({', '.join(map(qn, d_columns))}) "  # noqa: S608 - names from _meta
        f"VALUES ({', '.join(['%s'] * len(d_columns))}) "
        f"ON CONFLICT ({qn('platform')}, {qn('delivery_id')}) DO NOTHING RETURNING {qn('id')}) "
        f"INSERT INTO {j_table} ({', '.join(map(qn, j_columns))}, {qn('payload')}, {qn('delivery_id')}) "
        f"SELECT {', '.join(['%s'] * len(j_columns))}, jsonb_build_object('delivery_id', stored.{qn('id')}), "
        f"stored.{qn('id')} FROM stored RETURNING {qn('id')}"
    )


def _insert_sqlite(delivery: Row, job: Row) -> bool:
    """Two autocommit INSERTs, not one transaction: SQLite has one writer at a time, and a
    transaction held it while this thread waited for the interpreter lock between statements.
    The delivery's commit is the promise behind the 2xx; should the job's INSERT not follow (the
    process dies, the database refuses it), the sweeper plans the delivery (plan_orphaned_deliveries).
    """
    (d_columns, d_params), (j_columns, j_params) = delivery, job
    qn = connection.ops.quote_name
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {qn(WebhookDelivery._meta.db_table)} ({', '.join(map(qn, d_columns))}) "  # noqa: S608
            f"VALUES ({', '.join(['%s'] * len(d_columns))}) "
            f"ON CONFLICT ({qn('platform')}, {qn('delivery_id')}) DO NOTHING RETURNING {qn('id')}", d_params)
        stored = cursor.fetchone()
        if stored is None:
            return False
        try:
            cursor.execute(
                f"INSERT INTO {qn(Job._meta.db_table)} ({', '.join(map(qn, j_columns))}, {qn('payload')}, "  # noqa: S608
                f"{qn('delivery_id')}) VALUES ({', '.join(['%s'] * len(j_columns))}, json_object('delivery_id', %s), %s)",
                [*j_params, stored[0], stored[0]])
        except DatabaseError:
            logger.warning("delivery %s stored without its planning job; the sweeper will plan it", stored[0],
                           exc_info=True)
    return True


def _insert_orm(delivery: dict[str, Any], job: dict[str, Any]) -> bool:
    """Any other database: the ORM, with the unique constraint still deciding what is a repeat."""
    stored = WebhookDelivery(**delivery)
    try:
        with transaction.atomic():
            stored.save(force_insert=True)
            job_enqueue(organization=stored.organization, system=stored.system, kind=job["kind"],
                        payload={"delivery_id": stored.pk}, delivery=stored, max_attempts=job["max_attempts"])
    except IntegrityError:
        if not WebhookDelivery.objects.filter(platform=stored.platform, delivery_id=stored.delivery_id).exists():
            raise
        return False
    return True


# --------------------------------------------------------------------------- rows without the ORM
Row = tuple[tuple[str, ...], list[Any]]


def _row(model: type[models.Model], values: dict[str, Any]) -> Row:
    """(columns, database values) of a new row as save() would write it: the given values, then
    every other field's default. NULLs are left out (a column's default is NULL anyway), and the
    job's payload and delivery columns are filled in by the statements above."""
    columns: list[str] = []
    params: list[Any] = []
    for name, value in values.items():
        if value is not None:
            field = model._meta.get_field(name)
            columns.append(field.column)
            params.append(field.get_db_prep_save(value, connection))
    default_columns, default_params = _defaults(model, frozenset(values))
    return (*columns, *default_columns), [*params, *default_params]


@lru_cache(maxsize=8)
def _defaults(model: type[models.Model], given: frozenset[str]) -> tuple[tuple[str, ...], tuple[Any, ...]]:
    """Every other field's default, prepared for the database once per process."""
    columns: list[str] = []
    params: list[Any] = []
    for field in model._meta.concrete_fields:
        if field.primary_key or field.name in given or field.attname in given or field.name in _FILLED_IN:
            continue
        if field.has_default() and callable(field.default) and field.default not in (dict, list):
            raise TypeError(f"{model.__name__}.{field.name} has a computed default: give it a value")
        value = field.get_db_prep_save(field.get_default(), connection)
        if value is not None:
            columns.append(field.column)
            params.append(value)
    return tuple(columns), tuple(params)


_FILLED_IN = frozenset({"payload", "delivery"})
