"""Store a verified delivery and enqueue its planning job before we answer 2xx.

This runs in every webhook request, so it is written for the database rather than through the
ORM's save(): query compilation, per-statement work and commits cost more than the rows
themselves (docs/benchmarks.md, "intake"). Three things keep it cheap:
- Concurrent requests in one process are written together (syncjobs.group_commit).
- On PostgreSQL one statement stores the deliveries and their planning jobs, in autocommit: one
  round trip and one commit, all rows or none.
- On SQLite two INSERTs, each its own commit (see _write_sqlite for why, and what covers the gap).
A repeated delivery id is skipped by the unique constraint (ON CONFLICT DO NOTHING), never by a
read-then-write that two concurrent retries could both pass.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping, Sequence
from contextlib import nullcontext
from functools import lru_cache, partial
from typing import Any

from django.conf import settings
from django.db import DatabaseError, IntegrityError, connection, models, transaction
from django.utils import timezone

from connector.models import ConnectedSystem
from syncjobs.group_commit import GroupCommit
from syncjobs.ledger import doorbell_ring_after_commit, job_enqueue, queue_turn_ensure
from syncjobs.models import Job, WebhookDelivery

# Headers worth keeping for parsing and audit; never Authorization or cookies.
_KEPT_HEADER_PREFIXES = ("x-shopify-", "x-wc-", "intuit-", "x-ebay-", "ce-", "content-type", "user-agent",
                         "x-request-id")
PLAN_KIND = "webhook.plan"
logger = logging.getLogger("syncjobs.webhooks")

Delivery = dict[str, Any]  # WebhookDelivery field values, by attname


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
    delivery: Delivery = {
        "platform": platform, "delivery_id": delivery_id, "organization_id": organization_id,
        "system_id": system.pk if system else None, "topic": topic[:120], "headers": kept_headers(headers),
        "body": body.decode("utf-8", errors="replace"), "received_at": timezone.now()}
    if connection.in_atomic_block:
        # Inside a caller's transaction (never in a webhook request): other requests' rows must
        # not ride on a transaction that may still roll back.
        return write_deliveries([delivery])[0]
    return _group.submit(delivery)


def write_deliveries(deliveries: Sequence[Delivery]) -> list[bool]:
    """Store deliveries with their planning jobs; per delivery, False if its id was already stored."""
    if connection.vendor == "postgresql":
        stored = _write_postgresql(deliveries)
    elif connection.vendor == "sqlite" and connection.features.can_return_columns_from_insert:
        stored = _write_sqlite(deliveries)
    else:
        stored = {(d["platform"], d["delivery_id"]) for d in deliveries if _write_orm(d)}
    if stored:
        doorbell_ring_after_commit()
    return [(d["platform"], d["delivery_id"]) in stored for d in deliveries]


_group: GroupCommit[Delivery, bool] = GroupCommit(write_deliveries)


# --------------------------------------------------------------------------- one path per database
def _write_postgresql(deliveries: Sequence[Delivery]) -> set[tuple[str, str]]:
    columns = _delivery_columns()
    params = [value for delivery in deliveries for value in _delivery_values(delivery)]
    job_columns, job_params = _job_defaults()
    # In autocommit the one statement is its own transaction. Inside a caller's transaction it gets
    # a savepoint, so a refused insert does not abort the caller's work.
    nested = transaction.atomic() if connection.in_atomic_block else nullcontext()
    with nested, connection.cursor() as cursor:
        cursor.execute(_postgresql_statement(len(deliveries), columns, job_columns), [*params, *job_params])
        return {(platform, delivery_id) for platform, delivery_id in cursor.fetchall()}


@lru_cache(maxsize=128)
def _postgresql_statement(rows: int, columns: tuple[str, ...], job_columns: tuple[str, ...]) -> str:
    """Deliveries in, their planning jobs derived from the rows actually inserted, keys out."""
    qn = connection.ops.quote_name
    row = f"({', '.join(['%s'] * len(columns))})"
    derived = ("organization_id", "system_id", "run_after", "created_at", "payload", "delivery_id")
    return (
        f"WITH stored AS (INSERT INTO {qn(WebhookDelivery._meta.db_table)} ({', '.join(map(qn, columns))}) "  # noqa: S608 - names from _meta
        f"VALUES {', '.join([row] * rows)} ON CONFLICT ({qn('platform')}, {qn('delivery_id')}) DO NOTHING "
        f"RETURNING id, platform, delivery_id, organization_id, system_id, received_at), "
        f"planned AS (INSERT INTO {qn(Job._meta.db_table)} ({', '.join(map(qn, (*derived, *job_columns)))}) "
        f"SELECT organization_id, system_id, received_at, received_at, jsonb_build_object('delivery_id', id), id, "
        f"{', '.join(['%s'] * len(job_columns))} FROM stored) "
        f"SELECT platform, delivery_id FROM stored"
    )


def _write_sqlite(deliveries: Sequence[Delivery]) -> set[tuple[str, str]]:
    """Two autocommit INSERTs, not one transaction: SQLite has one writer at a time, and a
    transaction held it while this thread waited for the interpreter lock between statements.
    The deliveries' commit is the promise behind the 2xx; should the jobs' INSERT not follow (the
    process dies, the database refuses it), the sweeper plans them (plan_orphaned_deliveries).
    """
    deliveries_sql, jobs_sql = _sqlite_statements(len(deliveries))
    job_columns, job_params = _job_defaults()
    with connection.cursor() as cursor:
        cursor.execute(deliveries_sql, [value for delivery in deliveries for value in _delivery_values(delivery)])
        inserted = cursor.fetchall()
        if not inserted:
            return set()
        ids = [pk for pk, _platform, _delivery_id in inserted]
        try:
            cursor.execute(jobs_sql if len(ids) == len(deliveries) else _sqlite_statements(len(ids))[1],
                           [*job_params, *ids])
        except DatabaseError:
            logger.warning("%d deliveries stored without their planning jobs; the sweeper will plan them",
                           len(ids), exc_info=True)
    return {(platform, delivery_id) for _pk, platform, delivery_id in inserted}


@lru_cache(maxsize=128)
def _sqlite_statements(rows: int) -> tuple[str, str]:
    """(INSERT of `rows` deliveries returning their keys, INSERT of the planning jobs of `rows` ids)."""
    qn = connection.ops.quote_name
    columns = _delivery_columns()
    job_columns, _params = _job_defaults()
    row = f"({', '.join(['%s'] * len(columns))})"
    deliveries = (
        f"INSERT INTO {qn(WebhookDelivery._meta.db_table)} ({', '.join(map(qn, columns))}) "  # noqa: S608
        f"VALUES {', '.join([row] * rows)} ON CONFLICT ({qn('platform')}, {qn('delivery_id')}) "
        f"DO NOTHING RETURNING id, platform, delivery_id")
    jobs = (
        f"INSERT INTO {qn(Job._meta.db_table)} (organization_id, system_id, run_after, created_at, "  # noqa: S608
        f"payload, delivery_id{''.join(', ' + qn(c) for c in job_columns)}) "
        f"SELECT organization_id, system_id, received_at, received_at, json_object('delivery_id', id), id"
        f"{', %s' * len(job_columns)} FROM {qn(WebhookDelivery._meta.db_table)} "
        f"WHERE id IN ({', '.join(['%s'] * rows)})")
    return deliveries, jobs


def _write_orm(delivery: Delivery) -> bool:
    """Any other database: the ORM, one delivery at a time, the unique constraint deciding repeats."""
    stored = WebhookDelivery(**delivery)
    try:
        with transaction.atomic():
            stored.save(force_insert=True)
            job_enqueue(organization=stored.organization, system=stored.system, kind=PLAN_KIND,
                        payload={"delivery_id": stored.pk}, delivery=stored, run_after=stored.received_at)
    except IntegrityError:
        if not WebhookDelivery.objects.filter(platform=stored.platform, delivery_id=stored.delivery_id).exists():
            raise
        return False
    return True


# --------------------------------------------------------------------------- rows without the ORM
@lru_cache(maxsize=1)
def _delivery_columns() -> tuple[str, ...]:
    return tuple(f.column for f in WebhookDelivery._meta.concrete_fields if not f.primary_key)


def _delivery_values(delivery: Delivery) -> list[Any]:
    """A delivery's database values, column by column, as save() would write them."""
    return [value if prepare is None or value is None else prepare(value)
            for value, prepare in zip(_delivery_row(delivery), _delivery_preparers(), strict=True)]


