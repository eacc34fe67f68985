#!/usr/bin/env python3
"""Make every module of a2p_policy private except the public namespaces.

Issue 18, item 4: one import path per public name, as in httpx
(``httpx/__init__.py`` imports from ``._client``, ``._models``...). Public
namespaces: ``a2p_policy``, ``a2p_policy.storage`` (and its inner modules),
``a2p_policy.testing`` with ``contract``, ``strategies`` and the pytest plugin
module that pyproject's ``pytest11`` entry point names. Every other module or
subpackage gets a leading underscore (inner module names of a renamed
subpackage are unchanged).

What the script does, from the root of a checkout (clean or not):

1. ``git mv`` each public-looking module/subpackage to its private name
   (found by listing ``src/a2p_policy``, so modules merged after this script
   was written are handled too);
2. rewrites every reference in the tracked text files (except CHANGELOG.md,
   whose old entries are history): dotted names (``a2p_policy.engine`` ->
   ``a2p_policy._engine``, also in strings such as ``"a2p_policy.cli:main"``
   and ``::: a2p_policy.x`` mkdocstrings lines), ``from a2p_policy import
   engine as e`` forms, and paths (``src/a2p_policy/content/phrases.json``);
3. in user-facing files (docs/, README.md, examples/, benchmarks/) turns
   ``from a2p_policy._x import A, B`` into ``from a2p_policy import A, B``
   when every name is public (``__all__`` of the package plus
   ``EXTRA_PUBLIC``, the names the companion commit adds to ``__all__``),
   likewise for ``a2p_policy.testing``, merges the imports from one
   namespace in a code block, and prints what it had to leave private;
4. runs ``ruff check --select I --fix`` and ``ruff format`` on the Python
   files it changed (imports re-sort once ``_`` names appear).

It is idempotent: a second run finds nothing to move or rewrite.

    python tools/privatize.py [--root .] [--ruff PATH] [--dry-run]
"""

from __future__ import annotations

import argparse
import ast
import os
import re
import shutil
import subprocess
import sys
import textwrap
import tomllib
from collections.abc import Iterable
from pathlib import Path

PKG = "a2p_policy"
PUBLIC_SUBPACKAGES = frozenset({"storage", "testing"})
TESTING_PUBLIC = frozenset({"contract", "strategies"})  # + the plugin module
# Modules made private when this script was written: their old names keep
# being rewritten on later runs (after the move, the listing no longer shows
# them as public).
KNOWN = (
    "cli", "clock", "codes", "compose", "consent", "content", "decide", "demo", "dnd",
    "engine", "errors", "feedback", "findings", "keywords", "limits", "messages",
    "messaging", "phone", "retry", "revocation", "rules", "settings", "tollfree",
    "usecases", "validation", "webhooks", "testing.helpers",
)  # fmt: skip
# Names the companion commit adds to a2p_policy.__all__ (user-facing names that
# lived only in a submodule); docs may import them from the package.
EXTRA_PUBLIC = frozenset(
    {
        "ConsentView",
        "DemoReport",
        "DndOp",
        "DndSource",
        "MatchReason",
        "RateWindow",
        "Revocation",
        "RevokeAllPolicy",
        "add_business_days",
        "main",
        "public_url",
        "revocation_deadline",
        "run_demo",
        "us_federal_holidays",
    }
)
USER_FACING = ("docs/", "README.md", "examples/", "benchmarks/")
SKIP_FILES = frozenset({"CHANGELOG.md", "tools/privatize.py"})
TEXT_SUFFIXES = frozenset(
    {"", ".py", ".md", ".toml", ".yml", ".yaml", ".cfg", ".ini", ".txt", ".in", ".sh", ".pyi"}
)


def git(root: Path, *args: str) -> str:
    return subprocess.run(
        ["git", *args], cwd=root, check=True, capture_output=True, text=True
    ).stdout


def plugin_module(root: Path) -> str:
    """The module pyproject's pytest11 entry point names, e.g. ``plugin``."""
    data = tomllib.loads((root / "pyproject.toml").read_text(encoding="utf-8"))
    points = data.get("project", {}).get("entry-points", {}).get("pytest11", {})
    for target in points.values():
        mod = str(target).split(":")[0]
        prefix = f"{PKG}.testing."
        if mod.startswith(prefix):
            return mod[len(prefix) :].split(".")[0]
    return "plugin"


