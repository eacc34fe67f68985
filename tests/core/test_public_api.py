"""The public namespace: one sorted ``__all__`` whose every name imports,
and nothing public that it forgets."""

from __future__ import annotations

import importlib
import pickle
import pkgutil
import re
import tomllib
import types
import typing
from pathlib import Path

import pytest

import a2p_policy


def test_all_is_sorted_and_unique() -> None:
    names = list(a2p_policy.__all__)
    assert names == sorted(names)
    assert len(names) == len(set(names))


def test_every_name_in_all_is_importable() -> None:
    for name in a2p_policy.__all__:
        assert getattr(a2p_policy, name) is not None, name


def test_all_is_complete() -> None:
    """Every public class, function or constant bound in the package's
    namespace is listed (submodules themselves are not names)."""
    listed = set(a2p_policy.__all__)
    public = {
        name
        for name, value in vars(a2p_policy).items()
        if not name.startswith("_") and not isinstance(value, type(importlib))
    }
    assert public <= listed, sorted(public - listed)


# One import path per public name (issue 18, item 4): private modules behind
# three public namespaces, as in httpx.

SRC = Path(a2p_policy.__file__).parent
ROOT = SRC.parent.parent
PUBLIC_NAMESPACES = ("a2p_policy", "a2p_policy.storage", "a2p_policy.testing")
# the storage package's inner modules are public too (for backend authors)
PUBLIC_MODULES = frozenset(
    {
        *PUBLIC_NAMESPACES,
        "a2p_policy.testing.contract",
        "a2p_policy.testing.plugin",
        "a2p_policy.testing.strategies",
    }
)
PRIVATE_IMPORT = re.compile(r"^\s*(?:from|import)\s+a2p_policy(?:\.\w+)*\._\w+", re.MULTILINE)


def _all_modules() -> list[str]:
    names = ["a2p_policy"]
    for info in pkgutil.walk_packages([str(SRC)], prefix="a2p_policy."):
        names.append(info.name)
    return names


def _is_private(dotted: str) -> bool:
    return any(part.startswith("_") for part in dotted.split(".")[1:])


def _is_public_module(dotted: str) -> bool:
    return dotted in PUBLIC_MODULES or dotted.startswith("a2p_policy.storage.")


def test_every_module_is_private_or_a_public_namespace() -> None:
    modules = _all_modules()
    public = {m for m in modules if not _is_private(m)}
    assert {m for m in public if not _is_public_module(m)} == set()
    assert public >= PUBLIC_MODULES
    assert "a2p_policy.storage.base" in public
    assert any(m.startswith("a2p_policy._") for m in modules)


def test_the_pytest_plugin_entry_point_is_public() -> None:
    data = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    project = data["project"]
    for target in project["entry-points"]["pytest11"].values():
        assert _is_public_module(target), target
    for target in project["scripts"].values():
        module, _, attr = target.partition(":")
        assert callable(getattr(importlib.import_module(module), attr))


@pytest.mark.parametrize("namespace", PUBLIC_NAMESPACES)
def test_public_namespaces_export_names_not_private_modules(namespace: str) -> None:
    module = importlib.import_module(namespace)
    for name in module.__all__:
        value = getattr(module, name)
        assert not isinstance(value, type(importlib)), f"{namespace}.{name} is a module"
        assert name == "__version__" or not name.startswith("_"), name


@pytest.mark.parametrize("namespace", PUBLIC_NAMESPACES)
def test_no_private_submodule_is_a_public_attribute(namespace: str) -> None:
    """A public namespace exposes no private module under a public name."""
    module = importlib.import_module(namespace)
    for name, value in vars(module).items():
        if isinstance(value, type(importlib)) and value.__name__.startswith("a2p_policy."):
            assert name.startswith("_") or _is_public_module(value.__name__), name


@pytest.mark.parametrize("old", ["engine", "consent", "cli", "testing.helpers"])
def test_old_module_paths_are_gone(old: str) -> None:
    """The old paths (built here, so tools/privatize.py leaves them alone)."""
    with pytest.raises(ModuleNotFoundError):
        importlib.import_module(f"a2p_policy.{old}")


def test_public_names_show_the_public_namespace() -> None:
    """Functions, enums, errors and protocols say ``a2p_policy.X`` (reprs,
    tracebacks, pickles); a class with its own annotations keeps its defining
    module, where ``typing.get_type_hints`` resolves them."""
    for name in a2p_policy.__all__:
        value = getattr(a2p_policy, name)
        if isinstance(value, type) and value.__module__ != "a2p_policy":
            assert any(vars(k).get("__annotations__") for k in value.__mro__), name
        elif isinstance(value, (types.FunctionType, type)):
            assert value.__module__ == "a2p_policy", name


def test_type_hints_of_public_classes_resolve() -> None:
    for name in a2p_policy.__all__:
        value = getattr(a2p_policy, name)
        if isinstance(value, type):
            typing.get_type_hints(value)


def test_public_values_pickle_through_the_public_path() -> None:
    error = a2p_policy.ConsentError("no consent")
    again = pickle.loads(pickle.dumps(error))
    assert type(again) is a2p_policy.ConsentError
    assert pickle.loads(pickle.dumps(a2p_policy.UseCase.MARKETING)) is a2p_policy.UseCase.MARKETING
    assert pickle.loads(pickle.dumps(a2p_policy.normalize_phone)) is a2p_policy.normalize_phone
    assert b"a2p_policy._" not in pickle.dumps(a2p_policy.DndKind.PERMANENT)


def _user_facing_files() -> list[Path]:
    files = [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]
    files += sorted((ROOT / "examples").rglob("*.md"))
    return [f for f in files if f.is_file()]


def test_user_facing_docs_import_only_from_public_namespaces() -> None:
    offenders = [
        f"{path.relative_to(ROOT)}: {match.group(0).strip()}"
        for path in _user_facing_files()
        for match in PRIVATE_IMPORT.finditer(path.read_text(encoding="utf-8"))
    ]
    assert not offenders, offenders


def test_api_reference_documents_public_namespaces_only() -> None:
    directive = re.compile(r"^:::\s+(\S+)", re.MULTILINE)
    for page in sorted((ROOT / "docs").glob("reference*.md")):
        for target in directive.findall(page.read_text(encoding="utf-8")):
            assert not _is_private(target), f"{page.name}: {target}"
