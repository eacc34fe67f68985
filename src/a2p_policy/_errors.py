"""The library's error hierarchy.

Every error the library raises on purpose derives from :class:`A2PPolicyError`,
so callers can catch one class. Errors about bad arguments also derive from
``ValueError`` (or ``TypeError`` where the type is wrong) so that code written
against the standard library idiom keeps working. Messages say what was wrong
and what to do.
"""

from __future__ import annotations

__all__ = [
    "A2PPolicyError",
    "ConcurrentUpdateError",
    "ConfigurationError",
    "ConsentError",
    "DndLocked",
    "InvalidArgument",
    "InvalidPhoneNumber",
    "InvalidTransition",
    "MissingAccount",
    "MissingExtraError",
    "NaiveDatetimeError",
    "SignatureError",
    "StorageError",
    "StorageUnavailable",
    "TollFreeApiError",
]


class A2PPolicyError(Exception):
    """Base class of every error raised by a2p_policy."""


class InvalidArgument(A2PPolicyError, ValueError):
    """An argument has the wrong type or an out-of-range value."""


class NaiveDatetimeError(InvalidArgument):
    """A datetime without a time zone was given where an aware one is required."""


class ConfigurationError(InvalidArgument):
    """A component was configured with inconsistent or invalid settings."""


class InvalidPhoneNumber(A2PPolicyError, ValueError):
    """The input is not a valid phone number (after normalization to E.164)."""


class ConsentError(A2PPolicyError):
    """Consent is missing, invalid, or was obtained in a way that is not allowed
    (bought, shared, or from a third party)."""


class MissingAccount(ConsentError, InvalidArgument):
    """Consent is scoped to the account (``ConsentScope.ACCOUNT``) and a record
    or a lookup named none: the ledger cannot tell whose consent it is."""


class DndLocked(A2PPolicyError):
    """A do-not-disturb entry cannot be lifted this way (a PERMANENT DND is
    lifted only by the contact's own opt-in)."""


class InvalidTransition(A2PPolicyError):
    """A state machine was asked to make a transition its rules forbid."""


class TollFreeApiError(A2PPolicyError):
    """An error answered by the toll-free verification API (or its fake).

    ``status`` is the HTTP status, ``code`` Twilio's error code when known.
    """

    def __init__(self, status: int, code: int | None, message: str) -> None:
        self.status = int(status)
        self.code = code
        self.message = str(message)
        super().__init__(
            f"HTTP {self.status}" + (f" (code {code})" if code else "") + f": {message}"
        )

    def __reduce__(self) -> tuple[type[TollFreeApiError], tuple[int, int | None, str]]:
        return (type(self), (self.status, self.code, self.message))


class SignatureError(A2PPolicyError):
    """A webhook's ``X-Twilio-Signature`` is missing or does not match."""


class StorageError(A2PPolicyError):
    """A storage backend failed; the original driver error is chained."""


class ConcurrentUpdateError(StorageError):
    """A change kept losing its compare-and-set race to concurrent writers
    and gave up (nothing was changed; try again)."""


class StorageUnavailable(StorageError):
    """The storage backend cannot be reached. Policy decisions fail closed."""


class MissingExtraError(A2PPolicyError, ImportError):
    """An optional dependency is not installed; the message names the extra
    (``pip install "a2p-policy[twilio]"``) that installs it.

    Also an :class:`ImportError`, so code that guards an import the standard
    way keeps working.
    """

    def __init__(self, module: str, extra: str, feature: str) -> None:
        self.module = module
        self.extra = extra
        self.feature = feature
        super().__init__(
            f"{feature} needs the optional package {module!r}, which is not installed: "
            f'install it with pip install "a2p-policy[{extra}]"',
            name=module,
        )
