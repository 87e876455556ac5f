"""Fixtures for the emulators-as-oracles tests: the emulators on a live server, and a receiver
of webhooks listening on another port (an address that is not the connector's own)."""

from __future__ import annotations

import gc
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest
import requests


@pytest.fixture(scope="session", autouse=True)
def _database_before_live_server(django_db_setup, django_db_blocker):  # type: ignore[no-untyped-def]
    """Create the test database before the session's live server starts, so the server thread
    shares its connection on SQLite."""


@pytest.fixture(autouse=True)
def _release_connections() -> Iterator[None]:
    """Kept-alive HTTP connections hold live-server threads (and their database sessions)."""
    yield
    gc.collect()


@dataclass
class Received:
    method: str
    path: str
    headers: dict[str, str]
    body: bytes


@dataclass
class Receiver:
    """An HTTP server on its own port that records every request and answers `status`."""

    url: str
    requests: list[Received] = field(default_factory=list)
    status: int = 200

    def posts(self) -> list[Received]:
        return [r for r in self.requests if r.method == "POST"]


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    record = Receiver(url="")

    class Handler(BaseHTTPRequestHandler):
        def _answer(self) -> None:
            length = int(self.headers.get("Content-Length") or 0)
            body = self.rfile.read(length) if length else b""
            record.requests.append(Received(self.command, self.path, dict(self.headers.items()), body))
            self.send_response(record.status)
            self.send_header("Content-Length", "0")
            self.end_headers()

        do_POST = do_GET = _answer  # noqa: N815 (BaseHTTPRequestHandler's naming)

        def log_message(self, *args: Any) -> None:  # quiet
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    # "localhost", not the live server's 127.0.0.1: a different host name and port.
    record.url = f"http://localhost:{server.server_address[1]}"
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield record
    server.shutdown()
    server.server_close()


def post(address: str, **body: Any) -> dict[str, Any]:
    response = requests.post(address, json=body, timeout=15)
    assert response.status_code == 200, response.text
    return response.json()


def get(address: str, **params: Any) -> dict[str, Any]:
    response = requests.get(address, params=params, timeout=15)
    assert response.status_code == 200, response.text
    return response.json()
