"""A process killed between writing the intent and the transport's answer
leaves the key ``uncertain``: reported, never re-sent automatically."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
from pathlib import Path

from tests.messaging._support import ACCOUNT, grant, make_engine, msg, used

from a2p_policy._messaging.memory import InMemoryMessagingTransport
from a2p_policy._messaging.messenger import Messenger, SendState
from a2p_policy.storage.sqlite import SQLiteStorage

_CHILD = textwrap.dedent(
    """
    import os, sys
    sys.path[:0] = [{root!r}, {src!r}]
    from tests.messaging._support import grant, make_engine, msg
    from a2p_policy._messaging.messenger import Messenger
    from a2p_policy.storage.sqlite import SQLiteStorage

    class DiesMidSend:
        def send(self, **kwargs):
            # Killed while the request is out: nobody knows whether the
            # provider created the message.
            os._exit(9)

    engine = make_engine(SQLiteStorage({db!r}, timeout=10))
    grant(engine)
    Messenger(engine, DiesMidSend()).send(msg(), idempotency_key="order-7")
    raise SystemExit("not reached")
    """
)


def test_killed_between_intent_and_answer_is_uncertain(tmp_path: Path) -> None:
    db = tmp_path / "a2p.db"
    root = str(Path(__file__).resolve().parents[2])
    code = _CHILD.format(root=root, src=os.path.join(root, "src"), db=str(db))
    done = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=120, check=False
    )
    assert done.returncode == 9, done.stderr
    storage = SQLiteStorage(db, timeout=10)
    try:
        engine = make_engine(storage)
        transport = InMemoryMessagingTransport()
        messenger = Messenger(engine, transport)
        assert messenger.idempotency_state(ACCOUNT, "order-7") == SendState.UNCERTAIN
        result = messenger.send(msg(), idempotency_key="order-7")
        assert result.duplicate
        assert result.uncertain
        assert not result.sent
        assert transport.attempts == 0  # never re-sent automatically
        assert used(engine) == 1  # the killed send's reservation stands (it may have gone out)
        # Another key still sends.
        grant(engine)
        assert messenger.send(msg(), idempotency_key="order-8").sent
    finally:
        storage.close()
