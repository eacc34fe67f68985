"""Load test of the example webhook app under gunicorn, with invariant checks.

Runs ``examples/webhook_app/app.py`` unchanged under gunicorn (several
worker processes, several threads each) against a shared SQLite file or a
private Redis server on loopback, fires a shuffled mix of ``/send`` requests,
signed inbound STOPs (to a long code and to a short code) and signed status
callbacks (each one posted twice, concurrently), then checks:

1. **0 over-sends**: allowed long-code sends never exceed the account's
   daily ramp-up limit (short-code sends are not ramped unless configured),
   and the rate monitor counted exactly the allowed sends.
2. **0 sends allowed after an acknowledged STOP**: every ``/send`` to a
   contact that *started* after the app answered that contact's STOP was
   refused with ``dnd.permanent``.
3. **0 status callbacks counted twice**: each (MessageSid, stage) answered
   ``counted`` exactly once, and the monitor holds exactly one outcome per
   distinct callback.
4. **no 5xx** (and no connection error) under load.

Usage::

    python benchmarks/load_example.py --backend sqlite          # full run
    python benchmarks/load_example.py --backend redis --quick   # CI: < 1 minute

Full run (the issue's figures): 4 workers x 2 threads, 20,000 sends, 200
STOPs, 1,000 status callbacks. ``--quick``: 2 workers x 2 threads, 2,000
sends, 50 STOPs, 300 callbacks, bounded to 60 seconds. Exit status 0 when
every invariant holds, 1 otherwise (the report says which). Needs gunicorn
(the ``dev`` extra) and, for Redis, ``redis-server`` on the PATH. Only
loopback addresses are used.
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import random
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import zlib
from collections import Counter, defaultdict
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

ROOT = Path(__file__).resolve().parents[1]
APP_DIR = ROOT / "examples" / "webhook_app"
SRC = ROOT / "src"
sys.path.insert(0, str(SRC))

from a2p_policy import PolicyEngine, UseCase  # noqa: E402
from a2p_policy.testing import grant_consent, sign_twilio_request  # noqa: E402

TOKEN = "load-test-auth-token"
ACCOUNT = "AC" + "10ad" * 8
BRAND = "LoadCo"
LONG_CODE = "+14155550199"
SHORT_CODE = "12345"
HOST = "127.0.0.1"


@dataclass
class Profile:
    sends: int
    stops: int
    callbacks: int
    workers: int
    threads: int
    clients: int
    contacts: int
    max_seconds: float


FULL = Profile(20_000, 200, 1_000, 4, 2, 16, 1_000, 900.0)
QUICK = Profile(2_000, 50, 300, 2, 2, 8, 200, 60.0)


@dataclass
class Outcome:
    kind: str
    contact: str
    started: float
    ended: float
    status: int
    data: Any = None
    key: str = ""


@dataclass
class Report:
    failures: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    def check(self, ok: bool, message: str) -> None:
        (self.notes if ok else self.failures).append(("ok    " if ok else "FAIL  ") + message)


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind((HOST, 0))
        port: int = s.getsockname()[1]
        return port


def wait_for_port(port: int, deadline: float, proc: subprocess.Popen[bytes]) -> None:
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"server exited early with status {proc.returncode}")
        with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
            if s.connect_ex((HOST, port)) == 0:
                return
        time.sleep(0.05)
    raise RuntimeError(f"nothing listens on {HOST}:{port}")


def stop_process(proc: subprocess.Popen[bytes]) -> None:
    if proc.poll() is None:
        proc.send_signal(signal.SIGTERM)
        try:
            proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


@contextmanager
def storage_uri(backend: str, folder: Path) -> Iterator[str]:
    if backend == "sqlite":
        yield f"sqlite:///{folder / 'a2p-load.db'}"
        return
    binary = shutil.which("redis-server")
    if binary is None:
        raise SystemExit("redis-server is not on the PATH")
    port = free_port()
    proc = subprocess.Popen(
        [binary, "--port", str(port), "--bind", HOST, "--save", "", "--appendonly", "no",
         "--dir", str(folder), "--protected-mode", "yes"],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )  # fmt: skip
    try:
        wait_for_port(port, time.monotonic() + 15, proc)
        yield f"redis://{HOST}:{port}/0"
    finally:
        stop_process(proc)


@contextmanager
def gunicorn(uri: str, profile: Profile, folder: Path) -> Iterator[int]:
    binary = shutil.which("gunicorn", path=str(Path(sys.executable).parent)) or shutil.which(
        "gunicorn"
    )
    if binary is None:
        raise SystemExit("gunicorn is not installed (pip install gunicorn; it is in the dev extra)")
    port = free_port()
    env = {
        **os.environ,
        "PYTHONPATH": os.pathsep.join([str(SRC), os.environ.get("PYTHONPATH", "")]),
        "TWILIO_AUTH_TOKEN": TOKEN,
        "A2P_STORAGE_URI": uri,
        "PUBLIC_BASE_URL": f"http://{HOST}:{port}",
        "A2P_TRUST_FORWARDED": "0",
    }
    log = (folder / "gunicorn.log").open("wb")
    proc = subprocess.Popen(
        [binary, "--bind", f"{HOST}:{port}", "--workers", str(profile.workers),
         "--threads", str(profile.threads), "--worker-class", "gthread",
         "--timeout", "60", "--graceful-timeout", "5", "--chdir", str(APP_DIR),
         "app:create_app()"],
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
    )  # fmt: skip
    try:
        wait_for_port(port, time.monotonic() + 30, proc)
        yield port
    finally:
        stop_process(proc)
        log.close()


class Client:
    """One keep-alive HTTP connection per thread to the app."""

    def __init__(self, port: int) -> None:
        self.port = port
        self.local = threading.local()

    def _conn(self) -> http.client.HTTPConnection:
        conn = getattr(self.local, "conn", None)
        if conn is None:
            conn = http.client.HTTPConnection(HOST, self.port, timeout=30)
            self.local.conn = conn
        return conn

    def post(self, path: str, body: bytes, headers: dict[str, str]) -> tuple[int, Any]:
        for attempt in (1, 2):
            conn = self._conn()
            try:
                conn.request("POST", path, body=body, headers=headers)
                response = conn.getresponse()
                raw = response.read()
            except (http.client.HTTPException, OSError):
                conn.close()
                self.local.conn = None
                if attempt == 2:
                    raise
                continue
            ctype = response.getheader("Content-Type", "")
            data: Any = json.loads(raw) if "json" in ctype and raw else raw.decode()
            return response.status, data
        raise AssertionError("unreachable")

    def form(self, path: str, form: dict[str, str]) -> tuple[int, Any]:
        url = f"http://{HOST}:{self.port}{path}"
        headers = {
            "Content-Type": "application/x-www-form-urlencoded",
            "X-Twilio-Signature": sign_twilio_request(url, form, TOKEN),
        }
        return self.post(path, urlencode(form).encode(), headers)

    def send(self, contact: str, sender: str) -> tuple[int, Any]:
        payload = {
            "account": ACCOUNT,
            "from": sender,
            "to": contact,
            "body": "Your order shipped.",
            "brand": BRAND,
            "use_case": "ACCOUNT_NOTIFICATIONS",
        }
        headers = {"Content-Type": "application/json"}
        return self.post("/send", json.dumps(payload).encode(), headers)


def contact(n: int) -> str:
    return f"+1415556{n:04d}"


def build_tasks(profile: Profile, rng: random.Random) -> list[tuple[str, str, str]]:
    """(kind, contact, key): sends, STOPs and twice-posted status callbacks."""
    contacts = [contact(n) for n in range(profile.contacts)]
    stop_contacts = rng.sample(contacts, min(profile.stops, len(contacts)))
    tasks: list[tuple[str, str, str]] = []
    for i in range(profile.sends):
        tasks.append(("send", rng.choice(contacts), SHORT_CODE if i % 4 == 0 else LONG_CODE))
    for i, c in enumerate(stop_contacts):
        tasks.append(("stop", c, SHORT_CODE if i % 2 else LONG_CODE))
    for i in range(profile.callbacks):
        sid = f"SM{i:032d}"
        tasks.extend([("status", rng.choice(contacts), sid)] * 2)
    rng.shuffle(tasks)
    return tasks


def run_task(client: Client, task: tuple[str, str, str]) -> Outcome:
    kind, who, key = task
    started = time.monotonic()
    if kind == "send":
        status, data = client.send(who, key)
    elif kind == "stop":
        form = {"MessageSid": f"SM{zlib.crc32(who.encode()):032d}", "AccountSid": ACCOUNT,
                "From": who, "To": key, "Body": "STOP", "NumMedia": "0"}  # fmt: skip
        status, data = client.form("/sms/inbound", form)
    else:
        sender = SHORT_CODE if int(key[2:]) % 2 else LONG_CODE
        outcome = "failed" if int(key[2:]) % 10 == 0 else "delivered"
        form = {"MessageSid": key, "AccountSid": ACCOUNT, "MessageStatus": outcome,
                "From": sender, "To": who}  # fmt: skip
        status, data = client.form("/sms/status", form)
    return Outcome(kind, who, started, time.monotonic(), status, data, key)


def check(outcomes: list[Outcome], profile: Profile, engine: PolicyEngine, limit: int) -> Report:
    report = Report()
    server_errors = [o for o in outcomes if o.status >= 500]
    report.check(not server_errors, f"no 5xx ({len(server_errors)} of {len(outcomes)} requests)")
    bad = Counter(o.status for o in outcomes if o.status != 200)
    report.check(not bad, f"every request answered 200 (others: {dict(bad)})")

    sends = [o for o in outcomes if o.kind == "send" and o.status == 200]
    allowed = [o for o in sends if o.data["allowed"]]
    # The ramp-up limit counts long-code sends; short codes are not ramped
    # by default (docs/senders.md).
    ramped = [o for o in allowed if o.key != SHORT_CODE]
    report.check(
        0 < len(ramped) <= limit,
        f"0 over-sends: {len(ramped)} long-code sends allowed of "
        f"{sum(o.key != SHORT_CODE for o in sends)}, daily limit {limit} "
        f"(+{len(allowed) - len(ramped)} short-code sends, not ramped)",
    )
    sent = engine.monitor.peek(ACCOUNT).sent
    report.check(sent == len(allowed), f"the monitor counted {sent} sends = {len(allowed)} allowed")

    acked: dict[str, float] = {}
    for o in outcomes:
        if o.kind == "stop" and o.status == 200:
            acked[o.contact] = min(acked.get(o.contact, o.ended), o.ended)
    late = [o for o in sends if o.contact in acked and o.started > acked[o.contact]]
    leaks = [
        o
        for o in late
        if o.data["allowed"] or "dnd.permanent" not in [v["code"] for v in o.data["violations"]]
    ]
    report.check(
        bool(acked) and not leaks,
        f"0 sends allowed after an acknowledged STOP ({len(late)} sends after {len(acked)} "
        f"acknowledged STOPs, {len(leaks)} not refused with dnd.permanent)",
    )
    stops_ok = sum(1 for c in acked if engine.dnd.get(ACCOUNT, c) is not None)
    report.check(stops_ok == len(acked), f"{stops_ok}/{len(acked)} STOPs recorded as DND")

    counted: dict[str, int] = defaultdict(int)
    for o in outcomes:
        if o.kind == "status" and o.status == 200 and o.data.get("counted"):
            counted[o.key] += 1
    twice = [k for k, n in counted.items() if n > 1]
    distinct = len({o.key for o in outcomes if o.kind == "status"})
    outcomes_seen = engine.monitor.peek(ACCOUNT).outcomes
    report.check(
        not twice and len(counted) == distinct and outcomes_seen == distinct,
        f"0 status callbacks counted twice ({len(twice)} twice, {len(counted)} counted of "
        f"{distinct} distinct; monitor holds {outcomes_seen} outcomes)",
    )
    return report


def main(argv: list[str] | None = None) -> int:  # noqa: PLR0915  # the script: one step after another
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--backend", choices=("sqlite", "redis"), default="sqlite")
    parser.add_argument("--quick", action="store_true", help="CI mode: under a minute")
    parser.add_argument("--sends", type=int)
    parser.add_argument("--stops", type=int)
    parser.add_argument("--callbacks", type=int)
    parser.add_argument("--workers", type=int)
    parser.add_argument("--threads", type=int)
    parser.add_argument("--clients", type=int)
    parser.add_argument("--contacts", type=int)
    parser.add_argument("--max-seconds", type=float)
    parser.add_argument("--seed", type=int, default=20)
    args = parser.parse_args(argv)
    base = QUICK if args.quick else FULL
    profile = Profile(
        **{
            name: getattr(args, name) if getattr(args, name, None) is not None else value
            for name, value in vars(base).items()
        }
    )
    rng = random.Random(args.seed)
    began = time.monotonic()
    day = datetime.now(UTC).date()
    with tempfile.TemporaryDirectory(prefix="a2p-load-") as tmp:
        folder = Path(tmp)
        with storage_uri(args.backend, folder) as uri:
            engine = PolicyEngine(storage=uri)
            for n in range(profile.contacts):
                grant_consent(
                    engine,
                    contact(n),
                    BRAND,
                    account=ACCOUNT,
                    scopes=[UseCase.ACCOUNT_NOTIFICATIONS],
                )
            limit = engine.ramp.limit_for(ACCOUNT)
            tasks = build_tasks(profile, rng)
            print(
                f"load test: {args.backend}, {profile.workers} workers x {profile.threads} "
                f"threads, {profile.clients} clients, {profile.sends} sends, {profile.stops} "
                f"STOPs, {profile.callbacks} status callbacks (each posted twice)",
                flush=True,
            )
            with gunicorn(uri, profile, folder) as port:
                client = Client(port)
                deadline = began + profile.max_seconds
                outcomes: list[Outcome] = []
                errors: list[str] = []

                def guarded(task: tuple[str, str, str]) -> Outcome | None:
                    if time.monotonic() > deadline:
                        return None
                    try:
                        return run_task(client, task)
                    except Exception as exc:  # a refused connection is a failure too
                        errors.append(f"{task[0]}: {type(exc).__name__}: {exc}")
                        return None

                t0 = time.monotonic()
                with ThreadPoolExecutor(max_workers=profile.clients) as pool:
                    for result in pool.map(guarded, tasks):
                        if result is not None:
                            outcomes.append(result)
                elapsed = time.monotonic() - t0
            report = check(outcomes, profile, engine, limit)
            report.check(not errors, f"no connection errors ({len(errors)}: {errors[:3]})")
            report.check(
                len(outcomes) == len(tasks),
                f"every request ran within {profile.max_seconds:.0f} s "
                f"({len(outcomes)}/{len(tasks)})",
            )
            if datetime.now(UTC).date() != day:
                report.notes.append("note  the run crossed UTC midnight (a new ramp day)")
            engine.storage.close()
    print(f"{len(outcomes)} requests in {elapsed:.1f} s ({len(outcomes) / elapsed:.0f}/s)")
    for line in report.notes + report.failures:
        print(line)
    if report.failures:
        print(f"load test FAILED ({len(report.failures)} invariant(s))")
        return 1
    print("load test passed: every invariant holds")
    return 0


if __name__ == "__main__":
    sys.exit(main())
