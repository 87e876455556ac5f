"""Money helpers the store emulators share: cents, and a fixed amount spread over lines."""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from typing import Any

CENT = Decimal("0.01")


class MoneyError(ValueError):
    pass


def amount(value: Any, name: str) -> Decimal:
    """A non-negative amount from a control request ("12.50", 12.5, 0), or a clear error."""
    try:
        number = Decimal(str(value if value not in (None, "") else 0))
    except (InvalidOperation, ValueError) as exc:
        raise MoneyError(f"{name} must be a number, not {value!r}") from exc
    if not number.is_finite() or number < 0:
        raise MoneyError(f"{name} must be 0 or more, not {value!r}")
    return number


def rate(value: Any) -> Decimal:
    """A tax rate as a fraction (0.2 for 20 %); 1 or more is refused as a likely percentage."""
    number = amount(value, "tax_rate")
    if number >= 1:
        raise MoneyError(f"tax_rate is a fraction (0.2 for 20 %), not {value!r}")
    return number


def cents(value: Decimal) -> Decimal:
    return value.quantize(CENT, rounding=ROUND_HALF_UP)


def text(value: Decimal) -> str:
    return str(cents(value))


def allocate(total: Decimal, weights: list[Decimal]) -> list[Decimal]:
    """`total` spread over lines in proportion to their weights, in cents: each line gets the
    rounded running share less what the lines before it got, so the shares add up to the total
    exactly, none is negative and none exceeds its weight."""
    base = sum(weights, Decimal(0))
    if not weights or base <= 0:
        return [Decimal(0) for _ in weights]
    total = min(cents(total), base)
    shares, given, running = [], Decimal(0), Decimal(0)
    for weight in weights:
        running += weight
        upto = cents(total * running / base)
        shares.append(upto - given)
        given = upto
    return shares
