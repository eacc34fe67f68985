"""The core install works without twilio; a twilio-backed function without
the extra raises an error that names it.

twilio's absence is simulated in a fresh interpreter by ``sys.modules['twilio']
= None`` (Python's documented way to make an import fail), so the test
process itself keeps its twilio.
"""

from __future__ import annotations

import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from a2p_policy._errors import A2PPolicyError
from a2p_policy._optional import EXTRAS, MissingExtraError, require

SRC = Path(__file__).resolve().parents[2] / "src"


def run_without_twilio(code: str) -> subprocess.CompletedProcess[str]:
    prelude = "import sys\nsys.modules['twilio'] = None\n"
    return subprocess.run(
        [sys.executable, "-c", prelude + textwrap.dedent(code)],
        capture_output=True,
        text=True,
        check=False,
        env={"PYTHONPATH": str(SRC), "PATH": "/usr/bin:/bin"},
        timeout=120,
    )


def test_import_never_imports_twilio() -> None:
    done = run_without_twilio(
        """
        import importlib, pkgutil
        import a2p_policy, a2p_policy.testing, a2p_policy.testing.plugin
        import a2p_policy._webhooks, a2p_policy._tollfree.twilio_transport
        loaded = [m for m in sys.modules if m == "twilio" or m.startswith("twilio.")]
        assert sys.modules["twilio"] is None and loaded == ["twilio"], loaded
        print("ok")
        """
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "ok"


def test_signature_check_without_twilio_names_the_extra() -> None:
    done = run_without_twilio(
        """
        from a2p_policy._webhooks import verify_twilio_signature
        from a2p_policy._errors import A2PPolicyError
        try:
            verify_twilio_signature("https://x.example/sms", {}, "sig", "token")
        except ImportError as exc:
            assert isinstance(exc, A2PPolicyError), type(exc)
            print(exc)
        else:
            raise SystemExit("no error without twilio")
        """
    )
    assert done.returncode == 0, done.stderr
    assert 'pip install "a2p-policy[twilio]"' in done.stdout
    assert "verify_twilio_signature" in done.stdout


def test_tollfree_transport_without_twilio_names_the_extra() -> None:
    done = run_without_twilio(
        """
        from types import SimpleNamespace
        from a2p_policy._tollfree.twilio_transport import TwilioTollFreeTransport
        resource = SimpleNamespace(create=lambda **kw: {})
        client = SimpleNamespace(
            messaging=SimpleNamespace(v1=SimpleNamespace(tollfree_verifications=resource))
        )
        transport = TwilioTollFreeTransport(client)
        try:
            transport.create({"BusinessName": "Owl"})
        except ImportError as exc:
            print(type(exc).__name__, exc)
        else:
            raise SystemExit("no error without twilio")
        """
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.startswith("MissingExtraError ")
    assert "a2p-policy[twilio]" in done.stdout


@pytest.mark.parametrize(("module", "extra"), sorted(EXTRAS.items()))
def test_missing_extra_error_names_module_and_extra(module: str, extra: str) -> None:
    exc = MissingExtraError(module, extra, "feature X")
    assert isinstance(exc, ImportError)
    assert isinstance(exc, A2PPolicyError)
    assert exc.name == module
    assert f'pip install "a2p-policy[{extra}]"' in str(exc)
    assert "feature X" in str(exc)


def test_require_returns_an_installed_module() -> None:
    module = require("twilio.request_validator", "test")
    assert hasattr(module, "RequestValidator")


def test_require_refuses_a_package_that_is_no_extra() -> None:
    with pytest.raises(ValueError, match="not an optional dependency"):
        require("json", "test")


def test_require_keeps_an_error_inside_the_package(monkeypatch: pytest.MonkeyPatch) -> None:
    """A broken import *inside* an installed package is not a missing extra."""
    monkeypatch.setitem(sys.modules, "twilio.request_validator", None)
    with pytest.raises(MissingExtraError) as info:
        require("twilio.request_validator", "test")
    assert info.value.extra == "twilio"
    monkeypatch.setitem(sys.modules, "twilio.request_validator", None)

    def broken(name: str, *args: object, **kwargs: object) -> object:
        raise ModuleNotFoundError("No module named 'six'", name="six")

    monkeypatch.setattr("importlib.import_module", broken)
    with pytest.raises(ModuleNotFoundError) as plain:
        require("twilio.request_validator", "test")
    assert not isinstance(plain.value, MissingExtraError)
