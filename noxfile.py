"""Every way to run the project: ``nox -s tests lint typecheck docs bench demo``.

``tests`` runs once per supported CPython (``nox -s tests-3.12``); an
interpreter that is not installed is skipped (``.ci/run`` runs the sessions
of the interpreters it finds and says which ran).
"""

from __future__ import annotations

import nox

nox.options.sessions = ["lint", "typecheck", "tests"]
nox.options.reuse_existing_virtualenvs = True
nox.options.error_on_missing_interpreters = False

PYTHON = ["3.11"]
#: Every CPython the package supports (``requires-python = ">=3.11"``).
SUPPORTED = ["3.11", "3.12", "3.13"]


def install(session: nox.Session, *extras: str) -> None:
    """The one install helper every session calls."""
    spec = "." if not extras else f".[{','.join(extras)}]"
    session.install("-e", spec)


@nox.session(python=SUPPORTED)
def tests(session: nox.Session) -> None:
    """The whole test suite (property tests and the docs' examples included),
    on every core; ``nox -s tests -- -x tests/core`` passes arguments on."""
    install(session, "dev")
    session.run("python", "-m", "pytest", "-n", "auto", *session.posargs)


@nox.session(python=PYTHON)
def lint(session: nox.Session) -> None:
    """ruff check and format check."""
    session.install("ruff")
    session.run("ruff", "check", "src", "tests", "benchmarks", "examples", "noxfile.py")
    session.run("ruff", "format", "--check", "src", "tests", "benchmarks", "examples", "noxfile.py")


@nox.session(python=PYTHON)
def typecheck(session: nox.Session) -> None:
    """mypy --strict over the package, the tests and this noxfile."""
    install(session, "dev")
    session.run("mypy", "--strict", "src", "tests", "examples", "noxfile.py")


@nox.session(python=PYTHON)
def docs(session: nox.Session) -> None:
    """Build the documentation site, warnings as errors."""
    install(session, "docs")
    session.run("mkdocs", "build", "--strict", "--site-dir", "site")


@nox.session(python=PYTHON)
def bench(session: nox.Session) -> None:
    """Side-by-side benchmarks against peer libraries (``-- --quick`` for a smoke run)."""
    install(session, "dev")
    session.run("python", "benchmarks/run_all.py", *session.posargs)


@nox.session(python=PYTHON)
def demo(session: nox.Session) -> None:
    """The library's main job, on the embedded SQLite default."""
    install(session)
    session.run("a2p-policy", "demo", *session.posargs)
