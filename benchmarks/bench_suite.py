"""The one benchmark suite (issues 8 and 13): the floor, the peers and our
hot paths, side by side, measured in one run on one machine.

``python benchmarks/bench_suite.py [--quick] [--servers] [--contacts N] [--bulk N]
[--memory-contacts N] [--scale N]`` (``nox -s bench`` runs it with the other
``bench_*.py`` scripts).

Rows, each as ops/s, µs/op and the ratio to the ``limits`` fixed-window ``hit``:

* floor: a dict lookup plus an integer increment, over 10,000 keys;
* peers: ``limits``' ``FixedWindowRateLimiter.hit`` and ``MovingWindowRateLimiter.hit``
  on its memory storage (and the fixed-window hit on the suite's Redis when
  it is up), ``pyrate-limiter``'s in-memory limiter, over 10,000 keys;
  ``phonenumbers.parse`` + ``is_valid_number`` (the peer of ``normalize_phone``);
* ours: ``RampUpLimiter.reserve`` (10,000 accounts), ``PolicyEngine.authorize``
  (every rule on: quiet hours, content, DND, consent, ramp, monitor; 10,000
  contacts, bodies from a few mail-merge templates (first name and one or two
  values: a few hundred distinct texts), one message in four is marketing),
  ``authorize_bulk`` (100,000 messages to 10,000 contacts, per message),
  ``classify_inbound``, ``ContentLinter.lint``, ``count_segments``,
  ``normalize_phone`` (raw and E.164 input; warm: the 10,000 contacts again,
  cold: every number new), on memory and SQLite, and on Redis / PostgreSQL
  when ``A2P_BENCH_REDIS`` / ``A2P_BENCH_POSTGRES`` hold a reachable URI
  (``--servers`` starts private ones on loopback, as the tests do);
* round trips per ``authorize``, ``check``, ``reserve`` and per message of a
  small ``authorize_bulk`` on Redis and PostgreSQL (counted by wrapping the
  drivers' ``execute_command`` / pipeline ``execute`` and psycopg's cursor
  ``execute`` and ``commit`` from here: the library is not changed);
* peak memory (RSS growth, in a child process) of 1,000,000 contacts with
  consent and DND state in a ``MemoryStorage``, and in the same process the
  per-message cost of ``authorize_bulk`` over 100,000 distinct contacts of
  them against 10,000 contacts ten times (caches past their working set).

Interleaved rounds: every item runs once per round (``--ops`` operations),
the rounds follow one another, and each figure is the median over rounds;
the ratio is the median of the per-round ratios, so drift of the machine
over the run (a neighbour's load, heap growth) hits the peers and ours
alike. The garbage collector stays on, as in a real sender. Caches are warm
where a real sender's would be (the same 10,000 contacts come back);
``normalize_phone`` cold shows the first sight of a number. The JSON goes to
``benchmarks/results/bench_suite[.quick].json``. ``--quick`` is a smoke run of
a few seconds for CI: do not quote its figures.
"""

from __future__ import annotations

import argparse
import functools
import gc
import importlib.util
import inspect
import json
import os
import platform
import random
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from a2p_policy import (
    ConsentRecord,
    ContentLinter,
    ManualClock,
    OptInMethod,
    OutboundMessage,
    PolicyEngine,
    RampUpLimiter,
    UseCase,
    classify_inbound,
    count_segments,
    normalize_phone,
)
from a2p_policy.storage.base import Storage
from a2p_policy.storage.memory import MemoryStorage

HERE = Path(__file__).resolve().parent
RESULTS = HERE / "results"
REFERENCE = "limits fixed-window hit"
KEYS = 10_000

#: 19:00 UTC on a Monday: inside the federal window (8:00-21:00) in every US zone.
START = datetime(2026, 1, 5, 19, 0, tzinfo=UTC)
AREA_CODES = (
    "212", "415", "312", "305", "617", "713", "206", "503", "702", "602",
    "404", "303", "214", "615", "801", "907", "808", "813", "718", "510",
)  # fmt: skip
TEMPLATES = (
    "Hi {name}, this is a reminder of your cleaning on {d}/{m} at {h}:30. Reply C to confirm.",
    "{name}, your order #{n} has shipped! Track it at https://bloomflorist.com/t/{n}",
    "Your loaner car is ready, {name}. We close at {h}pm today.",
    "Your prescription #{n} is ready for pickup after {h}pm. Questions? Call us.",
)
MARKETING = "Spring sale: {n}% off all jackets through Sunday, {name}. Shop https://acme.com/sale"
NAMES = ("Ana", "John", "Mary", "Omar", "Li", "Zoe", "Raj", "Eve")
INBOUND = ("STOP", "stop please", "Yes", "HELP", "thanks!", "Unsubscribe", "see you at 5", "START")


