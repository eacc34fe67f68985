"""Optional dependencies: import one, or say which extra installs it.

The core install (``pip install a2p-policy``) needs only pydantic, attrs and
phonenumbers. A few features lean on an optional package, installed with an
extra:

* ``twilio``: the webhook signature check (:mod:`a2p_policy._webhooks`) and
  the toll-free transport (:mod:`a2p_policy._tollfree.twilio_transport`);
* ``redis`` and ``psycopg``/``psycopg_pool``: the Redis and PostgreSQL
  storage backends.

Such features call :func:`require` at the point of use (never at import
time of the package), so ``import a2p_policy`` works without them and a
missing package gives :class:`MissingExtraError`, which names the extra to
install, instead of a bare ``ModuleNotFoundError`` from deep inside.
"""

from __future__ import annotations

import importlib
from types import ModuleType
from typing import Final

from a2p_policy._errors import MissingExtraError

__all__ = ["EXTRAS", "MissingExtraError", "require"]

#: Top-level import name of each optional package -> the extra that installs it.
EXTRAS: Final[dict[str, str]] = {
    "twilio": "twilio",
    "redis": "redis",
    "psycopg": "postgres",
    "psycopg_pool": "postgres",
}


def require(module: str, feature: str) -> ModuleType:
    """Import ``module`` (e.g. ``"twilio.request_validator"``) and return it.

    :param module: dotted module name; its top-level package must be one of
        :data:`EXTRAS`.
    :param feature: what needs it, for the message (e.g. ``"verify_twilio_signature"``).
    :raises MissingExtraError: the package is not installed (or its import is
        blocked); the message names the extra.
    """
    top = module.partition(".")[0]
    extra = EXTRAS.get(top)
    if extra is None:
        raise ValueError(f"{top!r} is not an optional dependency of a2p-policy")
    try:
        return importlib.import_module(module)
    except ImportError as exc:
        missing = getattr(exc, "name", None) or top
        if missing.partition(".")[0] != top:
            raise  # the package is there but one of *its* imports failed: not ours to rename
        raise MissingExtraError(top, extra, feature) from exc