def _delivery_row(delivery: Delivery) -> list[Any]:
    return [delivery.get(attname, default) for attname, default in _delivery_defaults()]


@lru_cache(maxsize=1)
def _delivery_defaults() -> tuple[tuple[str, Any], ...]:
    """(attname, prepared default) per column; a given value replaces the default."""
    return tuple((f.attname, _prepared_default(f)) for f in WebhookDelivery._meta.concrete_fields if not f.primary_key)


@lru_cache(maxsize=1)
def _delivery_preparers() -> tuple[Callable[[Any], Any] | None, ...]:
    """Per column, how a given value becomes a database value; None where it already is one (text
    and ids: CharField and ForeignKey preparation leaves a str or an int unchanged)."""
    preparers: list[Callable[[Any], Any] | None] = []
    for field in WebhookDelivery._meta.concrete_fields:
        if field.primary_key:
            continue
        if isinstance(field, models.CharField | models.TextField | models.ForeignKey):
            preparers.append(None)
        else:
            preparers.append(partial(_prepare_for_save, field))
    return tuple(preparers)


def _prepare_for_save(field: models.Field, value: Any) -> Any:
    return field.get_db_prep_save(value, connection)


def _job_defaults() -> tuple[tuple[str, ...], tuple[Any, ...]]:
    """The planning job's columns besides those taken from its delivery row: the attempts allowed
    (a setting, read each time), its kind and every other field's default (prepared once)."""
    columns, params = _job_constants()
    return ("max_attempts", *columns), (settings.JOB_MAX_ATTEMPTS, *params)


@lru_cache(maxsize=1)
def _job_constants() -> tuple[tuple[str, ...], tuple[Any, ...]]:
    derived = {"organization", "system", "run_after", "created_at", "payload", "delivery", "max_attempts"}
    own = {"kind": PLAN_KIND}
    columns: list[str] = []
    params: list[Any] = []
    for field in Job._meta.concrete_fields:
        if field.primary_key or field.name in derived:
            continue
        value = (field.get_db_prep_save(own[field.name], connection) if field.name in own
                 else _prepared_default(field))
        if value is not None:
            columns.append(field.column)
            params.append(value)
    return tuple(columns), tuple(params)


def _prepared_default(field: models.Field) -> Any:
    if field.has_default() and callable(field.default) and field.default not in (dict, list):
        raise TypeError(f"{field.model.__name__}.{field.name} has a computed default: intake must give it")
    return field.get_db_prep_save(field.get_default(), connection)
