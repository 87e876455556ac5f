"""`manage.py run_demo` owns its web server and worker cluster: however it is stopped (Ctrl-C,
SIGTERM from a process manager, SIGHUP from a closed terminal), none of them outlives it."""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.reliability.stack import ROOT, _free_port, wait_until_live


def _descendants(pid: int) -> set[int]:
    children: dict[int, list[int]] = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                ppid = int((entry / "stat").read_text().rsplit(")", 1)[1].split()[1])
            except (OSError, IndexError, ValueError):
                continue
            children.setdefault(ppid, []).append(int(entry.name))
    found: set[int] = set()
    todo = [pid]
    while todo:
        for child in children.get(todo.pop(), []):
            found.add(child)
            todo.append(child)
    return found


def _alive(pid: int) -> bool:
    try:
        state = (Path("/proc") / str(pid) / "stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return False
    return state != "Z"


@pytest.mark.parametrize("stop", [signal.SIGTERM, signal.SIGHUP, signal.SIGINT], ids=["term", "hup", "int"])
def test_stopping_the_demo_stops_its_server_and_cluster(tmp_path: Path, stop: signal.Signals) -> None:
    port = _free_port()
    env = {**os.environ, "DATABASE_URL": f"sqlite:///{tmp_path / 'demo.sqlite3'}", "CONNECTOR_VAR_DIR": str(tmp_path),
           "CONNECTOR_TESTING": "1", "CONNECTOR_EMULATORS": "true", "DEBUG": "true", "Q_WORKERS": "1",
           "CONNECTOR_PUBLIC_URL": f"http://127.0.0.1:{port}"}
    env.pop("REDIS_URL", None)
    manage = [sys.executable, str(ROOT / "manage.py")]
    subprocess.run([*manage, "migrate", "--noinput", "-v0"], env=env, cwd=ROOT, check=True, timeout=300)
    demo = subprocess.Popen([*manage, "run_demo", "--addr", f"127.0.0.1:{port}"], env=env, cwd=ROOT,
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)
    try:
        if not wait_until_live(f"http://127.0.0.1:{port}", timeout=60):
            pytest.fail("the demo's web server did not come up")
        deadline = time.monotonic() + 60
        while len(children := _descendants(demo.pid)) < 3 and time.monotonic() < deadline:
            time.sleep(0.3)  # the server, the cluster and the cluster's own processes
        assert len(children) >= 3
        demo.send_signal(stop)  # to run_demo alone, as a process manager would
        assert demo.wait(timeout=30) == 0
        deadline = time.monotonic() + 20
        while any(_alive(pid) for pid in children) and time.monotonic() < deadline:
            time.sleep(0.2)
        assert not [pid for pid in children if _alive(pid)]
    finally:
        with contextlib.suppress(ProcessLookupError):  # whatever is left of its process group
            os.killpg(demo.pid, signal.SIGKILL)
        demo.wait(timeout=10)
