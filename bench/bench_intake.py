"""Webhook intake under gunicorn on loopback: signed QuickBooks and Shopify deliveries per second
with p50 / p99 latency, versus a trivial view (/livez) on the same server.

BENCH_INTAKE_SECONDS (default 60) per kind; BENCH_INTAKE_CLIENTS client processes (default: one per
server thread, so that the server, not the number of clients, sets the pace).
The time is cut into rounds of BENCH_INTAKE_ROUND_SECONDS (default 5) taken in turn (trivial,
QuickBooks, Shopify, trivial, ...), so a virtual machine's speed drifting during the run weighs
on the baseline and the measurement alike. Uses its own database: a fresh SQLite file, or
BENCH_DATABASE_URL (PostgreSQL).
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import http.client
import itertools
import json
import multiprocessing
import os
import random
import shutil
import socket
import statistics
import subprocess
import sys
import time
import uuid
from pathlib import Path
from typing import Any

from bench.common import BenchResult

SECONDS = float(os.environ.get("BENCH_INTAKE_SECONDS", "60"))
ROUND_SECONDS = float(os.environ.get("BENCH_INTAKE_ROUND_SECONDS", "5"))
KINDS = ("trivial", "quickbooks", "shopify")
# The server as the README runs it in production: two processes with sixteen threads each.
WORKERS = int(os.environ.get("BENCH_INTAKE_WORKERS", "2"))
THREADS = int(os.environ.get("BENCH_INTAKE_THREADS", "16"))
CLIENTS = int(os.environ.get("BENCH_INTAKE_CLIENTS", str(WORKERS * THREADS)))
# "asgi": connector.asgi under uvicorn's worker, as the README runs it; "wsgi": connector.wsgi under
# gunicorn's threaded worker, the server before it. Both by default, their rounds interleaved.
SERVERS = tuple(os.environ.get("BENCH_INTAKE_SERVERS", "asgi,wsgi").split(","))
PREPARED_PER_CLIENT = int(os.environ.get("BENCH_INTAKE_PREPARED", "4000"))
VERIFIER = "bench-verifier-token"
SHOPIFY_SECRET = "bench-shopify-secret"
ROOT = Path(__file__).resolve().parent.parent


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def server_command(port: int, *, server: str, workers: int = WORKERS, threads: int = THREADS) -> list[str]:
    gunicorn = str(Path(sys.executable).parent / "gunicorn")
    common = ["-w", str(workers), "-b", f"127.0.0.1:{port}", "--log-level", "warning"]
    if server == "wsgi":
        return [gunicorn, "connector.wsgi", "--threads", str(threads), *common]
    return [gunicorn, "connector.asgi", "-k", "uvicorn_worker.UvicornWorker", *common]


def server_label(server: str) -> str:
    return f"gunicorn {WORKERS}x{THREADS} threads" if server == "wsgi" else f"gunicorn+uvicorn {WORKERS} workers"


def _qbo_request(n: int) -> tuple[str, bytes, dict[str, str]]:
    body = json.dumps({"eventNotifications": [{"realmId": "4620816365000000", "dataChangeEvent": {"entities": [
        {"name": "Item", "id": str(n), "operation": "Update", "lastUpdated": "2026-11-22T10:00:00.000Z"}]}}]}).encode()
    signature = base64.b64encode(hmac.new(VERIFIER.encode(), body, hashlib.sha256).digest()).decode()
    return "/webhooks/quickbooks/", body, {"intuit-signature": signature, "Content-Type": "application/json"}


def _shopify_request(n: int, system_uuid: str) -> tuple[str, bytes, dict[str, str]]:
    body = json.dumps({"inventory_item_id": 271878346596884000 + n, "location_id": 24826418,
                       "available": n % 50, "updated_at": "2026-11-22T10:00:00-05:00"}).encode()
    signature = base64.b64encode(hmac.new(SHOPIFY_SECRET.encode(), body, hashlib.sha256).digest()).decode()
    return f"/webhooks/shopify/{system_uuid}/", body, {
        "X-Shopify-Hmac-Sha256": signature, "X-Shopify-Topic": "inventory_levels/update",
        "X-Shopify-Webhook-Id": str(uuid.uuid4()), "X-Shopify-Shop-Domain": "bench.myshopify.com",
        "X-Shopify-API-Version": "2025-10", "X-Shopify-Triggered-At": "2026-11-22T10:00:00Z",
        "Content-Type": "application/json"}


def _raw_request(kind: str, n: int, system_uuid: str) -> bytes:
    """One complete HTTP/1.1 request, signed ahead of time so the round measures the server only."""
    if kind == "trivial":
        path, body, headers, method = "/livez", b"", {}, "GET"
    else:
        path, body, headers = _qbo_request(n) if kind == "quickbooks" else _shopify_request(n, system_uuid)
        method = "POST"
    lines = [f"{method} {path} HTTP/1.1", "Host: 127.0.0.1", f"Content-Length: {len(body)}",
             *(f"{name}: {value}" for name, value in headers.items())]
    return ("\r\n".join(lines) + "\r\n\r\n").encode() + body


class _Connection:
    """Keep-alive HTTP over a plain socket: send prepared bytes, read one response, keep its status."""

    def __init__(self, port: int) -> None:
        self.sock = socket.create_connection(("127.0.0.1", port), timeout=30)
        self.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        self.pending = b""

    def exchange(self, request: bytes) -> int:
        self.sock.sendall(request)
        data = self.pending
        while b"\r\n\r\n" not in data:
            chunk = self.sock.recv(65536)
            if not chunk:
                raise ConnectionError("the server closed the connection")
            data += chunk
        head, _, rest = data.partition(b"\r\n\r\n")
        length = 0
        for line in head.split(b"\r\n")[1:]:
            name, _, value = line.partition(b":")
            if name.strip().lower() == b"content-length":
                length = int(value)
        while len(rest) < length:
            chunk = self.sock.recv(65536)
            if not chunk:
                raise ConnectionError("the server closed the connection")
            rest += chunk
        self.pending = rest[length:]
        return int(head.split(b" ", 2)[1])

    def close(self) -> None:
        self.sock.close()


def _client(port: int, kind: str, system_uuid: str, seconds: float, worker: int, start: Any,
            out: multiprocessing.Queue) -> None:
    # Every request is signed before the clock starts, and all clients start together, so the
    # round measures the server rather than the load generator's signing (the machine is shared).
    first = random.randrange(1 << 48)  # every delivery of the run distinct, so stored rows can be counted
    count = 1 if kind == "trivial" else PREPARED_PER_CLIENT
    prepared = [_raw_request(kind, first + i, system_uuid) for i in range(count)]
    conn = _Connection(port)
    latencies: list[float] = []
    errors = 0
    start.wait()
    deadline = time.perf_counter() + seconds
    for index in itertools.count():
        if time.perf_counter() >= deadline:
            break
        if index >= len(prepared) and kind != "trivial":
            out.put((latencies, errors, True))  # ran out: the caller says so rather than reuse one
            conn.close()
            return
        started = time.perf_counter()
        try:
            status = conn.exchange(prepared[index % len(prepared)])
        except OSError:
            errors += 1
            conn.close()
            conn = _Connection(port)
            continue
        if status != 200:
            errors += 1
            continue
        latencies.append(time.perf_counter() - started)  # answered 200: for a delivery, stored
    conn.close()
    out.put((latencies, errors, False))


def _round(port: int, kind: str, system_uuid: str, seconds: float) -> tuple[list[float], int]:
    queue: multiprocessing.Queue = multiprocessing.Queue()
    start = multiprocessing.Barrier(CLIENTS)
    procs = [multiprocessing.Process(target=_client, args=(port, kind, system_uuid, seconds, i, start, queue))
             for i in range(CLIENTS)]
    for proc in procs:
        proc.start()
    latencies: list[float] = []
    errors = 0
    exhausted = False
    for _ in procs:
        lat, err, ran_out = queue.get()
        latencies.extend(lat)
        errors += err
        exhausted |= ran_out
    for proc in procs:
        proc.join()
    if exhausted:
        raise RuntimeError(f"a client sent all {PREPARED_PER_CLIENT} prepared {kind} requests before the round "
                           "ended: raise BENCH_INTAKE_PREPARED")
    return latencies, errors


Summary = tuple[float, float, float, int, int]  # per second, p50 ms, p99 ms, errors, answered 200


def _summary(latencies: list[float], errors: int, seconds: float) -> Summary:
    latencies.sort()
    per_second = len(latencies) / seconds
    p50 = statistics.median(latencies) * 1000 if latencies else 0.0
    p99 = latencies[int(len(latencies) * 0.99) - 1] * 1000 if latencies else 0.0
    return per_second, p50, p99, errors, len(latencies)


def _load_in_turns(ports: dict[str, int], system_uuid: str) -> dict[tuple[str, str], Summary]:
    """Rounds of every kind on every server, taken in turn: (server, kind) -> its Summary."""
    rounds = max(1, round(SECONDS / ROUND_SECONDS))
    seconds = SECONDS / rounds
    collected: dict[tuple[str, str], tuple[list[float], int]] = {
        (server, kind): ([], 0) for server in ports for kind in KINDS}
    for _ in range(rounds):
        for server, port in ports.items():
            for kind in KINDS:
                latencies, errors = _round(port, kind, system_uuid, seconds)
                so_far = collected[server, kind]
                collected[server, kind] = (so_far[0] + latencies, so_far[1] + errors)
    return {key: _summary(latencies, errors, seconds * rounds) for key, (latencies, errors) in collected.items()}


def _prepare(env: dict[str, str]) -> str:
    manage = [sys.executable, str(ROOT / "manage.py")]
    subprocess.run([*manage, "migrate", "--noinput", "-v0"], env=env, check=True, cwd=ROOT)
    script = ("from accounts.models import Organization; from connector.models import ConnectedSystem;"
              "o,_=Organization.objects.get_or_create(slug='bench',defaults={'name':'Bench'});"
              "s,_=ConnectedSystem.objects.get_or_create(organization=o, platform='shopify',"
              "external_account_id='bench.myshopify.com', defaults={'role':'store','display_name':'Bench shop'});"
              "print(s.public_id)")
    done = subprocess.run([*manage, "shell", "-c", script], env=env, check=True, cwd=ROOT, capture_output=True, text=True)
    return done.stdout.strip().splitlines()[-1]


def _fresh_postgres(database_url: str) -> str:
    """A new, empty database beside the one named in the URL (recreated on every run)."""
    import psycopg

    base, _, _name = database_url.rpartition("/")
    name = "connector_bench_intake"
    with psycopg.connect(f"{base}/postgres", autocommit=True) as conn:
        conn.execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")
        conn.execute(f"CREATE DATABASE {name}")
    return f"{base}/{name}"


def run() -> list[BenchResult]:
    if shutil.which("gunicorn", path=str(Path(sys.executable).parent)) is None:
        raise RuntimeError("gunicorn is not installed in this environment")
    workdir = ROOT / "var" / "bench"
    workdir.mkdir(parents=True, exist_ok=True)
    database_url = os.environ.get("BENCH_DATABASE_URL") or ""
    if not database_url:
        db_file = workdir / "intake.sqlite3"
        for suffix in ("", "-wal", "-shm"):
            Path(f"{db_file}{suffix}").unlink(missing_ok=True)
        database_url = f"sqlite:///{db_file}"
    else:
        database_url = _fresh_postgres(database_url)
    env = {**os.environ, "DATABASE_URL": database_url, "QUICKBOOKS_WEBHOOK_VERIFIER_TOKEN": VERIFIER,
           "SHOPIFY_CLIENT_SECRET": SHOPIFY_SECRET, "CONNECTOR_TESTING": "1", "LOG_LEVEL": "WARNING",
           "CONNECTOR_EMULATORS": "false"}
    env.pop("CONNECTOR_VAR_DIR", None)
    system_uuid = _prepare(env)
    vendor = database_url.split(":", 1)[0]
    servers = {server: _free_port() for server in SERVERS}
    processes = [subprocess.Popen(server_command(port, server=server), env={**env, "WEB_THREADS": str(THREADS)}, cwd=ROOT)
                 for server, port in servers.items()]
    try:
        for port in servers.values():
            _wait_until_up(port)
            _round(port, "trivial", system_uuid, 2.0)  # warm up: every worker thread answers once
        measured = _load_in_turns(servers, system_uuid)
        answered = sum(summary[4] for (_server, kind), summary in measured.items() if kind != "trivial")
        _check_every_answer_was_stored(env, answered)
        return [result for server in servers for result in _results(measured, server, vendor)]
    finally:
        for process in processes:
            process.terminate()
        for process in processes:
            process.wait(timeout=20)


def _results(measured: dict[tuple[str, str], Summary], server: str,
             vendor: str) -> list[BenchResult]:
    """Each server's deliveries against the trivial view on that server; with two servers, the
    event-loop server's deliveries also against the threaded server's trivial view."""
    results = []
    baselines = [(server, "trivial view on the same server")]
    if server == "asgi" and "wsgi" in SERVERS:
        baselines.append(("wsgi", "trivial view on the threaded server"))
    for kind in ("quickbooks", "shopify"):
        rate, p50, p99, errors, _answered = measured[server, kind]
        for baseline_server, baseline_name in baselines:
            trivial = measured[baseline_server, "trivial"]
            results.append(BenchResult(
                f"intake: signed {kind} deliveries/s ({vendor}, {server_label(server)}, {CLIENTS} clients) "
                f"vs {baseline_name}", rate, trivial[0], unit="/s",
                note=f"p50 {p50:.1f} ms p99 {p99:.1f} ms, errors {errors}; trivial view p50 {trivial[1]:.1f} ms "
                     f"p99 {trivial[2]:.1f} ms"))
    return results


def _wait_until_up(port: int) -> None:
    for _ in range(100):
        try:
            http.client.HTTPConnection("127.0.0.1", port, timeout=1).request("GET", "/livez")
            return
        except OSError:
            time.sleep(0.1)
    raise RuntimeError(f"no server answered on port {port}")


def _check_every_answer_was_stored(env: dict[str, str], answered: int) -> None:
    """A 200 promises a stored delivery: the run fails if the table holds fewer rows than answers."""
    done = subprocess.run([sys.executable, str(ROOT / "manage.py"), "shell", "-c",
                           "from syncjobs.models import WebhookDelivery; print(WebhookDelivery.objects.count())"],
                          env=env, check=True, cwd=ROOT, capture_output=True, text=True)
    rows = int(done.stdout.split()[-1])
    if rows != answered:
        raise RuntimeError(f"{answered} deliveries were answered 200 but {rows} are stored")
