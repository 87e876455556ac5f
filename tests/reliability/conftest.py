"""The reliability suite runs real processes; each test gets a stack on its own database."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.reliability.stack import Stack


def stack_database_urls() -> list[str]:
    """The stack runs on the database of the test run: SQLite with the ORM broker, or PostgreSQL
    (with Redis as the broker and two worker clusters: the scale-out set-up) when DATABASE_URL
    names one. CI runs the suite both ways."""
    if os.environ.get("DATABASE_URL", "").startswith("postgres"):
        return [os.environ["DATABASE_URL"]]
    return [""]


@pytest.fixture(params=stack_database_urls(), ids=lambda url: "postgresql+redis" if url else "sqlite")
def make_stack(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator:
    stacks: list[Stack] = []

    def make(**env: str) -> Stack:
        redis_url = os.environ.get("REDIS_URL", "") if request.param else ""
        stack = Stack(tmp_path / f"stack{len(stacks)}", database_url=request.param, redis_url=redis_url, **env)
        stack.workdir.mkdir(parents=True, exist_ok=True)
        stacks.append(stack)
        stack.migrate()
        return stack

    yield make
    for stack in stacks:
        stack.stop()
