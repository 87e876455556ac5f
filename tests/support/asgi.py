"""One HTTP request through an ASGI application, in process: what the server would hand it."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field
from typing import Any


@dataclass
class Answer:
    status: int  # 0: nothing was sent
    headers: dict[str, str] = field(default_factory=dict)
    body: bytes = b""


class RecordingSite:
    """Stands in for the site's threads: records the paths it was handed and answers 299."""

    def __init__(self) -> None:
        self.paths: list[str] = []

    async def __call__(self, scope: dict[str, Any], receive: Any, send: Any) -> None:
        self.paths.append(scope["path"])
        await send({"type": "http.response.start", "status": 299, "headers": []})
        await send({"type": "http.response.body", "body": b""})


def asgi_request(app: Any, path: str, *, body: bytes = b"", method: str = "POST",
                 headers: dict[str, str] | None = None, chunks: list[bytes] | None = None,
                 host: str = "127.0.0.1", gone: bool = False) -> Answer:
    """`chunks`: the body in several messages; `gone`: the sender disconnects after them."""
    parts = chunks if chunks else [body]
    messages: list[dict[str, Any]] = [{"type": "http.request", "body": part, "more_body": gone or n < len(parts) - 1}
                                      for n, part in enumerate(parts)]
    sent: list[dict[str, Any]] = []

    async def receive() -> dict[str, Any]:
        return messages.pop(0) if messages else {"type": "http.disconnect"}

    async def send(message: dict[str, Any]) -> None:
        sent.append(message)

    scope = {"type": "http", "method": method, "path": path, "query_string": b"", "root_path": "",
             "server": ("127.0.0.1", 8000), "client": ("127.0.0.1", 50000),
             "headers": [(b"host", host.encode()), (b"content-type", b"application/json"),
                         *((name.lower().encode(), value.encode()) for name, value in (headers or {}).items())]}
    asyncio.run(app(scope, receive, send))
    if not sent:
        return Answer(0)
    return Answer(sent[0]["status"], {name.decode(): value.decode() for name, value in sent[0]["headers"]},
                  b"".join(message.get("body", b"") for message in sent[1:]))
