"""The order polling cursor: `<date_modified>|<order ids already yielded at that second>`.

`date_modified` has one-second resolution and an order can be modified again later in the very
second we read it. A plain (timestamp, last id) cursor would then skip an order with a lower id
modified in that second after our read. So the next poll re-reads the cursor's whole second and
leaves out only the ids listed: orders sharing a second are neither skipped nor repeated, and
`ts|id` (one id) keeps the familiar shape.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from connector.platforms.base import PermanentError

STAMP = re.compile(r"^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}$")


@dataclass(frozen=True)
class Cursor:
    stamp: str = ""  # "" = start from the default look-back
    seen: frozenset[int] = frozenset()

    def after(self, stamp: str, order_id: int) -> Cursor:
        """The cursor once `order_id`, modified at `stamp`, is processed."""
        if stamp == self.stamp:
            return Cursor(stamp, self.seen | {order_id})
        return Cursor(stamp, frozenset({order_id}))

    def encode(self) -> str:
        return f"{self.stamp}|{','.join(str(i) for i in sorted(self.seen))}" if self.stamp else ""


def parse_cursor(value: str) -> Cursor:
    if not value:
        return Cursor()
    stamp, _, ids = value.partition("|")
    if not STAMP.match(stamp):
        raise PermanentError(f"The stored OpenCart order cursor {value!r} is not readable.")
    try:
        seen = frozenset(int(part) for part in ids.split(",") if part.strip())
    except ValueError as exc:
        raise PermanentError(f"The stored OpenCart order cursor {value!r} is not readable.") from exc
    return Cursor(stamp, seen)
