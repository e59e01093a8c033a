"""Reading the user's playbooks: TOML files in ``<config dir>/playbooks/``."""

from __future__ import annotations

import tomllib
from pathlib import Path

from crm_cli.core.playbooks import Playbook, builtin_playbooks, parse_playbook
from crm_cli.errors import ConfigError, NotFound


def playbook_dir(config_dir: Path) -> Path:
    return config_dir / "playbooks"


def load_playbooks(config_dir: Path) -> dict[str, tuple[Playbook, str]]:
    """Every playbook by name, with its origin ("built-in" or the user file).

    A user file named like a built-in replaces it. A malformed file is an
    error naming the file, so a typo never silently drops a procedure.
    """
    found: dict[str, tuple[Playbook, str]] = {
        name: (pb, "built-in") for name, pb in builtin_playbooks().items()
    }
    folder = playbook_dir(config_dir)
    if not folder.is_dir():
        return found
    for path in sorted(folder.glob("*.toml")):
        source = f"playbooks/{path.name}"
        try:
            data = tomllib.loads(path.read_text(encoding="utf-8"))
        except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
            raise ConfigError(f"{source}: cannot be read as TOML: {exc}") from None
        data.setdefault("name", path.stem)
        playbook = parse_playbook(data, source)
        # Keyed in lower case, as get_playbook looks names up: "Retainer.toml" is found
        # as 'retainer' or 'Retainer', and "Onboarding.toml" replaces the built-in.
        found[playbook.name.lower()] = (playbook, str(path))
    return found


def get_playbook(config_dir: Path, name: str) -> Playbook:
    books = load_playbooks(config_dir)
    key = name.strip().lower()
    if key not in books:
        raise NotFound(f"no playbook named '{name}': known are {', '.join(sorted(books))}")
    return books[key][0]
