"""Intake before and after: the intake benchmark against two git revisions, rounds interleaved.

    .venv/bin/python -m bench.compare_intake 9a8755f HEAD

Each revision is checked out (git worktree, under var/bench/compare/) and served by its own
gunicorn, as bench_intake serves it (BENCH_COMPARE_SERVER: "wsgi", the threaded server every
revision has, by default; "asgi" for revisions that have connector/asgi.py), on its own database: a fresh SQLite file, or one beside
BENCH_DATABASE_URL. Then rounds of BENCH_COMPARE_ROUND_SECONDS (default 5) are taken in turn,
BENCH_COMPARE_ROUNDS times (default 6): trivial, QuickBooks, Shopify on the first revision, the
same on the second, and so on. A virtual machine's speed drifts; interleaving lets both revisions
see the same drift, so their ratios can be compared even where absolute figures cannot.
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

from bench import bench_intake as intake

ROUND_SECONDS = float(os.environ.get("BENCH_COMPARE_ROUND_SECONDS", "5"))
ROUNDS = int(os.environ.get("BENCH_COMPARE_ROUNDS", "6"))
SERVER = os.environ.get("BENCH_COMPARE_SERVER", "wsgi")
KINDS = ("trivial", "quickbooks", "shopify")


def _checkout(revision: str, place: Path) -> Path:
    subprocess.run(["git", "worktree", "remove", "--force", str(place)], cwd=intake.ROOT, capture_output=True)
    subprocess.run(["git", "worktree", "add", "--detach", str(place), revision], cwd=intake.ROOT, check=True,
                   capture_output=True)
    return place


def _database(label: str) -> str:
    url = os.environ.get("BENCH_DATABASE_URL")
    if url:
        import psycopg

        base = url.rpartition("/")[0]
        with psycopg.connect(f"{base}/postgres", autocommit=True) as conn:
            conn.execute(f"DROP DATABASE IF EXISTS compare_{label} WITH (FORCE)")
            conn.execute(f"CREATE DATABASE compare_{label}")
        return f"{base}/compare_{label}"
    path = intake.ROOT / "var" / "bench" / f"compare_{label}.sqlite3"
    for suffix in ("", "-wal", "-shm"):
        Path(f"{path}{suffix}").unlink(missing_ok=True)
    return f"sqlite:///{path}"


def _serve(source: Path, label: str) -> tuple[subprocess.Popen[bytes], int, str]:
    env = {**os.environ, "DATABASE_URL": _database(label), "PYTHONPATH": str(source),
           "QUICKBOOKS_WEBHOOK_VERIFIER_TOKEN": intake.VERIFIER, "SHOPIFY_CLIENT_SECRET": intake.SHOPIFY_SECRET,
           "CONNECTOR_TESTING": "1", "LOG_LEVEL": "WARNING", "CONNECTOR_EMULATORS": "false"}
    env.pop("CONNECTOR_VAR_DIR", None)
    manage = [sys.executable, str(source / "manage.py")]
    subprocess.run([*manage, "migrate", "--noinput", "-v0"], env=env, check=True, cwd=source)
    script = ("from accounts.models import Organization; from connector.models import ConnectedSystem;"
              "o,_=Organization.objects.get_or_create(slug='bench',defaults={'name':'Bench'});"
              "s,_=ConnectedSystem.objects.get_or_create(organization=o, platform='shopify',"
              "external_account_id='bench.myshopify.com', defaults={'role':'store','display_name':'Bench shop'});"
              "print(s.public_id)")
    done = subprocess.run([*manage, "shell", "-c", script], env=env, check=True, cwd=source, capture_output=True,
                          text=True)
    port = intake._free_port()
    server = subprocess.Popen([*intake.server_command(port, server=SERVER), "--chdir", str(source)],
                              env={**env, "WEB_THREADS": str(intake.THREADS)}, cwd=source)
    return server, port, done.stdout.strip().splitlines()[-1]


def main(revisions: list[str]) -> int:
    if len(revisions) != 2:
        print(__doc__)
        return 2
    places = intake.ROOT / "var" / "bench" / "compare"
    places.mkdir(parents=True, exist_ok=True)
    servers = {}
    try:
        for n, revision in enumerate(revisions):
            label = f"r{n}"
            servers[revision] = _serve(_checkout(revision, places / label), label)
        time.sleep(3)
        for _server, port, system in servers.values():
            intake._round(port, "trivial", system, 1.0)  # warm up every thread
        rates: dict[str, dict[str, float]] = {revision: dict.fromkeys(KINDS, 0.0) for revision in revisions}
        for _ in range(ROUNDS):
            for revision, (_server, port, system) in servers.items():
                for kind in KINDS:
                    latencies, _errors = intake._round(port, kind, system, ROUND_SECONDS)
                    rates[revision][kind] += len(latencies) / (ROUND_SECONDS * ROUNDS)
        vendor = "postgresql" if os.environ.get("BENCH_DATABASE_URL") else "sqlite"
        print(f"\nintake per second, {vendor}, {intake.server_label(SERVER)}, {intake.CLIENTS} clients, "
              f"{ROUNDS} x {ROUND_SECONDS:g} s per kind")
        for revision, rate in rates.items():
            print(f"{revision:>12}: trivial {rate['trivial']:7.0f}  quickbooks {rate['quickbooks']:7.0f} "
                  f"({rate['quickbooks'] / rate['trivial']:.2f}x)  shopify {rate['shopify']:7.0f} "
                  f"({rate['shopify'] / rate['trivial']:.2f}x)")
        return 0
    finally:
        for server, _port, _system in servers.values():
            server.terminate()
            server.wait(timeout=20)
        for n in range(len(revisions)):
            subprocess.run(["git", "worktree", "remove", "--force", str(places / f"r{n}")], cwd=intake.ROOT,
                           capture_output=True)


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
