"""Content linter and composer throughput, side by side with naive baselines.

``python benchmarks/bench_content.py [--quick]``

What it measures, on this machine, now:

* lint throughput (messages/s) for typical 1-2 segment messages, with the
  result cache off (every message distinct, the bulk-send worst case) and on
  (repeated templates);
* the same vocabulary matched the naive way (one ``re.search`` per term on
  the lower-cased text), the peer a hand-written filter would be;
* compose throughput (messages/s) and segment counting, with the ``gsm0338``
  codec as a peer when it is installed;
* the cost of one 10,000-character input against a 1,000-character one
  (a ratio near 10 means linear).

Writes ``benchmarks/results/bench_content.json``.
"""

from __future__ import annotations

import json
import random
import re
import sys
import time
from collections.abc import Callable
from pathlib import Path

from a2p_policy import MessageComposer, count_segments
from a2p_policy._content.linter import ContentLinter
from a2p_policy._content.vocabulary import CATEGORIES

HERE = Path(__file__).resolve().parent

TEMPLATES = [
    "Hi {name}, this is Sunny Smiles Dental confirming your cleaning on {d}/{m} at {h}:30. "
    "Reply C to confirm or call us. Reply STOP to unsubscribe",
    "{name}, your order #{n} from Bloom Florist has shipped! Track it at "
    "https://bloomflorist.com/t/{n}",
    "City Auto: your loaner car is ready, {name}. We close at {h}pm today.",
    "Flash sale at Acme Outfitters: {n}% off jackets through Sunday. Shop "
    "https://acme.com/sale Reply STOP to opt out",
    "Hey {name}! Casino night at Lucky Star, {n} free spins for new players. http://bit.ly/x{n}",
    "Reminder from Main St Pharmacy: your prescription #{n} is ready for pickup after {h}pm. "
    "Text STOP to cancel. Msg&data rates may apply.",
]
NAMES = ["Ana", "John", "Mary", "Omar", "Li", "Zoe", "Raj", "Eve"]


def messages(count: int, seed: int = 7) -> list[str]:
    rng = random.Random(seed)
    return [
        rng.choice(TEMPLATES).format(
            name=rng.choice(NAMES), d=rng.randint(1, 28), m=rng.randint(1, 12),
            h=rng.randint(1, 12), n=rng.randint(100, 99999),
        )
        for _ in range(count)
    ]  # fmt: skip


def naive_lint(text: str, patterns: list[tuple[str, re.Pattern[str]]]) -> list[str]:
    lowered = text.lower()
    return [rule for rule, pattern in patterns if pattern.search(lowered)]


def rate(func: Callable[[str], object], texts: list[str]) -> float:
    start = time.perf_counter()
    for text in texts:
        func(text)
    return len(texts) / (time.perf_counter() - start)


def best_time(func: Callable[[], object], repeat: int) -> float:
    best = float("inf")
    for _ in range(repeat):
        start = time.perf_counter()
        func()
        best = min(best, time.perf_counter() - start)
    return best


def main(argv: list[str]) -> int:
    quick = "--quick" in argv
    n = 2_000 if quick else 50_000
    texts = messages(n)
    results: dict[str, float] = {}

    cold = ContentLinter(cache_size=0)
    results["lint_msgs_per_s_nocache"] = rate(cold.lint, texts)
    warm = ContentLinter()
    for t in texts[:500]:
        warm.lint(t)
    repeated = [texts[i % 500] for i in range(n)]
    results["lint_msgs_per_s_cached"] = rate(warm.lint, repeated)

    naive = [
        (c.rule, re.compile(r"\b" + re.escape(term) + r"s?\b"))
        for c in CATEGORIES.values()
        for term in c.terms
    ]
    results["naive_per_term_regex_msgs_per_s"] = rate(lambda t: naive_lint(t, naive), texts[:5_000])

    composer = MessageComposer("Sunny Smiles Dental")
    results["compose_msgs_per_s"] = rate(composer.compose, texts)
    results["count_segments_msgs_per_s"] = rate(count_segments, texts)
    try:
        import gsm0338  # type: ignore[import-not-found,unused-ignore]  # noqa: F401

        def peer_count(text: str) -> int:
            try:
                return len(text.encode("gsm03.38"))
            except UnicodeEncodeError:
                return len(text.encode("utf-16-le")) // 2

        results["peer_gsm0338_encode_msgs_per_s"] = rate(peer_count, texts)
    except ImportError:
        pass

    unit = " ".join(texts[:40])
    small, big = unit[:1_000], (unit * 20)[:10_000]
    repeat = 3 if quick else 10
    t_small = best_time(lambda: cold.lint(small), repeat)
    t_big = best_time(lambda: cold.lint(big), repeat)
    results["lint_10k_chars_ms"] = t_big * 1000
    results["lint_10k_over_1k_ratio"] = t_big / t_small

    width = max(len(k) for k in results)
    print(f"{'measure':<{width}}  value   (n={n}{', quick' if quick else ''})")
    for key, value in results.items():
        print(f"{key:<{width}}  {value:,.1f}")
    out = HERE / "results"
    out.mkdir(exist_ok=True)
    (out / ("bench_content.quick.json" if quick else "bench_content.json")).write_text(
        json.dumps({"quick": quick, "messages": n, "results": results}, indent=2) + "\n"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
