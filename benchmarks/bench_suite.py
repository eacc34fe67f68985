"""The one benchmark suite (issue 8): the floor, the peers and our hot paths,
side by side, measured in one run on one machine.

``python benchmarks/bench_suite.py [--quick] [--contacts N] [--bulk N] [--memory-contacts N]``
(``nox -s bench`` runs it with the other ``bench_*.py`` scripts).

Rows, each as ops/s, µs/op and the ratio to the ``limits`` fixed-window ``hit``:

* floor: a dict lookup plus an integer increment, over 10,000 keys;
* peers: ``limits``' ``FixedWindowRateLimiter.hit`` and ``MovingWindowRateLimiter.hit``
  on its memory storage, ``pyrate-limiter``'s in-memory limiter, over 10,000 keys;
  ``phonenumbers.parse`` + ``is_valid_number`` (the peer of ``normalize_phone``);
* ours: ``RampUpLimiter.reserve`` (10,000 accounts), ``PolicyEngine.authorize``
  (every rule on: quiet hours, content, DND, consent, ramp, monitor; 10,000
  contacts, bodies from a few mail-merge templates (first name and one or two
  values: a few hundred distinct texts), one message in four is marketing),
  ``authorize_bulk`` (100,000 messages to 10,000 contacts, per message),
  ``classify_inbound``, ``ContentLinter.lint``, ``count_segments``,
  ``normalize_phone`` (raw and E.164 input; warm: the 10,000 contacts again,
  cold: every number new), on memory and SQLite, and on Redis / PostgreSQL
  when ``A2P_BENCH_REDIS`` / ``A2P_BENCH_POSTGRES`` hold a reachable URI;
* peak memory (RSS growth, in a child process) of 1,000,000 contacts with
  consent and DND state in a ``MemoryStorage``.

Each figure is the median of R repetitions (``time.perf_counter``; the garbage
collector stays on, as in a real sender: about a quarter of ``authorize_bulk``
time on a 100,000-message batch is collection). Caches are
warm where a real sender's would be (the same 10,000 contacts come back);
``normalize_phone`` cold shows the first sight of a number. The JSON goes to
``benchmarks/results/bench_suite[.quick].json``. ``--quick`` is a smoke run of a
few seconds for CI: do not quote its figures.
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
    ManualClock,
    OptInMethod,
    OutboundMessage,
    PolicyEngine,
    UseCase,
)
from a2p_policy.compose import count_segments
from a2p_policy.content import ContentLinter
from a2p_policy.keywords import classify_inbound
from a2p_policy.limits import RampUpLimiter
from a2p_policy.phone import normalize_phone
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
def measure(op: Callable[[int], object], ops: int, repeat: int) -> dict[str, float]:
    """Median over ``repeat`` runs of ``ops`` calls of ``op(i)``."""
    per_op = []
    for r in range(repeat):
        base = r * ops
        gc.collect()
        start = time.perf_counter()
        for i in range(base, base + ops):
            op(i)
        per_op.append((time.perf_counter() - start) / ops)
    median = statistics.median(per_op)
    return {"us_per_op": median * 1e6, "ops_per_s": 1.0 / median, "ops": ops, "repeat": repeat}


def row(group: str, subject: str, backend: str, figures: dict[str, float]) -> dict[str, Any]:
    return {"group": group, "subject": subject, "backend": backend, **figures}


# ---------------------------------------------------------------- sections
def floor_and_peers(ops: int, repeat: int) -> list[dict[str, Any]]:
    keys = [f"acct-{i}" for i in range(KEYS)]
    counts: dict[str, int] = {}

    def floor(i: int) -> None:
        k = keys[i % KEYS]
        counts[k] = counts.get(k, 0) + 1

    rows = [row("floor", "dict lookup + int increment", "memory", measure(floor, ops, repeat))]
    if importlib.util.find_spec("limits") is not None:
        from limits import parse, storage, strategies

        item = parse("1000000000/day")
        fixed = strategies.FixedWindowRateLimiter(storage.MemoryStorage())
        moving = strategies.MovingWindowRateLimiter(storage.MemoryStorage())

        def fixed_hit(i: int) -> bool:
            return fixed.hit(item, keys[i % KEYS])

        def moving_hit(i: int) -> bool:
            return moving.hit(item, keys[i % KEYS])

        rows.append(row("peer", REFERENCE, "memory", measure(fixed_hit, ops, repeat)))
        rows.append(
            row("peer", "limits moving-window hit", "memory", measure(moving_hit, ops, repeat))
        )
    else:
        print("`limits` is not installed: its rows are skipped", file=sys.stderr)
    if importlib.util.find_spec("pyrate_limiter") is not None:
        from pyrate_limiter import Duration, Limiter, Rate

        try_acquire: Any = Limiter(Rate(10**9, Duration.DAY)).try_acquire
        kwargs = (
            {"blocking": False} if "blocking" in inspect.signature(try_acquire).parameters else {}
        )

        def acquire(name: str) -> object:  # pyrate-limiter 3.x has no ``blocking``
            return try_acquire(name, **kwargs)

        rows.append(
            row(
                "peer",
                "pyrate-limiter try_acquire",
                "memory",
                measure(lambda i: acquire(keys[i % KEYS]), ops, repeat),
            )
        )
    else:
        print("`pyrate-limiter` is not installed: its row is skipped", file=sys.stderr)
    return rows


def stateless(ops: int, repeat: int) -> list[dict[str, Any]]:
    import phonenumbers

    phones = contacts(KEYS)
    raws = [raw_format(p) for p in phones]
    texts = [b for b, _ in bodies(KEYS)]
    linter = ContentLinter()
    for p, r, t in zip(phones, raws, texts, strict=True):  # warm the caches: contacts come back
        normalize_phone(p)
        normalize_phone(r)
        linter.lint(t, brand="Acme")
    cold = contacts(ops * repeat + 1, offset=5 * KEYS)

    def peer(i: int) -> object:
        return phonenumbers.is_valid_number(phonenumbers.parse(phones[i % KEYS], None))

    return [
        row("peer", "phonenumbers parse + is_valid_number", "-", measure(peer, ops, repeat)),
        row("ours", "normalize_phone E.164 (warm)", "-",
            measure(lambda i: normalize_phone(phones[i % KEYS]), ops, repeat)),
        row("ours", "normalize_phone raw (warm)", "-",
            measure(lambda i: normalize_phone(raws[i % KEYS]), ops, repeat)),
        row("ours", "normalize_phone E.164 (cold)", "-",
            measure(lambda i: normalize_phone(cold[i]), ops, repeat)),
        row("ours", "classify_inbound", "-",
            measure(lambda i: classify_inbound(INBOUND[i % len(INBOUND)]), ops, repeat)),
        row("ours", "ContentLinter.lint (warm)", "-",
            measure(lambda i: linter.lint(texts[i % KEYS], brand="Acme"), ops, repeat)),
        row("ours", "ContentLinter.lint (every body new)", "-",
            measure(lambda i: linter.lint(f"{texts[i % KEYS]} #{i}", brand="Acme"), ops, repeat)),
        row("ours", "count_segments", "-",
            measure(lambda i: count_segments(texts[i % KEYS]), ops, repeat)),
    ]  # fmt: skip


def stateful(
    backend: str, make: Callable[[], Storage], n_contacts: int, ops: int, bulk: int, repeat: int
) -> tuple[list[dict[str, Any]], float]:
    rows = []
    store = make()
    try:
        ramp = RampUpLimiter(storage=store, clock=ManualClock(START))
        accounts = [f"acct-{i}" for i in range(KEYS)]
        for a in accounts[: min(KEYS, ops * repeat)]:
            ramp.set_override(a, 10**12)
        rows.append(
            row("ours", "RampUpLimiter.reserve", backend,
                measure(lambda i: ramp.reserve(accounts[i % KEYS], 1), ops, repeat))
        )  # fmt: skip
        phones = contacts(n_contacts)
        t0 = time.perf_counter()
        engine = build_engine(store, phones)
        print(f"  {backend}: {n_contacts} contacts set up in {time.perf_counter() - t0:.1f} s")
        msgs = outbound(phones, max(bulk, ops * repeat + n_contacts))
        for m in msgs[:n_contacts]:  # a first send to the list: warm caches, initial done
            engine.authorize(m)
        tail = msgs[n_contacts:]
        rows.append(
            row("ours", "PolicyEngine.authorize", backend,
                measure(lambda i: engine.authorize(tail[i]), ops, repeat))
        )  # fmt: skip
        batch = msgs[:bulk]
        gc.collect()
        start = time.perf_counter()
        result = engine.authorize_bulk(batch)
        elapsed = time.perf_counter() - start
        assert len(result) == bulk
        per = elapsed / bulk
        rows.append(
            row("ours", f"PolicyEngine.authorize_bulk ({bulk:,} msgs), per msg", backend,
                {"us_per_op": per * 1e6, "ops_per_s": 1 / per, "ops": bulk, "repeat": 1,
                 "total_s": elapsed, "allowed": result.allowed})
        )  # fmt: skip
        return rows, elapsed
    finally:
        store.close()


def memory_child(n: int) -> None:
    """Run in a child process: RSS growth of ``n`` contacts' consent + DND state."""
    before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    store = MemoryStorage()
    phones = contacts(n)
    engine = build_engine(store, phones)
    del phones
    gc.collect()
    after = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    print(json.dumps({"contacts": n, "rss_growth_mb": (after - before) / 1024.0}))
    assert engine.storage is store


