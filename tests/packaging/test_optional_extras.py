"""The core install works without twilio; a twilio-backed function without
the extra raises an error that names it.

twilio's absence is simulated in a fresh interpreter by ``sys.modules['twilio']
= None`` (Python's documented way to make an import fail), so the test
process itself keeps its twilio.
"""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from a2p_policy._errors import A2PPolicyError
from a2p_policy._optional import EXTRAS, MissingExtraError, require

SRC = Path(__file__).resolve().parents[2] / "src"


#: The checks run without twilio, each a snippet that prints its answer.
_CHECKS: dict[str, str] = {
    "import": """
        import importlib, pkgutil
        import a2p_policy, a2p_policy.testing, a2p_policy.testing.plugin
        import a2p_policy._webhooks, a2p_policy._tollfree.twilio_transport
        loaded = [m for m in sys.modules if m == "twilio" or m.startswith("twilio.")]
        assert sys.modules["twilio"] is None and loaded == ["twilio"], loaded
        print("ok")
        """,
    "signature": """
        from a2p_policy._webhooks import verify_twilio_signature
        from a2p_policy._errors import A2PPolicyError
        try:
            verify_twilio_signature("https://x.example/sms", {}, "sig", "token")
        except ImportError as exc:
            assert isinstance(exc, A2PPolicyError), type(exc)
            print(exc)
        else:
            print("no error without twilio")
        """,
    "tollfree": """
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
            print("no error without twilio")
        """,
}


@pytest.fixture(scope="module")
def without_twilio() -> dict[str, str]:
    """What each check printed, run one after another in one fresh
    interpreter where twilio cannot be imported (the first check runs before
    anything else has imported the library)."""
    runner = textwrap.dedent(
        """
        import contextlib, io, json, sys, textwrap, traceback
        sys.modules["twilio"] = None
        checks = json.loads(sys.stdin.read())
        out = {}
        for name, code in checks.items():
            buffer = io.StringIO()
            try:
                with contextlib.redirect_stdout(buffer):
                    exec(textwrap.dedent(code), {"sys": sys})
            except BaseException:
                buffer.write("FAILED " + traceback.format_exc())
            out[name] = buffer.getvalue()
        print(json.dumps(out))
        """
    )
    done = subprocess.run(
        [sys.executable, "-c", runner],
        input=json.dumps(_CHECKS),
        capture_output=True,
        text=True,
        check=False,
        env={"PYTHONPATH": str(SRC), "PATH": "/usr/bin:/bin"},
        timeout=120,
    )
    assert done.returncode == 0, done.stderr
    answers: dict[str, str] = json.loads(done.stdout)
    return answers


def test_import_never_imports_twilio(without_twilio: dict[str, str]) -> None:
    assert without_twilio["import"].strip() == "ok", without_twilio["import"]


def test_signature_check_without_twilio_names_the_extra(without_twilio: dict[str, str]) -> None:
    out = without_twilio["signature"]
    assert 'pip install "a2p-policy[twilio]"' in out, out
    assert "verify_twilio_signature" in out


def test_tollfree_transport_without_twilio_names_the_extra(without_twilio: dict[str, str]) -> None:
    out = without_twilio["tollfree"]
    assert out.startswith("MissingExtraError "), out
    assert "a2p-policy[twilio]" in out


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