def discover_moves(root: Path) -> list[tuple[str, str]]:
    """(old, new) dotted names, relative to the package, still to move."""
    pkg = root / "src" / PKG
    moves: list[tuple[str, str]] = []
    for entry in sorted(pkg.iterdir()):
        name = entry.name
        if name.startswith(("_", ".")):
            continue
        if entry.is_file() and entry.suffix == ".py":
            moves.append((entry.stem, "_" + entry.stem))
        elif entry.is_dir() and (entry / "__init__.py").exists() and name not in PUBLIC_SUBPACKAGES:
            moves.append((name, "_" + name))
    keep = TESTING_PUBLIC | {plugin_module(root)}
    testing = pkg / "testing"
    if testing.is_dir():
        for entry in sorted(testing.iterdir()):
            public_looking = entry.suffix == ".py" and not entry.name.startswith("_")
            if public_looking and entry.stem not in keep:
                moves.append((f"testing.{entry.stem}", f"testing._{entry.stem}"))
    return moves


def private_name(dotted: str) -> str:
    head, _, last = dotted.rpartition(".")
    return f"{head}._{last}" if head else f"_{last}"


def rel_path(dotted: str, pkg: Path) -> Path:
    base = pkg.joinpath(*dotted.split("."))
    return base if base.is_dir() else base.with_suffix(".py")


def do_moves(root: Path, moves: list[tuple[str, str]], dry: bool) -> None:
    pkg = root / "src" / PKG
    for old, _new in moves:
        src = rel_path(old, pkg)
        dst = src.with_name("_" + src.name)
        if dst.is_dir() and not any(dst.rglob("*.py")):
            shutil.rmtree(dst)  # only bytecode left by an earlier checkout
        if dst.exists():
            sys.exit(f"both {src} and {dst} exist: merge them by hand, then re-run")
        print(f"git mv {src.relative_to(root)} {dst.relative_to(root)}")
        if not dry:
            git(root, "mv", str(src.relative_to(root)), str(dst.relative_to(root)))
            cache = src.parent / "__pycache__"
            if cache.is_dir():
                shutil.rmtree(cache, ignore_errors=True)


def mapping(root: Path, moves: list[tuple[str, str]]) -> dict[str, str]:
    """Every old dotted name (relative) -> its private name, moved now or before."""
    pkg = root / "src" / PKG
    result = dict(moves)
    for old in KNOWN:
        new = private_name(old)
        target = pkg.joinpath(*new.split("."))
        if target.is_dir() or target.with_suffix(".py").exists() or old in result:
            result.setdefault(old, new)
    return result


def compile_rules(names: dict[str, str]) -> list[tuple[re.Pattern[str], str]]:
    rules: list[tuple[re.Pattern[str], str]] = []
    # longest first, so "testing.helpers" wins over a shorter key
    for old in sorted(names, key=len, reverse=True):
        new = names[old]
        dotted = re.compile(rf"(?<![\w.]){PKG}\.{re.escape(old)}(?!\w)")
        rules.append((dotted, f"{PKG}.{new}"))
        old_path, new_path = old.replace(".", "/"), new.replace(".", "/")
        path = re.compile(rf"(?<![\w]){PKG}/{re.escape(old_path)}(?=/|\.py\b)")
        rules.append((path, f"{PKG}/{new_path}"))
    return rules


FROM_IMPORT = re.compile(
    rf"^(?P<indent>[ \t]*)from {PKG}(?P<sub>(?:\.\w+)*) import "
    r"(?P<body>\([^)]*\)|[^\n]*(?:\\\n[^\n]*)*)",
    re.MULTILINE,
)


def split_names(body: str) -> list[tuple[str, str | None]]:
    text = body.strip()
    if text.startswith("("):
        text = text[1:-1]
    text = re.sub(r"#[^\n]*", "", text).replace("\\\n", " ")
    out: list[tuple[str, str | None]] = []
    for part in text.split(","):
        bits = part.split()
        if not bits:
            continue
        if len(bits) == 3 and bits[1] == "as":
            out.append((bits[0], bits[2]))
        else:
            out.append((bits[0], None))
    return out


def render(indent: str, module: str, names: list[tuple[str, str | None]], body: str = "") -> str:
    items = [n if a is None or a == n else f"{n} as {a}" for n, a in names]
    line = f"{indent}from {module} import {', '.join(items)}"
    comment = re.search(r"  #[^\n]*$", body) if not body.lstrip().startswith("(") else None
    if comment:
        return line + comment.group(0)
    if len(line) <= 100:
        return line
    inner = "".join(f"{indent}    {item},\n" for item in items)
    return f"{indent}from {module} import (\n{inner}{indent})"


