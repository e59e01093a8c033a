"""The layers, read from the source: each package imports only what it may.

``cli`` parses and prints, ``services`` does a command's work without Typer or
printing, ``core`` is plain functions over plain data. Every import counts,
the ones inside functions too: a lazy import is still a dependency.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

import crm_cli
from crm_cli.cli.app import COMMANDS

PACKAGE = Path(crm_cli.__file__).parent
HEAVY = ("jinja2", "vobject", "babel", "icalendar", "rich")


def _module_name(path: Path) -> str:
    parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _imports(path: Path, *, top_level_only: bool = False) -> set[str]:
    """Every module ``path`` imports; ``from a import b`` counts as ``a`` and ``a.b``."""
    tree = ast.parse(path.read_text(encoding="utf-8"), str(path))
    nodes = tree.body if top_level_only else list(ast.walk(tree))
    found: set[str] = set()
    for node in nodes:
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            if node.level:  # relative: resolve against the importing module's package
                package = _module_name(path).split(".")
                if path.name != "__init__.py":
                    package = package[:-1]
                base = ".".join(package[: len(package) - node.level + 1])
                module = f"{base}.{node.module}" if node.module else base
            else:
                module = node.module or ""
            found.add(module)
            found.update(f"{module}.{alias.name}" for alias in node.names)
    return found


def _sources(package: str) -> list[Path]:
    return sorted((PACKAGE / package).rglob("*.py"))


def _within(name: str, roots: tuple[str, ...]) -> bool:
    return any(name == root or name.startswith(root + ".") for root in roots)


def test_the_scan_sees_every_layer() -> None:
    for package in ("cli", "services", "core"):
        assert len(_sources(package)) > 3, package
    assert "crm_cli.cli.common" in _imports(PACKAGE / "cli" / "plan.py")


@pytest.mark.parametrize("path", _sources("services"), ids=lambda p: p.name)
def test_services_import_no_typer_rich_or_command_line(path: Path) -> None:
    forbidden = sorted(
        name for name in _imports(path) if _within(name, ("typer", "rich", "click", "crm_cli.cli"))
    )
    assert forbidden == []


@pytest.mark.parametrize("path", _sources("services"), ids=lambda p: p.name)
def test_services_import_heavy_libraries_only_inside_functions(path: Path) -> None:
    heavy = sorted(n for n in _imports(path, top_level_only=True) if _within(n, HEAVY))
    assert heavy == []


COMMAND_MODULES = tuple(sorted({f"crm_cli.cli.{module}" for module, _ in COMMANDS.values()}))


@pytest.mark.parametrize(
    "path", [p for p in _sources("cli") if p.name != "app.py"], ids=lambda p: p.name
)
def test_no_command_module_imports_another(path: Path) -> None:
    """Only ``app`` (the table of commands) loads command modules; the others share
    ``common``, ``output`` and ``views``, and the work itself in ``services``."""
    own = _module_name(path)
    others = sorted(
        name for name in _imports(path) if _within(name, COMMAND_MODULES) and name != own
    )
    assert others == []


@pytest.mark.parametrize("path", _sources("core"), ids=lambda p: p.name)
def test_core_imports_no_typer_rich_tinydb_store_cli_or_services(path: Path) -> None:
    roots = ("typer", "rich", "click", "tinydb", "crm_cli.store", "crm_cli.cli", "crm_cli.services")
    forbidden = sorted(name for name in _imports(path) if _within(name, roots))
    assert forbidden == []


def test_no_private_name_is_imported_from_another_crm_module() -> None:
    """A helper used by two modules is public where it belongs (e.g. ``output.wrap``)."""
    found = []
    for path in sorted(PACKAGE.rglob("*.py")):
        tree = ast.parse(path.read_text(encoding="utf-8"), str(path))
        for node in ast.walk(tree):
            if isinstance(node, ast.ImportFrom) and (
                node.level or _within(node.module or "", ("crm_cli",))
            ):
                for alias in node.names:
                    if alias.name.startswith("_") and not alias.name.startswith("__"):
                        found.append(f"{_module_name(path)}: {node.module}.{alias.name}")
    assert found == []


# Reading the user's own mail files (a Maildir's folders and messages, an mbox file) is
# the readers' work; everything a device remembers of a capture is the store's.
CAPTURE_READERS = {"sources.py"}
FILE_WRITES = {
    "write_bytes", "write_text", "mkdir", "makedirs", "unlink", "rename", "touch", "rmdir",
    "atomic_write", "make_private_dirs", "chmod", "os.replace", "os.remove", "os.open",
}  # fmt: skip
FILE_READS = {"open", "read_bytes", "read_text", "listdir", "walk", "scandir", "stat", "glob"}


def _calls(path: Path) -> set[str]:
    """The names of the functions and methods ``path`` calls (``os.walk`` is ``walk``)."""
    tree = ast.parse(path.read_text(encoding="utf-8"), str(path))
    found: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Call):
            func = node.func
            if isinstance(func, ast.Attribute):
                found.add(func.attr)
                if isinstance(func.value, ast.Name):  # os.replace, not str.replace
                    found.add(f"{func.value.id}.{func.attr}")
            elif isinstance(func, ast.Name):
                found.add(func.id)
    return found


@pytest.mark.parametrize("path", _sources("capture"), ids=lambda p: p.name)
def test_capture_reads_only_the_users_mail_and_writes_no_file(path: Path) -> None:
    writers = (
        "crm_cli.safefile",
        "crm_cli.store.fsops",
        "crm_cli.store.lockfile",
        "tinydb",
        "sqlite3",
    )
    writers += ("shutil", "tempfile")
    assert sorted(n for n in _imports(path) if _within(n, writers)) == []
    calls = _calls(path)
    assert sorted(calls & FILE_WRITES) == []
    if path.name not in CAPTURE_READERS:
        assert sorted(calls & FILE_READS) == []


def test_the_capture_scan_sees_the_readers_file_access() -> None:
    sources = PACKAGE / "capture" / "sources.py"
    assert {"open", "listdir", "walk", "stat"} <= _calls(sources)
    assert "atomic_write" in _calls(PACKAGE / "store" / "capture_state.py")
