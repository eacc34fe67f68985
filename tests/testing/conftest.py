"""Makes ``pytester`` available to the plugin tests.

The project does not enable pytest's ``pytester`` plugin globally; loading it
here (once, when this conftest is registered) gives these tests the
``pytester`` fixture without changing the root configuration. When the
plugin is already active (``-p pytester``), nothing happens.
"""

from __future__ import annotations

import pytest


def pytest_addoption(parser: pytest.Parser, pluginmanager: pytest.PytestPluginManager) -> None:
    if not pluginmanager.has_plugin("pytester"):
        pluginmanager.import_plugin("pytester")