# ---------------------------------------------------------------- data
def contacts(n: int, offset: int = 0) -> list[str]:
    """``n`` distinct valid NANP numbers across a few area codes."""
    out = []
    for i in range(offset, offset + n):
        ac = AREA_CODES[i % len(AREA_CODES)]
        j = i // len(AREA_CODES)
        out.append(f"+1{ac}{200 + (j // 10_000) % 700:03d}{j % 10_000:04d}")
    return out


def raw_format(e164: str) -> str:
    return f"({e164[2:5]}) {e164[5:8]}-{e164[8:]}"


def bodies(count: int, seed: int = 7) -> list[tuple[str, UseCase]]:
    rng = random.Random(seed)
    out = []
    for i in range(count):
        marketing = i % 4 == 3
        template = MARKETING if marketing else rng.choice(TEMPLATES)
        body = template.format(
            name=rng.choice(NAMES), d=rng.choice((6, 7, 8)), m=1,
            h=rng.choice((9, 10, 2, 4)), n=rng.choice((15, 20, 25, 30, 40)),
        )  # fmt: skip
        out.append((body, UseCase.MARKETING if marketing else UseCase.ACCOUNT_NOTIFICATIONS))
    return out


def build_engine(storage: Storage, phones: list[str]) -> PolicyEngine:
    """An engine with every rule on; consent for 49 contacts in 50, one in 100 on DND."""
    engine = PolicyEngine(storage=storage, clock=ManualClock(START))
    engine.ramp.set_override("acct", 10**12)  # measure the grant path, not refusals
    template = ConsentRecord(
        phone=phones[0],
        brand="Acme",
        account="acct",
        method=OptInMethod.WEB_FORM,
        captured_at=START,
        scopes=frozenset({UseCase.ACCOUNT_NOTIFICATIONS, UseCase.MARKETING}),
        express=True,
        source_url="https://acme.example.com/sms-signup",
        consent_text="I agree to receive reminders and offers from Acme.",
    )
    for k, phone in enumerate(phones):
        if k % 50 != 7:
            engine.consent.grant(template.model_copy(update={"phone": phone}))
        if k % 100 == 3:
            engine.dnd.opt_out("acct", phone, keyword="STOP")
    return engine


def outbound(phones: list[str], count: int) -> list[OutboundMessage]:
    return [
        OutboundMessage("acct", "+14155550199", phones[i % len(phones)], body, brand="Acme",
                        use_case=use_case)
        for i, (body, use_case) in enumerate(bodies(count))
    ]  # fmt: skip


# ---------------------------------------------------------------- timing
class Item:
    """One row: ``run(r)`` does round ``r``'s ``ops`` operations."""

    def __init__(
        self, group: str, subject: str, backend: str, run: Callable[[int], object], ops: int
    ) -> None:
        self.group, self.subject, self.backend = group, subject, backend
        self.run, self.ops = run, ops
        self.times: list[float] = []  # seconds per op, one per round
        self.extra: dict[str, Any] = {}


def each(op: Callable[[int], object], ops: int) -> Callable[[int], None]:
    """A round of ``ops`` calls ``op(i)``, with ``i`` new in every round."""

    def run(r: int) -> None:
        for i in range(r * ops, (r + 1) * ops):
            op(i)

    return run


def interleave(items: list[Item], rounds: int) -> None:
    """Every item once per round, rounds one after the other: drift of the
    machine over the run (a neighbour's load, heap growth) lands on ours and
    the peers alike. The garbage collector stays on, as in a real sender."""
    for r in range(rounds):
        for item in items:
            gc.collect()
            start = time.perf_counter()
            item.run(r)
            item.times.append((time.perf_counter() - start) / item.ops)


