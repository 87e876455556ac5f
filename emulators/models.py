"""State of the platform emulators, in the database so the web server and workers share it.

One generic document table serves every emulator: a platform's emulator keeps its items, orders,
tokens... as JSON documents in named collections of an account (realm, shop, site).
"""

from __future__ import annotations

from django.db import models


class EmulatorAccount(models.Model):
    platform = models.CharField(max_length=40)
    account = models.CharField(max_length=255)
    config = models.JSONField(default=dict, blank=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["platform", "account"], name="emulator_account_unique")]


class EmulatorRecord(models.Model):
    platform = models.CharField(max_length=40)
    account = models.CharField(max_length=255)
    collection = models.CharField(max_length=60)
    key = models.CharField(max_length=255)
    data = models.JSONField(default=dict)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["platform", "account", "collection", "key"], name="emulator_record_unique")
        ]
        indexes = [models.Index(fields=["platform", "account", "collection", "id"])]


class EmulatorSequence(models.Model):
    platform = models.CharField(max_length=40)
    account = models.CharField(max_length=255)
    name = models.CharField(max_length=60)
    value = models.BigIntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["platform", "account", "name"], name="emulator_sequence_unique")
        ]


class EmulatorFaults(models.Model):
    platform = models.CharField(max_length=40, unique=True)
    error_rate = models.FloatField(default=0)
    statuses = models.JSONField(default=list)  # ints, or "timeout", "reset", "applied_then_failed"
    latency_ms = models.PositiveIntegerField(default=0)
    seed = models.BigIntegerField(default=0)
    calls = models.BigIntegerField(default=0)
    webhook_drop_rate = models.FloatField(default=0)


class EmulatorOutbox(models.Model):
    """A webhook an emulator wants to deliver to the connector."""

    platform = models.CharField(max_length=40)
    url = models.CharField(max_length=500)
    headers = models.JSONField(default=dict)
    body = models.BinaryField()
    created_at = models.DateTimeField(auto_now_add=True)
    delivered_at = models.DateTimeField(null=True, blank=True)
    attempts = models.PositiveIntegerField(default=0)
    last_status = models.IntegerField(null=True, blank=True)
    dropped = models.BooleanField(default=False)