def rewrite_module_imports(text: str, names: dict[str, str]) -> str:
    """``from a2p_policy[.testing] import engine as e`` -> ``import _engine as e``."""

    def fix(match: re.Match[str]) -> str:
        sub = match["sub"].lstrip(".")
        parsed = split_names(match["body"])
        changed = False
        new_names: list[tuple[str, str | None]] = []
        for name, alias in parsed:
            key = f"{sub}.{name}" if sub else name
            new_name = names[key].rpartition(".")[2] if key in names else name
            changed = changed or new_name != name
            new_names.append((new_name, alias))
        if not changed:
            return match.group(0)
        return render(match["indent"], f"{PKG}{match['sub']}", new_names, match["body"])

    return FROM_IMPORT.sub(fix, text)


def public_names(root: Path) -> dict[str, frozenset[str]]:
    """The ``__all__`` of each public namespace (read statically)."""

    def read_all(path: Path) -> frozenset[str]:
        if not path.exists():
            return frozenset()
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in tree.body:
            if isinstance(node, ast.Assign) and any(
                isinstance(t, ast.Name) and t.id == "__all__" for t in node.targets
            ):
                value = ast.literal_eval(node.value)
                return frozenset(str(v) for v in value)
        return frozenset()

    pkg = root / "src" / PKG
    return {
        PKG: read_all(pkg / "__init__.py") | EXTRA_PUBLIC,
        f"{PKG}.testing": read_all(pkg / "testing" / "__init__.py"),
    }


def namespace_of(module: str) -> str | None:
    """The public namespace a private module's names belong to."""
    parts = module.split(".")
    if not any(p.startswith("_") for p in parts[1:]):
        return None
    if len(parts) > 1 and parts[1] == "testing":
        return f"{PKG}.testing"
    return PKG


def publish_imports(text: str, public: dict[str, frozenset[str]], where: str) -> str:
    """In user-facing files, import public names from their public namespace."""

    def fix(match: re.Match[str]) -> str:
        module = f"{PKG}{match['sub']}"
        target = namespace_of(module)
        if target is None:
            return match.group(0)
        parsed = split_names(match["body"])
        missing = [n for n, _ in parsed if n not in public[target]]
        if missing:
            print(f"  left private in {where}: from {module} import {', '.join(missing)}")
            return match.group(0)
        return render(match["indent"], target, parsed, match["body"])

    text = FROM_IMPORT.sub(fix, text)
    # prose such as `a2p_policy._consent.ledger.ConsentView`
    return DOTTED.sub(lambda m: public_path(m[1], public) or m[1], text)


DOTTED = re.compile(rf"(?<![\w.])({PKG}(?:\.\w+)*\._\w+(?:\.\w+)+)(?!\w)")
ROLE = re.compile(rf"(:[a-z]+:`~?)({PKG}(?:\.\w+)*\._\w+(?:\.\w+)+)`")


def public_path(dotted: str, public: dict[str, frozenset[str]]) -> str | None:
    """``a2p_policy._limits.ramp.RampUpLimiter.reserve`` ->
    ``a2p_policy.RampUpLimiter.reserve`` (None when no public name is in it)."""
    parts = dotted.split(".")
    target = namespace_of(dotted)
    if target is None:
        return None
    for i in range(2, len(parts)):
        private_before = any(p.startswith("_") for p in parts[1:i])
        if private_before and parts[i] in public[target]:
            return ".".join([target, *parts[i:]])
    return None


def publish_roles(text: str, public: dict[str, frozenset[str]]) -> str:
    """Docstring roles name the public path: :class:`~a2p_policy.ConsentRecord`."""

    def fix(match: re.Match[str]) -> str:
        path = public_path(match[2], public)
        return f"{match[1]}{path}`" if path else match.group(0)

    return ROLE.sub(fix, text)


def merge_imports(code: str) -> str:
    """One ``from <namespace> import`` per block of code, at the first one."""
    try:
        tree = ast.parse(code)
    except SyntaxError:
        return code
    lines = code.splitlines(keepends=True)
    for namespace in (PKG, f"{PKG}.testing"):
        nodes = [
            n
            for n in tree.body
            if isinstance(n, ast.ImportFrom) and n.module == namespace and n.level == 0
        ]
        if len(nodes) < 2:
            continue
        names: list[tuple[str, str | None]] = []
        for node in nodes:
            for alias in node.names:
                item = (alias.name, alias.asname)
                if item not in names:
                    names.append(item)
        names.sort(key=lambda na: isort_key(na[0]))
        first = nodes[0]
        for node in reversed(nodes):
            end = node.end_lineno or node.lineno
            del lines[node.lineno - 1 : end]
            if node is first:
                lines.insert(node.lineno - 1, render("", namespace, names) + "\n")
        code = "".join(lines)
        return merge_imports(code)  # line numbers moved: parse again
    return code


