"""Properties the platforms' own totals keep, searched by Hypothesis over the emulators' pricing."""

from __future__ import annotations

from decimal import Decimal

from hypothesis import given, settings
from hypothesis import strategies as st

from emulators.money import allocate
from emulators.opencart.totals import Product, order_totals
from emulators.woocommerce.totals import Coupon, compute

cents = st.integers(min_value=1, max_value=50_000).map(lambda c: Decimal(c) / 100)
lines = st.lists(st.tuples(cents, st.integers(min_value=1, max_value=9)), min_size=1, max_size=5)
rates = st.sampled_from([Decimal(0), Decimal("5"), Decimal("7.5"), Decimal("10"), Decimal("19"), Decimal("20"),
                         Decimal("21")])


@settings(max_examples=200, deadline=None)
@given(lines=lines, rate=rates, discount=st.one_of(st.none(), cents))
def test_woocommerce_prices_with_tax_total_what_the_shopper_was_shown(lines, rate, discount) -> None:
    """Prices entered with tax: each line's net and tax, each rounded its own way, add back up to
    its gross, so the order totals the gross less the coupon, to the cent."""
    coupon = Coupon(code="c", kind="fixed_cart", amount=discount) if discount is not None else None
    totals = compute(lines, rate_percent=rate, inclusive=True, coupon=coupon, shipping=Decimal(0),
                     shipping_taxable=False, fees=[])
    gross = sum((unit * quantity * 100 for unit, quantity in lines), Decimal(0))
    given_off = sum((line.discount for line in totals.lines), Decimal(0))
    assert totals.total == gross - given_off
    assert given_off == min(gross, (discount or Decimal(0)) * 100)


@settings(max_examples=200, deadline=None)
@given(lines=lines, rate=rates, shipping=st.one_of(st.just(Decimal(0)), cents))
def test_woocommerce_prices_without_tax_total_net_plus_rounded_taxes(lines, rate, shipping) -> None:
    totals = compute(lines, rate_percent=rate, inclusive=False, coupon=None, shipping=shipping,
                     shipping_taxable=True, fees=[])
    net = sum((unit * quantity * 100 for unit, quantity in lines), Decimal(0))
    assert totals.total == net + totals.items_tax + shipping * 100 + totals.shipping_tax
    assert abs(totals.items_tax - sum((line.taxes for line in totals.lines), Decimal(0))) <= Decimal("0.5") * len(lines)


@settings(max_examples=200, deadline=None)
@given(total=cents, weights=st.lists(cents, min_size=1, max_size=6))
def test_an_allocation_gives_exactly_the_amount_and_no_line_more_than_it_has(total, weights) -> None:
    shares = allocate(total, weights)
    assert sum(shares) == min(total, sum(weights)) and all(0 <= s <= w for s, w in zip(shares, weights, strict=True))


@settings(max_examples=200, deadline=None)
@given(lines=lines, rate=st.sampled_from([Decimal(0), Decimal("0.1"), Decimal("0.2")]), coupon=cents)
def test_opencart_total_is_the_sum_of_its_rows(lines, rate, coupon) -> None:
    rows = order_totals([Product(unit, quantity) for unit, quantity in lines], rate=rate, rate_title="VAT",
                        shipping=Decimal(0), shipping_taxable=False, coupon=("C", "F", coupon), extra=[])
    *parts, (code, _title, total, _order) = rows
    assert code == "total" and abs(total - sum(value for _, _, value, _ in parts)) <= Decimal("0.0003")