def rows_of(items: list[Item]) -> list[dict[str, Any]]:
    """Median per item; the ratio to the reference is the median over rounds
    of the per-round ratio (both measured in the same round)."""
    ref = next((it for it in items if it.subject == REFERENCE and it.backend == "memory"), None)
    out = []
    for it in items:
        median = statistics.median(it.times)
        ratio = None
        if ref is not None:
            ratio = statistics.median(rt / t for rt, t in zip(ref.times, it.times, strict=True))
        out.append(
            {"group": it.group, "subject": it.subject, "backend": it.backend,
             "us_per_op": median * 1e6, "ops_per_s": 1.0 / median, "ops": it.ops,
             "rounds": len(it.times), "us_per_op_rounds": [t * 1e6 for t in it.times],
             "ratio_to_limits_fixed": ratio, **it.extra}
        )  # fmt: skip
    return out


# ---------------------------------------------------------------- round trips
class RoundTrips:
    """Counts what reaches a server: every Redis command sent on its own and
    every pipeline sent (one round trip each), every PostgreSQL statement and
    commit. Installed on the driver classes by the benchmark only; the
    library is not changed."""

    def __init__(self) -> None:
        self.count = 0  # round trips
        self.commits = 0  # of which PostgreSQL COMMITs (not statements of the decision)
        self._undo: list[Callable[[], None]] = []

    def install(self) -> None:
        self._wrap_redis()
        self._wrap_psycopg()

    def _patch(
        self,
        cls: Any,
        name: str,
        skip: Callable[[Any], bool] | None = None,
        *,
        commit: bool = False,
    ) -> None:
        original = cls.__dict__[name]
        counter = self

        def wrapper(obj: Any, *args: Any, **kwargs: Any) -> Any:
            if skip is None or not skip(obj):
                counter.count += 1
                counter.commits += commit
            return original(obj, *args, **kwargs)

        setattr(cls, name, wrapper)
        self._undo.append(lambda: setattr(cls, name, original))

    def _wrap_redis(self) -> None:
        if importlib.util.find_spec("redis") is None:
            return
        import redis.client

        pipeline = redis.client.Pipeline
        # A pipeline buffers its commands (no round trip) until execute().
        self._patch(redis.client.Redis, "execute_command", lambda obj: isinstance(obj, pipeline))
        self._patch(pipeline, "execute")

    def _wrap_psycopg(self) -> None:
        if importlib.util.find_spec("psycopg") is None:
            return
        import psycopg

        for name in ("execute", "executemany"):
            self._patch(psycopg.Cursor, name)
        # commit() sends nothing when no transaction is open (autocommit, or
        # a pool's end-of-borrow commit on an idle connection): not a trip.
        idle = psycopg.pq.TransactionStatus.IDLE
        self._patch(
            psycopg.Connection,
            "commit",
            lambda conn: conn.autocommit or conn.info.transaction_status == idle,
            commit=True,
        )

    def uninstall(self) -> None:
        while self._undo:
            self._undo.pop()()

    def per_call(self, call: Callable[[int], object], n: int) -> tuple[float, float]:
        """(round trips, statements: round trips less COMMITs) per call."""
        self.count = self.commits = 0
        for i in range(n):
            call(i)
        return self.count / n, (self.count - self.commits) / n


# ---------------------------------------------------------------- sections
def floor_and_peers(ops: int) -> list[Item]:
    keys = [f"acct-{i}" for i in range(KEYS)]
    counts: dict[str, int] = {}

    def floor(i: int) -> None:
        k = keys[i % KEYS]
        counts[k] = counts.get(k, 0) + 1

    items = [Item("floor", "dict lookup + int increment", "memory", each(floor, ops), ops)]
    if importlib.util.find_spec("limits") is not None:
        from limits import parse, storage, strategies

        item = parse("1000000000/day")
        fixed = strategies.FixedWindowRateLimiter(storage.MemoryStorage())
        moving = strategies.MovingWindowRateLimiter(storage.MemoryStorage())
        items.append(
            Item("peer", REFERENCE, "memory",
                 each(lambda i: fixed.hit(item, keys[i % KEYS]), ops), ops)
        )  # fmt: skip
        items.append(
            Item("peer", "limits moving-window hit", "memory",
                 each(lambda i: moving.hit(item, keys[i % KEYS]), ops), ops)
        )  # fmt: skip
    else:
        print("`limits` is not installed: its rows are skipped", file=sys.stderr)
    if importlib.util.find_spec("pyrate_limiter") is not None:
        from pyrate_limiter import Duration, Limiter, Rate

        try_acquire: Any = Limiter(Rate(10**9, Duration.DAY)).try_acquire
        kwargs = (
            {"blocking": False} if "blocking" in inspect.signature(try_acquire).parameters else {}
        )
        items.append(
            Item("peer", "pyrate-limiter try_acquire", "memory",
                 each(lambda i: try_acquire(keys[i % KEYS], **kwargs), ops), ops)
        )  # fmt: skip
    else:
        print("`pyrate-limiter` is not installed: its row is skipped", file=sys.stderr)
    return items