def isort_key(name: str) -> tuple[int, str]:
    """ruff's default order: CONSTANTS, Classes, functions."""
    if name.isupper() and len(name) > 1:
        return (0, name)
    if name[:1].isupper():
        return (1, name)
    return (2, name)


ANY_FENCE = re.compile(r"^```.*?^```[^\n]*$", re.MULTILINE | re.DOTALL)
PROSE_REF = re.compile(rf"`({PKG}(?:\.\w+)*\._\w+(?:\.\w+)*)((?:[.(][^`]*)?)`")


def source_path(dotted: str, root: Path) -> tuple[str, str]:
    """``a2p_policy._codes.tables.X`` -> (``src/a2p_policy/_codes/tables.py``, ``X``)."""
    parts = dotted.split(".")
    best, rest = "", parts
    for i in range(1, len(parts) + 1):
        base = root / "src" / Path(*parts[:i])
        if base.is_dir():
            best, rest = f"src/{'/'.join(parts[:i])}/", parts[i:]
        elif base.with_suffix(".py").is_file():
            best, rest = f"src/{'/'.join(parts[:i])}.py", parts[i:]
    return best, ".".join(rest)


# Guide pages whose prose names their own part of the library as a module
# ("The `a2p_policy.consent` package keeps that proof"): there it becomes the
# package, `a2p_policy`; elsewhere a private module is named by its file.
PROSE_SUBJECTS = {
    "docs/consent.md": "consent",
    "docs/tollfree.md": "tollfree",
    "docs/webhooks.md": "webhooks",
    "examples/webhook_app/README.md": "webhooks",
}


def prose_paths(text: str, root: Path, rel: str = "") -> str:
    """In Markdown prose, a private module is named by its source file, not by
    an import path: `a2p_policy._rules` -> `src/a2p_policy/_rules.py`."""
    subject = f"{PKG}._{PROSE_SUBJECTS[rel]}" if rel in PROSE_SUBJECTS else None

    def fix(match: re.Match[str]) -> str:
        if match[1] == subject and not match[2]:
            return f"`{PKG}`"
        path, attr = source_path(match[1], root)
        if not path:
            return match.group(0)
        attr += match[2].lstrip(".") if attr else match[2]
        return f"`{attr}` in `{path}`" if attr else f"`{path}`"

    out, last = [], 0
    for fence in ANY_FENCE.finditer(text):
        out += [PROSE_REF.sub(fix, text[last : fence.start()]), fence.group(0)]
        last = fence.end()
    out.append(PROSE_REF.sub(fix, text[last:]))
    return "".join(out)


FENCE = re.compile(r"(^```python[^\n]*\n)(.*?)(^```)", re.MULTILINE | re.DOTALL)


def merge_markdown(text: str) -> str:
    return FENCE.sub(lambda m: m[1] + merge_imports(m[2]) + m[3], text)


def tracked_text_files(root: Path) -> Iterable[Path]:
    for rel in git(root, "ls-files", "-z").split("\0"):
        if not rel or rel in SKIP_FILES:
            continue
        path = root / rel
        if path.suffix not in TEXT_SUFFIXES or not path.is_file():
            continue
        yield path


def rewrite_files(root: Path, names: dict[str, str], dry: bool) -> list[Path]:
    rules = compile_rules(names)
    public = public_names(root)
    changed: list[Path] = []
    for path in tracked_text_files(root):
        try:
            original = path.read_text(encoding="utf-8")
        except UnicodeDecodeError:
            continue
        text = original
        for pattern, replacement in rules:
            text = pattern.sub(replacement, text)
        text = rewrite_module_imports(text, names)
        rel = path.relative_to(root).as_posix()
        if rel.startswith("src/"):
            text = publish_roles(text, public)
        if rel.startswith(USER_FACING):
            text = publish_imports(text, public, rel)
            if path.suffix == ".py":
                text = merge_imports(text)
            elif path.suffix == ".md":
                text = prose_paths(merge_markdown(text), root, rel)
        if text != original:
            print(f"rewrote {rel}")
            changed.append(path)
            if not dry:
                path.write_text(text, encoding="utf-8")
    return changed


CHANGELOG_MARK = "- One public namespace (issue 18):"


