"""The import benchmark as a test: 50,000 rows within 3x a plain bulk_create of the same links."""

from __future__ import annotations

import pytest

from tests.backoffice.mappings_benchmark import measure

pytestmark = [pytest.mark.slow, pytest.mark.django_db]


def test_importing_50000_rows_costs_under_3x_a_plain_bulk_create() -> None:
    result = measure(50_000)
    ratio = result["import"] / result["bulk_create"]
    print(f"import {result['import']:.2f}s, bulk_create {result['bulk_create']:.2f}s, ratio {ratio:.2f}x, "
          f"peak {result['peak'] / 1e6:.0f} MB")
    assert ratio < 3
    assert result["peak"] < 400e6
