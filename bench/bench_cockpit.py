"""Load test of the cockpit and the account page against `kam serve` on 127.0.0.1.

Run as `python bench/bench_cockpit.py [--accounts 100000 --lines 10000000 --users 20]` from the
repository root (the venv's Python is best). Target (issue 5): with 100,000 accounts and
10,000,000 sales lines in SQLite, the cockpit and the account page answer in ≤ 200 ms at the
95th percentile with 20 concurrent users.

The dataset lives in a temporary KAM_DATA_DIR. Generating 10 million sales lines through the
importer takes far longer than a benchmark should, and the pages never read sales lines: so,
as bench/bench_analysis.py does, the monthly facts of that many lines are generated directly
(numpy + executemany: 100,000 accounts × 36 months, about 3 million facts), and the per-account
results come from a real analysis run (kam.analysis). 50 key account managers own the accounts
(2,000 each at full size); one leadership user sees everything.

Then `kam serve --no-worker` (gunicorn, 2 workers × 4 threads) starts as a subprocess on a free
port; each of the simulated users logs in through the login form (CSRF token and session
cookie, like a browser) and requests pages in a loop from a thread pool: half of them are
leadership, half key account managers; each request is the cockpit or an account page the
user may see, with a think time of 0.5–1.5 s between pages (--think; 0 turns 20 users into
a closed loop hammering 2 cores, which measures queueing rather than page speed). The run is
bounded by --requests and --seconds. Printed: p50/p95/max per page
and role, and p95 against the 200 ms target.
"""

from __future__ import annotations

import argparse
import http.client
import os
import random
import re
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.parse
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

TARGET_MS = 200.0
PASSWORD = "bench-pass-123"  # noqa: S105 (a throwaway user in a temporary database)
N_MANAGERS = 50


def build_dataset(n_accounts: int, n_lines: int, seed: int) -> dict:
    from bench_analysis import AS_OF, create_accounts, create_facts, setup_django

    rng = np.random.default_rng(seed)
    setup_django(os.environ["KAM_DATA_DIR"])
    from django.core.management import call_command

    call_command("collectstatic", "--noinput", verbosity=0)  # the server's manifest storage
    started = time.perf_counter()
    ids = create_accounts(n_accounts, rng)
    facts, lines = create_facts(ids, n_lines, rng)
    managers = _create_users()
    _assign_owners(ids, managers)
    generated = time.perf_counter() - started

    from kam.analysis.tasks import run_analysis

    started = time.perf_counter()
    run_analysis.call(as_of=AS_OF.isoformat(), trigger="cli")
    analysed = time.perf_counter() - started
    return {"facts": facts, "lines": lines, "generated": generated, "analysed": analysed}


def _create_users() -> list[int]:
    from django.contrib.auth.models import Permission

    from kam.users.models import Role, User

    margins = Permission.objects.get(codename="view_margins")
    leader = User.objects.create_user("leitung", password=PASSWORD, role=Role.LEADERSHIP)
    leader.user_permissions.add(margins)
    managers = []
    for i in range(N_MANAGERS):
        user = User.objects.create_user(
            f"kam{i}", password=PASSWORD, role=Role.KEY_ACCOUNT_MANAGER, manager=leader
        )
        user.user_permissions.add(margins)
        managers.append(user.pk)
    return managers


def _assign_owners(ids: np.ndarray, managers: list[int]) -> None:
    from django.db import connection, transaction

    owners = [managers[i % len(managers)] for i in range(len(ids))]
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.executemany(
            "UPDATE accounts_account SET owner_id = %s WHERE id = %s",
            list(zip(owners, ids.tolist(), strict=True)),
        )


def sample_accounts() -> dict[str, list[int]]:
    """Account ids each bench user may open: leadership any, kam0 its own."""
    from kam.accounts.models import Account
    from kam.users.models import User

    kam0 = User.objects.get(username="kam0")
    own = list(Account.objects.filter(owner=kam0).values_list("id", flat=True)[:500])
    every = list(Account.objects.order_by("?").values_list("id", flat=True)[:500])
    return {"leitung": every, "kam0": own}


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def start_server(port: int) -> subprocess.Popen:
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "kam.settings.base", "KAM_DEBUG": "0"}
    command = [sys.executable, "-m", "kam.cli", "serve", "--no-worker", "--port", str(port)]
    server = subprocess.Popen(  # noqa: S603 (fixed argv)
        command, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, cwd=ROOT
    )
    deadline = time.time() + 60
    while time.time() < deadline:
        try:
            # /login/ answers once the server is up: /health/ would say 503 without a worker's
            # heartbeat, and this benchmark runs the server without one (--no-worker).
            status, _ = request(port, "GET", "/login/", {})
            if status == 200:
                return server
        except OSError:
            time.sleep(0.3)
    server.terminate()
    raise SystemExit("kam serve did not answer within 60 s")


