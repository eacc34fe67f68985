"""Loads the example app (examples/webhook_app/app.py, outside the package)
and builds it on an in-memory engine with a manual clock."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest

from a2p_policy import ManualClock, PolicyEngine
from a2p_policy.storage.memory import MemoryStorage
from a2p_policy.testing import TEST_AUTH_TOKEN

APP_PATH = Path(__file__).resolve().parents[2] / "examples" / "webhook_app" / "app.py"
PUBLIC = "https://sms.example.com"


def load_app_module() -> ModuleType:
    name = "a2p_example_webhook_app"
    if name in sys.modules:
        return sys.modules[name]
    spec = importlib.util.spec_from_file_location(name, APP_PATH)
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="session")
def app_module() -> ModuleType:
    return load_app_module()


@pytest.fixture
def app_engine(clock: ManualClock, memory_storage: MemoryStorage) -> PolicyEngine:
    return PolicyEngine(storage=memory_storage, clock=clock)


@pytest.fixture
def make_client(app_module: ModuleType, app_engine: PolicyEngine) -> Any:
    """``make_client(**settings)``: a Flask test client of the app."""

    def make(**settings: Any) -> Any:
        settings.setdefault("auth_token", TEST_AUTH_TOKEN)
        app = app_module.create_app(app_module.Settings(**settings), engine=app_engine)
        app.testing = True
        return app.test_client()

    return make


@pytest.fixture
def client(make_client: Any) -> Any:
    return make_client()