def stateless(ops: int, rounds: int) -> list[Item]:
    import phonenumbers

    phones = contacts(KEYS)
    raws = [raw_format(p) for p in phones]
    texts = [b for b, _ in bodies(KEYS)]
    linter = ContentLinter()
    for p, r, t in zip(phones, raws, texts, strict=True):  # warm the caches: contacts come back
        normalize_phone(p)
        normalize_phone(r)
        linter.lint(t, brand="Acme")
    cold = contacts(ops * rounds + 1, offset=5 * KEYS)

    def peer(i: int) -> object:
        return phonenumbers.is_valid_number(phonenumbers.parse(phones[i % KEYS], None))

    def item(group: str, subject: str, op: Callable[[int], object]) -> Item:
        return Item(group, subject, "-", each(op, ops), ops)

    return [
        item("peer", "phonenumbers parse + is_valid_number", peer),
        item("ours", "normalize_phone E.164 (warm)", lambda i: normalize_phone(phones[i % KEYS])),
        item("ours", "normalize_phone raw (warm)", lambda i: normalize_phone(raws[i % KEYS])),
        item("ours", "normalize_phone E.164 (cold)", lambda i: normalize_phone(cold[i])),
        item("ours", "classify_inbound", lambda i: classify_inbound(INBOUND[i % len(INBOUND)])),
        item("ours", "ContentLinter.lint (warm)",
             lambda i: linter.lint(texts[i % KEYS], brand="Acme")),
        item("ours", "ContentLinter.lint (every body new)",
             lambda i: linter.lint(f"{texts[i % KEYS]} #{i}", brand="Acme")),
        item("ours", "count_segments", lambda i: count_segments(texts[i % KEYS])),
    ]  # fmt: skip


class Stateful:
    """One backend's store, limiter and engine, set up before the rounds."""

    def __init__(
        self, backend: str, make: Callable[[], Storage], n_contacts: int, ops: int, rounds: int,
        bulk: int,
    ) -> None:  # fmt: skip
        self.backend = backend
        self.store = store = make()
        self.ramp = RampUpLimiter(storage=store, clock=ManualClock(START))
        self.accounts = [f"acct-{i}" for i in range(KEYS)]
        for a in self.accounts[: min(KEYS, ops * rounds)]:
            self.ramp.set_override(a, 10**12)
        phones = contacts(n_contacts)
        t0 = time.perf_counter()
        self.engine = build_engine(store, phones)
        print(f"  {backend}: {n_contacts} contacts set up in {time.perf_counter() - t0:.1f} s")
        msgs = outbound(phones, max(bulk, ops * rounds + n_contacts + 100))
        self.engine.authorize_bulk(msgs[:n_contacts])  # a first send to the list: initial done
        self.tail = msgs[n_contacts:]
        self.batch = msgs[:bulk]
        self.spare = msgs[-100:]
        self.allowed: list[int] = []

    def items(self, ops: int) -> list[Item]:
        ramp, accounts, engine, tail = self.ramp, self.accounts, self.engine, self.tail

        def bulk_round(r: int) -> None:
            self.allowed.append(engine.authorize_bulk(self.batch).allowed)

        n = len(self.batch)
        return [
            Item("ours", "RampUpLimiter.reserve", self.backend,
                 each(lambda i: ramp.reserve(accounts[i % KEYS], 1), ops), ops),
            Item("ours", "PolicyEngine.authorize", self.backend,
                 each(lambda i: engine.authorize(tail[i]), ops), ops),
            Item("ours", f"PolicyEngine.authorize_bulk ({n:,} msgs), per msg", self.backend,
                 bulk_round, n),
        ]  # fmt: skip

    def round_trips(self, counter: RoundTrips) -> dict[str, float]:
        engine, spare = self.engine, self.spare
        n = min(20, len(spare))
        calls: dict[str, tuple[float, float]] = {
            "authorize": counter.per_call(lambda i: engine.authorize(spare[i]), n),
            "check": counter.per_call(lambda i: engine.check(spare[i]), n),
            "reserve": counter.per_call(lambda i: self.ramp.reserve(self.accounts[i], 1), n),
        }
        trips, statements = counter.per_call(lambda i: engine.authorize_bulk(spare), 1)
        calls[f"authorize_bulk per message ({len(spare)} msgs)"] = (
            trips / len(spare),
            statements / len(spare),
        )
        out = {name: figures[0] for name, figures in calls.items()}
        if self.backend == "postgres":
            out.update({f"{name} (statements)": figures[1] for name, figures in calls.items()})
        return out


