"""Draft templates on disk: the built-ins shipped with the package and the user's own.

A template's name is its path under a templates folder without ``.j2``
(``email/check-in.en``). A user file of the same name in
``<config dir>/templates/`` overrides the built-in one. This module is the only
place that touches template files; the drafting engine gets a ``lookup``
function and never sees a path.
"""

from __future__ import annotations

import difflib
import functools
import stat
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from crm_cli.core.drafting.render import CHANNELS, split_name, validate_name
from crm_cli.errors import Conflict, InvalidValue, NotFound, TemplateError
from crm_cli.safefile import write_output

__all__ = [
    "CHANNELS",
    "TemplateInfo",
    "builtin_dir",
    "copy_template",
    "list_templates",
    "lookup",
    "read_template",
    "template_name",
    "user_dir",
    "validate_name",
]

SUFFIX = ".j2"


@dataclass(frozen=True)
class TemplateInfo:
    """A template: its name, what it is for, and where it comes from."""

    name: str
    channel: str
    purpose: str
    lang: str
    origin: str  # "built-in" | "user"
    path: Path


@functools.cache
def builtin_dir() -> Path:
    """The built-in templates: inside the installed package, else the source checkout's.

    Found once per process: ``crm drafts`` asks for it twice per draft. The package is
    a folder on disk (``crm_cli.__file__``): ``importlib.resources`` cost 4 ms to say so.
    """
    import crm_cli

    package = Path(crm_cli.__file__).parent
    if (package / "templates").is_dir():
        return package / "templates"
    return package.resolve().parent / "templates"


def user_dir(config_dir: Path) -> Path:
    return config_dir / "templates"


def template_name(channel: str, purpose: str, lang: str) -> str:
    return validate_name(f"{channel}/{purpose}.{lang}")


def _info(name: str, origin: str, path: Path) -> TemplateInfo:
    channel, purpose, lang = split_name(name)
    return TemplateInfo(name, channel, purpose, lang, origin, path)


def _scan(folder: Path, origin: str) -> dict[str, TemplateInfo]:
    """Every well-named ``*.j2`` one level down; other files (README, backups) are ignored."""
    found: dict[str, TemplateInfo] = {}
    if not folder.is_dir():
        return found
    for path in folder.glob(f"*/*{SUFFIX}"):
        name = f"{path.parent.name}/{path.name.removesuffix(SUFFIX)}"
        try:
            valid = validate_name(name)
        except InvalidValue:
            continue
        if valid == name and path.is_file():
            found[name] = _info(name, origin, path)
    return found


def list_templates(config_dir: Path) -> list[TemplateInfo]:
    """Built-ins and user templates, a user file replacing the built-in of the same name."""
    found = _scan(builtin_dir(), "built-in")
    found.update(_scan(user_dir(config_dir), "user"))
    return [found[name] for name in sorted(found)]


def _find(name: str, config_dir: Path) -> TemplateInfo | None:
    relative = name + SUFFIX
    for folder, origin in ((user_dir(config_dir), "user"), (builtin_dir(), "built-in")):
        path = folder / relative
        if path.is_file():
            return _info(name, origin, path)
    return None


def _read(info: TemplateInfo) -> str:
    try:
        return info.path.read_text(encoding="utf-8")
    except UnicodeDecodeError:
        raise TemplateError(f"template {info.name} ({info.path}) is not UTF-8 text") from None
    except OSError as exc:
        raise TemplateError(
            f"cannot read template {info.name} ({info.path}): {exc.strerror}"
        ) from None


def _not_found(name: str, config_dir: Path) -> NotFound:
    known = [t.name for t in list_templates(config_dir)]
    near = difflib.get_close_matches(name, known, n=4, cutoff=0.6)
    hint = f"; did you mean {', '.join(near)}?" if near else "; see 'crm templates list'"
    return NotFound(f"no template named '{name}'{hint}")


def read_template(name: str, config_dir: Path) -> tuple[str, TemplateInfo]:
    """The source of a template (the user's copy first) and where it came from."""
    valid = validate_name(name)
    info = _find(valid, config_dir)
    if info is None:
        raise _not_found(valid, config_dir)
    return _read(info), info


def copy_template(name: str, config_dir: Path, force: bool = False) -> Path:
    """Copies a built-in template into the user's folder, to be edited there."""
    valid = validate_name(name)
    source = builtin_dir() / (valid + SUFFIX)
    if not source.is_file():
        raise _not_found(valid, config_dir)
    target = user_dir(config_dir) / (valid + SUFFIX)
    if target.exists() and not force:
        raise Conflict(f"{target} already exists: edit it, or use --force to replace it")
    try:
        data = source.read_bytes()
    except OSError as exc:
        raise TemplateError(f"cannot read {source}: {exc.strerror}") from None
    # The name is crm's (the user named a template, not a file): never through a link.
    write_output(target, data, named_by_user=False)
    return target


_SOURCES: dict[Path, tuple[tuple[int, int, int], str]] = {}
"""Sources read in this process, by path, with the (mtime, size, inode) they were read at."""


def _stamp(path: Path) -> tuple[int, int, int] | None:
    """A file's (mtime, size, inode); None when it is missing or not a file."""
    try:
        st = path.stat()
    except OSError:
        return None
    return (st.st_mtime_ns, st.st_size, st.st_ino) if stat.S_ISREG(st.st_mode) else None


def _source(name: str, path: Path, stamp: tuple[int, int, int]) -> str:
    """The text of a template file, read again only when its stat changed (an edit)."""
    known = _SOURCES.get(path)
    if known is not None and known[0] == stamp:
        return known[1]
    text = _read(_info(name, "", path))
    _SOURCES[path] = (stamp, text)
    return text


def lookup(config_dir: Path) -> Callable[[str], str | None]:
    """``name -> source`` for the drafting engine (the user's copy first); None if missing.

    One function per config dir for the process: ``crm drafts`` renders the same
    few templates for many clients. A user's file is read once, and again only
    when its stat says it was edited; the built-ins are read once.
    """
    return _lookup(user_dir(config_dir), builtin_dir())


@functools.cache
def _lookup(folder: Path, builtins: Path) -> Callable[[str], str | None]:
    builtin = _builtin_lookup(builtins)

    def get(name: str) -> str | None:
        try:
            valid = validate_name(name)
        except InvalidValue:
            return None
        path = folder / (valid + SUFFIX)
        stamp = _stamp(path)
        if stamp is not None:
            return _source(valid, path, stamp)
        return builtin(valid)

    return get


def builtin_lookup() -> Callable[[str], str | None]:
    """``name -> source`` of the built-in templates only (the vetted wording), read once."""
    return _builtin_lookup(builtin_dir())


@functools.cache
def _builtin_lookup(folder: Path) -> Callable[[str], str | None]:
    cache: dict[str, str | None] = {}

    def get(name: str) -> str | None:
        if name not in cache:
            try:
                valid = validate_name(name)
            except InvalidValue:
                return None
            path = folder / (valid + SUFFIX)
            cache[name] = _read(_info(valid, "", path)) if path.is_file() else None
        return cache[name]

    return get
