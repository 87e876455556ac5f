"""The order polling cursor: `<date_modified>|<order_id>:<order_status_id>,...`.

`date_modified` has one-second resolution, and an order can be modified again later in the very
second we read it. A plain (timestamp, last id) cursor would then skip an order with a lower id
modified in that second after our read, and an order whose status moved on within the second
(OpenCart confirms an order and records its payment status in quick succession). So the next
poll re-reads the cursor's whole second and leaves out only the orders listed, and only while
they still have the status we saw. `ts|id` (no status) is read too: that order is left out
whatever its status.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from connector.platforms.base import PermanentError

STAMP = re.compile(r"^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}$")


@dataclass(frozen=True)
class Cursor:
    stamp: str = ""  # "" = start from the default look-back
    seen: tuple[tuple[int, int | None], ...] = field(default=())  # (order id, status id), sorted

    def after(self, stamp: str, order_id: int, status_id: int | None) -> Cursor:
        """The cursor once `order_id`, modified at `stamp` with `status_id`, is processed."""
        if stamp != self.stamp:
            return Cursor(stamp, ((order_id, status_id),))
        kept = {i: s for i, s in self.seen if i != order_id}
        kept[order_id] = status_id
        return Cursor(stamp, tuple(sorted(kept.items())))

    def encode(self) -> str:
        if not self.stamp:
            return ""
        return f"{self.stamp}|" + ",".join(str(i) if s is None else f"{i}:{s}" for i, s in self.seen)


def parse_cursor(value: str) -> Cursor:
    if not value:
        return Cursor()
    stamp, _, ids = value.partition("|")
    if not STAMP.match(stamp):
        raise PermanentError(f"The stored OpenCart order cursor {value!r} is not readable.")
    seen: dict[int, int | None] = {}
    try:
        for part in (p.strip() for p in ids.split(",")):
            if part:
                order_id, _, status = part.partition(":")
                seen[int(order_id)] = int(status) if status else None
    except ValueError as exc:
        raise PermanentError(f"The stored OpenCart order cursor {value!r} is not readable.") from exc
    return Cursor(stamp, tuple(sorted(seen.items())))
