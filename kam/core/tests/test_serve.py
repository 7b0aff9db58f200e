"""`kam serve` as an operator runs it: a fresh data directory, supervised children."""

import os
import re
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def kam_env(data_dir: Path) -> dict:
    env = {
        key: value
        for key, value in os.environ.items()
        if key not in {"DATABASE_URL", "KAM_TEST_DATABASE_URL", "DJANGO_SETTINGS_MODULE"}
        and not key.startswith("PYTEST")
    }
    env |= {"DJANGO_SETTINGS_MODULE": "kam.settings.base", "KAM_DATA_DIR": str(data_dir)}
    return env


def get(url: str) -> tuple[int, str]:
    try:
        with urllib.request.urlopen(url, timeout=10) as response:  # noqa: S310 (local test URL)
            return response.status, response.read().decode("utf-8", "replace")
    except urllib.error.HTTPError as error:
        return error.code, ""


def wait_for(url: str, seconds: float = 60) -> tuple[int, str]:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            return get(url)
        except OSError:
            time.sleep(0.3)
    raise AssertionError(f"{url} did not answer within {seconds} s")


def children_of(pid: int) -> dict[int, str]:
    """Child pid → command line, read from /proc."""
    found = {}
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
            if int(fields[1]) == pid:
                cmdline = (stat.parent / "cmdline").read_bytes().replace(b"\0", b" ")
                found[int(stat.parent.name)] = cmdline.decode()
        except (OSError, IndexError, ValueError):
            continue
    return found


def worker_pid(serve_pid: int, seconds: float = 30) -> int:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        for pid, cmdline in children_of(serve_pid).items():
            if "kam.cli worker" in cmdline:
                return pid
        time.sleep(0.2)
    raise AssertionError("no worker under kam serve")


@pytest.fixture
def served(tmp_path):
    env = kam_env(tmp_path / "data")
    kam = [sys.executable, "-m", "kam.cli"]
    subprocess.run([*kam, "migrate", "-v0"], env=env, check=True, timeout=300)  # noqa: S603
    port = free_port()
    serve = subprocess.Popen(  # noqa: S603
        [*kam, "serve", "--port", str(port), "--workers", "1", "--threads", "2"],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        yield serve, f"http://127.0.0.1:{port}"
    finally:
        serve.send_signal(signal.SIGTERM)
        try:
            serve.wait(timeout=30)
        except subprocess.TimeoutExpired:
            serve.kill()


@pytest.mark.once
def test_serve_on_a_fresh_data_directory_serves_and_survives_a_killed_worker(served):
    # One test for both (a fresh migrate costs most of its time on this machine).
    serve, base = served

    status, html = wait_for(f"{base}/login/")
    stylesheet = re.search(r'href="(/static/[^"]+\.css)"', html)
    assert status == 200
    assert stylesheet, html[:500]
    assert get(base + stylesheet.group(1))[0] == 200

    first = worker_pid(serve.pid)
    os.kill(first, signal.SIGKILL)
    deadline = time.monotonic() + 30
    second = first
    while second == first and time.monotonic() < deadline:
        time.sleep(0.3)
        second = next(
            (p for p, c in children_of(serve.pid).items() if "kam.cli worker" in c), first
        )

    assert second != first
    assert serve.poll() is None
    assert get(f"{base}/login/")[0] == 200
