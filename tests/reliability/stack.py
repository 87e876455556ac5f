"""A real running stack for the reliability suite: gunicorn web processes (the ASGI application
under uvicorn's worker), django-q2 clusters and a sweeper loop as separate OS processes on their
own database, with the emulators mounted.

Workers are killed with SIGKILL (the whole process group of a qcluster), exactly as an OOM killer
or a lost machine would.
"""

from __future__ import annotations

import contextlib
import os
import signal
import socket
import subprocess
import sys
import time
import uuid
from pathlib import Path
from typing import Any

import requests

ROOT = Path(__file__).resolve().parents[2]
BIN = Path(sys.executable).parent


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_until_live(url: str, *, timeout: float) -> bool:
    """True once `url`/livez answers 200, False if it has not within `timeout` seconds."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            if requests.get(f"{url}/livez", timeout=1).status_code == 200:
                return True
        except requests.RequestException:
            time.sleep(0.2)
    return False


class Stack:
    def __init__(self, workdir: Path, *, database_url: str = "", redis_url: str = "", **extra_env: str) -> None:
        self.workdir = workdir
        self.port = _free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self._pg_name = ""
        if database_url.startswith("postgres"):
            self._pg_name = f"connector_rel_{uuid.uuid4().hex[:10]}"
            self._pg_admin(f"CREATE DATABASE {self._pg_name}")
            database_url = database_url.rsplit("/", 1)[0] + "/" + self._pg_name
        elif not database_url:
            database_url = f"sqlite:///{workdir / 'stack.sqlite3'}"
        self.env = {
            **os.environ,
            "DATABASE_URL": database_url,
            "CONNECTOR_VAR_DIR": str(workdir),
            "CONNECTOR_TESTING": "1",
            "CONNECTOR_EMULATORS": "true",
            "CONNECTOR_PUBLIC_URL": self.url,
            "EMULATOR_WEBHOOK_DELIVERY": "thread",
            "JOB_CLAIM_SECONDS": "15",
            "JOB_DRAIN_SECONDS": "5",
            "HTTP_TIMEOUT_SECONDS": "5",
            "LOG_LEVEL": "WARNING",
            "Q_WORKERS": "2",
            "RATE_LIMIT_NAMESPACE": f"stack-{uuid.uuid4().hex[:10]}:",  # Redis outlives each stack
            **extra_env,
        }
        if redis_url:
            self.env["REDIS_URL"] = redis_url
        else:
            self.env.pop("REDIS_URL", None)
        self.web: subprocess.Popen[bytes] | None = None
        self.sweeper: subprocess.Popen[bytes] | None = None
        self.clusters: list[subprocess.Popen[bytes]] = []
        self.kills = 0

    # set-up ----------------------------------------------------------------
    def _pg_admin(self, statement: str) -> None:
        import psycopg

        with psycopg.connect("host=127.0.0.1 user=postgres dbname=postgres", autocommit=True) as conn:
            conn.execute(statement)

    def manage(self, *args: str, timeout: float = 300) -> str:
        done = subprocess.run([sys.executable, str(ROOT / "manage.py"), *args], env=self.env, cwd=ROOT,
                              capture_output=True, text=True, timeout=timeout)
        if done.returncode != 0:
            raise RuntimeError(f"manage.py {' '.join(args)} failed:\n{done.stdout}\n{done.stderr}")
        return done.stdout

    def shell(self, code: str, timeout: float = 300) -> str:
        return self.manage("shell", "-c", code, timeout=timeout)

    def migrate(self) -> None:
        self.manage("migrate", "--noinput", "-v0")
        self.manage("createcachetable")

    # processes ---------------------------------------------------------------
    def _spawn(self, args: list[str], log: str) -> subprocess.Popen[bytes]:
        out = open(self.workdir / log, "ab")  # noqa: SIM115 - lives as long as the process
        return subprocess.Popen(args, env=self.env, cwd=ROOT, stdout=out, stderr=subprocess.STDOUT,
                                start_new_session=True)

    def start_web(self, workers: int = 2) -> None:
        """gunicorn as the README runs it: the ASGI application under uvicorn's worker, webhooks
        answered on the event loop, pages in four threads per process."""
        self.env["WEB_THREADS"] = "4"
        self.web = self._spawn([str(BIN / "gunicorn"), "connector.asgi", "-k", "uvicorn_worker.UvicornWorker",
                                "-w", str(workers), "-b", f"127.0.0.1:{self.port}", "--timeout", "60"], "web.log")
        if not wait_until_live(self.url, timeout=30):
            raise RuntimeError("the web server did not start: " + (self.workdir / "web.log").read_text()[-2000:])

    def start_sweeper(self, every: float = 2.0) -> None:
        self.sweeper = self._spawn([sys.executable, str(ROOT / "manage.py"), "sweep_jobs", "--every", str(every)],
                                   "sweeper.log")

    def start_cluster(self) -> subprocess.Popen[bytes]:
        cluster = self._spawn([sys.executable, str(ROOT / "manage.py"), "qcluster"], "qcluster.log")
        self.clusters.append(cluster)
        return cluster

    def kill_cluster(self, cluster: subprocess.Popen[bytes]) -> None:
        """SIGKILL the cluster and every worker it forked: nothing gets to clean up."""
        with contextlib.suppress(ProcessLookupError):
            os.killpg(cluster.pid, signal.SIGKILL)
        cluster.wait(timeout=10)
        self.clusters.remove(cluster)
        self.kills += 1

    def stop(self, grace: float = 3.0) -> None:
        """SIGTERM, a short grace for everything together, then SIGKILL: gunicorn's graceful
        shutdown waits 30 s for idle keep-alive connections and a cluster for its guard's cycle,
        which is time the suite spent on nothing."""
        processes = [proc for proc in [*self.clusters, self.web, self.sweeper] if proc is not None]
        for proc in processes:
            if proc.poll() is None:
                with contextlib.suppress(ProcessLookupError):
                    os.killpg(proc.pid, signal.SIGTERM)
        deadline = time.monotonic() + grace
        for proc in processes:
            try:
                proc.wait(timeout=max(0.1, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                with contextlib.suppress(ProcessLookupError):
                    os.killpg(proc.pid, signal.SIGKILL)
                proc.wait(timeout=10)
        if self._pg_name:
            self._pg_admin(f"DROP DATABASE IF EXISTS {self._pg_name} WITH (FORCE)")

    # helpers -----------------------------------------------------------------
    def control(self, platform: str, path: str, payload: dict[str, Any] | None = None, **params: str) -> Any:
        url = f"{self.url}/_emulators/{platform}/_control/{path}"
        response = (requests.post(url, json=payload, timeout=30) if payload is not None
                    else requests.get(url, params=params, timeout=30))
        response.raise_for_status()
        return response.json()

    def wait_until(self, predicate: Any, *, timeout: float, interval: float = 1.0, what: str = "") -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if predicate():
                return
            time.sleep(interval)
        raise AssertionError(f"timed out after {timeout:.0f} s waiting for {what}")