def changelog_entries() -> dict[str, str]:
    extra = ", ".join(f"`{n}`" for n in sorted(EXTRA_PUBLIC, key=str.lower))
    return {
        "Removed": (
            f"{CHANGELOG_MARK} every module except `a2p_policy.storage` "
            "and `a2p_policy.testing` (with its `contract`, `strategies` and `plugin`) is "
            "now private (`a2p_policy._engine`, `a2p_policy._consent`...); "
            "the old module paths are gone "
            "(`a2p_policy.engine`, `a2p_policy.consent.ledger`, `a2p_policy.cli`, "
            "`a2p_policy.testing.helpers`...): import every name from `a2p_policy` (or "
            "`a2p_policy.storage`, `a2p_policy.testing`). Loggers follow the module names "
            "(`a2p_policy._engine`...): configure the `a2p_policy` logger.\n"
        ),
        "Added": (
            f"- Names that lived only in a submodule are importable from `a2p_policy`: {extra}.\n"
        ),
    }


SECTION_ORDER = ("Added", "Changed", "Deprecated", "Removed", "Fixed", "Security")


def add_to_section(unreleased: str, section: str, entry: str) -> str:
    """Append ``entry`` to ``### section`` of the Unreleased text (made if absent)."""
    head = re.search(rf"^### {section}\n", unreleased, re.MULTILINE)
    if head is None:
        later = SECTION_ORDER[SECTION_ORDER.index(section) + 1 :]
        nxt = re.search(rf"^### ({'|'.join(later)})\n", unreleased, re.MULTILINE)
        at = nxt.start() if nxt else len(unreleased.rstrip("\n")) + 1
        block = f"### {section}\n\n{entry}\n"
        return unreleased[:at] + ("\n" if nxt is None else "") + block + unreleased[at:]
    nxt = re.search(r"^### ", unreleased[head.end() :], re.MULTILINE)
    end = head.end() + nxt.start() if nxt else len(unreleased)
    body = unreleased[head.end() : end].rstrip("\n")
    return unreleased[: head.end()] + body + "\n" + entry + "\n" + unreleased[end:]


def changelog(root: Path, dry: bool) -> None:
    path = root / "CHANGELOG.md"
    if not path.exists():
        return
    text = path.read_text(encoding="utf-8")
    start = text.find("## [Unreleased]")
    if start < 0 or CHANGELOG_MARK in text:
        return
    body_start = text.index("\n", start) + 1
    nxt = re.search(r"^## \[", text[body_start:], re.MULTILINE)
    end = body_start + nxt.start() if nxt else len(text)
    unreleased = text[body_start:end]
    for section, entry in changelog_entries().items():
        wrapped = textwrap.fill(entry.strip(), width=78, subsequent_indent="  ")
        unreleased = add_to_section(unreleased, section, wrapped + "\n")
    print("CHANGELOG.md: Unreleased entries added")
    if not dry:
        path.write_text(text[:body_start] + unreleased + text[end:], encoding="utf-8")


def find_ruff(given: str | None) -> str | None:
    if given:
        return given
    sibling = Path(sys.executable).with_name("ruff")
    if sibling.exists():
        return str(sibling)
    return shutil.which("ruff")


def tidy(root: Path, files: list[Path], ruff: str | None) -> None:
    py = [str(p.relative_to(root)) for p in files if p.suffix == ".py" and p.exists()]
    if not py:
        return
    if ruff is None:
        print("ruff not found: run `ruff check --select I --fix` and `ruff format` yourself")
        return
    subprocess.run([ruff, "check", "--select", "I", "--fix", "--quiet", *py], cwd=root, check=False)
    subprocess.run([ruff, "format", "--quiet", *py], cwd=root, check=False)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--root", default=".", help="checkout root (default: .)")
    parser.add_argument("--ruff", default=None, help="ruff executable (default: beside python)")
    parser.add_argument("--dry-run", action="store_true", help="print, change nothing")
    args = parser.parse_args(argv)
    root = Path(args.root).resolve()
    if not (root / "src" / PKG / "__init__.py").exists():
        sys.exit(f"{root} is not an a2p_policy checkout")
    moves = discover_moves(root)
    names = mapping(root, moves)
    do_moves(root, moves, args.dry_run)
    changed = rewrite_files(root, names, args.dry_run)
    changelog(root, args.dry_run)
    if not args.dry_run:
        tidy(root, changed, find_ruff(args.ruff))
    print(f"{len(moves)} moved, {len(changed)} files rewritten")
    return 0


if __name__ == "__main__":
    os.environ.setdefault("PYTHONDONTWRITEBYTECODE", "1")
    raise SystemExit(main())