def peak_memory(n: int) -> dict[str, Any]:
    out = subprocess.run(
        [sys.executable, __file__, "--memory-child", str(n)],
        capture_output=True,
        text=True,
        check=True,
    )
    return dict(json.loads(out.stdout.strip().splitlines()[-1]))


def backends(tmp: str) -> list[tuple[str, Callable[[], Storage]]]:
    from a2p_policy.storage import open_storage

    found: list[tuple[str, Callable[[], Storage]]] = [("memory", MemoryStorage)]
    found.append(("sqlite", lambda: open_storage(f"sqlite:///{tmp}/bench.db")))
    for name, env in (("redis", "A2P_BENCH_REDIS"), ("postgres", "A2P_BENCH_POSTGRES")):
        uri = os.environ.get(env)
        if not uri:
            print(f"{name}: set {env} to a server URI to include it", file=sys.stderr)
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
    parser.add_argument("--ops", type=int, default=None, help="operations per repetition")
    parser.add_argument("--repeat", type=int, default=None)
    parser.add_argument("--contacts", type=int, default=None)
    parser.add_argument("--bulk", type=int, default=None, help="messages in authorize_bulk")
    parser.add_argument("--memory-contacts", type=int, default=None)
    parser.add_argument("--out", type=Path, default=None, help="JSON file to write")
    parser.add_argument("--memory-child", type=int, default=None, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.memory_child is not None:
        memory_child(args.memory_child)
        return 0
    quick = args.quick
    ops = args.ops or (300 if quick else 10_000)
    repeat = args.repeat or (3 if quick else 5)
    n_contacts = args.contacts or (300 if quick else KEYS)
    bulk = args.bulk or (1_000 if quick else 100_000)
    mem_n = args.memory_contacts or (2_000 if quick else 1_000_000)

    rows = floor_and_peers(ops, repeat) + stateless(ops, repeat)
    bulk_seconds: dict[str, float] = {}
    with tempfile.TemporaryDirectory() as tmp:
        for backend, make in backends(tmp):
            found, seconds = stateful(backend, make, n_contacts, ops, bulk, repeat)
            rows += found
            bulk_seconds[backend] = seconds
    memory = peak_memory(mem_n)

    # The reference again, now that ours ran: the ratio uses the mean of both
    # measurements, so drift over the run (heap size, a neighbour's load)
    # weighs on both sides alike.
    again = [r for r in floor_and_peers(ops, repeat) if r["subject"] == REFERENCE]
    first = next((r for r in rows if r["subject"] == REFERENCE), None)
    if first is not None and again:
        first["us_per_op_start"], first["us_per_op_end"] = first["us_per_op"], again[0]["us_per_op"]
        first["us_per_op"] = (first["us_per_op_start"] + first["us_per_op_end"]) / 2
        first["ops_per_s"] = 1e6 / first["us_per_op"]
    ref = first["ops_per_s"] if first is not None else None
    for r in rows:
        r["ratio_to_limits_fixed"] = r["ops_per_s"] / ref if ref else None
    print(f"\n{'subject':<52} {'backend':<8} {'ops/s':>11} {'µs/op':>9} {'ratio':>7}")
    print("-" * 91)
    for r in rows:
        ratio = f"{r['ratio_to_limits_fixed']:.3f}" if ref else "-"
        print(
            f"{r['subject']:<52} {r['backend']:<8} {r['ops_per_s']:>11,.0f} "
            f"{r['us_per_op']:>9.2f} {ratio:>7}"
        )
    print(
        "(ratio: ops/s over the `limits` fixed-window hit, same run; the reference is the"
        " mean of its measurements at the start and at the end of the run)"
    )
    targets = evaluate(rows, bulk_seconds, memory, mem_n)
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
                "settings": {"ops": ops, "repeat": repeat, "contacts": n_contacts, "bulk": bulk},
                "results": rows,
                "bulk_seconds": bulk_seconds,
                "memory": memory,
                "targets": targets,
            },
            indent=2,
        )
    )
    print(f"\nresults written to {out}")
    return 0


