"""Small document-store API over EmulatorRecord / EmulatorSequence for the platform emulators."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from django.db import IntegrityError, transaction
from django.db.models import F

from emulators.models import EmulatorAccount, EmulatorRecord, EmulatorSequence


class EmulatorStore:
    def __init__(self, platform: str, account: str) -> None:
        self.platform = platform
        self.account = account

    # accounts ------------------------------------------------------------
    def ensure_account(self, **config: Any) -> EmulatorAccount:
        obj, created = EmulatorAccount.objects.get_or_create(
            platform=self.platform, account=self.account, defaults={"config": config}
        )
        if not created and config:
            obj.config = {**obj.config, **config}
            obj.save(update_fields=["config"])
        return obj

    def config(self) -> dict[str, Any]:
        row = EmulatorAccount.objects.filter(platform=self.platform, account=self.account).first()
        return dict(row.config) if row else {}

    def exists(self) -> bool:
        return EmulatorAccount.objects.filter(platform=self.platform, account=self.account).exists()

    @staticmethod
    def accounts(platform: str) -> list[str]:
        return list(EmulatorAccount.objects.filter(platform=platform).order_by("id").values_list("account", flat=True))

    # documents -----------------------------------------------------------
    def _rows(self, collection: str) -> Any:
        return EmulatorRecord.objects.filter(platform=self.platform, account=self.account, collection=collection)

    def get(self, collection: str, key: str | int) -> dict[str, Any] | None:
        row = self._rows(collection).filter(key=str(key)).values_list("data", flat=True).first()
        return dict(row) if row is not None else None

    def get_for_update(self, collection: str, key: str | int) -> dict[str, Any] | None:
        row = self._rows(collection).select_for_update().filter(key=str(key)).values_list("data", flat=True).first()
        return dict(row) if row is not None else None

    def put(self, collection: str, key: str | int, data: dict[str, Any]) -> None:
        updated = self._rows(collection).filter(key=str(key)).update(data=data)
        if not updated:
            try:
                with transaction.atomic():
                    EmulatorRecord.objects.create(platform=self.platform, account=self.account,
                                                  collection=collection, key=str(key), data=data)
            except IntegrityError:
                self._rows(collection).filter(key=str(key)).update(data=data)

    def delete(self, collection: str, key: str | int) -> bool:
        deleted, _ = self._rows(collection).filter(key=str(key)).delete()
        return bool(deleted)

    def all(self, collection: str) -> list[dict[str, Any]]:
        return [dict(d) for d in self._rows(collection).order_by("id").values_list("data", flat=True)]

    def iterate(self, collection: str, chunk: int = 2000) -> Iterator[dict[str, Any]]:
        for data in self._rows(collection).order_by("id").values_list("data", flat=True).iterator(chunk_size=chunk):
            yield dict(data)

    def page(self, collection: str, *, offset: int, limit: int) -> list[dict[str, Any]]:
        rows = self._rows(collection).order_by("id").values_list("data", flat=True)[offset:offset + limit]
        return [dict(d) for d in rows]

    def count(self, collection: str) -> int:
        return self._rows(collection).count()

    def next_id(self, name: str, start: int = 1) -> int:
        seq = EmulatorSequence.objects.filter(platform=self.platform, account=self.account, name=name)
        with transaction.atomic():
            if not seq.update(value=F("value") + 1):
                try:
                    with transaction.atomic():
                        EmulatorSequence.objects.create(platform=self.platform, account=self.account,
                                                        name=name, value=start)
                        return start
                except IntegrityError:
                    seq.update(value=F("value") + 1)
            return int(seq.values_list("value", flat=True).get())
