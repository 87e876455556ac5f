"""The doorbell wakes workers once per burst and always once after its last commit."""

from __future__ import annotations

import time

import pytest

from syncjobs import ledger


@pytest.fixture
def rings(monkeypatch, settings) -> list[float]:  # type: ignore[no-untyped-def]
    settings.JOB_DOORBELL_INTERVAL_SECONDS = 0.2
    calls: list[float] = []
    monkeypatch.setattr(ledger, "wake_workers", lambda count=1: calls.append(time.monotonic()))
    return calls


def test_a_burst_rings_once_now_and_once_after_it(rings: list[float]) -> None:
    bell = ledger._Doorbell()
    started = time.monotonic()
    for _ in range(500):
        bell.ring()
    _wait_for(rings, 1)
    assert len(rings) == 1 and rings[0] - started < 0.2
    deadline = time.monotonic() + 2
    while len(rings) < 2 and time.monotonic() < deadline:
        time.sleep(0.01)
    assert len(rings) == 2, "the trailing ring covers work committed after the first one"
    assert rings[1] - rings[0] >= 0.19, "the trailing ring waits for the end of the interval"
    time.sleep(0.3)
    assert len(rings) == 2


def _wait_for(rings: list[float], count: int) -> None:
    deadline = time.monotonic() + 2
    while len(rings) < count and time.monotonic() < deadline:
        time.sleep(0.005)


def test_rings_spaced_beyond_the_interval_each_ring_at_once(rings: list[float]) -> None:
    bell = ledger._Doorbell()
    bell.ring()
    _wait_for(rings, 1)
    time.sleep(0.25)
    second = time.monotonic()
    bell.ring()
    _wait_for(rings, 2)
    assert len(rings) == 2 and rings[1] - second < 0.1
    time.sleep(0.3)
    assert len(rings) == 2, "no trailing ring when nothing was held back"


def test_ringing_only_sets_a_flag_the_broker_is_called_from_the_doorbell_thread(monkeypatch, settings) -> None:
    import threading

    settings.JOB_DOORBELL_INTERVAL_SECONDS = 0.2
    callers: list[str] = []
    monkeypatch.setattr(ledger, "wake_workers", lambda count=1: callers.append(threading.current_thread().name))
    ledger._Doorbell().ring()
    _wait_for(callers, 1)  # type: ignore[arg-type]
    assert callers == ["doorbell"]