def memory_child(n: int, scale: int) -> None:
    """Run in a child process: RSS growth of ``n`` contacts' consent + DND
    state; then the per-message cost of ``authorize_bulk`` when the batch
    names ``scale`` distinct contacts of the ``n`` against when it names
    ``scale // 10`` contacts ten times (the working set past the caches)."""
    before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    store = MemoryStorage()
    phones = contacts(n)
    engine = build_engine(store, phones)
    gc.collect()
    after = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    out: dict[str, Any] = {"contacts": n, "rss_growth_mb": (after - before) / 1024.0}
    if scale:
        wide = outbound(phones[:: max(1, n // scale)][:scale], scale)
        narrow = outbound(phones[: max(1, scale // 10)], scale)
        figures: dict[str, list[float]] = {"wide": [], "narrow": []}
        for batch in (wide, narrow):  # the first send: initial messages, caches filled
            engine.authorize_bulk(batch)
        for _ in range(3):
            for name, batch in (("wide", wide), ("narrow", narrow)):
                gc.collect()
                start = time.perf_counter()
                engine.authorize_bulk(batch)
                figures[name].append((time.perf_counter() - start) / scale * 1e6)
        out["scale"] = {
            "messages": scale,
            "wide_contacts": len({m.to for m in wide}),
            "narrow_contacts": len({m.to for m in narrow}),
            "wide_us_per_msg": statistics.median(figures["wide"]),
            "narrow_us_per_msg": statistics.median(figures["narrow"]),
        }
    print(json.dumps(out))


def peak_memory(n: int, scale: int) -> dict[str, Any]:
    out = subprocess.run(
        [sys.executable, __file__, "--memory-child", str(n), "--scale", str(scale)],
        capture_output=True,
        text=True,
        check=True,
    )
    return dict(json.loads(out.stdout.strip().splitlines()[-1]))


def redis_peer(ops: int) -> list[Item]:
    """``limits``' fixed-window hit on the Redis the suite uses (when up)."""
    uri = os.environ.get("A2P_BENCH_REDIS")
    if not uri or importlib.util.find_spec("limits") is None:
        return []
    from limits import parse, storage, strategies

    try:
        store = storage.RedisStorage(uri)
        if not store.check():
            return []
    except Exception as exc:  # no driver or no server: the row is skipped
        print(f"limits on redis: skipped ({type(exc).__name__}: {exc})", file=sys.stderr)
        return []
    item = parse("1000000000/day")
    fixed = strategies.FixedWindowRateLimiter(store)
    keys = [f"bench-acct-{i}" for i in range(KEYS)]
    return [
        Item("peer", REFERENCE, "redis", each(lambda i: fixed.hit(item, keys[i % KEYS]), ops), ops)
    ]


def start_servers() -> list[Any]:
    """Private Redis and PostgreSQL servers on loopback (``tests/servers.py``),
    their URIs put in ``A2P_BENCH_REDIS`` / ``A2P_BENCH_POSTGRES``."""
    sys.path.insert(0, str(HERE.parent / "tests"))
    import servers  # type: ignore[import-not-found]

    started: list[Any] = []
    for env, kind in (("A2P_BENCH_REDIS", servers.RedisServer),
                      ("A2P_BENCH_POSTGRES", servers.PostgresServer)):  # fmt: skip
        if os.environ.get(env):
            continue
        try:
            server = kind()
        except Exception as exc:  # a missing binary: say so, run without it
            print(f"{kind.__name__} not started: {exc}", file=sys.stderr)
            continue
        started.append(server)
        os.environ[env] = server.uri
    return started


def backends(tmp: str) -> list[tuple[str, Callable[[], Storage]]]:
    from a2p_policy.storage import open_storage

    found: list[tuple[str, Callable[[], Storage]]] = [("memory", MemoryStorage)]
    found.append(("sqlite", lambda: open_storage(f"sqlite:///{tmp}/bench.db")))
    for name, env in (("redis", "A2P_BENCH_REDIS"), ("postgres", "A2P_BENCH_POSTGRES")):
        uri = os.environ.get(env)
        if not uri:
            print(f"{name}: set {env} to a server URI (or pass --servers)", file=sys.stderr)
            continue
        try:
            probe = open_storage(uri)
            ok = probe.ping()
            probe.close()
        except Exception as exc:  # a missing driver or server: skip, say why
            print(f"{name}: skipped ({type(exc).__name__}: {exc})", file=sys.stderr)
            continue
        if ok:
            found.append((name, functools.partial(open_storage, uri)))
    return found


# ---------------------------------------------------------------- main
def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="smoke run of a few seconds")
    parser.add_argument("--ops", type=int, default=None, help="operations per item and round")
    parser.add_argument("--repeat", type=int, default=None, help="rounds")
    parser.add_argument("--contacts", type=int, default=None)
    parser.add_argument("--bulk", type=int, default=None, help="messages in authorize_bulk")
    parser.add_argument("--memory-contacts", type=int, default=None)
    parser.add_argument("--scale", type=int, default=None, help="messages of the scale check")
    parser.add_argument(
        "--servers", action="store_true", help="start private Redis and PostgreSQL servers"
    )
    parser.add_argument("--out", type=Path, default=None, help="JSON file to write")
    parser.add_argument("--memory-child", type=int, default=None, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    quick = args.quick
    scale = args.scale if args.scale is not None else (200 if quick else 100_000)
    if args.memory_child is not None:
        memory_child(args.memory_child, scale)
        return 0
    ops = args.ops or (300 if quick else 5_000)
    rounds = args.repeat or (3 if quick else 5)
    n_contacts = args.contacts or (300 if quick else KEYS)
    bulk = args.bulk or (1_000 if quick else 100_000)
    mem_n = args.memory_contacts or (2_000 if quick else 1_000_000)
    servers = start_servers() if args.servers else []
    try:
        return run(args, quick, ops, rounds, n_contacts, bulk, mem_n, scale)
    finally:
        for server in servers:
            server.destroy()


def run(
    args: argparse.Namespace, quick: bool, ops: int, rounds: int, n_contacts: int, bulk: int,
    mem_n: int, scale: int,
) -> int:  # fmt: skip
    items = floor_and_peers(ops) + stateless(ops, rounds)
    trips: dict[str, dict[str, float]] = {}
    with tempfile.TemporaryDirectory() as tmp:
        setups = [
            Stateful(backend, make, n_contacts, ops, rounds, bulk)
            for backend, make in backends(tmp)
        ]
        try:
            items += redis_peer(ops)
            for setup in setups:
                items += setup.items(ops)
            interleave(items, rounds)
            counter = RoundTrips()
            counter.install()
            try:
                for setup in setups:
                    if setup.backend in ("redis", "postgres"):
                        trips[setup.backend] = setup.round_trips(counter)
            finally:
                counter.uninstall()
        finally:
            for setup in setups:
                setup.store.close()
    rows = rows_of(items)
    memory = peak_memory(mem_n, scale)
    report(rows, trips)
    targets = evaluate(rows, trips, memory, mem_n)
    for t in targets:
        verdict = "SKIP" if t["met"] is None else "MET " if t["met"] else "MISS"
        print(f"target {verdict} {t['name']}: {t['measured']}")
    out = args.out or RESULTS / ("bench_suite.quick.json" if quick else "bench_suite.json")
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(
        json.dumps(
            {
                "benchmark": "suite",
                "quick": quick,
                "python": platform.python_version(),
                "machine": platform.platform(),
                "cpus": os.cpu_count(),
                "measured_at": datetime.now(UTC).isoformat(),
                "settings": {"ops": ops, "rounds": rounds, "contacts": n_contacts, "bulk": bulk},
                "results": rows,
                "round_trips": trips,
                "memory": memory,
                "targets": targets,
            },
            indent=2,
        )
    )
    print(f"\nresults written to {out}")
    return 0


def report(rows: list[dict[str, Any]], trips: dict[str, dict[str, float]]) -> None:
    print(f"\n{'subject':<52} {'backend':<8} {'ops/s':>11} {'µs/op':>9} {'ratio':>7}")
    print("-" * 91)
    for r in rows:
        ratio = r["ratio_to_limits_fixed"]
        shown = f"{ratio:.3f}" if ratio is not None else "-"
        print(
            f"{r['subject']:<52} {r['backend']:<8} {r['ops_per_s']:>11,.0f} "
            f"{r['us_per_op']:>9.2f} {shown:>7}"
        )
    print(
        "(median over interleaved rounds; ratio: ops/s over the `limits` fixed-window hit,"
        " the median of the per-round ratios)"
    )
    for backend, figures in trips.items():
        shown = ", ".join(f"{k} {v:.2f}" for k, v in figures.items())
        print(f"round trips per call, {backend}: {shown}")


def evaluate(
    rows: list[dict[str, Any]], trips: dict[str, dict[str, float]], memory: dict[str, Any],
    n: int,
) -> list[dict[str, Any]]:  # fmt: skip
    def ratio(subject: str, backend: str = "memory") -> float | None:
        for r in rows:
            if r["subject"].startswith(subject) and r["backend"] == backend:
                value = r.get("ratio_to_limits_fixed")
                return float(value) if value is not None else None
        return None

    def us(subject: str, backend: str) -> float | None:
        for r in rows:
            if r["subject"].startswith(subject) and r["backend"] == backend:
                return float(r["us_per_op"])
        return None

    def ops(subject: str) -> float:
        return float(next(r["ops_per_s"] for r in rows if r["subject"] == subject))

    out: list[dict[str, Any]] = []

    def add(name: str, value: float | None, goal: float, fmt: str = "{:.3f}x", *,
            at_most: bool = False) -> None:  # fmt: skip
        met = None if value is None else (value <= goal if at_most else value >= goal)
        shown = "n/a" if value is None else fmt.format(value)
        out.append({"name": name, "goal": goal, "value": value, "met": met, "measured": shown})

    add("reserve memory >= 1.0x limits fixed", ratio("RampUpLimiter.reserve"), 1.0)
    add("authorize memory >= 0.5x limits fixed", ratio("PolicyEngine.authorize"), 0.5)
    add("authorize_bulk/msg memory >= 1.0x", ratio("PolicyEngine.authorize_bulk"), 1.0)
    bulk_sqlite = us("PolicyEngine.authorize_bulk", "sqlite")
    bulk_memory = us("PolicyEngine.authorize_bulk", "memory")
    add("authorize_bulk sqlite < 3x memory",
        None if not bulk_sqlite or not bulk_memory else bulk_sqlite / bulk_memory, 3.0,
        "{:.2f}x the memory time", at_most=True)  # fmt: skip
    for backend in ("redis", "postgres"):
        found = trips.get(backend, {})
        add(f"round trips per authorize, {backend} <= 2", found.get("authorize"), 2.0,
            "{:.2f}", at_most=True)  # fmt: skip
        add(f"round trips per reserve, {backend} <= 1", found.get("reserve"), 1.0,
            "{:.2f}", at_most=True)  # fmt: skip
    redis_auth, redis_peer = us("PolicyEngine.authorize", "redis"), us(REFERENCE, "redis")
    add("authorize redis >= 0.5x limits fixed-window hit on the same Redis",
        None if not redis_auth or not redis_peer else redis_peer / redis_auth, 0.5)  # fmt: skip
    peer = ops("phonenumbers parse + is_valid_number")
    add("normalize_phone E.164 (warm) >= 10x phonenumbers",
        ops("normalize_phone E.164 (warm)") / peer, 10.0)  # fmt: skip
    add("normalize_phone E.164 (cold) >= 10x phonenumbers",
        ops("normalize_phone E.164 (cold)") / peer, 10.0)  # fmt: skip
    mb = float(memory["rss_growth_mb"]) * (1_000_000 / n)
    small = n < 100_000  # RSS granularity: too few contacts to say anything
    out.append(
        {"name": "1,000,000 contacts' state < 500 MB", "goal": 500.0,
         "value": None if small else mb, "met": None if small else mb < 500.0,
         "measured": f"not judged with {n:,} contacts" if small else f"{mb:.0f} MB"
         + ("" if n == 1_000_000 else f" (extrapolated from {n:,})")}
    )  # fmt: skip
    sc = memory.get("scale")
    if sc:
        slow = sc["wide_us_per_msg"] / sc["narrow_us_per_msg"]
        add(f"authorize_bulk/msg, {sc['wide_contacts']:,} distinct contacts of {n:,} "
            f"<= 1.2x {sc['narrow_contacts']:,}", slow, 1.2, "{:.2f}x", at_most=True)  # fmt: skip
    return out


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
