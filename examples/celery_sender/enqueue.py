"""Prepare the demo account and queue N messages (plus some duplicates).

    python enqueue.py --count 1000 --duplicates 100 --daily-limit 600

Grants consent for each contact (a demo: in your application consent comes
from your opt-in flow), sets the account's daily limit override, and queues
one ``a2p.send_message`` task per message with the key ``order-<n>``; the
duplicates re-queue keys already queued, as a retried producer would.
"""

from __future__ import annotations

import argparse
import random
import sys

from tasks import engine, send_message, to_payload

from a2p_policy import ConsentRecord, OutboundMessage, UseCase
from a2p_policy.usecases import OptInMethod

ACCOUNT = "acme-store"
BRAND = "Acme"
SENDER = "+14155550199"


def contact(n: int) -> str:
    return f"+1415556{n:04d}"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--count", type=int, default=1000)
    parser.add_argument("--duplicates", type=int, default=0)
    parser.add_argument("--daily-limit", type=int, default=None)
    args = parser.parse_args(argv)
    eng = engine()
    if args.daily_limit is not None:
        eng.ramp.set_override(ACCOUNT, args.daily_limit)
    now = eng.clock.now()
    for n in range(args.count):
        eng.consent.grant(
            ConsentRecord(
                phone=contact(n),
                brand=BRAND,
                method=OptInMethod.WEB_FORM,
                source_url="https://acme.example/checkout",
                captured_at=now,
                scopes=frozenset({UseCase.ACCOUNT_NOTIFICATIONS}),
                express=False,
            )
        )
    keys = list(range(args.count))
    keys += random.Random(7).sample(range(args.count), min(args.duplicates, args.count))
    for n in keys:
        msg = OutboundMessage(ACCOUNT, SENDER, contact(n), f"Order #{n} has shipped", brand=BRAND)
        send_message.delay(to_payload(msg), f"order-{n}")
    print(f"queued {len(keys)} tasks for {args.count} messages", file=sys.stderr)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