def evaluate(
    rows: list[dict[str, Any]], bulk_seconds: dict[str, float], memory: dict[str, Any], n: int
) -> list[dict[str, Any]]:
    def ratio(subject: str, backend: str = "memory") -> float | None:
        for r in rows:
            if r["subject"].startswith(subject) and r["backend"] == backend:
                value = r.get("ratio_to_limits_fixed")
                return float(value) if value is not None else None
        return None

    def ops(subject: str) -> float:
        return float(next(r["ops_per_s"] for r in rows if r["subject"] == subject))

    out: list[dict[str, Any]] = []

    def add(name: str, value: float | None, goal: float, fmt: str = "{:.3f}x") -> None:
        met = value is not None and value >= goal
        shown = "n/a" if value is None else fmt.format(value)
        out.append({"name": name, "goal": goal, "value": value, "met": met, "measured": shown})

    add("reserve memory >= 1.0x limits fixed", ratio("RampUpLimiter.reserve"), 1.0)
    add("authorize memory >= 0.25x limits fixed", ratio("PolicyEngine.authorize"), 0.25)
    add("authorize_bulk/msg memory >= 0.5x", ratio("PolicyEngine.authorize_bulk"), 0.5)
    if "sqlite" in bulk_seconds and bulk_seconds.get("memory"):
        slow = bulk_seconds["sqlite"] / bulk_seconds["memory"]
        out.append(
            {"name": "authorize_bulk sqlite < 3x memory", "goal": 3.0, "value": slow,
             "met": slow < 3.0, "measured": f"{slow:.2f}x the memory time"}
        )  # fmt: skip
    peer = ops("phonenumbers parse + is_valid_number")
    add(
        "normalize_phone E.164 (warm) >= 10x phonenumbers",
        ops("normalize_phone E.164 (warm)") / peer,
        10.0,
    )
    add(
        "normalize_phone E.164 (cold) >= 10x phonenumbers",
        ops("normalize_phone E.164 (cold)") / peer,
        10.0,
    )
    mb = float(memory["rss_growth_mb"]) * (1_000_000 / n)
    small = n < 100_000  # RSS granularity: too few contacts to say anything
    out.append(
        {"name": "1,000,000 contacts' state < 500 MB", "goal": 500.0,
         "value": None if small else mb, "met": None if small else mb < 500.0,
         "measured": f"not judged with {n:,} contacts" if small else f"{mb:.0f} MB"
         + ("" if n == 1_000_000 else f" (extrapolated from {n:,})")}
    )  # fmt: skip
    return out


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