def request(port: int, method: str, path: str, cookies: dict, body: dict | None = None):
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    headers = {"Cookie": "; ".join(f"{k}={v}" for k, v in cookies.items())}
    data = None
    if body is not None:
        data = urllib.parse.urlencode(body)
        headers |= {
            "Content-Type": "application/x-www-form-urlencoded",
            "Referer": f"http://127.0.0.1:{port}/login/",
        }
    connection.request(method, path, body=data, headers=headers)
    response = connection.getresponse()
    response.read()
    for header, value in response.getheaders():
        if header.lower() == "set-cookie":
            name, _, rest = value.partition("=")
            cookies[name] = rest.split(";", 1)[0]
    connection.close()
    return response.status, response


def login(port: int, username: str) -> dict:
    cookies: dict = {}
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    connection.request("GET", "/login/")
    response = connection.getresponse()
    html = response.read().decode()
    for header, value in response.getheaders():
        if header.lower() == "set-cookie":
            name, _, rest = value.partition("=")
            cookies[name] = rest.split(";", 1)[0]
    found = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', html)
    if found is None:
        raise SystemExit(f"no login form ({response.status}): {html[:300]}")
    token = found.group(1)
    form = {"csrfmiddlewaretoken": token, "username": username, "password": PASSWORD}
    status, _ = request(port, "POST", "/login/", cookies, form)
    if status != 302 or "sessionid" not in cookies:
        raise SystemExit(f"login of {username} failed ({status})")
    return cookies


def load(port: int, args, accounts: dict[str, list[int]]) -> dict[str, list[float]]:
    timings: dict[str, list[float]] = {}
    lock = threading.Lock()
    deadline = time.time() + args.seconds
    per_user = max(1, args.requests // args.users)

    def user_loop(index: int) -> None:
        username = "leitung" if index % 2 == 0 else "kam0"
        cookies = login(port, username)
        rng = random.Random(index)  # noqa: S311 (load pattern, not security)
        for step in range(per_user):
            if time.time() > deadline:
                return
            if step % 2 == 0:
                page, path = "cockpit", "/"
            else:
                page, path = "account", f"/accounts/{rng.choice(accounts[username])}/"
            started = time.perf_counter()
            status, _ = request(port, "GET", path, cookies)
            elapsed = (time.perf_counter() - started) * 1000
            if status != 200:
                raise SystemExit(f"{path} answered {status} for {username}")
            with lock:
                timings.setdefault(f"{page} ({username})", []).append(elapsed)
                timings.setdefault(page, []).append(elapsed)
            time.sleep(rng.uniform(0.5, 1.5) * args.think)  # a person reads the page

    with ThreadPoolExecutor(max_workers=args.users) as pool:
        for future in [pool.submit(user_loop, i) for i in range(args.users)]:
            future.result()
    return timings


def percentile(values: list[float], q: float) -> float:
    return float(np.percentile(np.array(values), q))


def report(args, dataset: dict, timings: dict[str, list[float]], seconds: float) -> None:
    print(
        f"Dataset: {args.accounts:,} accounts, {dataset['facts']:,} monthly facts standing for "
        f"{dataset['lines']:,} sales lines (facts generated directly, see the docstring); "
        f"generated in {dataset['generated']:.0f} s, analysis run {dataset['analysed']:.1f} s."
    )
    total = sum(len(v) for k, v in timings.items() if "(" not in k)
    print(
        f"Load: {args.users} concurrent users (think time ~{args.think:.1f} s), "
        f"{total} requests in {seconds:.1f} s ({total / seconds:.1f} per second)."
    )
    print(f"{'page':<22}{'n':>6}{'p50 ms':>10}{'p95 ms':>10}{'max ms':>10}{'p95/target':>12}")
    for page in sorted(timings):
        values = timings[page]
        p95 = percentile(values, 95)
        print(
            f"{page:<22}{len(values):>6}{statistics.median(values):>10.0f}{p95:>10.0f}"
            f"{max(values):>10.0f}{p95 / TARGET_MS:>12.2f}"
        )
    print(f"Target: p95 ≤ {TARGET_MS:.0f} ms (ratio ≤ 1.00 meets it).")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--accounts", type=int, default=100_000)
    parser.add_argument("--lines", type=int, default=10_000_000)
    parser.add_argument("--users", type=int, default=20)
    parser.add_argument("--requests", type=int, default=800, help="upper bound, all users")
    parser.add_argument("--seconds", type=float, default=120, help="upper bound for the load")
    parser.add_argument(
        "--think", type=float, default=1.0, help="mean seconds a user waits between pages"
    )
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="kam-bench-cockpit-") as data_dir:
        os.environ["KAM_DATA_DIR"] = data_dir
        os.environ.setdefault("KAM_SECRET_KEY", "bench-only-secret-key-" + "x" * 40)
        dataset = build_dataset(args.accounts, args.lines, args.seed)
        accounts = sample_accounts()
        from django.db import connections

        connections.close_all()
        port = free_port()
        server = start_server(port)
        try:
            load(
                port, argparse.Namespace(**{**vars(args), "requests": 40, "seconds": 60}), accounts
            )
            started = time.perf_counter()
            timings = load(port, args, accounts)
            seconds = time.perf_counter() - started
        finally:
            server.terminate()
            server.wait(timeout=30)
        report(args, dataset, timings, seconds)


if __name__ == "__main__":
    main()
