"""`make bench`: run every benchmark, print one table (benchmark, measured, baseline, ratio).

Each module exposes run() -> list[BenchResult]. BENCH_ONLY=name1,name2 runs a subset;
BENCH_DATABASE_URL runs against another database (e.g. PostgreSQL).
"""

from __future__ import annotations

import importlib
import os
import sys
import traceback

MODULES = [
    "bench.bench_ledger",
    "bench.bench_match",
    "bench.bench_fanout",
    "bench.bench_latency",
    "bench.bench_orders",
    "bench.bench_import",
    "bench.bench_intake",
]


def main() -> int:
    from bench.common import setup_django

    setup_django(os.environ.get("BENCH_DATABASE_URL"))
    only = {name.strip() for name in os.environ.get("BENCH_ONLY", "").split(",") if name.strip()}
    rows = []
    failed = 0
    for dotted in MODULES:
        short = dotted.rsplit(".", 1)[-1]
        if only and short not in only:
            continue
        try:
            module = importlib.import_module(dotted)
        except ModuleNotFoundError as exc:
            if exc.name == dotted:
                continue  # not written yet
            raise
        try:
            rows.extend(module.run())
        except Exception:  # noqa: BLE001 - report and go on with the other benchmarks
            failed += 1
            print(f"{short} failed:", file=sys.stderr)
            traceback.print_exc()
    print(f"\n{'benchmark':<58} {'measured':>14} {'baseline':>14} {'ratio':>8}")
    print("-" * 97)
    for row in rows:
        print(f"{row.name:<58} {row.measured:>12.3f}{row.unit:>2} {row.baseline:>12.3f}{row.unit:>2} {row.ratio:>7.2f}x"
              + (f"  {row.note}" if row.note else ""))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
